"""What QSVR and QSVC share: parameters, kernels, solving a QUBO, fit hygiene."""

from __future__ import annotations

from dataclasses import fields
from numbers import Integral, Real

import dimod
import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state, gen_batches

# A private module: scikit-learn has no public home for these validators,
# which ``_parameter_constraints`` (and its estimator checks) expect; hence
# the upper bound on scikit-learn in pyproject.toml.
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from backends import available_backends, memory_limit
from qml._combine import COMBINE_METHODS, Combined, Loss, combine_solutions
from qml._kernels import (
    KERNELS,
    needs_symmetry_check,
    repaired_data,
    resolve_kernel,
    samples_entries,
    training_gram,
)
from qml._usage import usage_attributes
from qml._versions import VersionedPickle
from qubo import Dual
from training import (
    BackendFallbackWarning,
    DualSolution,
    SolveSettings,
    TrainingData,
    TrainingRequest,
    solve,
    warn_at_caller,
)

__all__ = ["BackendFallbackWarning", "NoFreeSupportVectorWarning", "QuantumSVMBase"]


#: A prediction's kernel block at most (bytes), and the block's copies a
#: kernel makes while computing it (an RBF kernel: distances, then their exp).
_BLOCK_BYTES = 256 * 2**20
_KERNEL_COPIES = 3


class NoFreeSupportVectorWarning(UserWarning):
    """No coefficient lies strictly inside (0, C), so the bias is a midpoint."""


def _is_quantum(kernel, fitted) -> bool:
    """Whether the estimator's kernel is a gate-model quantum kernel of hqml's."""
    from backends.kernels import ProjectedQuantumKernel, QuantumKernel, TrainableQuantumKernel

    if isinstance(kernel, str):
        return kernel in ("quantum", "projected")
    function = getattr(fitted, "function", fitted)
    return isinstance(function, (QuantumKernel, ProjectedQuantumKernel, TrainableQuantumKernel))


class QuantumSVMBase(VersionedPickle, BaseEstimator):
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
        from backends.kernels import kernel_concentration, sample_rows, warn_if_concentrated

        self.kernel_concentration_ = None
        if not _is_quantum(self.kernel, self.kernel_):
            return
        sample = X[sample_rows(X.shape[0])]
        found = kernel_concentration(self.kernel_(sample, sample))
        self.kernel_concentration_ = found
        warn_if_concentrated(found, type(self).__name__)

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

    def _in_blocks(self, X: NDArray[np.float64], reduce) -> NDArray[np.float64]:
        """``reduce(kernel block)`` over row blocks of ``X``, each block's kernel within budget.

        As scikit-learn's ``pairwise_distances_chunked``: the test kernel of
        100,000 points against 3,000 support vectors is 2.4 GB at once.
        """
        width = _KERNEL_COPIES * 8 * max(1, self.support_.size)
        rows = max(1, min(memory_limit() // 4, _BLOCK_BYTES) // width)
        if X.shape[0] <= rows:
            return reduce(self._test_kernel(X))
        blocks = [reduce(self._test_kernel(X[b])) for b in gen_batches(X.shape[0], rows)]
        return np.concatenate(blocks)

    def _solve_settings(self) -> SolveSettings:
        """The typed settings of the training, read from the parameters of the same names."""
        params = self.get_params(deep=False)
        return SolveSettings(**{f.name: params[f.name] for f in fields(SolveSettings)})

    def _solve(self, dual: Dual, X: NDArray[np.float64], rng, gram=None) -> DualSolution:
        """Solve ``dual`` on the backend: the one call into the training.

        ``X`` holds the dual's training points (its Gram matrix for a
        precomputed kernel); ``gram()``, if given, returns that Gram matrix
        (a slice of one computed once for every pair of classes).
        """
        name = self.kernel if isinstance(self.kernel, str) else repr(self.kernel)
        precomputed = self.kernel == "precomputed"
        if gram is None and not precomputed:
            gram = lambda: training_gram(self.kernel_, X)  # noqa: E731
        data = TrainingData(
            self.kernel_, X, name=name, precomputed=precomputed, gram=gram,
            check_symmetry=needs_symmetry_check(self.kernel_),
        )  # fmt: skip
        if samples_entries(self.kernel_) and not precomputed:
            data = repaired_data(data, name)
        return solve(
            TrainingRequest(dual, data, self._solve_settings(), rng, owner=type(self).__name__)
        )

    def _combine(
        self, dual: Dual, solution: DualSolution, loss: Loss, names: tuple[str, str]
    ) -> tuple[Combined, float]:
        """The kept solutions, their weighted average and its intercept (libsvm's rule).

        ``names`` are the first row's and the average's in warnings.
        For ``combine="best"`` the model is the training's first row: a
        warning says how far it is from libsvm's optimum when the training's
        certificate does not show it optimal to ``tol``. The other rules
        average solutions on purpose.
        """
        combined = combine_solutions(
            solution.coefficients, solution.energies, solution.gradients,
            method=self.combine, top_k=self.top_k, temperature=self.temperature, loss=loss,
        )  # fmt: skip
        if self.combine == "best" and not solution.optimal:
            warn_at_caller(
                f"{names[0]} is not libsvm's optimum to tol={self.tol}: "
                f"{solution.certificate.describe(solution.tolerances)}. Raise max_iter or "
                "num_reads, and keep polish=True",
                ConvergenceWarning,
            )
        resolution = solution.tolerances.resolution
        intercept, has_free = dual.intercept(combined.average, combined.gradient, resolution)
        if not has_free[0]:
            self._warn_no_free(names[1])
        return combined, float(intercept[0])

    def _set_solutions(self, solutions: list[DualSolution], combined: list[Combined]) -> None:
        """The fitted attributes that describe the solves, the same types in QSVR and QSVC.

        One entry per dual (one for QSVR and binary QSVC, one per pair of
        classes for multiclass QSVC); the cost of every call is summed
        (:func:`qml._usage.usage_attributes`).
        """
        self.encoding_ = solutions[0].encoding
        self.n_qubo_variables_ = np.array([s.n_variables for s in solutions], dtype=np.int64)
        self.n_iter_ = np.array([s.n_iter for s in solutions], dtype=np.int32)
        self.converged_ = np.array([s.converged for s in solutions], dtype=bool)
        self.stop_reason_ = [s.stop_reason for s in solutions]
        self.working_set_size_ = np.array(
            [s.working_set_size or 0 for s in solutions], dtype=np.int64
        )
        self.solution_energies_ = [c.energies for c in combined]
        self.solution_coefs_ = [c.coefficients for c in combined]
        self.solution_weights_ = [c.weights for c in combined]
        self.trace_ = [s.trace for s in solutions]
        self.tolerances_ = [s.tolerances for s in solutions]
        self.sampler_ = solutions[0].sampler
        self.sampler_info_ = [s.info for s in solutions]
        self.warm_start_ = solutions[0].warm_start
        self.fallback_used_ = any(s.fallback_used for s in solutions)
        for name, value in usage_attributes(solutions).items():
            setattr(self, name, value)

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
