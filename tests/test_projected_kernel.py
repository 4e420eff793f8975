"""The projected quantum kernel against Qiskit's expectation values and libsvm on its Gram."""

import numpy as np
import pytest
from conftest import FAST, mixed_circuit
from qiskit.quantum_info import SparsePauliOp, Statevector
from sklearn.exceptions import NotFittedError
from sklearn.svm import SVC, SVR
from sklearn.utils._param_validation import InvalidParameterError

from backends.kernels import ProjectedQuantumKernel, QuantumKernel, one_qubit_expectations
from qml import QSVC, QSVR, PartitionEnsembleClassifier


def _angles(rng, n, d):
    return rng.uniform(0, np.pi, size=(n, d))


def _qiskit_expectations(circuit, rows):
    """``<P_k>`` by Qiskit's own Statevector.expectation_value, one bound circuit per row."""
    n = circuit.num_qubits
    out = np.empty((len(rows), 3 * n))
    for i, row in enumerate(rows):
        state = Statevector(circuit.assign_parameters(row))
        for qubit in range(n):
            for j, pauli in enumerate("XYZ"):
                label = ["I"] * n
                label[n - 1 - qubit] = pauli  # Qiskit's labels read qubit n-1 first
                operator = SparsePauliOp("".join(label))
                out[i, 3 * qubit + j] = state.expectation_value(operator).real
    return out


@pytest.mark.parametrize(
    ("feature_map", "options"),
    [
        ("zz", {}),
        ("zz", {"reps": 1, "entanglement": "linear"}),
        ("z", {}),
        ("pauli", {}),
        (mixed_circuit(), {}),
    ],
)
def test_expectation_values_agree_with_qiskit(rng, feature_map, options):
    X = _angles(rng, 8, 3)
    kernel = ProjectedQuantumKernel(feature_map, bandwidth=0.7, **options).fit(X)
    circuit = QuantumKernel(feature_map, **options).circuit(3)
    expected = _qiskit_expectations(circuit, 0.7 * X)
    np.testing.assert_allclose(kernel.expectations(X), expected, atol=1e-12, rtol=0)


def test_gram_is_the_gaussian_of_the_expectation_values(rng):
    X, Y = _angles(rng, 12, 4), _angles(rng, 5, 4)
    kernel = ProjectedQuantumKernel(reps=1, gamma=0.4).fit(X)
    ex, ey = kernel.expectations(X), kernel.expectations(Y)
    expected = np.exp(-0.4 * ((ex[:, None, :] - ey[None, :, :]) ** 2).sum(axis=2))
    np.testing.assert_allclose(kernel(X, Y), expected, atol=1e-12)
    assert np.all(np.linalg.eigvalsh(kernel(X)) > -1e-10)


def test_gamma_scale_and_auto_read_the_training_expectations(rng):
    X = _angles(rng, 20, 3)
    scale = ProjectedQuantumKernel(reps=1).fit(X)
    features = scale.expectations(X)
    assert scale.gamma_ == pytest.approx(1.0 / features.var(axis=0).sum())
    assert ProjectedQuantumKernel(reps=1, gamma="auto").fit(X).gamma_ == pytest.approx(1 / 9)
    # Fixed at fit: the Gram of new points uses the training value.
    assert scale(X[:3], X[3:6]).shape == (3, 3)


def test_product_state_has_unit_bloch_vectors(rng):
    """A map without entanglement leaves every qubit pure: |<X>,<Y>,<Z>| = 1."""
    X = _angles(rng, 6, 3)
    features = ProjectedQuantumKernel("z", reps=1, bandwidth=1.0).fit(X).expectations(X)
    lengths = np.linalg.norm(features.reshape(6, 3, 3), axis=2)
    np.testing.assert_allclose(lengths, 1.0, atol=1e-12)
    bell = np.array([[1, 0, 0, 1]]) / np.sqrt(2)  # maximally entangled: each qubit mixed
    np.testing.assert_allclose(one_qubit_expectations(bell, 2), 0.0, atol=1e-15)


