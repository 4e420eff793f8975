"""What hqml runs on: QUBO samplers (`backends.samplers`), gate-model kernels (`backends.kernels`).

The two share only the error types and the memory guard defined here.
"""

from backends.errors import BackendCapacityError, BackendUnavailableError
from backends.samplers import (
    available_backends,
    check_sample_options,
    get_sampler,
    split_backend_options,
)

__all__ = [
    "BackendCapacityError",
    "BackendUnavailableError",
    "available_backends",
    "check_sample_options",
    "get_sampler",
    "split_backend_options",
]
