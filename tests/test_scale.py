"""Correct at any scale of C and y: a fit matches libsvm or says how far it is.

``(y, epsilon, C)`` and ``(y / s, epsilon / s, C / s)`` have the same optimum up
to the factor ``s``, so the reference is libsvm on the unit-scale problem at
``tol = 1e-10``: libsvm's own absolute ``tol`` is no reference when ``y`` is
1e-6 (every gradient is below it from the start).
"""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.svm import SVC, SVR

from qml import QSVC, QSVR
from training import Tolerances

log_C = st.floats(min_value=-3, max_value=6)
log_scale = st.floats(min_value=-6, max_value=6)


def _data(n: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, 2))
    return X, np.sin(X[:, 0]) + 0.5 * X[:, 1] + 0.1 * rng.normal(size=n)


def _fit_recording(model, X, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    return [w for w in caught if issubclass(w.category, ConvergenceWarning)]


def _check_svr(backend: str, n: int, C: float, scale: float, seed: int) -> None:
    X, y = _data(n, seed)
    model = QSVR(C=C, epsilon=0.1 * scale, gamma=0.5, backend=backend, random_state=seed)
    warned = _fit_recording(model, X, y * scale)
    reference = SVR(C=C / scale, epsilon=0.1, gamma=0.5, tol=1e-10).fit(X, y)
    ours = r2_score(y * scale, model.predict(X))
    theirs = reference.score(X, y)
    assert warned or abs(ours - theirs) <= 1e-3, (C, scale, ours, theirs)


@settings(max_examples=30, deadline=None)
@given(log_C=log_C, log_scale=log_scale, seed=st.integers(0, 3))
def test_qsvr_on_sa_matches_libsvm_or_warns_at_any_scale(log_C, log_scale, seed):
    _check_svr("sa", 20, 10.0**log_C, 10.0**log_scale, seed)


@settings(max_examples=12, deadline=None)
@given(log_C=log_C, log_scale=log_scale, seed=st.integers(0, 3))
def test_qsvr_on_exact_matches_libsvm_or_warns_at_any_scale(log_C, log_scale, seed):
    # 4 points: 8 coefficients of 2 bits, 2**16 states per brute-force round
    _check_svr("exact", 4, 10.0**log_C, 10.0**log_scale, seed)


@settings(max_examples=16, deadline=None)
@given(log_C=log_C, seed=st.integers(0, 3), backend=st.sampled_from(["sa", "exact"]))
def test_qsvc_matches_libsvm_or_warns_at_any_C(log_C, seed, backend):
    n = 20 if backend == "sa" else 8  # exact: 8 coefficients of 2 bits
    X, y = _data(n, seed)
    labels = (y > np.median(y)).astype(int)
    C = 10.0**log_C
    model = QSVC(C=C, gamma=0.5, backend=backend, random_state=seed)
    warned = _fit_recording(model, X, labels)
    reference = SVC(C=C, gamma=0.5, tol=1e-10).fit(X, labels)
    agree = np.mean(model.decision_function(X) * reference.decision_function(X) > 0)
    assert warned or agree == 1.0, (C, agree)


@pytest.mark.parametrize(("C", "scale"), [(1e4, 1.0), (1e5, 1.0), (1e6, 1.0), (1.0, 1e-6)])
def test_the_reported_large_C_cases_now_match_libsvm_without_a_warning(C, scale):
    X, y = _data(20, 0)
    model = QSVR(C=C, epsilon=0.1 * scale, gamma=0.5, random_state=0)
    assert not _fit_recording(model, X, y * scale)
    reference = SVR(C=C / scale, epsilon=0.1, gamma=0.5, tol=1e-10).fit(X, y)
    assert model.score(X, y * scale) == pytest.approx(reference.score(X, y), abs=1e-4)


def test_a_model_far_from_the_optimum_warns_with_its_gap_and_violation():
    X, y = _data(20, 1)
    model = QSVR(C=100.0, gamma=0.5, max_iter=1, polish=False, random_state=0)
    warned = _fit_recording(model, X, y)
    message = " ".join(str(w.message) for w in warned)
    assert "is not libsvm's optimum to tol=0.001" in message
    assert "its dual objective is at most" in message
    assert "|sum of signed coefficients|" in message


def test_tolerances_follow_the_dual_scale():
    base = Tolerances.of(1e-3, C=1.0, gradient=1.0, curvature=1.0)
    assert (base.kkt, base.resolution, base.reach, base.penalty_unit) == (1e-3, 1e-3, 1.0, 1.0)
    large_C = Tolerances.of(1e-3, C=1e4, gradient=1.0, curvature=1.0)
    assert large_C.resolution == pytest.approx(1e-3)  # not tol * C = 10
    assert large_C.reach == pytest.approx(4.0)
    small_y = Tolerances.of(1e-3, C=1.0, gradient=1e-6, curvature=1.0)
    assert small_y.kkt == pytest.approx(1e-9)
    assert small_y.resolution == pytest.approx(1e-9)
    small_C = Tolerances.of(1e-3, C=1e-3, gradient=1.0, curvature=1.0)
    assert small_C.penalty_unit == pytest.approx(1e3)


def test_the_readme_quick_start_at_C_1e4_matches_libsvm_held_out():
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split

    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / X.std(0), y / y.std(), train_size=40, random_state=0
    )
    model = QSVR(C=1e4, epsilon=0.1, gamma=0.1, random_state=0)
    assert not _fit_recording(model, X_train, y_train)
    reference = SVR(C=1e4, epsilon=0.1, gamma=0.1, tol=1e-8).fit(X_train, y_train)
    assert model.score(X_test, y_test) == pytest.approx(reference.score(X_test, y_test), abs=1e-3)
