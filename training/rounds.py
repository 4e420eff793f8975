"""Successive approximation: a sequence of same-size QUBOs that converges to the dual optimum.

Round 1 is the single-shot QUBO on ``[0, C]``. Each further round encodes
every coefficient on its own box around the previous solution
(:func:`training.trust_region.next_box`), the equality constraint enters as an
augmented Lagrangian whose multiplier moves after every round, and the
sampler starts from the previous solution where it takes initial states.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace

import dimod
import numpy as np
from numpy.typing import NDArray

from qubo import BoxEncoding, Dual, Encoding, decode_sampleset
from training.polish import Polished, polish, restore_equality
from training.searches import line_search, subspace_search
from training.settings import SolveSettings
from training.tolerances import Tolerances
from training.trust_region import next_box

#: A round has stalled when it improves on its start by less than this
#: fraction of ``tol`` (relative energy): chosen on the tuning datasets of
#: experiments/benchmarks/exactness.py (diabetes, sine, breast_cancer).
_STALL = 0.01

#: The equality constraint counts as met once ``|h| <= _FEASIBLE * tol * C``:
#: stricter than the boxes, so that the constraint is met with a
#: margin rather than at its edge when the rounds stop.
_FEASIBLE = 0.3

#: The largest multiple of a warm start's default effort (SA: its sweeps).
#: Chosen on the tuning datasets at C = 10 (sine, diabetes): 16 cut the gap of
#: the hardest case from 36 % to 6 % at twice the time; 64 gave 2 % at 5 times.
_MAX_EFFORT = 16

#: Moves of the last rounds spanning the subspace search after each round;
#: chosen on the tuning datasets at C = 10 (sine, diabetes, N = 20 to 80):
#: 3 moves and 3 projected passes cut the gap of the hardest case (sine,
#: N = 80) from 13-16 % to 0.5-1 %; 8 moves were worse than 3.
_HISTORY = 3
_PASSES = 3

#: Signature of one QUBO call (a :class:`training.sampler.SamplerSession`): the
#: QUBO, the previous solution's bits (None in round 1), the effort of a warm
#: start (1, 2, 4, ...) -> (SampleSet, whether the sampler was warm-started).
SampleQubo = Callable[[dimod.BinaryQuadraticModel, "NDArray[np.int8] | None", int], tuple]


@dataclass
class RoundRecord:
    """What one round did: the per-round trace of a fit.

    ``energy`` is the round's best sample's; ``dual_objective`` and
    ``constraint_violation`` are those of the round's solution, the polished
    optimum where the polish ended the fit.
    """

    energy: float
    dual_objective: float
    constraint_violation: float
    box_width: float
    seconds: float
    warm_start: bool
    polished: bool = False


@dataclass
class Outcome:
    """What a solver of a dual program ran to: its coefficients, iterations and trace."""

    coefficients: NDArray[np.float64]
    n_iter: int
    converged: bool
    trace: list = field(default_factory=list)


@dataclass
class Refinement(Outcome):
    """The outcome of all rounds: the last round's kept solutions (``coefficients`` rows)."""

    energies: NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    info: dict = field(default_factory=dict)
    n_variables: int = 0


@dataclass
class _Search:
    """Where the rounds stand: the boxes, the multiplier, the warm start and its effort."""

    box: BoxEncoding
    multiplier: float = 0.0
    centre: NDArray[np.float64] | None = None
    step: float = np.inf
    effort: int = 1
    objective: float | None = None
    growing: bool = True
    moves: list = field(default_factory=list)


@dataclass
class _Round:
    """One round's samples, lowest energy first, and where the round started."""

    rows: NDArray[np.float64]
    energies: NDArray[np.float64]
    start: NDArray[np.float64]
    start_energy: float
    polished: bool = False

    @property
    def solution(self) -> NDArray[np.float64]:
        return self.rows[0]


def _penalty_unit(dual: Dual, tolerances: Tolerances, start: Start | None) -> float:
    """The penalty's unit: the whole dual's, or a working set's own at its start.

    A working set's linear term is the gradient it starts from, whose
    spread shrinks with the fit's KKT violation; the whole dual's unit
    (``g / (C d)``) would make later subproblems' penalties ever stiffer
    than their objective. Measured on make_friedman1 at N = 1,000 (C = 1,
    unit 13): 452 QUBO calls with the whole dual's unit, 139 with its own.
    """
    if start is None:
        return tolerances.penalty_unit
    gradient = dual.hessian @ start.coefficients + dual.linear
    curvature = float(np.diagonal(dual.hessian).max(initial=0.0))
    own = Tolerances.at(tolerances.tol, dual, gradient, curvature)
    return min(own.penalty_unit, tolerances.penalty_unit)


