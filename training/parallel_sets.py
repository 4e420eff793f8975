"""Several disjoint working sets per sampler call: their rounds in lockstep, their moves combined.

A QPU holds several disjoint clique embeddings of a working set's QUBO (4 of
88 variables, 9 of 60 on a full Advantage), so one call, one programming
and one round trip can serve that many working sets. Each outer iteration
here selects ``copies`` disjoint working sets from libsvm's most violating
pairs, runs their refinement rounds in lockstep (round r of every set in
one call, :func:`training.rounds.rounds`), and combines their moves
``dz_i`` exactly: each set keeps its own equality, so ``z + sum_i t_i dz_i``
is feasible for every ``t`` in ``[0, 1]^k``, and the ``t`` taken minimises
the dual over that box, cross terms ``dz_i^T Q dz_j`` included (a plain
sum of moves each optimal alone may raise the dual). The gradient is
updated from the union's kernel columns, as one working set's is.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import solve_triangular
from scipy.optimize import lsq_linear

from qubo import KKT, Dual
from training.rounds import Refinement, RoundsContext, Start, rounds
from training.working_sets import (
    _INEXACT,
    _SETTLE_WINDOW,
    Decomposition,
    OuterRecord,
    _multiplier,
    _outcome,
    _stop_reason,
    select_working_set,
)

__all__ = ["combine_moves", "decompose_parallel", "disjoint_sets"]


def disjoint_sets(
    kkt: KKT, size: int, copies: int, previous: NDArray[np.intp], tol: float
) -> list[NDArray[np.intp]]:
    """Up to ``copies`` disjoint working sets of ``size`` coefficients, each a mix of both ends.

    libsvm's selection takes ``size * copies`` coefficients, the most
    violating pairs first, each pair one of ``I_up`` and one of ``I_low``;
    the first ``size`` of them form the first set, the next ``size`` the
    next, and so on: the first set holds the most violating pairs, as a
    single-set iteration's does, and the box QP over the moves
    (:func:`combine_moves`) weighs the others against it. Chosen on
    make_friedman1 at N = 400 (the noisy mock, 4 sets of 44 coefficients):
    these blocks took 89 QPU calls, dealing the coefficients round-robin
    133 (the sets then overlap in effect, and the QP takes 0.4-1 of each
    move), grouping them by kernel coupling 236. Sets that would come out
    short are dropped (one call takes QUBOs of one size); at least one set
    is returned.

    Examples
    --------
    >>> v = np.array([4.0, 3.0, 2.0, 1.0, 0.0, -1.0, -2.0, -3.0])
    >>> kkt = KKT(7.0, v, np.ones(8, dtype=bool), np.ones(8, dtype=bool))
    >>> [s.tolist() for s in disjoint_sets(kkt, 4, 2, np.array([], int), 1e-3)]
    [[0, 1, 6, 7], [2, 3, 4, 5]]
    """
    chosen = select_working_set(kkt.v, kkt.up, kkt.low, size * copies, previous, tol, ordered=True)
    k = max(1, min(copies, chosen.size // size))
    return [np.sort(chosen[i * size : (i + 1) * size]) for i in range(k)]


def combine_moves(
    gradient: NDArray[np.float64], hessian: NDArray[np.float64], moves: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The ``t`` in ``[0, 1]^k`` that minimises the dual along the moves (columns of ``moves``).

    ``f(z + D t) - f(z) = (D^T G)^T t + 1/2 t^T (D^T Q D) t`` over the union
    of the sets (``gradient`` ``G`` and ``hessian`` ``Q`` restricted to it):
    a convex box QP of ``k`` (at most a few) variables, solved exactly as a
    bounded least-squares problem (scipy's BVLS).
    ``t = 0`` is feasible, so the result never raises the dual.

    Examples
    --------
    >>> # two moves that each lower the dual alone but overshoot together
    >>> combine_moves(np.array([-1.0, -1.0]), np.array([[1.0, 1.0], [1.0, 1.0]]), np.eye(2))
    array([0.5, 0.5])
    """
    g = moves.T @ gradient
    H = moves.T @ hessian @ moves
    if not np.any(g < 0):
        return np.zeros(moves.shape[1])
    # As bounded least squares, which BVLS solves exactly by its active set
    # (L-BFGS-B stopped short of the minimum on ill-conditioned H): with
    # H + eps I = L L^T, the objective is 1/2 |L^T t + L^-1 g|^2 + const. The
    # ridge eps (1e-12 of H's scale) only makes a singular H factorable.
    ridge = 1e-12 * max(float(np.trace(H)) / g.size, 1e-300)
    L = np.linalg.cholesky(H + ridge * np.eye(g.size))
    target = -solve_triangular(L, g, lower=True)
    t = lsq_linear(L.T, target, bounds=(0.0, 1.0), method="bvls", tol=1e-15).x
    t = np.clip(t, 0.0, 1.0)
    return t if g @ t + 0.5 * t @ H @ t < 0 else np.zeros(g.size)


