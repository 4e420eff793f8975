"""QUBO solvers: every one a ``dimod.Sampler``, looked up by name.

Also what a solve reports back (:class:`SolveDiagnostics`), warm starts
between refinement rounds and the checks every sampler's output passes.
"""

from backends.samplers.registry import (
    available_backends,
    check_sample_options,
    get_sampler,
    split_backend_options,
)

__all__ = [
    "available_backends",
    "check_sample_options",
    "get_sampler",
    "split_backend_options",
]
