"""QUBO solvers: every one a ``dimod.Sampler``, looked up by name.

Also the protocol a sampler may declare beyond dimod's (:mod:`backends.samplers.protocol`),
what a solve reports back (:class:`SolveDiagnostics`), warm starts between
refinement rounds and the checks every sampler's output passes.
"""

from backends.samplers.checks import SamplerOutputError, check_sample_options, check_sampleset
from backends.samplers.diagnostics import SolveDiagnostics, read_diagnostics
from backends.samplers.protocol import SamplerTraits, sampler_traits
from backends.samplers.qpu import forget_embeddings
from backends.samplers.registry import available_backends, get_sampler, split_backend_options
from backends.samplers.warm import warm_start_options

__all__ = [
    "SamplerOutputError",
    "SamplerTraits",
    "SolveDiagnostics",
    "available_backends",
    "forget_embeddings",
    "check_sample_options",
    "check_sampleset",
    "get_sampler",
    "read_diagnostics",
    "sampler_traits",
    "split_backend_options",
    "warm_start_options",
]
