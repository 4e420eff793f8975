"""Solving a dual program on a backend: the one contract between ``qml`` and ``backends``.

A solve runs the refinement rounds (:mod:`qml._refine`) on a sampler and
returns a frozen :class:`QuboSolution`. The backend says what its samples
and diagnostics are (:func:`backends.samplers.diagnostics.read_diagnostics`);
the estimator's vocabulary (``n_bits``, ``fallback``, ensembles) is added
here, to the messages of the errors the backend raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import dimod
import numpy as np
from numpy.typing import NDArray
from sklearn.exceptions import ConvergenceWarning

from backends import (
    BackendCapacityError,
    BackendUnavailableError,
    check_sample_options,
    get_sampler,
    split_backend_options,
)
from backends.samplers.checks import check_sampleset
from backends.samplers.diagnostics import SolveDiagnostics, read_diagnostics
from backends.samplers.warm import warm_start_kind, warm_start_options
from qml._combine import unique_lowest
from qml._refine import Refinement, refine
from qml._warnings import warn_at_caller
from qubo import DualProgram, Encoding


class BackendFallbackWarning(UserWarning):
    """The requested backend failed and, as asked by ``fallback``, another one was used."""


@dataclass(frozen=True)
class QuboSolution:
    """The outcome of one sequence of refinement rounds (one dual program).

    Attributes
    ----------
    coefficients : ndarray of shape (n_kept, n_coefficients)
        The kept distinct coefficient rows of the last round, lowest energy first.
    energies : ndarray of shape (n_kept,)
        Their QUBO energies.
    n_variables : int
        Variables of each round's QUBO.
    n_iter : int
        Rounds run.
    converged : bool
        Whether the rounds met ``tol`` before ``max_iter``.
    trace : mapping of str to ndarray
        One array per round of ``energy``, ``dual_objective``,
        ``constraint_violation``, ``box_width``, ``seconds``, ``warm_start`` and
        ``polished`` (whether the round ended the fit with a certified optimum).
    diagnostics : tuple of SolveDiagnostics
        What the sampler reported, one per round.
    info : mapping
        The last round's ``SampleSet.info``, as the sampler wrote it.
    sampler : dimod.Sampler
        The sampler that solved the rounds.
    warm_start : str or None
        How later rounds started from the previous solution
        ("initial_states", "reverse_anneal") or None (all rounds cold).
    fallback_used : bool
        Whether simulated annealing replaced the requested backend.
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


def solve_program(
    program: DualProgram,
    encoding: Encoding,
    settings: Mapping,
    rng: np.random.RandomState,
    *,
    owner: str,
) -> QuboSolution:
    """Refine ``program``'s QUBOs on the backend that ``settings`` names.

    ``settings`` holds the estimator's parameters (``backend``,
    ``backend_options``, ``num_reads``, ``fallback``, ``penalty``,
    ``max_iter``, ``tol``, ``polish``, ``top_k``); ``owner`` names the estimator in
    messages.
    """
    solver = RoundSolver(settings, rng)
    try:
        result = refine(
            program,
            encoding,
            solver,
            penalty=settings["penalty"],
            max_iter=settings["max_iter"],
            tol=settings["tol"],
            polish_rounds=settings["polish"],
        )
    except BackendCapacityError as error:
        raise BackendCapacityError(
            f"{owner} with n_bits={encoding.n_bits} builds a QUBO of "
            f"{program.n_coefficients * encoding.n_bits} variables from "
            f"{program.n_coefficients} coefficients: {error}. Remedies: fewer bits (n_bits), "
            "a partition ensemble over subsets small enough to fit "
            "(qml.PartitionEnsembleRegressor / PartitionEnsembleClassifier), Leap's hybrid "
            "solver (backend='hybrid'), or simulated annealing (backend='sa')"
        ) from None
    if not result.converged and settings["max_iter"] > 1:
        warn_at_caller(
            f"{owner} stopped after max_iter={settings['max_iter']} refinement rounds before "
            f"reaching tol={settings['tol']}; raise max_iter or tol",
            ConvergenceWarning,
        )
    return _solution(result, solver, settings["top_k"])


