"""libsvm's intercept (``qubo.Dual.intercept``) against libsvm's own, from its coefficients."""

import numpy as np
import pytest
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.svm import SVC, SVR

from qubo import svc_dual, svr_dual


def _svr_intercept(K, y, alpha, star, *, C, epsilon, resolution=1e-9):
    """The intercept of ``[alpha; alpha*]`` from its gradient, computed from ``K``."""
    dual = svr_dual(y, C=C, epsilon=epsilon)
    z = np.concatenate([alpha, star], axis=-1)
    return dual.intercept(z, dual.dense(K).dual_gradient(z), resolution * C)


def _svc_intercept(K, y, alpha, *, C, resolution=1e-9):
    dual = svc_dual(y, C=C)
    return dual.intercept(alpha, dual.dense(K).dual_gradient(alpha), resolution * C)


def test_svr_intercept_matches_libsvm(rng):
    X = rng.normal(size=(40, 3))
    y = np.sin(X[:, 0]) + 0.3 * rng.normal(size=40)
    K = rbf_kernel(X, gamma=0.5)
    model = SVR(kernel="precomputed", C=2.0, epsilon=0.1, tol=1e-10).fit(K, y)
    beta = np.zeros(40)
    beta[model.support_] = model.dual_coef_[0]
    b, has_free = _svr_intercept(
        K, y, np.maximum(beta, 0), np.maximum(-beta, 0), C=2.0, epsilon=0.1
    )
    assert has_free[0]
    assert b[0] == pytest.approx(model.intercept_[0], abs=1e-6)


def test_svr_free_alpha_star_uses_plus_epsilon():
    """One free alpha* at point 0: b = y_0 + eps - f0_0, not y_0 - eps - f0_0."""
    b, has_free = _svr_intercept(
        np.eye(2), np.zeros(2), np.zeros(2), np.array([0.5, 0.0]), C=1.0, epsilon=0.1
    )
    assert has_free[0]
    assert b[0] == pytest.approx(0.0 + 0.1 + 0.5)


def test_svr_without_free_vectors_takes_the_feasible_midpoint():
    # Both alphas at 0: b must lie in [y_n - eps, y_n + eps] for both points.
    b, has_free = _svr_intercept(
        np.eye(2), np.array([0.0, 0.1]), np.zeros(2), np.zeros(2), C=1.0, epsilon=0.2
    )
    assert not has_free[0]
    assert b[0] == pytest.approx(0.5 * ((0.1 - 0.2) + (0.0 + 0.2)))


def test_an_interval_open_on_one_side_gives_its_finite_end():
    """Every alpha at C on a one-class-like SVC dual: only a lower bound on b exists."""
    dual = svc_dual([1.0, 1.0], C=1.0)
    gradient = np.array([-0.5, -0.2])  # v = 0.5 and 0.2, both in I_low only (at C, s = +1)
    b, has_free = dual.intercept([1.0, 1.0], gradient, 1e-9)
    assert not has_free[0] and b[0] == pytest.approx(0.2)  # min over I_low; I_up is empty
    b, _ = dual.intercept([0.0, 0.0], gradient, 1e-9)
    assert b[0] == pytest.approx(0.5)  # max over I_up; I_low is empty


def test_svc_intercept_matches_libsvm(rng):
    X = rng.normal(size=(50, 2))
    y = np.where(X[:, 0] + 0.5 * rng.normal(size=50) > 0, 1.0, -1.0)
    K = rbf_kernel(X, gamma=1.0)
    model = SVC(kernel="precomputed", C=1.0, tol=1e-10).fit(K, y)
    alpha = np.zeros(50)
    alpha[model.support_] = np.abs(model.dual_coef_[0])
    b, has_free = _svc_intercept(K, y, alpha, C=1.0)
    assert has_free[0]
    assert b[0] == pytest.approx(model.intercept_[0], abs=1e-6)


def test_rows_are_independent(rng):
    K = rbf_kernel(rng.normal(size=(6, 2)))
    y = rng.choice([-1.0, 1.0], size=6)
    rows = rng.uniform(0, 1, size=(4, 6))
    rows[1] = np.where(rows[1] > 0.5, 1.0, 0.0)  # a row with no free coefficient
    together, free = _svc_intercept(K, y, rows, C=1.0)
    one_by_one = [_svc_intercept(K, y, row, C=1.0)[0][0] for row in rows]
    np.testing.assert_allclose(together, one_by_one)
    assert free.tolist() == [True, False, True, True]


@pytest.mark.parametrize("C", [0.3, 2.0])
def test_coefficients_a_hair_from_a_bound_count_as_bounded(rng, C):
    """A refined solution is resolved to about tol * C: libsvm's intercept needs that resolution.

    libsvm's exact coefficients, with every one at 0 or C moved inwards by
    1e-5 C (as a refinement that stops at tol = 1e-3 may leave them): at the
    solution's resolution the intercept is libsvm's; at 1e-9 C those
    coefficients pass for free support vectors whose KKT inequalities are
    read as equalities.
    """
    X = rng.normal(size=(30, 3))
    y = np.sin(X[:, 0]) + 0.3 * rng.normal(size=30)
    K = rbf_kernel(X, gamma=0.5)
    model = SVR(kernel="precomputed", C=C, epsilon=0.05, tol=1e-10).fit(K, y)
    beta = np.zeros(30)
    beta[model.support_] = model.dual_coef_[0]
    alpha, star = np.maximum(beta, 0), np.maximum(-beta, 0)
    nudge = 1e-5 * C

    def inwards(a):
        return np.where(a >= C * (1 - 1e-9), C - nudge, np.where(a <= 0, nudge, a))

    alpha, star = inwards(alpha), inwards(star)
    precise, _ = _svr_intercept(K, y, alpha, star, C=C, epsilon=0.05, resolution=1e-3)
    loose, _ = _svr_intercept(K, y, alpha, star, C=C, epsilon=0.05)
    assert precise[0] == pytest.approx(model.intercept_[0], abs=1e-4)
    assert abs(loose[0] - model.intercept_[0]) > 1e-3
