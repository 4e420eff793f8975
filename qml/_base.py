"""What QSVR and QSVC share: parameters, kernels, solving a QUBO, fit hygiene."""

from __future__ import annotations

from numbers import Integral, Real

import dimod
import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from backends import (
    BackendCapacityError,
    BackendUnavailableError,
    available_backends,
    check_sample_options,
    get_sampler,
    split_backend_options,
)
from backends.memory import check_memory
from backends.samplers.checks import check_sampleset
from backends.samplers.warm import warm_start_kind, warm_start_options
from qml._combine import COMBINE_METHODS, solution_weights, unique_lowest
from qml._kernels import KERNELS, kernel_matrix, resolve_gamma
from qml._refine import Refinement, refine
from qml._warnings import warn_at_caller
from qubo import DualProgram, Encoding

#: The dense QUBO's copies alive at a fit's peak (the matrix being built,
#: dimod's couplings, the sampler's coupling vectors), measured in
#: experiments/benchmarks/memory.py, with room for the allocator.
QUBO_WORKING_COPIES = 4


class NoFreeSupportVectorWarning(UserWarning):
    """No coefficient lies strictly inside (0, C), so the bias is a midpoint."""


class BackendFallbackWarning(UserWarning):
    """The requested backend failed and, as asked by ``fallback``, another one was used."""


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
        if self.kernel == "precomputed" and X.shape[0] != X.shape[1]:
            raise ValueError(
                f"kernel='precomputed' expects a square training Gram matrix; got shape {X.shape}"
            )
        self._gamma = resolve_gamma(self.gamma, X) if self.kernel != "precomputed" else 0.0
        self.kernel_ = self._quantum_kernel(X) if self.kernel == "quantum" else self.kernel

    def _quantum_kernel(self, X: NDArray[np.float64]):
        """The fidelity kernel, its feature map as wide as the data (checked here, in fit)."""
        from backends.kernels.quantum import QuantumKernel, scale_bandwidth

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

    def _kernel(self, X: NDArray[np.float64], Y: NDArray[np.float64]) -> NDArray[np.float64]:
        if self.kernel == "precomputed":
            return X
        if self.kernel == "quantum":
            return self.kernel_(X, Y)
        return kernel_matrix(
            self.kernel, X, Y, gamma=self._gamma, degree=self.degree, coef0=self.coef0
        )

    def _test_kernel(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """Kernel between new points and the support vectors."""
        if self.kernel == "precomputed":
            if X.shape[1] != self._n_train:
                raise ValueError(
                    f"kernel='precomputed' expects a test Gram matrix with {self._n_train} "
                    f"columns (one per training point); got shape {X.shape}"
                )
            return X[:, self.support_]
        return self._kernel(X, self.support_vectors_)

    def _encoding(self) -> Encoding:
        return Encoding(n_bits=self.n_bits, base=self.base, C=self.C)

    def _solve(self, program: DualProgram, rng: np.random.RandomState) -> dict:
        """Refine the dual's QUBOs on the backend; the kept rows of the last round and more.

        Returns a dict with ``coefs`` (kept coefficient rows, lowest energy
        first), ``energies``, ``sampler``, ``info`` (the last SampleSet's info
        plus ``fallback_used``, ``warm_start`` and ``rounds``), ``n_variables``,
        ``n_iter`` and ``trace``.
        """
        self._check_qubo_memory(program.n_coefficients)
        solver = _RoundSolver(self, rng)
        try:
            result = refine(
                program,
                self._encoding(),
                solver,
                penalty=self.penalty,
                max_iter=self.max_iter,
                tol=self.tol,
            )
        except BackendCapacityError as error:
            size = program.n_coefficients * self.n_bits
            raise BackendCapacityError(
                f"{type(self).__name__} with n_bits={self.n_bits} builds a QUBO of "
                f"{size} variables from {program.n_coefficients} coefficients: {error}"
            ) from error
        if not result.converged and self.max_iter > 1:
            warn_at_caller(
                f"{type(self).__name__} stopped after max_iter={self.max_iter} refinement "
                f"rounds before reaching tol={self.tol}; raise max_iter or tol",
                ConvergenceWarning,
            )
        kept, energies = unique_lowest(result.coefficients, result.energies, self.top_k)
        info = dict(result.infos[-1])
        info["fallback_used"] = solver.fell_back
        info["warm_start"] = warm_start_kind(solver.sampler) if result.n_iter > 1 else None
        info["rounds"] = result.n_iter
        return {
            "coefs": kept,
            "energies": energies,
            "sampler": solver.sampler,
            "info": info,
            "n_variables": result.n_variables,
            "n_iter": result.n_iter,
            "trace": _trace_arrays(result),
            "round_infos": [*result.infos[:-1], info],
        }

    def _set_backend_diagnostics(self, infos: list[dict]) -> None:
        """Chain breaks, embedding size, QPU time and fallback, over all QUBOs of the fit.

        ``infos`` holds the SampleSet info of every round of every QUBO
        sequence: QPU access time is summed over all of them (it is what
        the fit cost), chain breaks are averaged.
        """
        self.fallback_used_ = any(info.get("fallback_used", False) for info in infos)
        breaks = [info["chain_break_fraction"] for info in infos if "chain_break_fraction" in info]
        self.chain_break_fraction_ = float(np.mean(breaks)) if breaks else None
        embeddings = [info["embedding"] for info in infos if "embedding" in info]
        self.embedding_size_ = (
            {
                "physical_qubits": max(e["physical_qubits"] for e in embeddings),
                "max_chain_length": max(e["max_chain_length"] for e in embeddings),
            }
            if embeddings
            else None
        )
        access = [info.get("timing", {}).get("qpu_access_time") for info in infos]
        access = [t for t in access if t is not None]
        self.qpu_access_time_ = float(sum(access)) if access else None

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


def _trace_arrays(result: Refinement) -> dict:
    """The per-round trace as one array per quantity."""
    fields = ("energy", "dual_objective", "constraint_violation", "box_width", "seconds")
    trace = {name: np.array([getattr(r, name) for r in result.trace]) for name in fields}
    trace["warm_start"] = np.array([r.warm_start for r in result.trace])
    return trace


class _RoundSolver:
    """One sample call per refinement round, warm-started where the sampler allows it.

    Holds the sampler for the whole fit; when the backend cannot be reached
    and ``fallback="sa"`` asks for it, switches to simulated annealing for
    this and every later round and remembers that it did.
    """

    def __init__(self, estimator: QuantumSVMBase, rng: np.random.RandomState) -> None:
        self.estimator = estimator
        self.rng = rng
        self.fell_back = False
        backend = estimator.backend
        self.name = repr(backend) if isinstance(backend, str) else type(backend).__name__
        init, self.options = split_backend_options(estimator.backend, estimator.backend_options)
        try:
            self.sampler = get_sampler(estimator.backend, **init)
        except BackendUnavailableError as error:
            self._fall_back(error)
            return
        check_sample_options(self.sampler, self.options, self.name)

    def _fall_back(self, error: BackendUnavailableError) -> None:
        if self.estimator.fallback != "sa":
            raise error
        warn_at_caller(
            f"backend {self.estimator.backend!r} failed ({error}); using simulated "
            "annealing because fallback='sa' was given",
            BackendFallbackWarning,
        )
        self.sampler, self.options, self.fell_back = get_sampler("sa"), {}, True
        self.name = "'sa'"

    def __call__(
        self, bqm: dimod.BinaryQuadraticModel, warm_bits, effort: int = 1
    ) -> tuple[dimod.SampleSet, bool]:
        seed = int(self.rng.randint(np.iinfo(np.int32).max))
        try:
            return self._call(bqm, warm_bits, seed, effort)
        except BackendUnavailableError as error:
            if self.fell_back:
                raise
            self._fall_back(error)
            return self._call(bqm, warm_bits, seed, effort)

    def _call(self, bqm, warm_bits, seed: int, effort: int) -> tuple[dimod.SampleSet, bool]:
        parameters = self.sampler.parameters
        defaults = {}
        if "num_reads" in parameters:
            defaults["num_reads"] = self.estimator.num_reads
        if "seed" in parameters:
            defaults["seed"] = seed
        warm = None
        if warm_bits is not None:
            reads = defaults.get("num_reads", 1)
            warm = warm_start_options(self.sampler, bqm, warm_bits, num_reads=reads, effort=effort)
        options = {**defaults, **(warm or {}), **self.options}
        answer = self.sampler.sample(bqm, **options)
        return check_sampleset(answer, bqm, self.name), warm is not None
