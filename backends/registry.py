"""Look up QUBO solvers by name; every solver is a ``dimod.Sampler``."""

from __future__ import annotations

from collections.abc import Callable

import dimod

__all__ = ["available_backends", "get_sampler"]


def _exact(**options) -> dimod.Sampler:
    from backends.exact import BoundedExactSolver

    return BoundedExactSolver(**options)


def _sa(**options) -> dimod.Sampler:
    from backends.sa import ScheduledAnnealingSampler

    return ScheduledAnnealingSampler(**options)


def _tabu(**options) -> dimod.Sampler:
    from dwave.samplers import TabuSampler

    return TabuSampler(**options)


def _steepest(**options) -> dimod.Sampler:
    from dwave.samplers import SteepestDescentSolver

    return SteepestDescentSolver(**options)


_FACTORIES: dict[str, Callable[..., dimod.Sampler]] = {
    "exact": _exact,
    "sa": _sa,
    "tabu": _tabu,
    "steepest": _steepest,
}


def available_backends() -> list[str]:
    """Names accepted by :func:`get_sampler`."""
    return sorted(_FACTORIES)


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
    if not isinstance(name, str) or name not in _FACTORIES:
        raise ValueError(
            f"unknown backend {name!r}; expected one of {available_backends()} "
            "or a dimod.Sampler instance"
        )
    return _FACTORIES[name](**options)
