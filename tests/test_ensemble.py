import numpy as np
import pytest
from conftest import FAST, smooth_regression
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.svm import SVC, SVR

from qml import QSVC, QSVR, PartitionEnsembleClassifier, PartitionEnsembleRegressor


def test_subsets_are_disjoint_cover_everything_and_respect_the_size(rng):
    X, y = smooth_regression(rng, 47)
    model = PartitionEnsembleRegressor(SVR(), subset_size=10, random_state=0).fit(X, y)
    parts = model.subsets_[0]
    assert len(parts) == 5
    assert max(len(p) for p in parts) <= 10
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(47))


def test_regressor_predicts_the_mean_of_its_members(rng):
    X, y = smooth_regression(rng, 60)
    model = PartitionEnsembleRegressor(QSVR(**FAST), subset_size=20, random_state=0).fit(X, y)
    X_new = rng.uniform(-1, 1, size=(7, 2))
    members = np.array([m.predict(X_new) for m in model.estimators_[0]])
    np.testing.assert_allclose(model.predict(X_new), members.mean(axis=0))
    for member, idx in zip(model.estimators_[0], model.subsets_[0], strict=True):
        np.testing.assert_array_equal(member.support_vectors_, X[idx][member.support_])


def test_later_stages_fit_the_residuals(rng):
    X, y = smooth_regression(rng, 80)
    single = PartitionEnsembleRegressor(SVR(C=10), subset_size=10, random_state=0).fit(X, y)
    staged = PartitionEnsembleRegressor(
        SVR(C=10), subset_size=10, n_stages=3, learning_rate=0.5, random_state=0
    ).fit(X, y)
    first = np.mean([m.predict(X) for m in staged.estimators_[0]], axis=0)
    residual = y - first
    member, idx = staged.estimators_[1][0], staged.subsets_[1][0]
    np.testing.assert_allclose(
        member.predict(X[idx]), SVR(C=10).fit(X[idx], residual[idx]).predict(X[idx])
    )
    expected = first + 0.5 * sum(
        np.mean([m.predict(X) for m in stage], axis=0) for stage in staged.estimators_[1:]
    )
    np.testing.assert_allclose(staged.predict(X), expected)
    assert staged.score(X, y) > single.score(X, y)


def test_parallel_fit_equals_serial_fit(rng):
    X, y = smooth_regression(rng, 40)
    kwargs = {"subset_size": 10, "random_state": 3}
    serial = PartitionEnsembleRegressor(QSVR(**FAST), n_jobs=1, **kwargs).fit(X, y)
    parallel = PartitionEnsembleRegressor(QSVR(**FAST), n_jobs=2, **kwargs).fit(X, y)
    np.testing.assert_allclose(serial.predict(X), parallel.predict(X))


def test_classifier_subsets_are_stratified_and_decisions_averaged(rng):
    X, y = make_blobs(n_samples=90, centers=3, random_state=0)
    model = PartitionEnsembleClassifier(QSVC(**FAST), subset_size=15, random_state=0).fit(X, y)
    assert len(model.subsets_) == 6
    for idx in model.subsets_:
        assert len(idx) <= 15
        assert set(y[idx]) == {0, 1, 2}
    decision = np.mean([m.decision_function(X) for m in model.estimators_], axis=0)
    np.testing.assert_allclose(model.decision_function(X), decision)
    np.testing.assert_array_equal(model.predict(X), decision.argmax(axis=1))
    assert model.score(X, y) > 0.9


def test_binary_classifier_against_svc(rng):
    X, y = make_blobs(n_samples=120, centers=2, cluster_std=2.0, random_state=1)
    model = PartitionEnsembleClassifier(QSVC(**FAST), subset_size=20, random_state=0).fit(X, y)
    assert model.decision_function(X).shape == (120,)
    assert model.score(X, y) >= SVC().fit(X, y).score(X, y) - 0.05


def test_too_rare_a_class_is_explained(rng):
    X = rng.normal(size=(50, 2))
    y = np.array([0] * 47 + [1] * 3)
    with pytest.raises(ValueError, match=r"class 1 has only 3 samples .* subset_size >= 17"):
        PartitionEnsembleClassifier(QSVC(**FAST), subset_size=10).fit(X, y)


@pytest.mark.parametrize("backend", ["sa", "tabu", "steepest", "exact", "mock-qpu"])
def test_every_backend_can_serve_an_ensemble(rng, backend):
    X, y = smooth_regression(rng, 12)
    member = QSVR(n_bits=2, backend=backend, num_reads=5, random_state=0)
    options = {"timeout": 20} if backend == "tabu" else None
    member.set_params(backend_options=options)
    size = 3 if backend == "exact" else 6  # exact: 2 * 3 * 2 = 12 variables
    model = PartitionEnsembleRegressor(member, subset_size=size, random_state=0).fit(X, y)
    assert len(model.estimators_[0]) == 12 // size
    # the ensemble is the mean of its members' predictions, and those learned something
    members = np.mean([m.predict(X) for m in model.estimators_[0]], axis=0)
    np.testing.assert_allclose(model.predict(X), members)
    assert model.score(X, y) > 0.3


def test_numeric_strings_as_targets_are_numbers_and_words_a_clear_error():
    """Issue 27 case 13: a boosting stage's residual of string targets raised UFuncTypeError."""
    X = np.random.default_rng(0).normal(size=(20, 2))
    as_text = [str(v) for v in X[:, 0]]
    model = PartitionEnsembleRegressor(QSVR(random_state=0), subset_size=10, n_stages=3,
                                       random_state=0)  # fmt: skip
    text_fit = model.fit(X, as_text).predict(X)
    number_fit = clone(model).fit(X, X[:, 0]).predict(X)
    np.testing.assert_allclose(text_fit, number_fit)
    with pytest.raises(ValueError, match=r"y must hold numbers \(or numeric strings\); got values"
                       r" such as \['high'\]"):  # fmt: skip
        QSVR().fit(X, ["high", *as_text[1:]])