@dataclass(frozen=True)
class Start:
    """Where a working set's rounds start: its coefficients, the multiplier, its KKT tolerance.

    ``coefficients`` (off the grid) compete with round 1's samples, so that
    the rounds never end above them; ``multiplier`` is the equality's first
    multiplier (the intercept the whole dual's KKT conditions imply), so that
    the first QUBO already leans the right way; ``kkt_tol`` is the
    tolerance at which a polished round ends the rounds: a working set may
    be solved more loosely than the fit's ``tol``, while the coefficients'
    resolution, the boxes and the equality keep the fit's.
    """

    coefficients: NDArray[np.float64]
    multiplier: float
    kkt_tol: float


@dataclass(frozen=True)
class RoundsContext:
    """What every subproblem's rounds share in one fit: the sampler, the bits, the settings."""

    session: SampleQubo
    encoding: Encoding
    settings: SolveSettings
    tolerances: Tolerances


#: Each box narrows by this factor when a round lands inside it.
_SHRINK = 0.25


def refine(
    dual: Dual,
    encoding: Encoding,
    solve_round: SampleQubo,
    settings: SolveSettings,
    tolerances: Tolerances,
    start: Start | None = None,
) -> Refinement:
    """Run up to ``max_iter`` rounds; stop once the boxes, the objective and ``h`` settle.

    Convergence: the widest box is below the coefficients' tolerance, the
    dual objective changed by at most ``tol`` relatively in the last round and
    the constraint violation ``|h|`` is below ``_FEASIBLE`` times the
    coefficients' resolution (all at the dual's scale: ``tolerances``), or
    is only the grid's rounding, which the free coefficients then absorb
    (:func:`training.polish.restore_equality`). Every round keeps the
    best of its own samples and of the warm start, so a noisy sampler never
    loses the previous round's solution. With ``polish_rounds``, every
    round's best solution also names an active set, and the rounds stop as
    soon as the exact optimum on that set meets libsvm's KKT condition at
    ``tol`` (:func:`training.polish.polish`). A working set's rounds
    begin at its :class:`Start`; a whole dual's at 0 with multiplier 0.
    The rounds themselves are :func:`rounds`; this drives them one call at a time.
    """
    steps = rounds(dual, encoding, settings, tolerances, start)
    request = next(steps)
    while True:
        try:
            request = steps.send(solve_round(*request))
        except StopIteration as finished:
            return finished.value


#: What :func:`rounds` yields (a round's QUBO, the warm start's bits or None, the
#: warm start's effort) and is sent back (the SampleSet, whether it started warm).
RoundRequest = tuple[dimod.BinaryQuadraticModel, "NDArray[np.int8] | None", int]


def rounds(
    dual: Dual,
    encoding: Encoding,
    settings: SolveSettings,
    tolerances: Tolerances,
    start: Start | None = None,
) -> Generator[RoundRequest, tuple[dimod.SampleSet, bool], Refinement]:
    """The refinement rounds of :func:`refine` as a generator: it yields each round's QUBO.

    The caller sends back the sampler's answer; the generator returns the
    :class:`Refinement`. Several duals' rounds can so share sampler calls,
    round by round (several working sets in one QPU call).
    """
    penalty = settings.penalty * _penalty_unit(dual, tolerances, start)
    multiplier, kkt_tol = (
        (0.0, tolerances.kkt) if start is None else (start.multiplier, start.kkt_tol)
    )
    first = _first_boxes(encoding, dual.n_coefficients, tolerances, start)
    search = _Search(box=first, multiplier=multiplier)
    trace, info, converged = [], {}, False
    resolution = tolerances.resolution
    for _ in range(settings.max_iter):
        started = time.perf_counter()
        bqm = dual.qubo(search.box, penalty=penalty, multiplier=search.multiplier)
        warm_bits = None if search.centre is None else search.box.encode(search.centre).ravel()
        sampleset, warm = yield bqm, warm_bits, search.effort
        info = sampleset.info
        result = _ranked(sampleset, bqm, search.box, warm_bits)
        if start is not None and search.centre is None:
            result = _with_start(dual, result, start.coefficients, penalty, search.multiplier)
        sample_energy = float(result.energies[0])
        if settings.polish:
            result = _with_polish(dual, result, resolution, kkt_tol, penalty)
        trace.append(record := _record(dual, result, search, sample_energy, started, warm))
        if result.polished:
            converged = True
            break
        previous, multiplier = search.objective, search.multiplier
        _advance(search, dual, result, penalty=penalty, tolerances=tolerances, shrink=_SHRINK)
        search.objective = record.dual_objective
        if _settled(record, previous, search, tolerances):
            feasible = _feasible(dual, result, tolerances, penalty, multiplier)
            if feasible is not None:
                result, converged = feasible, True
                trace[-1] = _at_solution(record, dual, result)
                break
    return Refinement(
        coefficients=result.rows,
        energies=result.energies,
        n_iter=len(trace),
        converged=converged,
        trace=trace,
        info=dict(info),
        n_variables=bqm.num_variables,
    )


