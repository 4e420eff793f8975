"""QUBO solvers (``dimod.Sampler`` instances) looked up by name."""

from backends.errors import BackendCapacityError, BackendUnavailableError
from backends.registry import (
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
