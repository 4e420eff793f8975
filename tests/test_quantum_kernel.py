"""Quantum kernels against Qiskit's and qiskit-machine-learning's reference implementations."""

import numpy as np
import pytest
from conftest import FAST, mixed_circuit
from qiskit.circuit.library import pauli_feature_map, z_feature_map, zz_feature_map
from qiskit.quantum_info import Statevector
from qiskit_machine_learning.kernels import FidelityQuantumKernel, FidelityStatevectorKernel
from sklearn.base import clone
from sklearn.svm import SVC, SVR
from sklearn.utils._param_validation import InvalidParameterError

from backends.kernels.quantum import QuantumKernel
from qml import QSVC, QSVR


def _angles(rng, n, d):
    return rng.uniform(0, np.pi, size=(n, d))


@pytest.mark.parametrize(
    ("name", "reference", "options"),
    [
        ("zz", zz_feature_map(3, reps=2), {}),
        (
            "zz",
            zz_feature_map(3, reps=1, entanglement="linear"),
            {"reps": 1, "entanglement": "linear"},
        ),
        ("z", z_feature_map(3, reps=2), {}),
        ("pauli", pauli_feature_map(3, reps=2, paulis=["X", "ZY"]), {"paulis": ["X", "ZY"]}),
    ],
)
def test_equals_fidelity_statevector_kernel(rng, name, reference, options):
    X, Y = _angles(rng, 25, 3), _angles(rng, 7, 3)
    ours = QuantumKernel(name, **options)
    theirs = FidelityStatevectorKernel(feature_map=reference)
    np.testing.assert_allclose(ours(X), theirs.evaluate(X), atol=1e-10)
    np.testing.assert_allclose(ours(X, Y), theirs.evaluate(X, Y), atol=1e-10)


def test_user_circuit_statevectors_match_qiskit(rng):
    circuit = mixed_circuit()
    X = _angles(rng, 6, 3)
    states = QuantumKernel(circuit).statevectors(X)
    for row, state in zip(X, states, strict=True):
        expected = Statevector(circuit.assign_parameters(row)).data
        assert abs(abs(np.vdot(expected, state)) - 1.0) < 1e-12


def test_qiskit_kernel_with_sampler_primitive_is_accepted(rng):
    X = _angles(rng, 6, 2)
    sampler_kernel = FidelityQuantumKernel(feature_map=zz_feature_map(2, reps=1))
    wrapped = QuantumKernel(sampler_kernel)
    np.testing.assert_allclose(wrapped(X), QuantumKernel("zz", reps=1)(X), atol=1e-8)


def test_shot_noise_is_unbiased_and_repaired_to_psd(rng):
    X = _angles(rng, 30, 3)
    exact = QuantumKernel("zz")(X)
    noisy = QuantumKernel("zz", shots=2000, random_state=0)(X)
    np.testing.assert_allclose(noisy, noisy.T)
    assert np.linalg.eigvalsh(noisy).min() > -1e-10
    assert 0 < np.abs(noisy - exact).mean() < 0.02
    # The unrepaired (X, Y) path against binomial theory: mean 0, variance p(1-p)/shots.
    Y = _angles(rng, 40, 3)
    p = QuantumKernel("zz")(X, Y)
    error = QuantumKernel("zz", shots=2000, random_state=1)(X, Y) - p
    expected = np.sqrt((p * (1 - p)).mean() / 2000)
    assert abs(error.mean()) < 4 * expected / np.sqrt(error.size)
    assert 0.85 < error.std() / expected < 1.15


@pytest.mark.parametrize("method", ["split_channel", "average", "single"])
def test_depolarising_noise_is_mitigated(rng, method):
    """Noise pulls every fidelity towards 1/2**n; inverting the model from the measured
    self-fidelities brings the Gram back to the exact one, up to shot noise."""
    X, Y = _angles(rng, 40, 3), _angles(rng, 10, 3)
    exact = QuantumKernel("zz", reps=1, bandwidth=0.3)
    options = {"reps": 1, "bandwidth": 0.3, "shots": 20_000, "depolarizing": 0.15}
    raw = QuantumKernel("zz", mitigation=None, random_state=0, **options)
    mitigated = QuantumKernel("zz", mitigation=method, random_state=0, **options)
    for args in ((X,), (Y, X)):
        error_raw = np.abs(raw(*args) - exact(*args)).mean()
        error_mitigated = np.abs(mitigated(*args) - exact(*args)).mean()
        assert error_raw > 0.02  # (1 - 0.15)**2 of the signal survives
        assert error_mitigated < 0.2 * error_raw
        assert error_mitigated < 0.01
    gram = mitigated(X)
    assert np.allclose(np.diag(gram), 1.0, atol=5e-3) and np.linalg.eigvalsh(gram).min() > -1e-10


