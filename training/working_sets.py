"""Working-set decomposition: the whole dual, one QPU-sized subproblem at a time.

The dual in libsvm's form, ``min 1/2 z^T Q z + p^T z`` with ``0 <= z <= C``
and ``s^T z = 0`` (:class:`qubo.Dual`), is optimised over a working
set ``W`` of coefficients at a time, every other coefficient held fixed
(Joachims' SVMlight; libsvm is the case ``|W| = 2``). The subproblem is a
dense :class:`qubo.Dual` of the same kind (:meth:`qubo.Dual.subproblem`), so the
annealer solves it through the refinement rounds and the polish, and its
QUBO has ``|W| * n_bits`` variables whatever N is. The gradient
``G = Q z + p`` is kept up to date from the working set's kernel columns
alone (``G += Q[:, W] dz_W``), so the ``N x N`` matrix is never formed.

Stopping rule: libsvm's (:meth:`qubo.Dual.kkt`). With ``v = -s * G``,
``I_up`` the coefficients that may move up along ``s`` and ``I_low`` those
that may move down, the KKT conditions hold to ``tol`` when
``max_{I_up} v - min_{I_low} v <= tol``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from qubo import Dual
from training.rounds import Outcome
from training.tolerances import Tolerances

__all__ = ["Decomposition", "OuterRecord", "SubproblemSolver", "decompose", "select_working_set"]

#: Share of a working set kept from the previous one (SVMlight keeps half):
#: it damps the zig-zag of coefficients that two sets pull both ways. Chosen
#: on the tuning data (sine at N = 2,000, diabetes at N = 442, 88
#: coefficients): a quarter fitted 17 % and 32 % faster than a half.
_KEEP = 0.25

#: A subproblem is solved to this fraction of the whole dual's current KKT
#: violation (never finer than ``tol``): early working sets need descent, not
#: precision, as in inexact Newton methods. Chosen on the tuning data (sine,
#: diabetes): 0.3 took 22-29 % less time than 0.1, at the same final gap.
_INEXACT = 0.3

#: The dual counts as settled when the last outer iterations, at least
#: ``_SETTLE_WINDOW`` and one sweep over the coefficients (``n / size``),
#: lowered it by at most ``_SETTLE * tol * max(1, |dual|)``.
_SETTLE_WINDOW = 20
_SETTLE = 0.01

#: Why a decomposed fit may stop and still count as converged.
_CONVERGED = frozenset({"kkt", "settled"})

#: Outer iterations in a row whose subproblem did not lower the dual before the
#: loop gives up (the sampler returned worse than the start each time).
_MAX_STALLS = 5


@dataclass
class OuterRecord:
    """One outer iteration: the KKT violation before it and what its subproblem cost."""

    kkt_violation: float
    dual_objective: float
    size: int
    qubo_calls: int
    seconds: float
    polished: bool
    accepted: bool


@dataclass
class Decomposition(Outcome):
    """The outcome of the outer loop: with the coefficients, the gradient and why it stopped."""

    gradient: NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    kkt_violation: float = 0.0
    reason: str = "kkt"


#: Solves one subproblem: (the dense subproblem, its start, the equality's
#: multiplier estimate, the KKT tolerance to solve it to) -> (its new
#: coefficients, the QUBO calls made, whether the polish certified them).
SubproblemSolver = Callable[
    [Dual, NDArray[np.float64], float, float], tuple[NDArray[np.float64], int, bool]
]


def select_working_set(
    v: NDArray[np.float64],
    up: NDArray[np.bool_],
    low: NDArray[np.bool_],
    size: int,
    previous: NDArray[np.intp],
    tol: float,
    *,
    ordered: bool = False,
) -> NDArray[np.intp]:
    """Maximal violating pairs, topped up with part of the previous working set.

    Takes up to ``size * (1 - _KEEP) / 2`` coefficients with the largest
    ``v`` in ``I_up`` and as many with the smallest ``v`` in ``I_low`` (the
    most violating pairs first), then fills the set from the previous one,
    and from further violators if that is not enough. Only coefficients
    that take part in a violating pair (``v`` above ``min_{I_low} v + tol``
    in ``I_up``, below ``max_{I_up} v - tol`` in ``I_low``) are chosen as new.
    Sorted by index, or with ``ordered`` in the order they were chosen (the
    most violating pairs first).

    Examples
    --------
    >>> v = np.array([3.0, 2.0, 1.0, 0.0])
    >>> every = np.ones(4, dtype=bool)
    >>> select_working_set(v, every, every, 2, np.array([], dtype=np.intp), 1e-3).tolist()
    [0, 3]
    """
    n_new = max(2, round(size * (1 - _KEEP)))
    up_idx, low_idx = np.flatnonzero(up), np.flatnonzero(low)
    up_order = up_idx[np.argsort(-v[up_idx], kind="stable")]
    low_order = low_idx[np.argsort(v[low_idx], kind="stable")]
    top, bottom = v[up_order[0]], v[low_order[0]]
    up_order = up_order[v[up_order] > bottom + tol]
    low_order = low_order[v[low_order] < top - tol]
    chosen = _interleave(up_order, low_order, n_new)
    if chosen.size < size:
        kept = previous[~np.isin(previous, chosen)]
        chosen = np.concatenate([chosen, kept[: size - chosen.size]])
    if chosen.size < size:
        rest = _interleave(up_order, low_order, size + chosen.size)
        rest = rest[~np.isin(rest, chosen)]
        chosen = np.concatenate([chosen, rest[: size - chosen.size]])
    return chosen if ordered else np.sort(chosen)


def _interleave(first: NDArray[np.intp], second: NDArray[np.intp], size: int) -> NDArray[np.intp]:
    """Alternate the two orders (each pair once), without repeats, up to ``size`` entries."""
    merged = np.empty(first.size + second.size, dtype=np.intp)
    common = min(first.size, second.size)
    merged[: 2 * common : 2], merged[1 : 2 * common : 2] = first[:common], second[:common]
    merged[2 * common :] = first[common:] if first.size > common else second[common:]
    _, index = np.unique(merged, return_index=True)
    return merged[np.sort(index)][:size]


def decompose(
    dual: Dual,
    columns: Callable[[NDArray[np.intp]], NDArray[np.float64]],
    solve: SubproblemSolver,
    *,
    size: int,
    tolerances: Tolerances,
    max_iter: int,
) -> Decomposition:
    """Optimise ``dual`` one working set of ``size`` coefficients at a time.

    ``columns(points)`` returns the kernel columns ``K[:, points]``;
    ``solve(subproblem, start, multiplier, kkt_tol)`` solves a subproblem on
    the backend (:data:`SubproblemSolver`). A certified answer is the subproblem's optimum and
    is always taken (it also closes whatever equality violation the start
    carried); any other is taken only when it lowers the dual (the sampler
    may return worse than the start). After a refusal the next working set
    is half as large (down to libsvm's 2): a smaller subproblem is better
    conditioned, and its flat valleys are short enough for the annealer
    to follow; after an acceptance the size doubles back. The loop ends
    on libsvm's condition at ``tolerances.kkt``, after ``max_iter`` outer iterations,
    or when ``_MAX_STALLS`` subproblems of 2 coefficients in a row were refused.
    """
    z = np.zeros(dual.n_coefficients)
    tol = tolerances.kkt
    gradient = dual.linear.astype(float).copy()
    previous = np.empty(0, dtype=np.intp)
    trace: list[OuterRecord] = []
    stalls, current, reason = 0, size, "max_iter"
    gap, v, up, low = dual.kkt(z, gradient)
    while len(trace) < max_iter:
        reason = _stop_reason(gap, tolerances, stalls, trace, max(_SETTLE_WINDOW, z.size // size))
        if reason is not None:
            break
        reason = "max_iter"
        started = time.perf_counter()
        working_set = select_working_set(v, up, low, current, previous, tol)
        points = dual.points[working_set]
        block = columns(points)
        subproblem = dual.subproblem(working_set, z, gradient, block[points])
        start = z[working_set]
        sub_tol = max(tol, _INEXACT * gap)
        multiplier = _multiplier(v, up, low)
        new, calls, polished = solve(subproblem, start, multiplier, sub_tol)
        accepted = polished or _lowers(subproblem, start, new, tolerances.resolution, multiplier)
        if accepted:
            gradient += dual.column_product(block, working_set, new - start)
            z[working_set] = new
        stalls = 0 if accepted else stalls + (current == 2)
        current = min(size, 2 * current) if accepted else max(2, current // 2)
        previous = working_set
        trace.append(
            OuterRecord(gap, dual.objective(z, gradient), working_set.size, calls,
                        time.perf_counter() - started, polished, accepted)
        )  # fmt: skip
        gap, v, up, low = dual.kkt(z, gradient)
    return _outcome(z, gradient, trace, gap, "kkt" if gap <= tol else reason)


def _outcome(
    z: NDArray[np.float64], gradient: NDArray[np.float64], trace: list, gap: float, reason: str
) -> Decomposition:
    return Decomposition(
        coefficients=z,
        n_iter=len(trace),
        converged=reason in _CONVERGED,
        trace=trace,
        gradient=gradient,
        kkt_violation=gap,
        reason=reason,
    )


def _stop_reason(
    gap: float, tolerances: Tolerances, stalls: int, trace: list[OuterRecord], window: int
) -> str | None:
    """Why the loop stops now, or None: libsvm's condition, a settled dual or stalled answers.

    The second rule is the rounds' own (the objective no longer moves, to
    a fraction of ``tol``): on numerically singular kernels (learning
    curves at C = 10, condition numbers of 1e20) the largest violating
    pair can sit a little above ``tol`` along directions in which the dual
    is flat, and working sets then trade coefficients without lowering it.
    """
    if gap <= tolerances.kkt:
        return "kkt"
    if stalls >= _MAX_STALLS:
        return "stalled"
    if len(trace) > window:
        before, now = trace[-window - 1].dual_objective, trace[-1].dual_objective
        if before - now <= _SETTLE * tolerances.objective(now):
            return "settled"
    return None


def _multiplier(v: NDArray[np.float64], up: NDArray[np.bool_], low: NDArray[np.bool_]) -> float:
    """The equality's multiplier the KKT conditions imply: the middle of ``[max_up v, min_low v]``.

    At the optimum ``G_t + mu s_t = 0`` for every free coefficient, that is
    ``mu = v_t``, the intercept; before it, the middle of the violating
    interval is the best estimate.
    """
    ends = [x for x in (v[up].max(initial=-np.inf), v[low].min(initial=np.inf)) if np.isfinite(x)]
    return float(np.mean(ends)) if ends else 0.0


def _lowers(
    subproblem: Dual,
    start: NDArray[np.float64],
    new: NDArray[np.float64],
    resolution: float,
    multiplier: float,
) -> bool:
    """Whether ``new`` lowers the dual, its equality kept within the coefficients' ``resolution``.

    Compared by the exact penalty ``f + nu |h|`` with ``nu`` above the
    equality's multiplier: a start that carries an earlier subproblem's
    violation cannot look better than a point that removes it, and a new
    point cannot buy a lower ``f`` by breaking the equality. The violation
    left (at most ``resolution``, above the rounds' own bound) is removed by the next
    subproblem's target, so it never accumulates.
    """
    nu = abs(multiplier) + 1.0
    merit_new = float(subproblem.objective(new)) + nu * abs(float(subproblem.violation(new)))
    merit_start = float(subproblem.objective(start)) + nu * abs(float(subproblem.violation(start)))
    return merit_new < merit_start and abs(float(subproblem.violation(new))) <= resolution
