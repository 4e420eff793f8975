"""Fidelity quantum kernels ``k(x, y) = |<phi(x)|phi(y)>|**2`` as scikit-learn kernel callables."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.linalg.blas import zherk

from backends.kernels.noise import (
    MITIGATIONS,
    depolarized,
    mitigate_depolarizing,
    sample_fidelities,
)
from backends.memory import check_memory

__all__ = [
    "FEATURE_MAPS",
    "MAX_STATEVECTOR_QUBITS",
    "SCALE_BANDWIDTH",
    "QuantumKernel",
    "make_psd",
    "scale_bandwidth",
]

#: Constant of :func:`scale_bandwidth`, chosen on breast_cancer and wine
#: (PCA to 4 features) and verified on digits 0/1 in
#: experiments/benchmarks/quantum_kernel.py.
SCALE_BANDWIDTH = 0.1


def scale_bandwidth(X: ArrayLike) -> float:
    """The data-driven bandwidth ``SCALE_BANDWIDTH / sqrt(n_features * X.var())``.

    The analogue of scikit-learn's ``gamma="scale"`` (``1 / (n_features *
    X.var())``): the rotation angles of the map then spread over the same
    range whether the features were scaled to ``[0, pi]`` or ``[0, 0.5]``.
    Returns 1.0 for constant features.

    Examples
    --------
    >>> X = np.random.default_rng(0).uniform(0, np.pi, size=(50, 4))
    >>> round(scale_bandwidth(X), 3)
    0.053
    >>> narrow = X / (2 * np.pi)  # features in [0, 0.5]: the circuit sees the same angles
    >>> bool(np.allclose(scale_bandwidth(X) * X, scale_bandwidth(narrow) * narrow))
    True
    """
    X = np.asarray(X, dtype=float)
    variance = X.var() if X.size else 0.0
    if not variance > 0:
        return 1.0
    return float(SCALE_BANDWIDTH / np.sqrt(X.shape[1] * variance))


FEATURE_MAPS = ("z", "zz", "pauli")
MAX_STATEVECTOR_QUBITS = 24

#: The largest angle (rad) a feature map gets: float64's spacing at 1e12 is
#: 1e-4 rad; at 1e300 (bandwidth=1e300) no digit is left and the Gram was NaN.
_MAX_ANGLE = 1e12


def _finite_gram(gram: NDArray[np.float64]) -> NDArray[np.float64]:
    if not np.all(np.isfinite(gram)):
        raise ValueError("the quantum kernel produced NaN or infinite entries; check the data")
    return gram


def _require_qiskit():
    try:
        import qiskit
    except ImportError as error:
        from backends.errors import BackendUnavailableError

        raise BackendUnavailableError(
            "quantum kernels need Qiskit, which is not installed; install it with "
            "`pip install 'hqml[quantum]'`"
        ) from error
    return qiskit


def check_points(X: ArrayLike, name: str) -> NDArray[np.float64]:
    """``X`` as a finite 2-D float array of samples x features, or a clear error."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of samples x features; got {X.ndim}-D")
    if X.shape[1] == 0:
        raise ValueError(
            f"{name} has 0 features; a feature map needs at least one (one qubit per feature)"
        )
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or infinity; the feature map needs finite angles")
    return X


def make_psd(gram: NDArray[np.float64]) -> NDArray[np.float64]:
    """Nearest positive semidefinite matrix (negative eigenvalues clipped to 0)."""
    values, vectors = np.linalg.eigh(0.5 * (gram + gram.T))
    repaired = (vectors * np.clip(values, 0.0, None)) @ vectors.T
    return 0.5 * (repaired + repaired.T)


