"""Standardised subsets of scikit-learn's bundled datasets, shared by the benchmarks."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.preprocessing import StandardScaler


def split(
    loader, n_train: int, n_test: int, seed: int, *, scale_target: bool
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Random train/test split, scaled with statistics of the training part only."""
    X, y = loader(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    train, test = order[:n_train], order[n_train : n_train + n_test]
    scaler = StandardScaler().fit(X[train])
    y = y.astype(float)
    if scale_target:
        y = (y - y[train].mean()) / y[train].std()
    return scaler.transform(X[train]), y[train], scaler.transform(X[test]), y[test]


def diabetes(n_train: int, seed: int, n_test: int = 200):
    return split(load_diabetes, n_train, n_test, seed, scale_target=True)


def breast_cancer(n_train: int, seed: int, n_test: int = 300):
    return split(load_breast_cancer, n_train, n_test, seed, scale_target=False)