def _solution(result: Refinement, solver: RoundSolver, top_k: int) -> QuboSolution:
    kept, energies = unique_lowest(result.coefficients, result.energies, top_k)
    for array in (kept, energies):
        array.flags.writeable = False
    return QuboSolution(
        coefficients=kept,
        energies=energies,
        n_variables=result.n_variables,
        n_iter=result.n_iter,
        converged=result.converged,
        trace=MappingProxyType(_trace_arrays(result)),
        diagnostics=tuple(solver.diagnostics),
        info=MappingProxyType(dict(result.infos[-1])),
        sampler=solver.sampler,
        warm_start=warm_start_kind(solver.sampler) if result.n_iter > 1 else None,
        fallback_used=solver.fell_back,
    )


def _trace_arrays(result: Refinement) -> dict[str, NDArray]:
    """The per-round trace as one array per quantity."""
    fields = ("energy", "dual_objective", "constraint_violation", "box_width", "seconds")
    trace = {name: np.array([getattr(r, name) for r in result.trace]) for name in fields}
    for flag in ("warm_start", "polished"):
        trace[flag] = np.array([getattr(r, flag) for r in result.trace])
    return trace


class RoundSolver:
    """One sample call per refinement round, warm-started where the sampler allows it.

    Holds the sampler for the whole fit; when the backend cannot be reached
    and ``fallback="sa"`` asks for it, switches to simulated annealing for
    this and every later round and remembers that it did. Collects each
    round's diagnostics as the sampler parsed them.
    """

    def __init__(self, settings: Mapping, rng: np.random.RandomState) -> None:
        self.backend = settings["backend"]
        self.num_reads = settings["num_reads"]
        self.fallback = settings["fallback"]
        self.rng = rng
        self.fell_back = False
        self.diagnostics: list[SolveDiagnostics] = []
        self.name = (
            repr(self.backend) if isinstance(self.backend, str) else type(self.backend).__name__
        )
        init, self.options = split_backend_options(self.backend, settings["backend_options"])
        failure = None
        try:
            self.sampler = get_sampler(self.backend, **init)
        except BackendUnavailableError as error:
            failure = error
        # Handled after the except block, so that no raised error chains to it.
        if failure is not None:
            self._fall_back(failure)
            return
        check_sample_options(self.sampler, self.options, self.name)

    def _fall_back(self, error: BackendUnavailableError) -> None:
        if self.fallback != "sa":
            # The backend said what failed; the estimator says what the user may do.
            raise BackendUnavailableError(
                f"{error}; or pass fallback='sa' to fall back to simulated annealing on purpose"
            )
        warn_at_caller(
            f"backend {self.backend!r} failed ({error}); using simulated "
            "annealing because fallback='sa' was given",
            BackendFallbackWarning,
        )
        self.sampler, self.options, self.fell_back = get_sampler("sa"), {}, True
        self.name = "'sa'"

    def __call__(
        self, bqm: dimod.BinaryQuadraticModel, warm_bits, effort: int = 1
    ) -> tuple[dimod.SampleSet, bool]:
        seed = int(self.rng.randint(np.iinfo(np.int32).max))
        failure = None
        try:
            sampleset, warm = self._call(bqm, warm_bits, seed, effort)
        except BackendUnavailableError as error:
            if self.fell_back:
                raise
            failure = error
        if failure is not None:  # outside the except block: nothing chains to the failure
            self._fall_back(failure)
            sampleset, warm = self._call(bqm, warm_bits, seed, effort)
        self.diagnostics.append(read_diagnostics(self.sampler, sampleset))
        return sampleset, warm

    def _call(self, bqm, warm_bits, seed: int, effort: int) -> tuple[dimod.SampleSet, bool]:
        parameters = self.sampler.parameters
        defaults = {}
        if "num_reads" in parameters:
            defaults["num_reads"] = self.num_reads
        if "seed" in parameters:
            defaults["seed"] = seed
        warm = None
        if warm_bits is not None:
            reads = defaults.get("num_reads", 1)
            warm = warm_start_options(self.sampler, bqm, warm_bits, num_reads=reads, effort=effort)
        options = {**defaults, **(warm or {}), **self.options}
        answer = self.sampler.sample(bqm, **options)
        return check_sampleset(answer, bqm, self.name), warm is not None