def _record(
    dual: Dual,
    result: _Round,
    search: _Search,
    sample_energy: float,
    started: float,
    warm: bool,
) -> RoundRecord:
    """The round's line of the trace, at its solution (the polished optimum if certified)."""
    return RoundRecord(
        energy=sample_energy,
        dual_objective=float(dual.objective(result.solution)),
        constraint_violation=float(dual.violation(result.solution)),
        box_width=float(search.box.width.max()),
        seconds=time.perf_counter() - started,
        warm_start=warm,
        polished=result.polished,
    )


def _settled(
    record: RoundRecord, previous: float | None, search: _Search, tolerances: Tolerances
) -> bool:
    """The rounds' own rule: the objective settled and the boxes below the resolution."""
    objective = record.dual_objective
    settled = previous is not None and abs(objective - previous) <= tolerances.objective(objective)
    return settled and search.box.width.max() <= tolerances.resolution


def _at_solution(record: RoundRecord, dual: Dual, result: _Round) -> RoundRecord:
    """The round's trace line at the solution it ends on (restored to the equality)."""
    return replace(
        record,
        dual_objective=float(dual.objective(result.solution)),
        constraint_violation=float(dual.violation(result.solution)),
    )


def _feasible(
    dual: Dual,
    result: _Round,
    tolerances: Tolerances,
    penalty: float,
    multiplier: float,
) -> _Round | None:
    """The settled round with ``|h|`` below ``_FEASIBLE`` times the resolution, or None.

    A solution whose ``h`` is only the grid's rounding gets it removed by
    :func:`training.polish.restore_equality` (a shift far below the
    resolution, which keeps the active set); it is ranked first, at the
    augmented dual of the round's multiplier.
    """
    resolution = tolerances.resolution
    if abs(dual.violation(result.solution)) <= _FEASIBLE * resolution:
        return result
    restored = restore_equality(dual, result.solution, resolution=resolution)
    # Only rounding is removed: a shift beyond the resolution would move the
    # solution itself, which is the annealer's work, so the rounds go on.
    if restored is None or np.abs(restored - result.solution).max() > resolution:
        return None
    energy = float(dual.augmented(restored, penalty=penalty, multiplier=multiplier))
    return _Round(
        rows=np.vstack([restored, result.rows]),
        # Ranked first, as the polished optimum is: it may sit a hair above
        # an infeasible sample of the same round.
        energies=np.append(min(energy, result.energies[0]), result.energies),
        start=result.start,
        start_energy=result.start_energy,
    )


def _ranked(
    sampleset: dimod.SampleSet,
    bqm: dimod.BinaryQuadraticModel,
    box: BoxEncoding,
    warm_bits: NDArray[np.int8] | None,
) -> _Round:
    """The round's decoded samples and its warm start (elitism), lowest energy first."""
    n = box.n_coefficients
    rows = decode_sampleset(sampleset, box, n)
    energies = np.asarray(sampleset.record.energy, dtype=float)
    start, start_energy = None, np.inf
    if warm_bits is not None:  # elitism: the warm start competes with the samples
        start = box.decode(warm_bits.reshape(n, -1))
        start_energy = bqm.energy((warm_bits, range(bqm.num_variables)))
        rows = np.vstack([rows, start])
        energies = np.append(energies, start_energy)
    order = np.argsort(energies, kind="stable")
    rows, energies = rows[order], energies[order]
    start = rows[0] if start is None else start
    return _Round(rows=rows, energies=energies, start=start, start_energy=float(start_energy))


def _with_start(
    dual: Dual,
    result: _Round,
    start: NDArray[np.float64],
    penalty: float,
    multiplier: float,
) -> _Round:
    """Round 1's samples with the given start among them, ranked by the augmented dual.

    The QUBO's energy of a grid point is the augmented dual at its
    coefficients (the builder's identity), so an off-grid start is ranked
    by evaluating that dual directly.
    """
    energy = float(dual.augmented(start, penalty=penalty, multiplier=multiplier))
    rows = np.vstack([result.rows, start])
    energies = np.append(result.energies, energy)
    order = np.argsort(energies, kind="stable")
    return _Round(rows=rows[order], energies=energies[order], start=start, start_energy=energy)


