"""Warm starts: the options that start a sampler from a given state, where it takes one.

Classical samplers that follow dimod's ``Initialized`` convention (dwave-samplers'
simulated annealing, tabu and steepest descent, and hqml's ``"sa"``) take
``initial_states``; a D-Wave QPU takes one ``initial_state`` for reverse
annealing, with an ``anneal_schedule`` that goes from s = 1 back to
``REVERSE_ANNEAL_TURN``, pauses, and anneals forward again. Any other
sampler (brute force, a user's own) simply runs cold.
"""

from __future__ import annotations

import dimod
import numpy as np
from numpy.typing import NDArray

__all__ = ["REVERSE_ANNEAL_SCHEDULE", "warm_start_kind", "warm_start_options"]

#: Reverse anneal in microseconds: from the classical state (s = 1) back to
#: s = 0.45, a pause there, and forward again. D-Wave's reverse-annealing
#: examples use turning points of 0.4 to 0.6; lower melts more of the state.
REVERSE_ANNEAL_SCHEDULE = ((0.0, 1.0), (2.0, 0.45), (8.0, 0.45), (10.0, 1.0))

_REVERSE_PARAMETERS = frozenset({"initial_state", "anneal_schedule", "reinitialize_state"})


def warm_start_kind(sampler: dimod.Sampler) -> str | None:
    """``"initial_states"``, ``"reverse_anneal"`` or None: how ``sampler`` can start warm."""
    parameters = set(sampler.parameters)
    if "initial_states" in parameters:
        return "initial_states"
    if _REVERSE_PARAMETERS <= parameters:
        return "reverse_anneal"
    return None


def warm_start_options(
    sampler: dimod.Sampler,
    bqm: dimod.BinaryQuadraticModel,
    state: NDArray[np.int8],
    *,
    num_reads: int,
    effort: int = 1,
) -> dict | None:
    """Options of ``sampler.sample`` that start every read from ``state``, or None.

    Parameters
    ----------
    sampler : dimod.Sampler
        The sampler to start warm.
    bqm : dimod.BinaryQuadraticModel
        The binary problem; ``state`` lists its variables in ``bqm.variables`` order.
    state : ndarray of shape (num_variables,)
        The start state in {0, 1}.
    num_reads : int
        Number of reads that should start from ``state``.
    effort : int, default=1
        Multiple of the sampler's default warm-start effort, where it
        declares one: a sampler whose ``properties`` hold
        ``warm_num_sweeps`` (hqml's "sa") anneals ``effort`` times as many
        sweeps.

    Returns
    -------
    dict or None
        None when the sampler takes no start state.

    Examples
    --------
    >>> import dimod
    >>> from dwave.samplers import SteepestDescentSolver
    >>> bqm = dimod.BinaryQuadraticModel({0: 1.0, 1: -1.0}, {}, 0.0, "BINARY")
    >>> options = warm_start_options(SteepestDescentSolver(), bqm, np.array([1, 0]), num_reads=2)
    >>> options["initial_states"][0].tolist()
    [[1, 0], [1, 0]]
    >>> warm_start_options(dimod.ExactSolver(), bqm, np.array([1, 0]), num_reads=2) is None
    True
    """
    state = np.asarray(state, dtype=np.int8).ravel()
    labels = list(bqm.variables)
    if state.size != len(labels):
        raise ValueError(
            f"the start state has {state.size} bits but the problem has {len(labels)} variables"
        )
    kind = warm_start_kind(sampler)
    if kind == "initial_states":
        options = {"initial_states": (np.tile(state, (num_reads, 1)), labels)}
        sweeps = sampler.properties.get("warm_num_sweeps")
        if effort > 1 and sweeps:
            options["num_sweeps"] = int(sweeps * effort)
        return options
    if kind == "reverse_anneal":
        return {
            "initial_state": dict(zip(labels, state.tolist(), strict=True)),
            "anneal_schedule": [list(point) for point in REVERSE_ANNEAL_SCHEDULE],
            "reinitialize_state": True,
        }
    return None
