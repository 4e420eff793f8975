"""Trainable quantum kernels: exact gradients, Qiskit's states, alignment, no test-fold leakage."""

import warnings

import numpy as np
import pytest
from conftest import FAST, mixed_circuit
from qiskit.quantum_info import Statevector
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils._param_validation import InvalidParameterError

from backends.kernels import (
    TrainableQuantumKernel,
    centred_alignment,
    hubregtsen_map,
    target_alignment,
)
from backends.kernels.concentration import KernelConcentrationWarning
from backends.kernels.statevector import BatchedCircuit
from backends.kernels.trainable import _alignment_and_gradient, target_kernel
from qml import QSVC, QSVR


def _angles(rng, n, d):
    return rng.uniform(0, np.pi, size=(n, d))


def test_state_derivatives_equal_central_differences(rng):
    circuit = BatchedCircuit(mixed_circuit())
    rows = rng.uniform(0, 3, (5, 3))
    states, derivatives = circuit.derivatives(rows, [0, 1, 2])
    np.testing.assert_allclose(states, circuit.statevectors(rows), atol=1e-14)
    for column in range(3):
        step = np.zeros(3)
        step[column] = 1e-6
        numeric = (circuit.statevectors(rows + step) - circuit.statevectors(rows - step)) / 2e-6
        np.testing.assert_allclose(derivatives[column], numeric, atol=1e-8)


@pytest.mark.parametrize(
    ("train_bandwidth", "objective"), [(True, "target"), (False, "target"), (True, "centred")]
)
def test_alignment_gradient_equals_central_differences(rng, train_bandwidth, objective):
    X = _angles(rng, 12, 3)
    y = (X[:, 0] > X[:, 1]).astype(int)
    kernel = TrainableQuantumKernel(
        layers=1, max_iter=1, train_bandwidth=train_bandwidth, objective=objective, random_state=0
    ).fit(X, y)
    embedding, theta = kernel._embedding, kernel.parameters_
    assert theta.size == 6 + train_bandwidth  # 2 n angles per layer, then the data scale
    alignment = {"target": target_alignment, "centred": centred_alignment}[objective]
    centred = objective == "centred"
    states_and_derivatives = embedding.derivatives(X, theta)
    value, gradient = _alignment_and_gradient(*states_and_derivatives, target_kernel(y), centred)
    assert value == pytest.approx(alignment(kernel(X), y), abs=1e-12)
    _assert_central_differences(gradient, alignment, embedding, X, y, theta)


def test_target_alignment_is_the_centred_alignment_times_the_non_constant_share(rng):
    X = _angles(rng, 15, 3)
    y = rng.integers(0, 3, 15)
    K = TrainableQuantumKernel(layers=1, max_iter=0, random_state=0).fit(X, y)(X)
    centring = np.eye(15) - 1 / 15
    K_c = centring @ K @ centring
    share = np.linalg.norm(K_c) / np.linalg.norm(K)
    assert target_alignment(K, y) == pytest.approx(centred_alignment(K, y) * share, rel=1e-12)
    # a Gram near a constant aligns perfectly after centring, but not with the target
    nearly_constant = 1 - 1e-6 * (1 - (y[:, None] == y[None, :]))
    assert centred_alignment(nearly_constant, y) == pytest.approx(1.0, abs=1e-9)
    assert target_alignment(nearly_constant, y) < 1e-5


def _gram(embedding, X, theta):
    states = embedding.states(X, theta)
    return np.abs(states.conj() @ states.T) ** 2


def _assert_central_differences(gradient, alignment, embedding, X, y, theta):
    for p in range(theta.size):
        step = np.zeros_like(theta)
        step[p] = 1e-6
        up = alignment(_gram(embedding, X, theta + step), y)
        down = alignment(_gram(embedding, X, theta - step), y)
        assert gradient[p] == pytest.approx((up - down) / 2e-6, abs=1e-7)


def test_bandwidth_gradient_equals_central_differences(rng):
    X = _angles(rng, 10, 3)
    y = rng.normal(size=10)
    kernel = TrainableQuantumKernel("zz", reps=1, max_iter=1).fit(X, y)
    embedding, c = kernel._embedding, kernel.parameters_
    _, gradient = _alignment_and_gradient(*embedding.derivatives(X, c), target_kernel(y))
    assert c.size == 3  # one bandwidth per feature
    _assert_central_differences(gradient, target_alignment, embedding, X, y, c)


def test_trained_gram_equals_qiskit_fidelities_with_the_trained_angles(rng):
    X = _angles(rng, 8, 4)
    y = (X.sum(axis=1) > 2 * np.pi).astype(int)
    kernel = TrainableQuantumKernel(layers=2, max_iter=5, bandwidth=0.5, random_state=1).fit(X, y)
    circuit, data, trainable = hubregtsen_map(4, layers=2)
    assert len(trainable) == kernel.parameters_.size - 1 == 16
    *angles, scale = kernel.parameters_
    assert 0.5 / 3 <= 0.5 * scale <= 0.5 * 3

    def state(x):
        values = dict(zip(data, 0.5 * scale * x, strict=True))
        values.update(zip(trainable, angles, strict=True))
        return Statevector(circuit.assign_parameters(values)).data

    expected = np.array([[abs(np.vdot(state(a), state(b))) ** 2 for b in X[:3]] for a in X])
    np.testing.assert_allclose(kernel(X, X[:3]), expected, atol=1e-12)