def _with_polish(
    dual: Dual, result: _Round, resolution: float, kkt_tol: float, penalty: float
) -> _Round:
    """The round ranked behind its polished optimum where the polish certifies one."""
    polished = polish(dual, result.solution, resolution=resolution)
    if polished is None or not polished.optimal(kkt_tol):
        return result
    return _with_optimum(dual, result, polished, penalty=penalty)


def _with_optimum(dual: Dual, result: _Round, optimum: Polished, *, penalty: float) -> _Round:
    """The round's samples behind the certified optimum, all ranked at its multiplier.

    At the equality's exact multiplier the optimum minimises the augmented
    dual over the whole box (strong duality), so re-ranking every sample at
    that multiplier puts the optimum first and keeps the order meaningful.
    """
    rows = np.vstack([optimum.coefficients, result.rows])
    energies = dual.augmented(rows, penalty=penalty, multiplier=optimum.multiplier)
    # The certified optimum ranks first: its KKT tolerance may leave an
    # (infeasible) sample a hair lower.
    energies[0] = min(energies[0], energies[1:].min(initial=np.inf))
    return _Round(
        rows=rows,
        energies=energies,
        start=result.start,
        start_energy=result.start_energy,
        polished=True,
    )


def _advance(
    search: _Search,
    dual: Dual,
    result: _Round,
    *,
    penalty: float,
    tolerances: Tolerances,
    shrink: float,
) -> None:
    """Move the multiplier, the centre, the boxes and the warm-start effort to the next round."""
    # The augmented Lagrangian's update: lambda += 2 rho h.
    rho = dual.penalty_scale * penalty
    search.multiplier += float(2.0 * rho * dual.violation(result.solution))
    # The step narrows early when a round no longer improves on its start.
    lowest = result.energies[0]
    stalled = result.start_energy - lowest <= _STALL * tolerances.objective(lowest)
    move = result.solution - result.start
    if move.any():
        search.moves = [*search.moves, move][-_HISTORY:]
    search.centre = _extrapolate(
        dual, result.solution, move, search.moves, penalty, search.multiplier
    )
    search.box = next_box(
        search.box,
        search.centre,
        dual.C,
        shrink=shrink,
        stalled=stalled,
        previous=result.start,
        resolution=tolerances.resolution,
        grow=search.growing,
    )
    # A step that is kept means a valley the short warm anneals creep along:
    # double their effort each such round (up to _MAX_EFFORT), back to 1 on shrinking.
    step = search.box.width.max()
    search.effort = min(2 * search.effort, _MAX_EFFORT) if step >= search.step else 1
    search.growing = search.growing and step >= search.step
    search.step = step


def _first_boxes(
    encoding: Encoding, n: int, tolerances: Tolerances, start: Start | None
) -> BoxEncoding:
    """Round 1's boxes: ``[0, C]``, or ``[0, reach]`` when C is far above the solution's size.

    A working set's start lies inside them (its coefficients, with room to grow).
    """
    whole = encoding.boxes(n)
    reach = tolerances.reach
    if start is not None and start.coefficients.size:
        reach = max(reach, 2.0 * float(start.coefficients.max()))
    if reach >= encoding.C:
        return whole
    return BoxEncoding(whole.lower, np.full(n, reach), whole.weights)


def _extrapolate(
    dual: Dual,
    solution: NDArray[np.float64],
    move: NDArray[np.float64],
    moves: list[NDArray[np.float64]],
    penalty: float,
    multiplier: float,
) -> NDArray[np.float64]:
    """Continue the rounds' own moves as far as the augmented dual keeps falling.

    Coupled coefficients of an ill-conditioned kernel travel along a narrow
    valley that single-bit moves on a grid follow only slowly; the moves the
    last rounds made point along it. Two continuations compete, both exact
    on the (quadratic) augmented dual: a line search along the last move
    (Hooke and Jeeves' pattern move), and the lowest point in the span of
    the last few moves, which cancels the part of each move that zig-zags
    across the valley (as conjugate directions do). The next round's centre
    and warm start go to the lower; its samples then compete with that point.
    """
    if not move.any():
        return solution
    step = line_search(dual, solution, move, penalty=penalty, multiplier=multiplier)
    line = np.clip(solution + step * move, 0.0, dual.C)
    span = subspace_search(
        dual,
        solution,
        np.column_stack(moves),
        penalty=penalty,
        multiplier=multiplier,
        passes=_PASSES,
    )
    energies = dual.augmented(np.vstack([line, span]), penalty=penalty, multiplier=multiplier)
    return span if energies[1] < energies[0] else line