def _lockstep(
    context: RoundsContext, subproblems: list[Dual], starts: list[Start]
) -> list[Refinement]:
    """Every subproblem's rounds, round r of all of them in one call, until each has stopped."""
    steps = [
        rounds(sub, context.encoding, context.settings, context.tolerances, start)
        for sub, start in zip(subproblems, starts, strict=True)
    ]
    session = context.session
    pending = {i: next(step) for i, step in enumerate(steps)}
    results: list[Refinement | None] = [None] * len(steps)
    while pending:
        keys = list(pending)
        for i, answer in zip(keys, session.sample_many([pending[i] for i in keys]), strict=True):
            try:
                pending[i] = steps[i].send(answer)
            except StopIteration as finished:
                results[i] = finished.value
                del pending[i]
    return results


def decompose_parallel(
    dual: Dual, columns, context: RoundsContext, *, size: int, copies: int, max_iter: int
) -> tuple[Decomposition, list[list[Refinement]]]:
    """:func:`training.working_sets.decompose` with ``copies`` disjoint working sets per call.

    Stops on the same rules (libsvm's condition, a settled dual, stalled
    answers, ``max_iter``); returns the outcome and, per outer iteration,
    its sets' rounds.
    """
    session, tolerances = context.session, context.tolerances
    z, gradient = np.zeros(dual.n_coefficients), dual.linear.astype(float).copy()
    previous, trace, refinements = np.empty(0, dtype=np.intp), [], []
    stalls, reason, tol = 0, "max_iter", tolerances.kkt
    kkt = dual.kkt(z, gradient)
    window = max(_SETTLE_WINDOW, z.size // (size * copies))
    while len(trace) < max_iter:
        reason = _stop_reason(kkt.violation, tolerances, stalls, trace, window) or "max_iter"
        if reason != "max_iter":
            break
        started, calls = time.perf_counter(), session.calls
        sets = disjoint_sets(kkt, size, copies, previous, tol)
        union = np.concatenate(sets)
        block = columns(dual.points[union])
        subproblems = _subproblems(dual, sets, union, z, gradient, block)
        multiplier, sub_tol = _multiplier(*kkt[1:]), max(tol, _INEXACT * kkt.violation)
        results = _lockstep(context, subproblems, [Start(z[W], multiplier, sub_tol) for W in sets])
        refinements.append(results)
        moves = np.zeros((union.size, len(sets)))
        offset = 0
        for i, (W, result) in enumerate(zip(sets, results, strict=True)):
            moves[offset : offset + W.size, i] = result.coefficients[0] - z[W]
            offset += W.size
        hessian = dual.hessian_block(union, block[dual.points[union]])
        t = combine_moves(gradient[union], hessian, moves)
        accepted = bool(t.max(initial=0.0) > 0)
        if accepted:
            step = moves @ t
            gradient += dual.column_product(block, union, step)
            z[union] += step
        stalls = 0 if accepted else stalls + 1
        previous = union
        polished = all(bool(r.trace[-1].polished) for r in results)
        objective, seconds = dual.objective(z, gradient), time.perf_counter() - started
        calls = session.calls - calls
        trace.append(
            OuterRecord(kkt.violation, objective, union.size, calls, seconds, polished, accepted)
        )
        kkt = dual.kkt(z, gradient)
    gap = kkt.violation
    outcome = _outcome(z, gradient, trace, gap, "kkt" if gap <= tol else reason)
    return outcome, refinements


def _subproblems(
    dual: Dual,
    sets: list[NDArray[np.intp]],
    union: NDArray[np.intp],
    z: NDArray[np.float64],
    gradient: NDArray[np.float64],
    block: NDArray[np.float64],
) -> list[Dual]:
    """Each set's subproblem; only the first also removes the whole equality's leftover."""
    position = {int(t): i for i, t in enumerate(union)}
    subproblems = []
    for i, W in enumerate(sets):
        columns_of_W = [position[int(t)] for t in W]
        sub = dual.subproblem(W, z, gradient, block[np.ix_(dual.points[W], columns_of_W)])
        if i > 0:  # the leftover s^T z is removed once, by the first set, not k times
            sub = replace(sub, target=float(dual.signs[W] @ z[W]))
        subproblems.append(sub)
    return subproblems
