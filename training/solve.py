"""Solving a dual on a backend: the one contract between the estimators and the training.

Two ways, one result type. A dual that fits one working set runs the
refinement rounds on its whole QUBO (:func:`solve_program`); a larger one
is decomposed into working sets, each subproblem solved by the same rounds
(:func:`solve_decomposed`). Both return a frozen :class:`QuboSolution`;
the combination of its rows into one model is the estimator's business.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import dimod
import numpy as np
from numpy.typing import NDArray
from sklearn.exceptions import ConvergenceWarning

from backends import BackendCapacityError
from backends.samplers.diagnostics import SolveDiagnostics
from backends.samplers.exact import BoundedExactSolver
from backends.samplers.hybrid import HybridSampler
from backends.samplers.warm import warm_start_kind
from qubo import DualProgram, Encoding, KernelDual
from training._warnings import warn_at_caller
from training.rounds import Refinement, Start, refine
from training.sampler import SamplerSession
from training.settings import SolveSettings
from training.tolerances import Tolerances
from training.working_sets import Decomposition, decompose

__all__ = [
    "SA_WHOLE_LIMIT",
    "SA_WORKING_SET",
    "QuboSolution",
    "resolve_working_set_size",
    "solve_decomposed",
    "solve_program",
]

#: Coefficients per working set on samplers without a capacity of their own
#: ("sa", "tabu", "steepest", a user's sampler): 88, that is 176 QUBO
#: variables at 2 bits, the most that a QPU's clique (about 177) holds.
#: Measured on the tuning group only (the smooth 2-D "sine" at N = 2,000 and
#: diabetes at N = 442; `python -m experiments.benchmarks.scaling --choose-size`):
#: 88 fitted 1.5 times faster than 44 on both; 128 (256 variables) was 10-35 %
#: faster still, but its QUBOs would no longer be the ones a QPU solves.
SA_WORKING_SET = 88


#: On those samplers a dual of at most this many coefficients is solved as one
#: QUBO: below it the whole QUBO's rounds were as fast or faster than working
#: sets on the tuning group (sine and diabetes at N = 50 and 100, i.e. 100 and
#: 200 coefficients, C = 1 and 10), above it (N = 200, 400 coefficients) working
#: sets were faster in 3 of 4 cases (up to 5 times on diabetes).
SA_WHOLE_LIMIT = 300


@dataclass(frozen=True)
class QuboSolution:
    """What solving one dual produced.

    Attributes
    ----------
    coefficients : ndarray of shape (n_rows, n_coefficients)
        The last round's samples (with its start), lowest energy first; a
        decomposed fit has one row, the outer loop's result.
    energies : ndarray of shape (n_rows,)
        Their QUBO energies (a decomposed fit: the dual objective).
    n_variables : int
        Variables of the largest QUBO any call solved.
    n_iter : int
        Refinement rounds run, or outer iterations of a decomposed fit.
    converged : bool
        Whether the stopping rule was met before ``max_iter``.
    trace : mapping of str to ndarray
        One array per round (whole QUBO) or per outer iteration (decomposed).
    diagnostics : tuple of SolveDiagnostics
        What the sampler reported, one per QUBO call.
    info : mapping
        The last call's ``SampleSet.info``, as the sampler wrote it.
    sampler : dimod.Sampler
        The sampler that solved the QUBOs.
    warm_start : str or None
        How later rounds started from the previous solution.
    fallback_used : bool
        Whether simulated annealing replaced the requested backend.
    qubo_calls : int
        Sample calls made.
    sampler_seconds : float
        Seconds spent inside the sampler.
    gradient : ndarray or None
        A decomposed fit's final dual gradient ``Q z + p`` (its intercept's source).
    working_set_size : int or None
        Coefficients per working set of a decomposed fit.
    stop_reason : str
        Why it stopped: "polished" (a round's certified optimum), "tol" (the
        rounds' rule), "kkt" (libsvm's condition at ``tol``), "settled" (the
        decomposed dual no longer moved), "stalled" or "max_iter".
    tolerances : Tolerances or None
        ``tol`` at this dual's scale, as the solve used it.
    """

    coefficients: NDArray[np.float64]
    energies: NDArray[np.float64]
    n_variables: int
    n_iter: int
    converged: bool
    trace: Mapping[str, NDArray]
    diagnostics: tuple[SolveDiagnostics, ...]
    info: Mapping
    sampler: dimod.Sampler
    warm_start: str | None
    fallback_used: bool
    qubo_calls: int = 0
    sampler_seconds: float = 0.0
    gradient: NDArray[np.float64] | None = field(default=None)
    working_set_size: int | None = None
    stop_reason: str = "tol"
    tolerances: Tolerances | None = None


def resolve_working_set_size(
    settings: SolveSettings, sampler: dimod.Sampler, n_bits: int, n_coefficients: int
) -> int:
    """Coefficients per working set: the user's, or what one call of the backend holds.

    "auto" gives a QPU's clique capacity divided by ``n_bits``, the whole
    dual for Leap's hybrid solver (it takes large QUBOs) and for the exact
    solver (a check of small problems by brute force, which refuses more
    than 24 variables: enumerating even that many for each of thousands of
    working sets would take hours), and for every other sampler the whole
    dual up to :data:`SA_WHOLE_LIMIT` coefficients, :data:`SA_WORKING_SET`
    beyond. A size whose QUBO exceeds what one call holds (a QPU's
    clique, the exact solver's 24 variables) is refused here, before any call.
    """
    capacity = _variable_capacity(sampler)
    if settings.working_set_size == "auto":
        whole = isinstance(sampler, (BoundedExactSolver, HybridSampler))
        if whole or (capacity is None and n_coefficients <= SA_WHOLE_LIMIT):
            return n_coefficients
        return SA_WORKING_SET if capacity is None else max(2, capacity // n_bits)
    size = int(settings.working_set_size)
    variables = min(size, n_coefficients) * n_bits
    if capacity is not None and variables > capacity:
        raise BackendCapacityError(
            f"working_set_size={size} with n_bits={n_bits} gives QUBOs of {variables} "
            f"variables, but one call of this backend holds at most {capacity}; use "
            f"working_set_size <= {capacity // n_bits} or 'auto'"
        )
    return size


def _variable_capacity(sampler: dimod.Sampler) -> int | None:
    """Variables one call takes, where the sampler declares it (QPU, exact), else None."""
    capacity = getattr(sampler, "capacity", None)
    return int(capacity) if isinstance(capacity, int) else None


def solve_program(
    program: DualProgram,
    encoding: Encoding,
    settings: SolveSettings,
    session: SamplerSession,
    *,
    owner: str,
) -> QuboSolution:
    """Refine ``program``'s whole QUBO on the session's backend; ``owner`` names the estimator."""
    with _capacity_explained(owner, program, encoding):
        result = refine(program, encoding, session, settings)
    if not result.converged and settings.max_iter > 1:
        warn_at_caller(
            f"{owner} stopped after max_iter={settings.max_iter} refinement rounds before "
            f"reaching tol={settings.tol}; raise max_iter or tol",
            ConvergenceWarning,
        )
    return QuboSolution(
        coefficients=_frozen(result.coefficients),
        energies=_frozen(result.energies),
        n_variables=result.n_variables,
        n_iter=result.n_iter,
        converged=result.converged,
        trace=MappingProxyType(_round_trace(result)),
        diagnostics=tuple(session.diagnostics),
        info=MappingProxyType(dict(result.infos[-1])),
        sampler=session.sampler,
        warm_start=warm_start_kind(session.sampler) if result.n_iter > 1 else None,
        fallback_used=session.fell_back,
        qubo_calls=session.calls,
        sampler_seconds=session.seconds,
        stop_reason=_round_reason(result, settings),
        tolerances=settings.tolerances,
    )


def solve_decomposed(
    dual: KernelDual,
    columns: Callable[[NDArray[np.intp]], NDArray[np.float64]],
    encoding: Encoding,
    settings: SolveSettings,
    session: SamplerSession,
    *,
    size: int,
    max_outer: int,
    owner: str,
) -> QuboSolution:
    """Optimise ``dual`` one working set of ``size`` coefficients at a time, each on the backend."""
    largest, rounds, infos = 0, [], [{}]

    def solve(
        program: DualProgram, start: NDArray[np.float64], multiplier: float, tol: float
    ) -> tuple:
        nonlocal largest
        calls = session.calls
        with _capacity_explained(owner, program, encoding):
            result = refine(program, encoding, session, settings, Start(start, multiplier, tol))
        largest = max(largest, result.n_variables)
        rounds.append(result.n_iter)
        infos[0] = result.infos[-1]
        polished = bool(result.trace[-1].polished)
        return result.coefficients[0], session.calls - calls, polished

    tolerances = settings.tolerances or Tolerances.of(
        settings.tol,
        C=dual.C,
        gradient=Tolerances.gradient_scale(dual.signs, dual.linear),
        curvature=1.0,
    )
    outcome = decompose(
        dual,
        columns,
        solve,
        size=size,
        tolerances=tolerances,
        max_iter=max_outer,
        complementarity=settings.complementarity,
    )
    if not outcome.converged:
        warn_at_caller(
            f"{owner} stopped after {outcome.n_iter} working sets ({outcome.reason}) with "
            f"libsvm's KKT violation at {outcome.kkt_violation:.3g} > {tolerances.kkt:.3g} "
            f"(tol={settings.tol} at this dual's scale); the "
            "subproblems stopped lowering the dual: raise tol, num_reads or the backend's effort",
            ConvergenceWarning,
        )
    solution = _decomposed_solution(dual, outcome, session, largest, rounds, infos[0], size)
    return replace(solution, tolerances=tolerances)


def _decomposed_solution(
    dual: KernelDual,
    outcome: Decomposition,
    session: SamplerSession,
    largest: int,
    rounds: list[int],
    info: Mapping,
    size: int,
) -> QuboSolution:
    """A decomposed fit's result: one row, the outer loop's coefficients (pairs reduced)."""
    z = dual.canonical(outcome.coefficients)
    return QuboSolution(
        coefficients=_frozen(z[None, :]),
        energies=_frozen(np.array([dual.objective(z, outcome.gradient)])),
        n_variables=largest,
        n_iter=outcome.n_iter,
        converged=outcome.converged,
        trace=MappingProxyType(_outer_trace(outcome, rounds)),
        diagnostics=tuple(session.diagnostics),
        info=MappingProxyType(dict(info)),
        sampler=session.sampler,
        warm_start=warm_start_kind(session.sampler) if max(rounds, default=0) > 1 else None,
        fallback_used=session.fell_back,
        qubo_calls=session.calls,
        sampler_seconds=session.seconds,
        gradient=_frozen(outcome.gradient),
        working_set_size=size,
        stop_reason=outcome.reason,
    )


@contextmanager
def _capacity_explained(owner: str, program: DualProgram, encoding: Encoding):
    """A backend's capacity refusal, told in the estimator's words with its remedies."""
    try:
        yield
    except BackendCapacityError as error:
        raise BackendCapacityError(
            f"{owner} with n_bits={encoding.n_bits} builds a QUBO of "
            f"{program.n_coefficients * encoding.n_bits} variables from "
            f"{program.n_coefficients} coefficients: {error}. Remedies: a smaller "
            "working_set_size, fewer bits (n_bits), Leap's hybrid solver "
            "(backend='hybrid'), or simulated annealing (backend='sa')"
        ) from None


def _round_reason(result: Refinement, settings: SolveSettings) -> str:
    if result.trace and result.trace[-1].polished:
        return "polished"
    return "tol" if result.converged else "max_iter"


def _frozen(array: NDArray) -> NDArray:
    array = np.array(array)
    array.flags.writeable = False
    return array


def _round_trace(result: Refinement) -> dict[str, NDArray]:
    """The per-round trace as one array per quantity."""
    fields = ("energy", "dual_objective", "constraint_violation", "box_width", "seconds")
    trace = {name: np.array([getattr(r, name) for r in result.trace]) for name in fields}
    for flag in ("warm_start", "polished"):
        trace[flag] = np.array([getattr(r, flag) for r in result.trace])
    return trace


def _outer_trace(outcome: Decomposition, rounds: list[int]) -> dict[str, NDArray]:
    """The per-outer-iteration trace as one array per quantity."""
    fields = (
        "kkt_violation",
        "dual_objective",
        "size",
        "qubo_calls",
        "seconds",
        "polished",
        "accepted",
    )
    trace = {name: np.array([getattr(r, name) for r in outcome.trace]) for name in fields}
    trace["rounds"] = np.array(rounds[: outcome.n_iter], dtype=np.int64)
    return trace
