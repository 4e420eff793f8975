"""What QSVR and QSVC share: parameters, kernels, solving a QUBO, fit hygiene."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import dimod
import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from backends import (
    BackendCapacityError,
    BackendUnavailableError,
    available_backends,
    get_sampler,
    split_backend_options,
)
from qml._combine import COMBINE_METHODS, solution_weights, unique_lowest
from qml._kernels import KERNELS, kernel_matrix, resolve_gamma
from qubo import Encoding, decode_sampleset


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
        "entanglement": [str, list],
        "gamma": [StrOptions({"scale", "auto"}), Interval(Real, 0.0, None, closed="neither")],
        "degree": [Interval(Integral, 0, None, closed="left")],
        "coef0": [Interval(Real, None, None, closed="neither")],
        "C": [Interval(Real, 0.0, None, closed="neither")],
        "base": [Interval(Real, 0.0, None, closed="neither")],
        "n_bits": [Interval(Integral, 1, None, closed="left")],
        "penalty": [Interval(Real, 0.0, None, closed="left")],
        "backend": [StrOptions(set(available_backends())), dimod.Sampler],
        "num_reads": [Interval(Integral, 1, None, closed="left")],
        "backend_options": [dict, None],
        "combine": [StrOptions(set(COMBINE_METHODS))],
        "top_k": [Interval(Integral, 1, None, closed="left")],
        "temperature": [Interval(Real, 0.0, None, closed="neither"), None],
        "fallback": [StrOptions({"sa"}), None],
        "random_state": ["random_state"],
    }

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
        from backends.quantum_kernel import QuantumKernel

        kernel = QuantumKernel(self.feature_map, reps=self.reps, entanglement=self.entanglement)
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

    def _sample(
        self, bqm: dimod.BinaryQuadraticModel, random_state: np.random.RandomState
    ) -> tuple[dimod.Sampler, dimod.SampleSet, bool]:
        """Send the QUBO to the backend; fall back to SA only if ``fallback="sa"`` asks."""
        init, per_call = split_backend_options(self.backend, self.backend_options)
        seed = int(random_state.randint(np.iinfo(np.int32).max))
        try:
            sampler = get_sampler(self.backend, **init)
            return sampler, self._call(sampler, bqm, per_call, seed), False
        except BackendUnavailableError as error:
            if self.fallback != "sa":
                raise
            warnings.warn(
                f"backend {self.backend!r} failed ({error}); using simulated annealing "
                "because fallback='sa' was given",
                BackendFallbackWarning,
                stacklevel=2,
            )
            sampler = get_sampler("sa")
            return sampler, self._call(sampler, bqm, {}, seed), True

    def _call(self, sampler, bqm, options: dict, seed: int) -> dimod.SampleSet:
        """One sample call, with reads and seed where the sampler takes them."""
        defaults = {}
        if "num_reads" in sampler.parameters:
            defaults["num_reads"] = self.num_reads
        if "seed" in sampler.parameters:
            defaults["seed"] = seed
        return sampler.sample(bqm, **{**defaults, **options})

    def _solve(
        self, bqm: dimod.BinaryQuadraticModel, encoding: Encoding, n_coefficients: int, rng
    ) -> tuple[dimod.Sampler, NDArray[np.float64], NDArray[np.float64], dict]:
        """Kept coefficient rows (lowest energy first), their energies and the sampler info."""
        try:
            sampler, sampleset, fell_back = self._sample(bqm, rng)
        except BackendCapacityError as error:
            raise BackendCapacityError(
                f"{type(self).__name__} with n_bits={self.n_bits} builds a QUBO of "
                f"{bqm.num_variables} variables from {n_coefficients} coefficients: {error}"
            ) from error
        coefficients = decode_sampleset(sampleset, encoding, n_coefficients)
        energies = np.asarray(sampleset.record.energy, dtype=float)
        kept, kept_energies = unique_lowest(coefficients, energies, self.top_k)
        info = dict(sampleset.info)
        info["fallback_used"] = fell_back
        return sampler, kept, kept_energies, info

    def _set_backend_diagnostics(self, infos: list[dict]) -> None:
        """Chain breaks, embedding size, QPU time and fallback, over all QUBOs of the fit."""
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

    @staticmethod
    def _warn_no_free(context: str, stacklevel: int = 5) -> None:
        warnings.warn(
            f"no free support vector (0 < alpha < C) in {context}; the intercept is the "
            "midpoint of the interval the KKT conditions allow. More bits (n_bits) or a "
            "larger C usually give free support vectors.",
            NoFreeSupportVectorWarning,
            stacklevel=stacklevel,  # the user's call to fit
        )

    def _rng(self) -> np.random.RandomState:
        return check_random_state(self.random_state)
