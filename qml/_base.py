"""What QSVR and QSVC share: parameters, kernels, solving a QUBO, fit hygiene."""

from __future__ import annotations

from numbers import Integral, Real

import dimod
import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from backends import available_backends
from backends.memory import check_memory
from qml._combine import COMBINE_METHODS, solution_weights
from qml._kernels import KERNELS, resolve_kernel
from qml._refine import coefficient_precision
from qml._solve import BackendFallbackWarning, QuboSolution, solve_program
from qml._warnings import warn_at_caller
from qubo import DualProgram, Encoding

__all__ = ["BackendFallbackWarning", "NoFreeSupportVectorWarning", "QuantumSVMBase"]

#: The dense QUBO's copies alive at a fit's peak (the matrix being built,
#: dimod's couplings, the sampler's coupling vectors), measured in
#: experiments/benchmarks/memory.py, with room for the allocator.
QUBO_WORKING_COPIES = 4


class NoFreeSupportVectorWarning(UserWarning):
    """No coefficient lies strictly inside (0, C), so the bias is a midpoint."""


class QuantumSVMBase(BaseEstimator):
    """Base class of QSVR and QSVC; not for direct use."""

    _parameter_constraints: dict = {
        "kernel": [StrOptions({*KERNELS, "quantum"}), callable],
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

    def _resolve_kernel(self, X: NDArray[np.float64]) -> None:
        self.kernel_ = resolve_kernel(
            self.kernel,
            X,
            gamma=self.gamma,
            degree=self.degree,
            coef0=self.coef0,
            quantum=self._quantum_kernel,
        )

    def _quantum_kernel(self, X: NDArray[np.float64]):
        """The fidelity kernel, its feature map as wide as the data (checked here, in fit)."""
        from backends.kernels import QuantumKernel, scale_bandwidth

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

    def _solve(self, program: DualProgram, rng: np.random.RandomState) -> QuboSolution:
        """Refine the dual's QUBOs on the backend (see :func:`qml._solve.solve_program`)."""
        self._check_qubo_memory(program.n_coefficients)
        settings = self.get_params(deep=False)
        return solve_program(program, self._encoding(), settings, rng, owner=type(self).__name__)

    def _set_solutions(
        self, solutions: list[QuboSolution], weights: list[NDArray[np.float64]]
    ) -> None:
        """The fitted attributes that describe the solves, the same types in QSVR and QSVC.

        One entry per dual program (one for QSVR and binary QSVC, one per
        pair of classes for multiclass QSVC). QPU access time is summed
        over every round of every program (it is what the fit cost), chain
        breaks are averaged.
        """
        self.encoding_ = self._encoding()
        self.n_qubo_variables_ = np.array([s.n_variables for s in solutions], dtype=np.int64)
        self.n_iter_ = np.array([s.n_iter for s in solutions], dtype=np.int32)
        self.solution_energies_ = [np.array(s.energies) for s in solutions]
        self.solution_coefs_ = [np.array(s.coefficients) for s in solutions]
        self.solution_weights_ = list(weights)
        self.trace_ = [dict(s.trace) for s in solutions]
        self.sampler_ = solutions[0].sampler
        self.sampler_info_ = [dict(s.info) for s in solutions]
        self.warm_start_ = solutions[0].warm_start
        self.fallback_used_ = any(s.fallback_used for s in solutions)
        rounds = [d for s in solutions for d in s.diagnostics]
        self.chain_break_fraction_ = _mean_of(r.chain_break_fraction for r in rounds)
        self.qpu_access_time_ = _sum_of(r.qpu_access_seconds for r in rounds)
        qubits = [r.physical_qubits for r in rounds if r.physical_qubits is not None]
        self.embedding_size_ = (
            {
                "physical_qubits": max(qubits),
                "max_chain_length": max(
                    r.max_chain_length for r in rounds if r.max_chain_length is not None
                ),
            }
            if qubits
            else None
        )

    def _coefficient_precision(self) -> float:
        """How close to 0 or C a coefficient counts as at the bound, for the intercept.

        Refinement rounds stop once the boxes are that wide
        (:func:`qml._refine.coefficient_precision`); a single shot's grid
        holds 0 and C exactly, and its nearest other level is far from both.
        """
        return coefficient_precision(self.tol, self.C)

    def _weights(self, energies: NDArray[np.float64], losses) -> NDArray[np.float64]:
        return solution_weights(
            self.combine,
            energies,
            fit_losses=losses() if self.combine == "fit" else None,
            temperature=self.temperature,
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


def _mean_of(values) -> float | None:
    reported = [v for v in values if v is not None]
    return float(np.mean(reported)) if reported else None


def _sum_of(values) -> float | None:
    reported = [v for v in values if v is not None]
    return float(sum(reported)) if reported else None
