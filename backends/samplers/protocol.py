"""What the training may ask of a QUBO sampler beyond ``dimod.Sampler``: the declared protocol.

Every backend is a ``dimod.Sampler``; any dimod sampler works. A sampler may
declare more, and the training reads it only through :func:`sampler_traits`
and :func:`~backends.samplers.diagnostics.read_diagnostics`, never by
testing for a concrete class:

- ``capacity`` (int attribute or property): variables one ``sample`` call
  holds, e.g. the largest clique a QPU embeds; the training refuses larger
  working sets before any call. Absent: no limit.
- ``solves_whole_duals`` (bool attribute): the sampler takes a whole dual
  as one QUBO whatever its size (Leap's hybrid solver, which takes large
  QUBOs; the exact solver, which checks small problems by brute force and
  refuses beyond its capacity). Absent: False, and large duals are
  decomposed into working sets.
- ``diagnostics(sampleset)`` (method): parses the ``info`` this sampler
  writes into a :class:`~backends.samplers.diagnostics.SolveDiagnostics`.
  Absent: D-Wave's common timing keys are read.
- ``properties["warm_num_sweeps"]`` (int): the sweeps of a warm start's
  short anneal, multiplied by the training's warm-start effort.
- warm starts: ``initial_states`` in ``parameters`` (dimod's ``Initialized``
  convention), or ``initial_state``, ``anneal_schedule`` and
  ``reinitialize_state`` (a QPU's reverse anneal).
- timing in ``info["timing"]``: durations in integer nanoseconds under keys
  ending in ``_ns`` (dwave-samplers' convention), D-Wave's QPU keys in
  microseconds as the QPU writes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import dimod

from backends.samplers.warm import warm_start_kind

__all__ = ["SamplerTraits", "sampler_traits"]


@dataclass(frozen=True)
class SamplerTraits:
    """What a sampler declares of the protocol (see the module's docstring).

    Attributes
    ----------
    capacity : int or None
        Variables one call holds; None for no declared limit.
    solves_whole_duals : bool
        Whether a whole dual goes to it as one QUBO whatever its size.
    warm_start : {"initial_states", "reverse_anneal"} or None
        How it starts from a given state.
    warm_num_sweeps : int or None
        Sweeps of its warm start's short anneal, where it declares them.
    """

    capacity: int | None
    solves_whole_duals: bool
    warm_start: str | None
    warm_num_sweeps: int | None


def sampler_traits(sampler: dimod.Sampler) -> SamplerTraits:
    """The protocol members ``sampler`` declares, each with its default where it does not.

    Examples
    --------
    >>> import dimod
    >>> sampler_traits(dimod.ExactSolver())
    SamplerTraits(capacity=None, solves_whole_duals=False, warm_start=None, warm_num_sweeps=None)
    """
    capacity = getattr(sampler, "capacity", None)
    sweeps = sampler.properties.get("warm_num_sweeps")
    return SamplerTraits(
        capacity=int(capacity) if isinstance(capacity, int) else None,
        solves_whole_duals=bool(getattr(sampler, "solves_whole_duals", False)),
        warm_start=warm_start_kind(sampler),
        warm_num_sweeps=int(sweeps) if isinstance(sweeps, int) and sweeps > 0 else None,
    )
