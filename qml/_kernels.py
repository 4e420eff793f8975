"""Kernel matrices for the estimators, resolved from scikit-learn-style parameters."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics.pairwise import pairwise_kernels

KERNELS = ("linear", "poly", "rbf", "sigmoid", "precomputed")


def resolve_gamma(gamma: str | float, X: NDArray[np.float64]) -> float:
    """``"scale"`` and ``"auto"`` as in scikit-learn's SVC; a float passes through."""
    if gamma == "scale":
        variance = X.var() if X.size else 0.0
        return 1.0 / (X.shape[1] * variance) if variance > 0 else 1.0
    if gamma == "auto":
        return 1.0 / X.shape[1]
    return float(gamma)


def kernel_matrix(
    kernel: str | Callable,
    X: NDArray[np.float64],
    Y: NDArray[np.float64],
    *,
    gamma: float,
    degree: int,
    coef0: float,
) -> NDArray[np.float64]:
    """Gram matrix ``k(X, Y)`` of shape ``(len(X), len(Y))``.

    The RBF kernel is scikit-learn's ``exp(-gamma * ||x - y||**2)``, with the
    square that some public QSVR scripts dropped.
    """
    if callable(kernel):
        return np.asarray(kernel(X, Y), dtype=float)
    return pairwise_kernels(
        X, Y, metric=kernel, filter_params=True, gamma=gamma, degree=degree, coef0=coef0
    )
