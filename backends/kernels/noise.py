"""Shot noise and depolarising noise of a measured fidelity Gram, and their mitigation.

On hardware every fidelity ``|<phi(y)|phi(x)>|**2`` is the frequency of the
all-zero outcome of the circuit ``U(y)^dagger U(x)`` over ``shots`` runs,
and the device's noise pulls it towards ``1 / 2**n``. The model here is
the one of Hubregtsen et al. (PRA 106, 042431, 2022): a global depolarising
channel after each half of the circuit, with survival ``1 - r`` per half,

    K~_ij = (1 - r_i)(1 - r_j) K_ij + (1 - (1 - r_i)(1 - r_j)) / 2**n.

The self-fidelities ``K~_ii`` (exactly 1 without noise) reveal the rates,
so the noise can be inverted: "split_channel" estimates one rate per point
from its own diagonal entry, "average" one rate from their mean, "single"
from the first. Their formulas are those of the paper (and PennyLane's
``qml.kernels.mitigate_depolarizing_noise``); hqml applies them to the
batched Gram, and to a test-versus-training Gram with both sides'
self-fidelities.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["MITIGATIONS", "depolarized", "mitigate_depolarizing", "sample_fidelities"]

MITIGATIONS = ("split_channel", "average", "single")


def depolarized(gram: NDArray[np.float64], n_qubits: int, rate: float) -> NDArray[np.float64]:
    """The expected fidelities when each half of every circuit depolarises with ``rate``."""
    survival = (1.0 - rate) ** 2
    return survival * gram + (1.0 - survival) / 2**n_qubits


def sample_fidelities(
    probabilities: NDArray[np.float64], shots: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Frequencies of the all-zero outcome over ``shots`` runs (binomial)."""
    return rng.binomial(shots, np.clip(probabilities, 0.0, 1.0)) / shots


def _half_rates(self_fidelities: NDArray[np.float64], n_qubits: int, method: str):
    """Each point's per-half depolarising rate, read from its self-fidelity."""
    dim = 2**n_qubits
    effective = np.clip((1.0 - self_fidelities) * dim / (dim - 1), 0.0, 1.0)
    if method == "average":
        effective = np.full_like(effective, effective.mean())
    elif method == "single":
        effective = np.full_like(effective, effective[0])
    elif method != "split_channel":
        raise ValueError(f"mitigation must be one of {MITIGATIONS} or None; got {method!r}")
    return 1.0 - np.sqrt(1.0 - effective)


def mitigate_depolarizing(
    gram: NDArray[np.float64],
    n_qubits: int,
    self_x: NDArray[np.float64],
    self_y: NDArray[np.float64],
    method: str = "split_channel",
) -> NDArray[np.float64]:
    """Invert the depolarising model given the measured self-fidelities of both sides.

    Examples
    --------
    >>> exact = np.array([[1.0, 0.3], [0.3, 1.0]])
    >>> noisy = depolarized(exact, n_qubits=2, rate=0.1)
    >>> diagonal = np.diag(noisy)
    >>> mitigate_depolarizing(noisy, 2, diagonal, diagonal).round(12).tolist()
    [[1.0, 0.3], [0.3, 1.0]]
    """
    # One pool of self-fidelities: "average" and "single" read one rate off it
    # (its mean, its first point), "split_channel" one rate per point.
    rates = _half_rates(np.concatenate([self_x, self_y]), n_qubits, method)
    rates_x, rates_y = rates[: len(self_x)], rates[len(self_x) :]
    lost = 1.0 - np.outer(1.0 - rates_x, 1.0 - rates_y)
    kept = np.maximum(1.0 - lost, 1e-12)  # a fully depolarised pair carries no signal
    return (gram - lost / 2**n_qubits) / kept