class QuantumKernel:
    """Fidelity kernel of a quantum feature map, callable as ``kernel(X, Y) -> Gram``.

    Exact path: each point's statevector is simulated once (``N + M`` in
    all, batched, see :mod:`backends.kernels.statevector`) and the Gram matrix is
    ``|S_X S_Y^dagger|**2``; for ``Y is None`` only one triangle is computed
    (BLAS ``zherk``). Hardware path: any qiskit-machine-learning
    ``BaseKernel`` (e.g. ``FidelityQuantumKernel`` with a Sampler primitive)
    is evaluated as it is.

    Parameters
    ----------
    feature_map : {"zz", "z", "pauli"}, QuantumCircuit or BaseKernel, default="zz"
        A Qiskit library feature map whose width follows the data, a
        parameterised circuit with one parameter per feature, or a
        qiskit-machine-learning kernel.
    reps : int, default=2
        Repetitions of a library feature map.
    entanglement : str, default="full"
        Entanglement of a library feature map ("full", "linear", "circular", ...).
    alpha : float, default=2.0
        Rotation scale of a library feature map.
    paulis : list of str, default=None
        Pauli strings of the "pauli" feature map (Qiskit's default: Z, ZZ).
    bandwidth : float, default=1.0
        Scale ``c > 0`` of the features inside the feature map: the circuit
        sees ``c * x``. Features spread over ``[0, pi]`` make a wide feature
        map's kernel nearly the identity (exponential concentration); a
        bandwidth below 1 restores a useful kernel (Shaydulin & Wild, Phys.
        Rev. A 106, 042407, 2022; Canatar et al., arXiv 2206.06686). See
        :func:`scale_bandwidth` for a data-driven value.
    shots : int, default=None
        Emulate a finite number of measurement shots per entry (binomial
        noise on each fidelity); symmetric Gram matrices are then repaired
        to be positive semidefinite.
    depolarizing : float, default=0.0
        With ``shots``: emulate a device whose global depolarising channel
        after each half of a kernel circuit keeps the state with probability
        ``1 - depolarizing`` (:mod:`backends.kernels.noise`); the
        self-fidelities are then measured too.
    mitigation : {"split_channel", "average", "single"} or None, default="split_channel"
        With ``shots``: invert the depolarising model from the measured
        self-fidelities (Hubregtsen et al. 2022) before the PSD repair.
        Without noise the self-fidelities are 1 and it changes nothing.
    random_state : int or None, default=None
        Seeds the shot noise.

    Examples
    --------
    >>> import numpy as np
    >>> kernel = QuantumKernel("zz", reps=1)
    >>> gram = kernel(np.array([[0.1, 0.2], [0.3, 0.4]]))
    >>> gram.shape, bool(np.allclose(np.diag(gram), 1.0))
    ((2, 2), True)
    """

    def __init__(
        self,
        feature_map="zz",
        *,
        reps: int = 2,
        entanglement="full",
        alpha: float = 2.0,
        paulis=None,
        bandwidth: float = 1.0,
        shots: int | None = None,
        depolarizing: float = 0.0,
        mitigation: str | None = "split_channel",
        random_state: int | None = None,
    ) -> None:
        self.feature_map = feature_map
        self.reps = reps
        self.entanglement = entanglement
        self.alpha = alpha
        self.paulis = paulis
        self.bandwidth = bandwidth
        self.shots = shots
        self.depolarizing = depolarizing
        self.mitigation = mitigation
        self.random_state = random_state
        self._compiled: dict[int, object] = {}

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_compiled"] = {}  # rebuilt on demand
        return state

    def __repr__(self) -> str:
        name = self.feature_map if isinstance(self.feature_map, str) else type(self.feature_map)
        return (
            f"QuantumKernel({name!r}, reps={self.reps}, entanglement={self.entanglement!r}, "
            f"bandwidth={self.bandwidth!r})"
        )

    @property
    def is_qiskit_kernel(self) -> bool:
        return hasattr(self.feature_map, "evaluate") and hasattr(self.feature_map, "feature_map")

    def circuit(self, n_features: int):
        """The feature-map circuit for ``n_features`` inputs."""
        _require_qiskit()
        from qiskit.circuit.library import pauli_feature_map, z_feature_map, zz_feature_map

        if self.is_qiskit_kernel:
            return self.feature_map.feature_map
        if not isinstance(self.feature_map, str):
            return self.feature_map
        if self.feature_map not in FEATURE_MAPS:
            raise ValueError(
                f"unknown feature map {self.feature_map!r}; expected one of {FEATURE_MAPS}, "
                "a parameterised QuantumCircuit or a qiskit-machine-learning kernel"
            )
        common = {"reps": self.reps, "entanglement": self.entanglement, "alpha": self.alpha}
        # With one feature there are no pairs: ZZ reduces to Z, and Pauli terms
        # wider than the data are dropped (Qiskit refuses them otherwise).
        if self.feature_map == "z" or (self.feature_map == "zz" and n_features < 2):
            return z_feature_map(n_features, reps=self.reps, alpha=self.alpha)
        if self.feature_map == "zz":
            return zz_feature_map(n_features, **common)
        paulis = [p for p in (self.paulis or ["Z", "ZZ"]) if len(p) <= n_features]
        return pauli_feature_map(n_features, paulis=paulis, **common)

    def _check(self, X: ArrayLike, name: str) -> NDArray[np.float64]:
        return check_points(X, name)

    def n_qubits(self, n_features: int) -> int:
        """Qubits of the feature map for ``n_features`` inputs."""
        return self._batched(n_features).n_qubits

    def _bandwidth(self) -> float:
        bandwidth = self.bandwidth
        if isinstance(bandwidth, bool) or not np.isfinite(bandwidth) or bandwidth <= 0:
            raise ValueError(f"bandwidth must be a finite number > 0; got {bandwidth!r}")
        return float(bandwidth)

    def _angles(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """``bandwidth * X``, refused where float64 no longer holds an angle."""
        angles = self._bandwidth() * X
        largest = float(np.abs(angles).max(initial=0.0)) if np.all(np.isfinite(angles)) else np.inf
        if largest > _MAX_ANGLE:
            raise ValueError(
                f"bandwidth={self.bandwidth!r} times the data gives angles up to {largest:.3g} "
                f"rad; expected at most {_MAX_ANGLE:.0e} (beyond it float64 keeps no digit of "
                "an angle): use a smaller bandwidth or bandwidth='scale'"
            )
        return angles

    def _batched(self, n_features: int):
        from backends.kernels.statevector import BatchedCircuit

        if n_features not in self._compiled:
            library_map = isinstance(self.feature_map, str)  # one qubit per feature
            if library_map and n_features > MAX_STATEVECTOR_QUBITS:
                raise ValueError(self._too_wide(n_features))
            circuit = self.circuit(n_features)
            if circuit.num_parameters != n_features:
                raise ValueError(
                    f"the feature map has {circuit.num_parameters} parameters but the data has "
                    f"{n_features} features; they must match"
                )
            if circuit.num_qubits > MAX_STATEVECTOR_QUBITS:
                raise ValueError(self._too_wide(circuit.num_qubits))
            self._compiled[n_features] = BatchedCircuit(circuit)
        return self._compiled[n_features]

    @staticmethod
    def _too_wide(qubits: int) -> str:
        return (
            f"the exact statevector path holds at most {MAX_STATEVECTOR_QUBITS} qubits; this "
            f"feature map has {qubits}. Reduce the features (e.g. PCA) or pass a sampler-based "
            "qiskit-machine-learning kernel"
        )

    def statevectors(self, X: ArrayLike) -> NDArray[np.complex128]:
        """One statevector per row of ``bandwidth * X``, shape ``(N, 2**n_qubits)``."""
        X = self._check(X, "X")
        batched = self._batched(X.shape[1])
        qubits = batched.n_qubits
        # The batch and one working copy of it while gates are applied.
        check_memory(
            2 * 16 * len(X) * 2**qubits,
            f"the statevectors of {len(X)} points on {qubits} qubits",
            "fewer features (PCA) so fewer qubits, fewer points per call (the kernel "
            "accepts blocks of rows), or a sampler-based qiskit-machine-learning kernel",
        )
        return batched.statevectors(self._angles(X))

    def __call__(self, X: ArrayLike, Y: ArrayLike | None = None) -> NDArray[np.float64]:
        X = self._check(X, "X")
        symmetric = Y is None
        Y = X if symmetric else self._check(Y, "Y")
        if X.shape[1] != Y.shape[1]:
            raise ValueError(f"X has {X.shape[1]} features but Y has {Y.shape[1]}; they must match")
        if self.is_qiskit_kernel:
            gram = self.feature_map.evaluate(
                self._angles(X), None if symmetric else self._angles(Y)
            )
            return _finite_gram(np.asarray(gram, dtype=float))
        self._check_call_memory(len(X), None if symmetric else len(Y), X.shape[1])
        if symmetric:
            gram = self._symmetric_gram(self.statevectors(X))
        else:
            left = self.statevectors(X)
            np.conjugate(left, out=left)  # in place: a conjugated copy of the batch was not counted
            gram = np.abs(left @ self.statevectors(Y).T) ** 2
        if self.shots is None and self.depolarizing:
            raise ValueError(
                f"depolarizing={self.depolarizing!r} emulates a measured kernel: set shots too"
            )
        if self.shots is None:
            return _finite_gram(gram)
        qubits = self.n_qubits(X.shape[1])
        return _finite_gram(self._measured(gram, symmetric, qubits, len(X), len(Y)))

    def _check_call_memory(self, n_x: int, n_y: int | None, n_features: int) -> None:
        """Refuse a Gram whose peak memory exceeds the limit, every copy counted.

        The batches of X and (cross path) Y, one working copy of a batch
        while gates are applied, the complex overlaps, and the Gram with its
        triangle copies. Counting the batch alone under-counted the peak by
        1.5-2.3 times (120 points on 18 qubits: 960 MiB estimated, 1.5-1.8 GB grown).
        """
        dimension = 2 ** self.n_qubits(n_features)
        rows = n_x + (n_y or 0)
        columns = n_y or n_x
        required = 16 * dimension * (rows + max(n_x, columns)) + 40 * n_x * columns
        check_memory(
            required,
            f"the quantum kernel of {n_x} x {columns} points on {self.n_qubits(n_features)} "
            "qubits (statevectors, their working copy, overlaps and the Gram)",
            "fewer features (PCA) so fewer qubits, fewer points per call (the kernel "
            "accepts blocks of rows), or a sampler-based qiskit-machine-learning kernel",
        )

    @staticmethod
    def _symmetric_gram(states: NDArray[np.complex128]) -> NDArray[np.float64]:
        # zherk forms only the upper triangle of S S^H: half the work of a full product.
        np.conjugate(states, out=states)  # in place: the batch is this call's own
        upper = zherk(1.0, np.ascontiguousarray(states), lower=0)
        gram = np.abs(np.triu(upper)) ** 2
        gram = gram + np.triu(gram, 1).T
        np.fill_diagonal(gram, 1.0)
        return gram

    def _measured(self, gram, symmetric: bool, qubits: int, n_x: int, n_y: int):
        """The Gram as ``shots`` measurements would give it: noise, mitigation, PSD repair."""
        self._check_noise()
        rng = np.random.default_rng(self.random_state)
        rate = float(self.depolarizing)
        noisy = sample_fidelities(depolarized(gram, qubits, rate), self.shots, rng)
        # Self-fidelities: exactly 1 on a noiseless device (no need to measure them).
        self_fidelity = depolarized(np.ones(1), qubits, rate)[0]
        self_x = sample_fidelities(np.full(n_x, self_fidelity), self.shots, rng)
        if symmetric:
            noisy = np.triu(noisy, 1)
            noisy = noisy + noisy.T
            np.fill_diagonal(noisy, self_x)
            self_y = self_x
        else:
            self_y = sample_fidelities(np.full(n_y, self_fidelity), self.shots, rng)
        if self.mitigation is not None:
            noisy = mitigate_depolarizing(noisy, qubits, self_x, self_y, self.mitigation)
        if not symmetric:
            return noisy
        np.fill_diagonal(noisy, 1.0)  # what the mitigation gives; exact without noise
        return make_psd(noisy)

    def _check_noise(self) -> None:
        if not isinstance(self.shots, Integral) or isinstance(self.shots, bool) or self.shots < 1:
            raise ValueError(f"shots must be a positive integer or None; got {self.shots!r}")
        rate = self.depolarizing
        if isinstance(rate, bool) or not (isinstance(rate, Real) and 0.0 <= rate < 1.0):
            raise ValueError(f"depolarizing must be a number in [0, 1); got {rate!r}")
        if self.mitigation is not None and self.mitigation not in MITIGATIONS:
            raise ValueError(
                f"mitigation must be one of {MITIGATIONS} or None; got {self.mitigation!r}"
            )
