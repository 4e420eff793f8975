"""What hqml runs on: QUBO samplers (`backends.samplers`), gate-model kernels (`backends.kernels`).

The two share only the error types and the memory guard defined here. The
training reaches the samplers through this face alone: the sampler protocol
(:func:`sampler_traits`), the checks of a sampler's answer and its diagnostics.
"""

from backends.errors import BackendCapacityError, BackendUnavailableError
from backends.memory import MemoryLimitError, check_memory, format_bytes, memory_limit
from backends.samplers import (
    SamplerOutputError,
    SamplerTraits,
    SolveDiagnostics,
    available_backends,
    check_sample_options,
    check_sampleset,
    forget_embeddings,
    get_sampler,
    read_diagnostics,
    sampler_traits,
    split_backend_options,
    warm_start_options,
)

__all__ = [
    "BackendCapacityError",
    "BackendUnavailableError",
    "MemoryLimitError",
    "SamplerOutputError",
    "SamplerTraits",
    "SolveDiagnostics",
    "available_backends",
    "check_memory",
    "check_sample_options",
    "check_sampleset",
    "forget_embeddings",
    "format_bytes",
    "get_sampler",
    "memory_limit",
    "read_diagnostics",
    "sampler_traits",
    "split_backend_options",
    "warm_start_options",
]