def test_without_noise_mitigation_changes_nothing(rng):
    X = _angles(rng, 20, 3)
    plain = QuantumKernel("zz", shots=500, mitigation=None, random_state=3)(X)
    mitigated = QuantumKernel("zz", shots=500, random_state=3)(X)
    np.testing.assert_allclose(mitigated, plain, atol=1e-12)


@pytest.mark.parametrize(
    ("kernel", "X", "message"),
    [
        (QuantumKernel("zz"), np.array([[0.1, np.nan]]), r"X contains NaN or infinity"),
        (QuantumKernel("zz"), np.zeros((2, 25)), r"at most 24 qubits; this feature map has 25"),
        (QuantumKernel("xy"), np.zeros((2, 2)), r"unknown feature map 'xy'"),
        (QuantumKernel(zz_feature_map(3)), np.zeros((2, 2)), r"3 parameters but the data has 2"),
        (QuantumKernel("zz", shots=0), np.zeros((3, 2)), r"shots must be a positive integer"),
        (QuantumKernel("zz", depolarizing=0.1), np.zeros((3, 2)), r"set shots too"),
        (
            QuantumKernel("zz", shots=10, depolarizing=1.0),
            np.zeros((3, 2)),
            r"depolarizing must be a number in \[0, 1\); got 1.0",
        ),
        (
            QuantumKernel("zz", shots=10, mitigation="zne"),
            np.zeros((3, 2)),
            r"mitigation must be one of \('split_channel', 'average', 'single'\)",
        ),
    ],
)
def test_bad_input_is_explained(kernel, X, message):
    with pytest.raises(ValueError, match=message):
        kernel(X)


def test_qsvc_with_quantum_kernel_rebuilds_its_decision(rng):
    X = _angles(rng, 30, 3)
    y = (np.sin(X[:, 0]) > np.cos(X[:, 1])).astype(int)
    model = QSVC(kernel="quantum", reps=1, **FAST).fit(X, y)
    assert isinstance(model.kernel_, QuantumKernel)
    X_new = _angles(rng, 5, 3)
    width = 0.1 / np.sqrt(X.shape[1] * X.var())  # bandwidth="scale", written out
    gram = QuantumKernel("zz", reps=1, bandwidth=width)(X_new, model.support_vectors_)
    expected = gram @ model.dual_coef_[0] + model.intercept_[0]
    np.testing.assert_allclose(model.decision_function(X_new), expected, atol=1e-10)
    assert clone(model).get_params()["feature_map"] == "zz"


def test_feature_map_width_is_checked_in_fit(rng):
    with pytest.raises(ValueError, match=r"takes 3 features but X has 4"):
        QSVR(kernel="quantum", feature_map=zz_feature_map(3), **FAST).fit(
            _angles(rng, 6, 4), rng.normal(size=6)
        )


def test_classical_svm_on_the_same_kernel_equals_precomputed(rng):
    X, y = _angles(rng, 40, 2), rng.normal(size=40)
    kernel = QuantumKernel("zz", reps=2)
    direct = SVR(kernel=kernel, tol=1e-10).fit(X, y)
    precomputed = SVR(kernel="precomputed", tol=1e-10).fit(kernel(X), y)
    X_new = _angles(rng, 4, 2)
    expected = precomputed.predict(kernel(X_new, X))
    np.testing.assert_allclose(direct.predict(X_new), expected, atol=1e-6)
    labels = (y > 0).astype(int)
    svc = SVC(kernel=kernel, tol=1e-10).fit(X, labels)
    svc_pre = SVC(kernel="precomputed", tol=1e-10).fit(kernel(X), labels)
    np.testing.assert_allclose(
        svc.decision_function(X_new), svc_pre.decision_function(kernel(X_new, X)), atol=1e-6
    )


def test_qsvc_quantum_kernel_on_scaled_blobs():
    """The data of scikit-learn's check_classifiers_train, scaled as documented."""
    from sklearn.datasets import make_blobs
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    X, y = make_blobs(n_samples=300, random_state=0)
    model = make_pipeline(MinMaxScaler((0, np.pi)), QSVC(kernel="quantum", reps=1, **FAST)).fit(
        X, y
    )
    # as good as libsvm on the very same (fitted) kernel, and far above chance (1/3)
    scaled = model[0].transform(X)
    reference = SVC(kernel=model[-1].kernel_).fit(scaled, y).score(scaled, y)
    assert model.score(X, y) >= reference - 0.02
    assert reference > 0.8


def test_one_feature_reduces_zz_to_z(rng):
    X = _angles(rng, 5, 1)
    np.testing.assert_allclose(QuantumKernel("zz")(X), QuantumKernel("z")(X))
    np.testing.assert_allclose(QuantumKernel("pauli")(X), QuantumKernel("z")(X))


