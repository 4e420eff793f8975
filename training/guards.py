"""What a solve will hold in memory, checked before it computes or allocates.

The messages name the estimator (``owner``) and the remedies a user has.
"""

from __future__ import annotations

import numpy as np

from backends import check_memory
from qubo import table_bytes
from training.columns import KernelColumns
from training.settings import SolveSettings, TrainingData

__all__ = [
    "QUBO_WORKING_COPIES",
    "check_encoding",
    "check_symmetry",
    "check_whole_qubo",
    "kernel_columns",
]

#: Training rows a kernel callable is evaluated on to check its symmetry.
_SYMMETRY_ROWS = 64

#: The dense QUBO's copies alive at a fit's peak (the matrix being built,
#: dimod's couplings, the sampler's coupling vectors), measured in
#: experiments/benchmarks/memory.py, with room for the allocator.
QUBO_WORKING_COPIES = 4


def check_encoding(n_bits: int, owner: str) -> None:
    """Refuse, before any kernel or QUBO, an encoding whose level table memory cannot hold."""
    check_memory(
        table_bytes(n_bits),
        f"{owner} with n_bits={n_bits} encodes every coefficient on 2**{n_bits} levels, "
        "whose table",
        "fewer bits: refinement rounds reach libsvm's optimum with n_bits=2",
    )


def check_whole_qubo(n_coefficients: int, n_bits: int, owner: str) -> None:
    """Refuse a dense QUBO that would not fit, before building it."""
    n = n_coefficients * n_bits
    check_memory(
        QUBO_WORKING_COPIES * 8 * n * n,
        f"{owner} with n_bits={n_bits} builds a dense QUBO of {n} variables "
        f"({n_coefficients} coefficients), which with its working copies",
        "a partition ensemble (PartitionEnsembleRegressor / PartitionEnsembleClassifier) "
        "over smaller subsets, fewer bits (n_bits), or Leap's hybrid solver (backend='hybrid')",
    )


def kernel_columns(
    data: TrainingData, settings: SolveSettings, size: int, owner: str
) -> KernelColumns:
    """The kernel's columns on demand, after checking what the decomposed fit will hold."""
    cache_bytes = int(settings.cache_size * 2**20)
    n = data.n_points
    qubo_variables = size * settings.n_bits
    check_memory(
        min(cache_bytes, 8 * n * n) + 8 * n * (size + 16)
        + QUBO_WORKING_COPIES * 8 * qubo_variables**2,
        f"{owner} on {n} points with cache_size={settings.cache_size} MB and "
        f"working sets of {size} coefficients",
        "a smaller cache_size",
    )  # fmt: skip
    return KernelColumns(
        data.kernel, data.X, cache_bytes=cache_bytes, name=data.name, precomputed=data.precomputed
    )


def check_symmetry(data: TrainingData) -> None:
    """Refuse a kernel whose Gram matrix on training points is not symmetric.

    Checked on up to ``_SYMMETRY_ROWS`` evenly spaced training rows, before
    any solve, as a precomputed Gram matrix is checked whole: a dual built
    on an asymmetric kernel is not the SVM's, and the fit ran for minutes
    (36 s at N = 400) before failing to converge.
    """
    n = data.n_points
    rows = data.X[np.unique(np.linspace(0, n - 1, min(_SYMMETRY_ROWS, n)).astype(int))]
    K = np.asarray(data.kernel(rows, rows), dtype=float)
    if K.shape != (rows.shape[0], rows.shape[0]):
        return  # the shape is checked, and named, where the kernel's blocks are read
    scale = float(np.abs(K).max(initial=0.0))
    asymmetry = float(np.abs(K - K.T).max(initial=0.0))
    if asymmetry > 1e-8 * max(scale, 1e-300):
        raise ValueError(
            f"the kernel {data.name} is not symmetric on the training points: k(x, y) - k(y, x) "
            f"reaches {asymmetry:.3g} (of values up to {scale:.3g}); expected k(x, y) = k(y, x), "
            "as an SVM's kernel must be"
        )
