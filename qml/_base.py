"""What QSVR and QSVC share: parameters, kernels, solving a QUBO, fit hygiene."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from numbers import Integral, Real

import dimod
import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from backends import available_backends
from backends.memory import check_memory
from qml._combine import COMBINE_METHODS, Combined, combine_solutions
from qml._kernels import KERNELS, resolve_kernel
from qubo import DualProgram, Encoding, KernelDual
from qubo.box import table_bytes
from training import (
    BackendFallbackWarning,
    KernelColumns,
    QuboSolution,
    SamplerSession,
    SolveSettings,
    Tolerances,
    certify,
    resolve_working_set_size,
    solve_decomposed,
    solve_program,
)
from training._warnings import warn_at_caller

__all__ = ["BackendFallbackWarning", "NoFreeSupportVectorWarning", "QuantumSVMBase"]

#: The dense QUBO's copies alive at a fit's peak (the matrix being built,
#: dimod's couplings, the sampler's coupling vectors), measured in
#: experiments/benchmarks/memory.py, with room for the allocator.
QUBO_WORKING_COPIES = 4


class NoFreeSupportVectorWarning(UserWarning):
    """No coefficient lies strictly inside (0, C), so the bias is a midpoint."""


def _is_quantum(kernel, fitted) -> bool:
    """Whether the estimator's kernel is a gate-model quantum kernel of hqml's."""
    from backends.kernels import ProjectedQuantumKernel, QuantumKernel, TrainableQuantumKernel

    if isinstance(kernel, str):
        return kernel in ("quantum", "projected")
    function = getattr(fitted, "function", fitted)
    return isinstance(function, (QuantumKernel, ProjectedQuantumKernel, TrainableQuantumKernel))


class QuantumSVMBase(BaseEstimator):
    """Base class of QSVR and QSVC; not for direct use."""

    _parameter_constraints: dict = {
        "kernel": [StrOptions({*KERNELS, "quantum", "projected"}), callable],
        "feature_map": [
            StrOptions({"z", "zz", "pauli"}),
            HasMethods(["assign_parameters"]),
            HasMethods(["evaluate"]),
        ],
        "reps": [Interval(Integral, 1, None, closed="left")],
        "bandwidth": [StrOptions({"scale"}), Interval(Real, 0.0, None, closed="neither")],
        "entanglement": [str, list],
        "gamma": [StrOptions({"scale", "auto"}), Interval(Real, 0.0, None, closed="neither")],
        "degree": [Interval(Integral, 0, None, closed="left")],
        "coef0": [Interval(Real, None, None, closed="neither")],
        "C": [Interval(Real, 0.0, None, closed="neither")],
        "base": [Interval(Real, 0.0, None, closed="neither")],
        "n_bits": [Interval(Integral, 1, None, closed="left")],
        "penalty": [Interval(Real, 0.0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0.0, None, closed="neither")],
        "polish": ["boolean"],
        "working_set_size": [StrOptions({"auto"}), Interval(Integral, 2, None, closed="left")],
        "cache_size": [Interval(Real, 0.0, None, closed="neither")],
        "backend": [StrOptions(set(available_backends())), dimod.Sampler],
        "num_reads": [Interval(Integral, 1, None, closed="left")],
        "backend_options": [dict, None],
        "combine": [StrOptions(set(COMBINE_METHODS))],
        "top_k": [Interval(Integral, 1, None, closed="left")],
        "temperature": [Interval(Real, 0.0, None, closed="neither"), None],
        "fallback": [StrOptions({"sa"}), None],
        "random_state": ["random_state"],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # As libsvm's estimators: model selection slices a precomputed Gram
        # matrix on both axes (rows and columns of the training fold).
        tags.input_tags.pairwise = self.kernel == "precomputed"
        return tags

    def _check_n_samples(self, n_samples: int) -> None:
        if n_samples < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 samples to fit; got {n_samples} sample"
            )

    def _resolve_kernel(self, X: NDArray[np.float64], y: NDArray) -> None:
        self.kernel_ = resolve_kernel(
            self.kernel,
            X,
            y,
            gamma=self.gamma,
            degree=self.degree,
            coef0=self.coef0,
            quantum=self._quantum_kernel,
        )

    def _diagnose_kernel(self, X: NDArray[np.float64]) -> None:
        """``kernel_concentration_`` of a quantum kernel, with a warning where it concentrated.

        Read from the Gram matrix of at most ``SAMPLE_POINTS`` training
        points (all of them for a small set); None for classical and
        precomputed kernels.
        """
        from backends.kernels import concentration as diagnostics

        self.kernel_concentration_ = None
        if not _is_quantum(self.kernel, self.kernel_):
            return
        sample = X[diagnostics.sample_rows(X.shape[0])]
        found = diagnostics.kernel_concentration(self.kernel_(sample, sample))
        self.kernel_concentration_ = found
        diagnostics.warn_if_concentrated(found, type(self).__name__)

    def _quantum_kernel(self, X: NDArray[np.float64], kind: str):
        """The fidelity or projected kernel, its feature map as wide as the data (checked here)."""
        from backends.kernels import ProjectedQuantumKernel, QuantumKernel, scale_bandwidth

        bandwidth = scale_bandwidth(X) if self.bandwidth == "scale" else float(self.bandwidth)
        kernel = QuantumKernel(
            self.feature_map, reps=self.reps, entanglement=self.entanglement, bandwidth=bandwidth
        )
        width = kernel.circuit(X.shape[1]).num_parameters
        if width != X.shape[1]:
            raise ValueError(
                f"the feature map takes {width} features but X has {X.shape[1]}; "
                "use a circuit with one parameter per feature"
            )
        if kind == "projected":
            return ProjectedQuantumKernel(
                self.feature_map,
                reps=self.reps,
                entanglement=self.entanglement,
                bandwidth=bandwidth,
                gamma=self.gamma,
            ).fit(X)
        return kernel

    def _test_kernel(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """Kernel between new points and the support vectors."""
        if self.kernel == "precomputed":
            if X.shape[1] != self._n_train:
                raise ValueError(
                    f"kernel='precomputed' expects a test Gram matrix with {self._n_train} "
                    f"columns (one per training point); got shape {X.shape}"
                )
            return X[:, self.support_]
        return self.kernel_(X, self.support_vectors_)

    def _encoding(self) -> Encoding:
        return Encoding(n_bits=self.n_bits, base=self.base, C=self.C)

    def _solve_settings(self) -> SolveSettings:
        """The typed settings of the training, read from the parameters of the same names."""
        params = self.get_params(deep=False)
        shared = {f.name for f in fields(SolveSettings)} & params.keys()
        return SolveSettings(
            **{name: params[name] for name in shared},
            complementarity=float(params.get("complementarity_penalty", 0.0)),
        )

    def _solve(
        self,
        dual: KernelDual,
        X: NDArray[np.float64],
        program: Callable[[NDArray[np.float64]], DualProgram],
        rng: np.random.RandomState,
        gram: Callable[[], NDArray[np.float64]] | None = None,
    ) -> tuple[QuboSolution, NDArray[np.float64] | None]:
        """Solve ``dual`` on the backend: one whole QUBO if it fits a working set, else decomposed.

        ``X`` holds the program's training points (its Gram matrix for a
        precomputed kernel); ``program(K)`` builds the whole dual from the
        Gram matrix; ``gram()``, if given, returns that matrix (a slice of one
        computed once for every pair of classes). Returns the solution and the
        Gram matrix, None when the fit was decomposed (it never forms the
        ``N x N`` matrix).
        """
        self._check_encoding()
        settings = self._solve_settings()
        owner = type(self).__name__
        session = SamplerSession(settings, rng)
        size = resolve_working_set_size(settings, session.sampler, self.n_bits, dual.n_coefficients)
        if dual.n_coefficients <= size:
            self._check_qubo_memory(dual.n_coefficients)
            K = self.kernel_(X, X) if gram is None else gram()
            settings = self._at_scale(settings, dual, np.diagonal(K))
            solution = solve_program(program(K), self._encoding(), settings, session, owner=owner)
            return solution, K
        columns = self._kernel_columns(X, size)
        settings = self._at_scale(settings, dual, columns.diagonal())
        solution = solve_decomposed(
            dual,
            columns,
            self._encoding(),
            settings,
            session,
            size=size,
            max_outer=_max_outer(dual.n_coefficients, size),
            owner=owner,
        )
        return solution, None

    def _at_scale(
        self, settings: SolveSettings, dual: KernelDual, diagonal: NDArray[np.float64]
    ) -> SolveSettings:
        """The settings with ``tol`` read at this dual's scale (kept for the intercept)."""
        self._tolerances = Tolerances.of(
            self.tol,
            C=self.C,
            gradient=Tolerances.gradient_scale(dual.signs, dual.linear),
            curvature=float(np.max(diagonal, initial=0.0)),
        )
        return replace(settings, tolerances=self._tolerances)

    def _check_optimum(
        self,
        dual: KernelDual,
        z: NDArray[np.float64],
        gradient: NDArray[np.float64] | None,
        K: NDArray[np.float64] | None,
        context: str,
    ) -> None:
        """Warn when the returned coefficients are not libsvm's optimum to ``tol``.

        Checked for ``combine="best"`` only: the other rules average
        solutions on purpose. A solution passes when libsvm's KKT condition
        holds at the dual's scale, or when its certified gap
        (:func:`training.certify`) is within ``tol`` of the objective; the
        warning says how far it is.
        """
        if self.combine != "best":
            return
        if gradient is None:  # a whole fit: G = Q z + p from the Gram matrix
            every = np.arange(dual.n_coefficients)
            gradient = dual.column_product(K[:, dual.points], every, z) + dual.linear
        certificate, tolerances = certify(dual, z, gradient), self._tolerances
        kkt = certificate.kkt_violation <= tolerances.kkt * (1 + 1e-9)
        gap = certificate.gap_bound <= tolerances.objective(certificate.objective)
        equality = certificate.equality_violation <= max(tolerances.coefficient, 1e-12 * self.C)
        if (kkt or gap) and equality:
            return
        warn_at_caller(
            f"{context} is not libsvm's optimum to tol={self.tol}: its largest KKT violation "
            f"is {certificate.kkt_violation:.3g} (allowed {tolerances.kkt:.3g} at this "
            f"dual's scale), its dual objective is at most {certificate.gap_bound:.3g} "
            f"({certificate.relative_gap:.2%}) above the optimum, and |sum of signed "
            f"coefficients| is {certificate.equality_violation:.3g}. Raise max_iter or "
            "num_reads, and keep polish=True",
            ConvergenceWarning,
        )

    def _kernel_columns(self, X: NDArray[np.float64], size: int) -> KernelColumns:
        """The kernel's columns on demand, after checking what the decomposed fit will hold."""
        cache_bytes = int(self.cache_size * 2**20)
        n = X.shape[0]
        qubo_variables = size * self.n_bits
        check_memory(
            min(cache_bytes, 8 * n * n) + 8 * n * (size + 16)
            + QUBO_WORKING_COPIES * 8 * qubo_variables**2,
            f"{type(self).__name__} on {n} points with cache_size={self.cache_size} MB and "
            f"working sets of {size} coefficients",
            "a smaller cache_size",
        )  # fmt: skip
        name = self.kernel if isinstance(self.kernel, str) else repr(self.kernel)
        return KernelColumns(
            self.kernel_,
            X,
            cache_bytes=cache_bytes,
            name=name,
            precomputed=self.kernel == "precomputed",
        )

    def _set_solutions(self, solutions: list[QuboSolution], combined: list[Combined]) -> None:
        """The fitted attributes that describe the solves, the same types in QSVR and QSVC.

        One entry per dual program (one for QSVR and binary QSVC, one per
        pair of classes for multiclass QSVC). QPU access time, QUBO calls and
        sampler seconds are summed over every call of every program (it is
        what the fit cost), chain breaks are averaged.
        """
        self.encoding_ = self._encoding()
        self.n_qubo_variables_ = np.array([s.n_variables for s in solutions], dtype=np.int64)
        self.n_iter_ = np.array([s.n_iter for s in solutions], dtype=np.int32)
        self.converged_ = np.array([s.converged for s in solutions], dtype=bool)
        self.stop_reason_ = [s.stop_reason for s in solutions]
        self.working_set_size_ = np.array(
            [s.working_set_size or 0 for s in solutions], dtype=np.int64
        )
        self.solution_energies_ = [np.array(c.energies) for c in combined]
        self.solution_coefs_ = [np.array(c.coefficients) for c in combined]
        self.solution_weights_ = [np.array(c.weights) for c in combined]
        self.trace_ = [dict(s.trace) for s in solutions]
        self.tolerances_ = [s.tolerances for s in solutions]
        self.sampler_ = solutions[0].sampler
        self.sampler_info_ = [dict(s.info) for s in solutions]
        self.warm_start_ = solutions[0].warm_start
        self.fallback_used_ = any(s.fallback_used for s in solutions)
        self.qubo_calls_ = int(sum(s.qubo_calls for s in solutions))
        self.sampler_seconds_ = float(sum(s.sampler_seconds for s in solutions))
        calls = [d for s in solutions for d in s.diagnostics]
        self.chain_break_fraction_ = _mean_of(r.chain_break_fraction for r in calls)
        self.qpu_access_time_ = _sum_of(r.qpu_access_seconds for r in calls)
        self.estimated_qpu_access_time_ = _sum_of(r.estimated_qpu_access_seconds for r in calls)
        qubits = [r.physical_qubits for r in calls if r.physical_qubits is not None]
        self.embedding_size_ = (
            {
                "physical_qubits": max(qubits),
                "max_chain_length": max(
                    r.max_chain_length for r in calls if r.max_chain_length is not None
                ),
            }
            if qubits
            else None
        )

    def _coefficient_precision(self) -> float:
        """How close to 0 or C a coefficient counts as at the bound, for the intercept.

        Refinement rounds stop once the boxes are that wide
        (:class:`training.Tolerances`' ``coefficient``); a single shot's grid
        holds 0 and C exactly, and its nearest other level is far from both.
        """
        return self._tolerances.coefficient

    def _combine(self, solution: QuboSolution, loss: Callable) -> Combined:
        """The kept solutions and their weighted average (``qml._combine.combine_solutions``)."""
        return combine_solutions(
            solution.coefficients,
            solution.energies,
            method=self.combine,
            top_k=self.top_k,
            temperature=self.temperature,
            loss=loss,
        )

    def _check_encoding(self) -> None:
        """Refuse, before any kernel or QUBO, an encoding float64 or memory cannot hold."""
        self._encoding()  # float64 must tell its levels apart
        check_memory(
            table_bytes(self.n_bits),
            f"{type(self).__name__} with n_bits={self.n_bits} encodes every coefficient on "
            f"2**{self.n_bits} levels, whose table",
            "fewer bits: refinement rounds reach libsvm's optimum with n_bits=2",
        )

    def _check_qubo_memory(self, n_coefficients: int) -> None:
        """Refuse a dense QUBO that would not fit, before building it."""
        n = n_coefficients * self.n_bits
        check_memory(
            QUBO_WORKING_COPIES * 8 * n * n,
            f"{type(self).__name__} with n_bits={self.n_bits} builds a dense QUBO of {n} "
            f"variables ({n_coefficients} coefficients), which with its working copies",
            "a partition ensemble (qml.PartitionEnsembleRegressor / PartitionEnsembleClassifier)"
            " over smaller subsets, fewer bits (n_bits), or Leap's hybrid solver "
            "(backend='hybrid')",
        )

    @staticmethod
    def _warn_no_free(context: str) -> None:
        warn_at_caller(
            f"no free support vector (0 < alpha < C) in {context}; the intercept is the "
            "midpoint of the interval the KKT conditions allow. More bits (n_bits) or a "
            "larger C usually give free support vectors.",
            NoFreeSupportVectorWarning,
        )

    def _rng(self) -> np.random.RandomState:
        return check_random_state(self.random_state)


def _max_outer(n_coefficients: int, size: int) -> int:
    """A bound on a decomposed fit's outer iterations, far above what converging fits take.

    libsvm bounds its (2-coefficient) iterations by ``max(10**7, 100 N)``;
    per working set of ``size`` coefficients that is about ``100 N / size``.
    """
    return max(1_000, 100 * n_coefficients // max(size, 1))


def _mean_of(values) -> float | None:
    reported = [v for v in values if v is not None]
    return float(np.mean(reported)) if reported else None


def _sum_of(values) -> float | None:
    reported = [v for v in values if v is not None]
    return float(sum(reported)) if reported else None
