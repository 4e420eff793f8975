"""Shared helpers for building BQMs from dense arrays."""

from __future__ import annotations

import dimod
import numpy as np
from numpy.typing import ArrayLike, NDArray


def bqm_from_dense(
    linear: NDArray[np.float64], quadratic: NDArray[np.float64]
) -> dimod.BinaryQuadraticModel:
    """Binary BQM of ``linear @ z + z @ quadratic @ z`` for a symmetric ``quadratic``.

    Because ``z_i**2 == z_i`` the diagonal folds into the linear biases; the
    off-diagonal pair ``Q_ij + Q_ji`` is handed to dimod as one upper-triangle
    entry, which is about twice as fast as letting dimod sum both triangles.
    ``quadratic`` is overwritten (its lower triangle and diagonal zeroed, its
    upper triangle doubled) instead of copied: the dense matrix is the
    largest array of a fit, and a second copy would double the fit's peak.
    """
    linear = linear + np.diag(quadratic)
    upper = quadratic
    upper *= np.tri(upper.shape[0], k=0, dtype=bool) == 0  # a bool mask: 1/8 of the matrix
    upper *= 2.0
    bqm = dimod.BinaryQuadraticModel(linear.size, dimod.BINARY)
    bqm.add_linear_from_array(linear)
    bqm.add_quadratic_from_dense(upper)
    return bqm


def check_gram_and_targets(
    gram: ArrayLike, y: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Validate a square finite Gram matrix and a matching target vector."""
    K = np.asarray(gram, dtype=float)
    y = np.asarray(y, dtype=float).ravel()
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"the Gram matrix must be square; got shape {K.shape}")
    if K.shape[0] != y.size:
        raise ValueError(
            f"the Gram matrix has {K.shape[0]} rows but y has {y.size} entries; they must match"
        )
    if not (np.all(np.isfinite(K)) and np.all(np.isfinite(y))):
        raise ValueError("the Gram matrix and y must be finite; got NaN or inf")
    return K, y
