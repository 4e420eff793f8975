"""Exponential concentration of quantum kernels (Thanasilp et al., Nat. Commun. 15, 5200, 2024).

With many qubits, a wide bandwidth or deep circuits, the off-diagonal
entries of a fidelity kernel all approach the same value (``2**-n``, so
the Gram matrix approaches the identity), and a projected kernel's approach
a constant. A model trained on such a Gram cannot tell the points apart:
its predictions no longer depend on the data. The variance of the
off-diagonal entries measures how far a kernel is from that; below
:data:`CONCENTRATION_THRESHOLD` hqml warns.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CONCENTRATION_THRESHOLD",
    "KernelConcentration",
    "KernelConcentrationWarning",
    "kernel_concentration",
    "warn_if_concentrated",
]

#: The off-diagonal variance below which a kernel counts as concentrated.
#: Chosen on breast_cancer and digits 0/1 (PCA to 4, 8 and 12 features in
#: [0, pi], ZZ map, fidelity and projected kernels, bandwidths 0.03 to 3 and
#: "scale"; `python -m experiments.benchmarks.concentration --splits 2`): of
#: the 10 settings below it, 8 scored the majority class's accuracy and 2
#: (digits 0/1 at 12 qubits) 0.61 and 0.71 where useful kernels reach 0.94 to
#: 1.0; 2e-4 would also flag kernels at 0.85 and 0.89. Checked on wine 0/rest
#: and digits 3/8: it flags 10 settings, all at chance, and no useful one.
CONCENTRATION_THRESHOLD = 1e-4

#: Points of the training set the diagnostic reads: their 4,950 off-diagonal
#: pairs estimate the variance to a few per cent, far inside the factor of
#: 10 or more between concentrated and useful kernels, at a quarter of the
#: cost of 200 points (every quantum fit pays it once).
SAMPLE_POINTS = 100


class KernelConcentrationWarning(UserWarning):
    """The quantum kernel's Gram matrix is nearly the identity or nearly constant."""


@dataclass(frozen=True)
class KernelConcentration:
    """Off-diagonal statistics of a training Gram matrix.

    Attributes
    ----------
    mean : float
        Mean of the off-diagonal entries.
    variance : float
        Their variance: near 0 when the kernel has concentrated.
    n_points : int
        Points the statistics were read from.
    """

    mean: float
    variance: float
    n_points: int

    @property
    def concentrated(self) -> bool:
        return self.variance < CONCENTRATION_THRESHOLD


def kernel_concentration(gram: ArrayLike) -> KernelConcentration:
    """The off-diagonal mean and variance of a square Gram matrix.

    Examples
    --------
    >>> kernel_concentration(np.eye(3)).variance
    0.0
    >>> round(kernel_concentration([[1, 0.2, 0.8], [0.2, 1, 0.5], [0.8, 0.5, 1]]).mean, 6)
    0.5
    """
    gram = np.asarray(gram, dtype=float)
    off = gram[~np.eye(gram.shape[0], dtype=bool)]
    if off.size == 0:
        return KernelConcentration(mean=float("nan"), variance=float("nan"), n_points=gram.shape[0])
    return KernelConcentration(
        mean=float(off.mean()), variance=float(off.var()), n_points=gram.shape[0]
    )


def sample_rows(n_samples: int, seed: int = 0) -> NDArray[np.intp]:
    """The rows the diagnostic reads: all up to :data:`SAMPLE_POINTS`, else a seeded sample."""
    if n_samples <= SAMPLE_POINTS:
        return np.arange(n_samples)
    return np.sort(np.random.default_rng(seed).choice(n_samples, SAMPLE_POINTS, replace=False))


def warn_if_concentrated(concentration: KernelConcentration, context: str) -> None:
    """Warn, naming the remedies, when ``concentration`` is below the threshold."""
    if not concentration.concentrated:
        return
    warnings.warn(
        f"{context}: the quantum kernel has concentrated (off-diagonal Gram entries have "
        f"mean {concentration.mean:.3g} and variance {concentration.variance:.2g}, below "
        f"{CONCENTRATION_THRESHOLD:g}), so the model's predictions can hardly depend on the "
        "data. Use a smaller bandwidth (bandwidth='scale'), the projected kernel "
        "(kernel='projected'), or fewer qubits (fewer features, e.g. PCA)",
        KernelConcentrationWarning,
        stacklevel=4,
    )
