"""Active-set polish: the exact optimum on the annealer's active set, against libsvm."""

import numpy as np
import pytest
from conftest import breast_cancer_subset, diabetes_subset
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from sklearn.metrics.pairwise import linear_kernel, rbf_kernel
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR
from sklearn.utils._param_validation import InvalidParameterError

from qml import QSVC, QSVR
from qubo import Dual, svc_dual, svr_dual
from training.polish import polish


def _breast_cancer(n, seed=0):
    """The shared subset, labels as the dual's signs -1/+1."""
    X, y = breast_cancer_subset(n, seed)
    return X, np.where(y == 1, 1.0, -1.0)


def _libsvm_svr(K, y, C, epsilon):
    """libsvm's exact [alpha; alpha*] and intercept on a precomputed Gram matrix."""
    svr = SVR(kernel="precomputed", C=C, epsilon=epsilon, tol=1e-12).fit(K, y)
    beta = np.zeros(len(y))
    beta[svr.support_] = svr.dual_coef_[0]
    return np.r_[beta.clip(0), (-beta).clip(0)], float(svr.intercept_[0])


def _libsvm_svc(K, signs, C):
    svc = SVC(kernel="precomputed", C=C, tol=1e-12).fit(K, signs)
    alpha = np.zeros(len(signs))
    alpha[svc.support_] = np.abs(svc.dual_coef_[0])
    return alpha, float(svc.intercept_[0])


def _near(a, C, rng, scale=1e-4):
    """An annealer-like approximation: every coefficient moved a little, kept in [0, C]."""
    return np.clip(a + rng.uniform(-scale, scale, a.size) * C, 0.0, C)


@pytest.mark.parametrize("kernel", ["rbf", "linear"])
def test_svr_polish_from_a_nearby_point_is_libsvms_optimum(rng, kernel):
    """Linear: 30 points in 10 dimensions, a singular Gram matrix (many optima of alpha)."""
    X, y = diabetes_subset(30)
    K = rbf_kernel(X, gamma=0.1) if kernel == "rbf" else linear_kernel(X)
    dual = svr_dual(y, C=1.0, epsilon=0.1).dense(K)
    exact, intercept = _libsvm_svr(K, y, 1.0, 0.1)
    polished = polish(dual, _near(exact, 1.0, rng), resolution=1e-3)
    assert polished.optimal(tol=1e-3)
    np.testing.assert_allclose(
        dual.objective(polished.coefficients), dual.objective(exact), rtol=1e-9
    )
    np.testing.assert_allclose(dual.violation(polished.coefficients), 0.0, atol=1e-10)
    # A free alpha_n has (K beta)_n + eps - y_n + mu = 0 and f(x_n) = y_n - eps: mu is the bias.
    np.testing.assert_allclose(polished.multiplier, intercept, atol=1e-6)
    assert polished.residual < 1e-8


def test_svc_polish_from_a_nearby_point_is_libsvms_optimum(rng):
    X, signs = _breast_cancer(40)
    K = rbf_kernel(X, gamma=0.03)
    dual = svc_dual(signs, C=1.0).dense(K)
    exact, intercept = _libsvm_svc(K, signs, 1.0)
    polished = polish(dual, _near(exact, 1.0, rng), resolution=1e-3)
    assert polished.optimal(tol=1e-3)
    # libsvm's own answer at tol=1e-12 still carries ~1e-7 of shrinking and round-off.
    np.testing.assert_allclose(polished.coefficients, exact, atol=1e-6)
    np.testing.assert_allclose(
        dual.objective(polished.coefficients), dual.objective(exact), rtol=1e-10
    )
    np.testing.assert_allclose(polished.multiplier, intercept, atol=1e-6)


def test_a_wrong_active_set_is_refused():
    """A free support vector put at 0 leaves a gradient pointing into the box."""
    X, y = diabetes_subset(30)
    K = rbf_kernel(X, gamma=0.1)
    dual = svr_dual(y, C=1.0, epsilon=0.1).dense(K)
    exact, _ = _libsvm_svr(K, y, 1.0, 0.1)
    free = np.flatnonzero((exact > 1e-3) & (exact < 1.0 - 1e-3))
    wrong = exact.copy()
    wrong[free[0]] = 0.0
    polished = polish(dual, wrong, resolution=1e-3)
    assert not polished.optimal(tol=1e-3)
    assert polished.residual > 1e-3


def test_no_free_coefficient_is_nothing_to_polish():
    dual = svc_dual(np.array([1.0, -1.0]), C=1.0).dense(np.eye(2))
    assert polish(dual, [0.0, 0.0], resolution=1e-3) is None


def test_canonical_keeps_the_model_and_lowers_the_objective(rng):
    n = 6
    K = rbf_kernel(rng.normal(size=(n, 2)))
    dual = svr_dual(rng.normal(size=n), C=2.0, epsilon=0.25).dense(K)
    a = rng.uniform(0, 2.0, size=2 * n)
    reduced = dual.canonical(a)
    np.testing.assert_allclose(reduced[:n] - reduced[n:], a[:n] - a[n:])
    assert np.all(np.minimum(reduced[:n], reduced[n:]) == 0.0)
    common = np.minimum(a[:n], a[n:]).sum()
    np.testing.assert_allclose(
        dual.objective(a) - dual.objective(reduced), 2 * 0.25 * common, rtol=1e-10
    )
    unpaired = svc_dual(np.sign(rng.normal(size=n)), C=1.0).dense(K)
    np.testing.assert_array_equal(unpaired.canonical(a[:n]), a[:n])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 10))