@pytest.mark.parametrize("width", [0.2, 1.7])
def test_bandwidth_scales_the_features_inside_the_map(rng, width):
    X, Y = _angles(rng, 12, 3), _angles(rng, 5, 3)
    theirs = FidelityStatevectorKernel(feature_map=zz_feature_map(3, reps=2))
    ours = QuantumKernel("zz", bandwidth=width)
    np.testing.assert_allclose(ours(X), theirs.evaluate(width * X), atol=1e-10)
    np.testing.assert_allclose(ours(X, Y), theirs.evaluate(width * X, width * Y), atol=1e-10)
    qiskit_kernel = QuantumKernel(theirs, bandwidth=width)
    np.testing.assert_allclose(qiskit_kernel(X, Y), ours(X, Y), atol=1e-10)


def test_scale_bandwidth_gives_the_same_model_for_pi_and_narrow_ranges(rng):
    X = _angles(rng, 24, 3)
    y = (np.sin(X[:, 0]) > np.cos(X[:, 1])).astype(int)
    X_new = _angles(rng, 6, 3)
    wide = QSVC(kernel="quantum", reps=1, **FAST).fit(X, y)
    narrow = QSVC(kernel="quantum", reps=1, **FAST).fit(X / (2 * np.pi), y)
    np.testing.assert_allclose(
        wide.kernel_(X_new, X), narrow.kernel_(X_new / (2 * np.pi), X / (2 * np.pi))
    )
    assert wide.kernel_.bandwidth == pytest.approx(narrow.kernel_.bandwidth / (2 * np.pi))
    # a fixed bandwidth does not adapt: the [0, pi] kernel is much closer to the identity
    fixed = QSVC(kernel="quantum", reps=1, bandwidth=1.0, **FAST).fit(X, y)
    off_diagonal = ~np.eye(len(X), dtype=bool)
    assert fixed.kernel_(X)[off_diagonal].mean() < wide.kernel_(X)[off_diagonal].mean() - 0.2


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), "wide"])
def test_bad_bandwidth_is_a_parameter_error(rng, bad):
    X = _angles(rng, 6, 2)
    with pytest.raises(InvalidParameterError, match=r"'bandwidth' parameter of QSVC must be"):
        QSVC(kernel="quantum", bandwidth=bad).fit(X, [0, 1] * 3)


@pytest.mark.parametrize("bad", [0.0, -2.0, float("nan"), float("inf")])
def test_quantum_kernel_refuses_a_bad_bandwidth(rng, bad):
    with pytest.raises(ValueError, match=r"bandwidth must be a finite number > 0; got"):
        QuantumKernel("z", bandwidth=bad)(_angles(rng, 3, 2))


def test_an_overflowing_bandwidth_is_refused_not_a_nan_gram():
    X = np.random.default_rng(0).uniform(size=(4, 2))
    with pytest.raises(ValueError, match=r"bandwidth=1e\+300 times the data gives angles up to"):
        QuantumKernel("zz", reps=1, bandwidth=1e300)(X)


def test_circuit_preparation_holds_no_statevector_sized_arrays():
    import tracemalloc

    kernel = QuantumKernel("zz", reps=2, entanglement="full")
    tracemalloc.start()
    kernel._batched(16)  # 480 CX gates: a 2**16 permutation each was 250 MB
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 60 * 2**20


def test_zero_features_is_a_clear_error_not_a_qiskit_error():
    from backends.kernels import QuantumKernel

    empty = np.empty((3, 0))
    with pytest.raises(ValueError, match=r"X has 0 features; a feature map needs at least one"):
        QuantumKernel()(empty, empty)


def test_a_noisy_quantum_gram_is_repaired_before_any_solver_sees_it(training_requests):
    """Issue 27 case 1: the fit took the cross path (X, X): asymmetric, indefinite, unrepaired."""
    from backends.kernels import QuantumKernel
    from qml import QSVC

    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(24, 2))
    y = (X[:, 0] > 0.5).astype(int)
    kernel = QuantumKernel("z", shots=100, depolarizing=0.2, random_state=0)
    assert np.abs(kernel(X, X) - kernel(X, X).T).max() > 0.01  # the cross path is noisy
    QSVC(kernel=kernel, random_state=0).fit(X, y)
    (request,) = training_requests
    gram = request.data.gram_matrix()
    assert np.abs(gram - gram.T).max() <= 1e-12
    assert np.linalg.eigvalsh(gram)[0] >= -1e-9


def test_a_decomposed_fit_on_a_noisy_quantum_kernel_reads_the_repaired_gram(training_requests):
    """Issue 27 case 1, the other path: working sets read columns, which no step can repair."""
    from backends.kernels import QuantumKernel
    from qml import QSVC

    rng = np.random.default_rng(1)
    X = rng.uniform(0, 1, size=(30, 2))
    y = (X[:, 0] > 0.5).astype(int)
    kernel = QuantumKernel("z", shots=100, depolarizing=0.2, random_state=0)
    QSVC(kernel=kernel, working_set_size=8, random_state=0).fit(X, y)
    (request,) = training_requests
    data = request.data
    assert data.precomputed  # every column comes from the one repaired matrix
    gram = data.X
    assert np.abs(gram - gram.T).max() <= 1e-12 and np.linalg.eigvalsh(gram)[0] >= -1e-9
