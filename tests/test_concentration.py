"""The concentration diagnostic: reported by every quantum-kernel fit, warning only when due."""

import warnings

import numpy as np
import pytest
from conftest import FAST
from sklearn.datasets import load_wine
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from backends.kernels import QuantumKernel
from backends.kernels.concentration import (
    CONCENTRATION_THRESHOLD,
    KernelConcentrationWarning,
    kernel_concentration,
)
from qml import QSVC, QSVR


@pytest.fixture(scope="module")
def wine_12():
    """Wine on 12 qubits: PCA to 12 features in [0, pi], 40 points."""
    X, y = load_wine(return_X_y=True)
    X = make_pipeline(PCA(12, random_state=0), MinMaxScaler((0, np.pi))).fit_transform(X)
    order = np.random.default_rng(0).permutation(len(y))[:40]
    return X[order], (y[order] == 0).astype(int)


def test_a_12_qubit_zz_map_at_bandwidth_1_warns(wine_12):
    X, y = wine_12
    with pytest.warns(KernelConcentrationWarning, match=r"concentrated .* bandwidth.*projected"):
        model = QSVC(kernel="quantum", bandwidth=1.0, **FAST).fit(X, y)
    assert model.kernel_concentration_.variance < CONCENTRATION_THRESHOLD


def test_the_same_data_at_default_bandwidth_stays_silent(wine_12):
    X, y = wine_12
    with warnings.catch_warnings():
        warnings.simplefilter("error", KernelConcentrationWarning)
        model = QSVC(kernel="quantum", **FAST).fit(X, y)
    assert model.kernel_concentration_.variance > 10 * CONCENTRATION_THRESHOLD


def test_the_report_is_the_training_grams_off_diagonal_statistics(rng):
    X, y = rng.uniform(0, np.pi, (25, 3)), rng.normal(size=25)
    model = QSVR(kernel="quantum", bandwidth=0.5, **FAST).fit(X, y)
    gram = QuantumKernel("zz", bandwidth=0.5)(X)
    off = gram[~np.eye(25, dtype=bool)]
    assert model.kernel_concentration_.mean == pytest.approx(off.mean(), abs=1e-12)
    assert model.kernel_concentration_.variance == pytest.approx(off.var(), abs=1e-12)
    assert QSVR(**FAST).fit(X, y).kernel_concentration_ is None  # a classical kernel


def test_a_large_training_set_is_read_from_a_sample(rng, monkeypatch):
    from backends.kernels import concentration

    monkeypatch.setattr(concentration, "SAMPLE_POINTS", 10)
    X, y = rng.uniform(0, np.pi, (30, 2)), rng.normal(size=30)
    model = QSVR(kernel="quantum", **FAST).fit(X, y)
    assert model.kernel_concentration_.n_points == 10


def test_identity_and_constant_grams_are_concentrated():
    assert kernel_concentration(np.eye(5)).concentrated
    assert kernel_concentration(np.full((5, 5), 0.7) + 0.3 * np.eye(5)).concentrated
    spread = np.array([[1, 0.1, 0.9], [0.1, 1, 0.5], [0.9, 0.5, 1]])
    assert not kernel_concentration(spread).concentrated