def test_polish_from_scipys_solution_of_a_random_dual_is_its_optimum(seed, n):
    """Random convex duals, solved independently by scipy's SLSQP; polish from there.

    The polished point is feasible, meets the KKT conditions, and is no
    higher than SLSQP's answer (which it refines to machine precision).
    """
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n))
    g = np.where(rng.uniform(size=n) < 0.5, -1.0, 1.0)
    dual = Dual(np.arange(n), g, rng.normal(size=n) * 3, C=1.0, hessian=A @ A.T + 0.1 * np.eye(n))
    reference = minimize(
        dual.objective,
        np.zeros(n),
        jac=lambda a: dual.hessian @ a + dual.linear,
        bounds=[(0.0, 1.0)] * n,
        constraints=[{"type": "eq", "fun": lambda a: g @ a, "jac": lambda a: g}],
        method="SLSQP",
        options={"ftol": 1e-14, "maxiter": 500},
    )
    assume(reference.success)
    polished = polish(dual, reference.x, resolution=1e-6)
    assume(polished is not None)  # no free coefficient: nothing to polish
    assert polished.optimal(tol=1e-6)
    x = polished.coefficients
    assert np.all((x >= 0) & (x <= 1.0))
    assert abs(dual.violation(x)) < 1e-9
    assert dual.objective(x) <= dual.objective(reference.x) + 1e-9
    np.testing.assert_allclose(x, reference.x, atol=1e-4)


def test_default_qsvr_fit_is_libsvms_model(rng):
    """The polish certifies libsvm's optimum after a few rounds: same dual, same predictions."""
    X, y = diabetes_subset(40, seed=2)
    model = QSVR(C=1.0, epsilon=0.1, gamma=0.1, random_state=0).fit(X, y)
    reference = SVR(C=1.0, epsilon=0.1, gamma=0.1, tol=1e-12).fit(X, y)
    assert model.trace_[0]["polished"][-1]
    assert not model.trace_[0]["polished"][:-1].any()
    assert model.n_iter_[0] < 20
    np.testing.assert_allclose(model.predict(X), reference.predict(X), atol=1e-7)
    # the trace's last round reports the optimum itself, not the round's sample
    dual = svr_dual(y, C=1.0, epsilon=0.1).dense(rbf_kernel(X, gamma=0.1))
    beta = np.zeros(len(y))
    beta[reference.support_] = reference.dual_coef_[0]
    optimum = dual.objective(np.r_[beta.clip(0), (-beta).clip(0)])
    np.testing.assert_allclose(model.trace_[0]["dual_objective"][-1], optimum, rtol=1e-9)
    assert abs(model.trace_[0]["constraint_violation"][-1]) < 1e-10
    unpolished = QSVR(C=1.0, epsilon=0.1, gamma=0.1, polish=False, random_state=0).fit(X, y)
    assert not unpolished.trace_[0]["polished"].any()
    assert unpolished.n_iter_[0] > model.n_iter_[0]


def test_default_qsvc_fit_is_libsvms_model():
    X, signs = _breast_cancer(60, seed=4)
    model = QSVC(C=1.0, gamma=0.03, random_state=0).fit(X, signs)
    reference = SVC(C=1.0, gamma=0.03, tol=1e-12).fit(X, signs)
    assert model.trace_[0]["polished"][-1]
    np.testing.assert_allclose(
        model.decision_function(X), reference.decision_function(X), atol=1e-7
    )


@pytest.mark.parametrize("estimator", [QSVR, QSVC])
def test_polish_must_be_a_bool(estimator):
    X, y = diabetes_subset(8)
    target = y if estimator is QSVR else (y > 0).astype(int)
    with pytest.raises(InvalidParameterError, match=r"'polish' parameter of .* must be"):
        estimator(polish="yes").fit(X, target)


def test_multiclass_qsvc_polishes_every_pair_to_libsvms_model():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    idx = np.random.default_rng(0).permutation(len(y))[:60]
    X, y = StandardScaler().fit_transform(X[idx]), y[idx]
    model = QSVC(C=1.0, gamma=0.5, random_state=0).fit(X, y)
    reference = SVC(C=1.0, gamma=0.5, tol=1e-12).fit(X, y)
    assert len(model.trace_) == 3  # one dual per pair of classes
    assert all(trace["polished"][-1] for trace in model.trace_)
    np.testing.assert_array_equal(model.predict(X), reference.predict(X))
    np.testing.assert_allclose(model.dual_coef_, reference.dual_coef_, atol=1e-6)


def test_restore_equality_shifts_only_free_coefficients_and_refuses_to_leave_the_box():
    from training.polish import restore_equality

    dual = Dual(
        np.arange(4), np.array([1.0, -1.0, 1.0, -1.0]), np.zeros(4), C=1.0, hessian=np.eye(4)
    )
    a = np.array([0.5, 0.6, 0.0, 0.0])  # h = -0.1: the free pair absorbs it
    restored = restore_equality(dual, a, resolution=1e-3)
    assert dual.violation(restored) == pytest.approx(0.0, abs=1e-15)
    np.testing.assert_allclose(restored, [0.55, 0.55, 0.0, 0.0], atol=1e-15)
    leaving = np.array([0.5, 0.3, 0.0, 1.0])  # h = -0.8: a free coefficient would go below 0
    assert restore_equality(dual, leaving, resolution=1e-3) is None
    assert (
        restore_equality(dual, np.array([0.0, 1.0, 1.0, 0.0]), resolution=1e-3) is None
    )  # none free