def test_qsvc_with_projected_kernel_equals_libsvm_on_its_gram(rng):
    X = _angles(rng, 40, 3)
    y = (np.sin(X[:, 0]) > np.cos(X[:, 1])).astype(int)
    model = QSVC(kernel="projected", reps=1, C=1.0, **FAST).fit(X, y)
    fitted = model.kernel_
    assert isinstance(fitted, ProjectedQuantumKernel)
    reference = SVC(kernel="precomputed", C=1.0, tol=1e-10).fit(fitted(X), y)
    X_new = _angles(rng, 30, 3)
    np.testing.assert_allclose(
        model.decision_function(X_new),
        reference.decision_function(fitted(X_new, X)),
        atol=2e-3,
    )


def test_qsvr_takes_a_projected_kernel_object_and_fits_it_on_training_data(rng):
    X, y = _angles(rng, 30, 3), rng.normal(size=30)
    template = ProjectedQuantumKernel(reps=1)
    model = QSVR(kernel=template, **FAST).fit(X, y)
    assert not hasattr(template, "gamma_")  # the estimator fitted a clone
    fitted = model.kernel_.function
    assert fitted.gamma_ == ProjectedQuantumKernel(reps=1).fit(X).gamma_
    reference = SVR(kernel="precomputed", tol=1e-10).fit(fitted(X), y)
    X_new = _angles(rng, 10, 3)
    np.testing.assert_allclose(model.predict(X_new), reference.predict(fitted(X_new, X)), atol=2e-3)


def test_partition_ensemble_with_projected_kernel(rng):
    """Each member fits its own projected kernel on its own subset."""
    X = _angles(rng, 60, 3)
    y = (X[:, 0] > X[:, 1]).astype(int)
    ensemble = PartitionEnsembleClassifier(
        QSVC(kernel="projected", reps=1, **FAST), subset_size=30, random_state=0
    ).fit(X, y)
    assert len(ensemble.estimators_) == 2
    for member, rows in zip(ensemble.estimators_, ensemble.subsets_, strict=True):
        own = ProjectedQuantumKernel(reps=1).fit(X[rows])
        assert member.kernel_.gamma_ == pytest.approx(own.gamma_, rel=1e-12)
        reference = SVC(kernel="precomputed", tol=1e-10).fit(own(X[rows]), y[rows])
        np.testing.assert_allclose(
            member.decision_function(X), reference.decision_function(own(X, X[rows])), atol=5e-3
        )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"gamma": 0.0}, r"'gamma' parameter .* must be"),
        ({"gamma": -1.0}, r"'gamma' parameter .* must be"),
        ({"gamma": float("nan")}, r"'gamma' parameter .* must be"),
        ({"bandwidth": -1.0}, r"'bandwidth' parameter .* must be"),
        ({"reps": 0}, r"'reps' parameter .* must be"),
    ],
)
def test_bad_parameters_are_scikit_learn_parameter_errors(rng, params, message):
    with pytest.raises(InvalidParameterError, match=message):
        ProjectedQuantumKernel(**params).fit(_angles(rng, 5, 2))


def test_other_feature_counts_and_unfitted_use_are_refused(rng):
    kernel = ProjectedQuantumKernel(reps=1)
    with pytest.raises(NotFittedError):
        kernel(_angles(rng, 3, 2))
    kernel.fit(_angles(rng, 5, 2))
    with pytest.raises(ValueError, match=r"X has 3 features, but this kernel was fitted on 2"):
        kernel(_angles(rng, 4, 3))


def test_too_many_qubits_are_refused_before_the_circuit_is_built(rng, monkeypatch):
    import qiskit.circuit.library as library

    def never(*args, **kwargs):
        raise AssertionError("the circuit was built")

    monkeypatch.setattr(library, "zz_feature_map", never)
    with pytest.raises(ValueError, match=r"at most 24 qubits; this feature map has 30.*PCA"):
        ProjectedQuantumKernel().fit(_angles(rng, 3, 30))
