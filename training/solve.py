"""Solving one dual on a backend: the one call from the estimators into the training.

:func:`solve` takes a :class:`~training.settings.TrainingRequest` and returns
a frozen :class:`~training.solution.DualSolution`, as libsvm's ``svm_train``
returns the coefficients and the intercept together. In between it owns
every decision of the solver: the sampler session, whether the dual is
solved as one QUBO (refinement rounds on the whole dual) or decomposed into
working sets of the size one backend call holds, the tolerances at the
dual's scale, the kernel (its Gram matrix or its columns, under the memory
guard), the intercept and the certificate.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
from numpy.typing import NDArray
from sklearn.exceptions import ConvergenceWarning

from backends import BackendCapacityError, SamplerTraits
from qubo import Dual, Encoding
from training._warnings import warn_at_caller
from training.certificate import certify
from training.guards import check_encoding, check_symmetry, check_whole_qubo, kernel_columns
from training.parallel_sets import decompose_parallel
from training.rounds import Refinement, RoundsContext, Start, refine
from training.sampler import SamplerSession
from training.settings import SolveSettings, TrainingRequest
from training.solution import DualSolution, read_only, records_to_arrays
from training.tolerances import Tolerances
from training.working_sets import Decomposition, decompose

__all__ = ["SA_WHOLE_LIMIT", "SA_WORKING_SET", "solve", "working_set_size"]

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

_ROUND_TRACE = ("energy", "dual_objective", "constraint_violation", "box_width", "seconds")
_ROUND_FLAGS = ("warm_start", "polished")
_OUTER_TRACE = (
    "kkt_violation", "dual_objective", "size", "qubo_calls", "seconds", "polished", "accepted"
)  # fmt: skip


def solve(request: TrainingRequest) -> DualSolution:
    """Solve ``request.dual``: one whole QUBO if it fits a working set, else decomposed.

    Refusals come before any kernel evaluation or QUBO: an encoding float64
    or memory cannot hold, a backend that cannot be reached (unless
    ``fallback="sa"``), a working set larger than one backend call holds,
    and a dense QUBO or kernel cache beyond the memory limit.

    Examples
    --------
    >>> from sklearn.metrics.pairwise import rbf_kernel
    >>> from qubo import svc_dual
    >>> from training.settings import SolveSettings, TrainingData, TrainingRequest
    >>> X = np.array([[0.0], [1.0], [3.0], [4.0]])
    >>> request = TrainingRequest(
    ...     dual=svc_dual([-1.0, -1.0, 1.0, 1.0], C=1.0),
    ...     data=TrainingData(rbf_kernel, X, name="rbf"),
    ...     settings=SolveSettings(),
    ...     random_state=np.random.RandomState(0),
    ...     owner="QSVC",
    ... )
    >>> solution = solve(request)
    >>> solution.stop_reason, solution.optimal
    ('polished', True)
    """
    dual, settings, owner = request.dual, request.settings, request.owner
    encoding = settings.encoding(dual.C)  # float64 must tell its levels apart
    check_encoding(settings.n_bits, owner)
    session = SamplerSession(settings, request.random_state)
    size = working_set_size(settings, session.traits, dual.n_coefficients)
    if request.data.check_symmetry:
        check_symmetry(request.data)
    if dual.n_coefficients <= size:
        return _solve_whole(request, encoding, session)
    return _solve_decomposed(request, encoding, session, size)


def working_set_size(settings: SolveSettings, traits: SamplerTraits, n_coefficients: int) -> int:
    """Coefficients per working set: the user's, or what one call of the backend holds.

    "auto" gives a QPU's clique capacity divided by ``n_bits``, the whole
    dual for a sampler that declares ``solves_whole_duals`` (Leap's hybrid
    solver, the exact solver), and for every other sampler the whole dual up
    to :data:`SA_WHOLE_LIMIT` coefficients, :data:`SA_WORKING_SET` beyond. A
    size whose QUBO exceeds what one call holds (a QPU's clique, the exact
    solver's 24 variables) is refused here, before any call.
    """
    capacity, n_bits = traits.capacity, settings.n_bits
    if settings.working_set_size == "auto":
        if traits.solves_whole_duals or (capacity is None and n_coefficients <= SA_WHOLE_LIMIT):
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


def _solve_whole(
    request: TrainingRequest, encoding: Encoding, session: SamplerSession
) -> DualSolution:
    """Refinement rounds on the whole dual's QUBO; its Gram matrix is formed once."""
    dual, settings, owner = request.dual, request.settings, request.owner
    check_whole_qubo(dual.n_coefficients, settings.n_bits, owner)
    K = request.data.gram_matrix()
    tolerances = Tolerances.at(settings.tol, dual, dual.linear, _largest(np.diagonal(K)))
    dense = dual.dense(K)
    with _capacity_explained(owner, dual.n_coefficients, settings.n_bits):
        result = refine(dense, encoding, session, settings, tolerances)
    if not result.converged and settings.max_iter > 1:
        warn_at_caller(
            f"{owner} stopped after max_iter={settings.max_iter} refinement rounds before "
            f"reaching tol={settings.tol}; raise max_iter or tol",
            ConvergenceWarning,
        )
    return _solution(
        request, result.coefficients, result.energies, dense.dual_gradient(result.coefficients),
        tolerances, encoding, session,
        trace=records_to_arrays(result.trace, _ROUND_TRACE + _ROUND_FLAGS),
        reason=_round_reason(result), size=None, n_iter=result.n_iter,
        converged=result.converged, n_variables=result.n_variables, info=result.info,
        warm=result.n_iter > 1,
    )  # fmt: skip


def _solve_decomposed(
    request: TrainingRequest, encoding: Encoding, session: SamplerSession, size: int
) -> DualSolution:
    """The dual one working set of ``size`` coefficients at a time, each by the same rounds."""
    dual, settings, owner = request.dual, request.settings, request.owner
    columns = kernel_columns(request.data, settings, size, owner)
    tolerances = Tolerances.at(settings.tol, dual, dual.linear, _largest(columns.diagonal()))
    copies = session.copies(size * settings.n_bits)
    context = RoundsContext(session, encoding, settings, tolerances)
    with _capacity_explained(owner, size, settings.n_bits):
        if copies > 1:  # several working sets share each call (a QPU's disjoint cliques)
            outcome, rounds = decompose_parallel(
                dual, columns, context, size=size, copies=copies,
                max_iter=_max_outer(dual.n_coefficients, size * copies),
            )  # fmt: skip
        else:
            outcome, single = _one_set_per_call(dual, columns, context, size)
            rounds = [[result] for result in single]
    if not outcome.converged:
        warn_at_caller(
            f"{owner} stopped after {outcome.n_iter} working sets ({outcome.reason}) with "
            f"libsvm's KKT violation at {outcome.kkt_violation:.3g} > {tolerances.kkt:.3g} "
            f"(tol={settings.tol} at this dual's scale); the "
            "subproblems stopped lowering the dual: raise tol, num_reads or the backend's effort",
            ConvergenceWarning,
        )
    return _decomposed_solution(request, outcome, rounds, tolerances, encoding, session, size)


def _one_set_per_call(
    dual: Dual, columns, context: RoundsContext, size: int
) -> tuple[Decomposition, list[Refinement]]:
    """The working sets one at a time, each subproblem by the rounds on the session's backend."""
    rounds: list[Refinement] = []
    session, encoding, settings, tolerances = (
        context.session, context.encoding, context.settings, context.tolerances
    )  # fmt: skip

    def solve_subproblem(
        subproblem: Dual, start: NDArray[np.float64], multiplier: float, kkt_tol: float
    ) -> tuple[NDArray[np.float64], int, bool]:
        calls = session.calls
        result = refine(
            subproblem, encoding, session, settings, tolerances, Start(start, multiplier, kkt_tol)
        )
        rounds.append(result)
        return result.coefficients[0], session.calls - calls, bool(result.trace[-1].polished)

    outcome = decompose(
        dual, columns, solve_subproblem, size=size, tolerances=tolerances,
        max_iter=_max_outer(dual.n_coefficients, size),
    )  # fmt: skip
    return outcome, rounds


def _decomposed_solution(
    request: TrainingRequest,
    outcome: Decomposition,
    rounds: list[list[Refinement]],
    tolerances: Tolerances,
    encoding: Encoding,
    session: SamplerSession,
    size: int,
) -> DualSolution:
    """A decomposed fit's result: one row, the outer loop's coefficients (pairs reduced)."""
    dual = request.dual
    # Reducing a pair keeps beta, so the gradient (which depends on beta) stays exact.
    z = dual.canonical(outcome.coefficients)[None, :]
    trace = records_to_arrays(outcome.trace, _OUTER_TRACE)
    # rounds per outer iteration: its sets ran in lockstep, so the most any of them took
    trace["rounds"] = read_only(
        np.array([max(r.n_iter for r in batch) for batch in rounds], dtype=np.int64)
    )
    rounds = [r for batch in rounds for r in batch]
    return _solution(
        request, z, np.array([dual.objective(z[0], outcome.gradient)]), outcome.gradient[None, :],
        tolerances, encoding, session, trace=trace, reason=outcome.reason, size=size,
        n_iter=outcome.n_iter, converged=outcome.converged,
        n_variables=max((r.n_variables for r in rounds), default=0),
        info=rounds[-1].info if rounds else {},
        warm=max((r.n_iter for r in rounds), default=0) > 1,
    )  # fmt: skip


def _solution(
    request: TrainingRequest,
    rows: NDArray[np.float64],
    energies: NDArray[np.float64],
    gradients: NDArray[np.float64],
    tolerances: Tolerances,
    encoding: Encoding,
    session: SamplerSession,
    *,
    trace: dict,
    reason: str,
    size: int | None,
    n_iter: int,
    converged: bool,
    n_variables: int,
    info: dict,
    warm: bool,
) -> DualSolution:
    """The result, built once: the first row's intercept and certificate with the solve's cost."""
    dual = request.dual
    certificate = certify(dual, rows[0], gradients[0])
    intercept, has_free = dual.intercept(rows[0], gradients[0], tolerances.resolution)
    return DualSolution(
        coefficients=read_only(rows),
        energies=read_only(np.asarray(energies, dtype=float)),
        gradients=read_only(gradients),
        intercept=float(intercept[0]),
        has_free=bool(has_free[0]),
        certificate=certificate,
        optimal=certificate.meets(tolerances, dual.C),
        tolerances=tolerances,
        encoding=encoding,
        n_variables=n_variables,
        n_iter=n_iter,
        converged=converged,
        stop_reason=reason,
        working_set_size=size,
        trace=trace,
        info=info,
        diagnostics=tuple(session.diagnostics),
        sampler=session.sampler,
        warm_start=session.traits.warm_start if warm else None,
        fallback_used=session.fell_back,
        qubo_calls=session.calls,
        sampler_seconds=session.seconds,
    )


@contextmanager
def _capacity_explained(owner: str, n_coefficients: int, n_bits: int):
    """A backend's capacity refusal, told in the estimator's words with its remedies."""
    try:
        yield
    except BackendCapacityError as error:
        raise BackendCapacityError(
            f"{owner} with n_bits={n_bits} builds a QUBO of {n_coefficients * n_bits} "
            f"variables from {n_coefficients} coefficients: {error}. Remedies: a smaller "
            "working_set_size, fewer bits (n_bits), Leap's hybrid solver "
            "(backend='hybrid'), or simulated annealing (backend='sa')"
        ) from None


def _round_reason(result: Refinement) -> str:
    if result.trace and result.trace[-1].polished:
        return "polished"
    return "tol" if result.converged else "max_iter"


def _largest(diagonal: NDArray[np.float64]) -> float:
    """The kernel's largest diagonal entry: the dual's curvature scale."""
    return float(np.max(diagonal, initial=0.0))


def _max_outer(n_coefficients: int, size: int) -> int:
    """A bound on a decomposed fit's outer iterations, far above what converging fits take.

    libsvm bounds its (2-coefficient) iterations by ``max(10**7, 100 N)``;
    per working set of ``size`` coefficients that is about ``100 N / size``.
    """
    return max(1_000, 100 * n_coefficients // max(size, 1))
