"""Look up QUBO solvers by name; every solver is a ``dimod.Sampler``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import dimod

from backends.samplers.checks import check_sample_options

__all__ = ["available_backends", "check_sample_options", "get_sampler", "split_backend_options"]


def _exact(**options) -> dimod.Sampler:
    from backends.samplers.exact import BoundedExactSolver

    return BoundedExactSolver(**options)


def _sa(**options) -> dimod.Sampler:
    from backends.samplers.sa import ScheduledAnnealingSampler

    return ScheduledAnnealingSampler(**options)


def _tabu(**options) -> dimod.Sampler:
    from dwave.samplers import TabuSampler

    return TabuSampler(**options)


def _steepest(**options) -> dimod.Sampler:
    from dwave.samplers import SteepestDescentSolver

    return SteepestDescentSolver(**options)


def _qpu(**options) -> dimod.Sampler:
    from backends.errors import require_credentials, require_dwave_system
    from backends.samplers.qpu import QPUSampler, QPUSpec

    require_dwave_system()
    require_credentials()
    return QPUSampler(QPUSpec(kind="qpu", **options), name="qpu")


def _mock_qpu(**options) -> dimod.Sampler:
    from backends.errors import require_dwave_system
    from backends.samplers.qpu import QPUSampler, QPUSpec

    require_dwave_system()
    return QPUSampler(QPUSpec(kind="mock", **options), name="mock-qpu")


def _hybrid(**options) -> dimod.Sampler:
    from backends.errors import require_credentials, require_dwave_system
    from backends.samplers.hybrid import HybridSampler

    require_dwave_system()
    require_credentials()
    return HybridSampler(**options)


@dataclass(frozen=True)
class _Backend:
    factory: Callable[..., dimod.Sampler]
    # Options that configure the sampler itself rather than one sample call.
    init_options: frozenset = field(default_factory=frozenset)


_BACKENDS: dict[str, _Backend] = {
    "exact": _Backend(_exact),
    "sa": _Backend(_sa, frozenset({"beta_schedule_type"})),
    "tabu": _Backend(_tabu),
    "steepest": _Backend(_steepest),
    "qpu": _Backend(
        _qpu, frozenset({"solver", "polling_timeout", "request_timeout", "latency", "copies"})
    ),
    "mock-qpu": _Backend(
        _mock_qpu,
        frozenset({"topology_shape", "num_sweeps", "noise", "chip_seed", "latency", "copies"}),
    ),
    "hybrid": _Backend(_hybrid, frozenset({"solver"})),
}

# Any key that looks like a credential: "token", "dwave_token", "API_KEY", "secret", ...
_SECRET_KEY = re.compile(r"token|secret|passw|api_?key|auth|credential", re.IGNORECASE)


def available_backends() -> list[str]:
    """Names accepted by :func:`get_sampler`."""
    return sorted(_BACKENDS)


def _check_name(name) -> _Backend:
    if not isinstance(name, str) or name not in _BACKENDS:
        raise ValueError(
            f"unknown backend {name!r}; expected one of {available_backends()} "
            "or a dimod.Sampler instance"
        )
    return _BACKENDS[name]


def split_backend_options(name: str | dimod.Sampler, options: dict | None) -> tuple[dict, dict]:
    """Split options into those that build the sampler and those of each sample call.

    A D-Wave token is refused here: it must come from Ocean's configuration,
    never from a parameter that would end up in reprs, pickles and results.
    """
    options = dict(options or {})
    secret = sorted(k for k in options if _SECRET_KEY.search(str(k)))
    if secret:
        raise ValueError(
            f"backend options must not carry credentials (got {secret}); set the "
            "DWAVE_API_TOKEN environment variable or run `dwave config create` instead"
        )
    if isinstance(name, dimod.Sampler):
        return {}, options
    init_names = _check_name(name).init_options
    init = {k: v for k, v in options.items() if k in init_names}
    return init, {k: v for k, v in options.items() if k not in init_names}


def get_sampler(name: str | dimod.Sampler, **options) -> dimod.Sampler:
    """Return the named QUBO solver, or the given ``dimod.Sampler`` unchanged.

    Parameters
    ----------
    name : str or dimod.Sampler
        One of :func:`available_backends`, or a sampler instance.
    **options
        Keyword arguments for the sampler's constructor.

    Examples
    --------
    >>> get_sampler("sa").__class__.__name__
    'ScheduledAnnealingSampler'
    """
    if isinstance(name, dimod.Sampler):
        if options:
            raise ValueError(
                "options configure a named backend; got a Sampler instance and "
                f"options {sorted(options)}"
            )
        return name
    return _check_name(name).factory(**options)
