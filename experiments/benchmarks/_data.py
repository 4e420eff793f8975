"""Standardised subsets of scikit-learn's bundled datasets, shared by the benchmarks."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_wine,
    make_friedman1,
    make_friedman2,
)
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from early_stopping import curve_features
from experiments.curves import load_curves


def split(
    loader, n_train: int, n_test: int, seed: int, *, scale_target: bool, scaler=None
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Random train/test split, scaled with statistics of the training part only."""
    X, y = loader(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    train, test = order[:n_train], order[n_train : n_train + n_test]
    scaler = (scaler or StandardScaler()).fit(X[train])
    y = y.astype(float)
    if scale_target:
        y = (y - y[train].mean()) / y[train].std()
    return scaler.transform(X[train]), y[train], scaler.transform(X[test]), y[test]


def pca_split(
    X: NDArray,
    y: NDArray,
    n_features: int,
    n_train: int,
    seed: int,
    n_test: int | None = None,
    top: float = np.pi,
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Random split; PCA to ``n_features`` and min-max scaling to ``[0, top]``, both fitted
    on the training part only (the features a quantum feature map takes, one per qubit).
    ``n_test=None`` holds out every other point."""
    order = np.random.default_rng(seed).permutation(len(y))
    train = order[:n_train]
    test = order[n_train:] if n_test is None else order[n_train : n_train + n_test]
    prep = make_pipeline(PCA(n_features, random_state=seed), MinMaxScaler((0, top)))
    prep.fit(X[train])
    return prep.transform(X[train]), y[train], prep.transform(X[test]), y[test]


def diabetes(n_train: int, seed: int, n_test: int = 200):
    return split(load_diabetes, n_train, n_test, seed, scale_target=True)


def breast_cancer(n_train: int, seed: int, n_test: int = 300):
    return split(load_breast_cancer, n_train, n_test, seed, scale_target=False)


def _friedman1(return_X_y=True):
    return make_friedman1(n_samples=600, noise=1.0, random_state=7)


def _friedman2(return_X_y=True):
    return make_friedman2(n_samples=600, noise=50.0, random_state=7)


def _sine(return_X_y=True):
    """A smooth function of two features: a strongly ill-conditioned RBF kernel."""
    X = np.random.default_rng(7).uniform(-1, 1, size=(600, 2))
    return X, np.sin(2 * X[:, 0]) + 0.5 * X[:, 1]


def _curves(return_X_y=True):
    """The shipped digits learning curves, half of every curve observed."""
    return curve_features(load_curves().accuracy, 0.5, n_points=8)


def _wine_binary(return_X_y=True):
    X, y = load_wine(return_X_y=True)
    return X, (y == 0).astype(int)


def _digits_binary(return_X_y=True):
    X, y = load_digits(return_X_y=True)
    keep = np.isin(y, (3, 8))
    return X[keep], y[keep]


def friedman1(n_train: int, seed: int, n_test: int = 200):
    return split(_friedman1, n_train, n_test, seed, scale_target=True)


def friedman2(n_train: int, seed: int, n_test: int = 200):
    return split(_friedman2, n_train, n_test, seed, scale_target=True)


def sine(n_train: int, seed: int, n_test: int = 200):
    return split(_sine, n_train, n_test, seed, scale_target=True)


def curves(n_train: int, seed: int, n_test: int = 200):
    return split(_curves, n_train, n_test, seed, scale_target=True, scaler=MinMaxScaler())


def wine(n_train: int, seed: int, n_test: int = 100):
    return split(_wine_binary, n_train, n_test, seed, scale_target=False)


def digits_3_8(n_train: int, seed: int, n_test: int = 200):
    return split(_digits_binary, n_train, n_test, seed, scale_target=False)


#: Datasets on which hqml's defaults were chosen, and those kept apart to verify them.
TUNING = {
    "regression": {"diabetes": diabetes, "sine": sine},
    "classification": {"breast_cancer": breast_cancer},
}
UNSEEN = {
    "regression": {"friedman1": friedman1, "friedman2": friedman2, "curves": curves},
    "classification": {"wine": wine, "digits 3/8": digits_3_8},
}