def test_training_raises_the_alignment(rng):
    X = _angles(rng, 40, 2)
    y = (np.sin(2 * X[:, 0]) > np.cos(X[:, 1])).astype(int)
    kernel = TrainableQuantumKernel(layers=2, random_state=0).fit(X, y)
    assert kernel.alignment_ > kernel.initial_alignment_ + 0.05
    assert kernel.alignment_ == pytest.approx(target_alignment(kernel(X), y), abs=1e-10)


def test_regression_uses_the_centred_target_kernel(rng):
    X = _angles(rng, 30, 2)
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1]
    kernel = TrainableQuantumKernel("z", reps=1, max_iter=30).fit(X, y)
    assert kernel.alignment_ > kernel.initial_alignment_
    start = kernel._embedding.initial
    assert np.all((kernel.parameters_ >= start / 3 - 1e-12) & (kernel.parameters_ <= 3 * start))
    with warnings.catch_warnings():
        warnings.simplefilter("error", KernelConcentrationWarning)
        model = QSVR(kernel=kernel, C=3.0, **FAST).fit(X, y)
    assert model.score(X, y) > 0.5


def test_cross_validation_trains_the_kernel_on_training_folds_only(rng, monkeypatch):
    """In a pipeline under cross-validation the kernel sees the training fold, never the test."""
    X = _angles(rng, 36, 2)
    y = (X[:, 0] > X[:, 1]).astype(int)
    seen = []
    original = TrainableQuantumKernel.fit

    def spy(self, X_fit, y_fit):
        seen.append({tuple(np.round(row, 12)) for row in X_fit})
        return original(self, X_fit, y_fit)

    monkeypatch.setattr(TrainableQuantumKernel, "fit", spy)
    kernel = TrainableQuantumKernel(layers=1, max_iter=5, random_state=0)
    model = make_pipeline(MinMaxScaler((0, np.pi)), QSVC(kernel=kernel, **FAST))
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    scores = cross_val_score(model, X, y, cv=folds)
    assert len(scores) == 3 and len(seen) == 3
    scaled = [MinMaxScaler((0, np.pi)).fit(X[train]) for train, _ in folds]
    for (train, test), scaler, rows in zip(folds, scaled, seen, strict=True):
        test_rows = {tuple(np.round(r, 12)) for r in scaler.transform(X[test])}
        assert len(rows) == len(train) and not rows & test_rows


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"bandwidth": [1.0, 2.0, 3.0]}, r"'bandwidth' parameter must be .* 2 finite values"),
        ({"bandwidth": -1.0}, r"'bandwidth' parameter .* must be"),
        ({"bandwidth": float("nan")}, r"'bandwidth' parameter"),
        ({"init": np.zeros(5)}, r"'init' parameter must hold 6 finite trainable parameters"),
        ({"layers": 0}, r"'layers' parameter .* must be"),
        ({"feature_map": "xyz"}, r"'feature_map' parameter .* must be"),
    ],
)
def test_bad_parameters_are_scikit_learn_parameter_errors(rng, params, message):
    X, y = _angles(rng, 6, 2), np.array([0, 1] * 3)
    kwargs = {"feature_map": "zz"} if "bandwidth" in params and np.ndim(params["bandwidth"]) else {}
    with pytest.raises(InvalidParameterError, match=message):
        TrainableQuantumKernel(**{**kwargs, **params}).fit(X, y)


def test_a_fitted_kernel_and_a_model_holding_it_pickle(rng):
    import pickle

    X, y = _angles(rng, 20, 2), np.array([0, 1] * 10)
    model = QSVC(kernel=TrainableQuantumKernel(layers=1, max_iter=3, random_state=0), **FAST)
    model.fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(restored.decision_function(X), model.decision_function(X))


def test_other_feature_counts_and_too_many_qubits_are_refused(rng):
    kernel = TrainableQuantumKernel(layers=1, max_iter=2, random_state=0)
    kernel.fit(_angles(rng, 6, 2), np.array([0, 1] * 3))
    with pytest.raises(ValueError, match=r"X has 3 features, but this kernel was trained on 2"):
        kernel(_angles(rng, 4, 3))
    with pytest.raises(ValueError, match=r"at most 24 qubits; this feature map has 30.*PCA"):
        TrainableQuantumKernel().fit(_angles(rng, 4, 30), np.array([0, 1] * 2))


def test_a_bandwidth_float64_cannot_hold_as_angles_is_refused():
    """Issue 27 case 7: at bandwidth=1e300 the alignment was NaN and QSVC scored 0.48."""
    from sklearn.utils._param_validation import InvalidParameterError

    X = np.random.default_rng(0).normal(size=(10, 2))
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(InvalidParameterError, match=r"bandwidth=1e\+300 times the data gives angles"
                       r" up to .* expected at most 1e\+12"):  # fmt: skip
        TrainableQuantumKernel(bandwidth=1e300).fit(X, y)
