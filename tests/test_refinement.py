"""Refinement rounds: every round's QUBO, libsvm's optimum, warm starts, bad input."""

import re
import warnings

import numpy as np
import pytest
from conftest import breast_cancer_subset, diabetes_subset
from reference_duals import svc_dual_objective, svr_dual_objective
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR
from sklearn.utils._param_validation import InvalidParameterError

from qml import QSVC, QSVR, PartitionEnsembleRegressor
from qubo import (
    BoxEncoding,
    Dual,
    Encoding,
    build_svc_qubo,
    build_svr_qubo,
    split_svr_coefficients,
)
from training.searches import line_search, subspace_search
from training.trust_region import next_box


def _random_box(rng, n, C, n_bits, base):
    width = rng.uniform(0.05, 1.0, size=n) * C
    lower = rng.uniform(0, 1, size=n) * (C - width)
    weights = base ** np.arange(n_bits)
    return BoxEncoding(lower, width, weights / weights.sum())


@pytest.mark.parametrize("base", [1.0, 2.0, 3.0])
def test_box_qubo_energy_is_the_augmented_svr_dual(rng, base):
    n, C = 6, 1.7
    X = rng.normal(size=(n, 3))
    K, y = rbf_kernel(X, gamma=0.4), rng.normal(size=n)
    box = _random_box(rng, 2 * n, C, 3, base)
    options = {"epsilon": 0.15, "penalty": 0.7, "complementarity": 0.4, "multiplier": -0.9}
    bqm = build_svr_qubo(K, y, box, **options)
    bits = rng.integers(0, 2, size=(40, bqm.num_variables))
    alpha, star = split_svr_coefficients(box.decode(bits.reshape(40, 2 * n, 3)))
    np.testing.assert_allclose(
        bqm.energies((bits, range(bqm.num_variables))),
        svr_dual_objective(K, y, alpha, star, **options),
        rtol=1e-12,
        atol=1e-10,
    )


def test_box_qubo_energy_is_the_augmented_svc_dual(rng):
    n, C = 7, 2.5
    K = rbf_kernel(rng.normal(size=(n, 2)))
    y = rng.choice([-1.0, 1.0], size=n)
    box = _random_box(rng, n, C, 2, 2.0)
    bqm = build_svc_qubo(K, y, box, penalty=1.3, multiplier=0.6)
    bits = rng.integers(0, 2, size=(40, bqm.num_variables))
    alpha = box.decode(bits.reshape(40, n, 2))
    np.testing.assert_allclose(
        bqm.energies((bits, range(bqm.num_variables))),
        svc_dual_objective(K, y, alpha, penalty=1.3, multiplier=0.6),
        rtol=1e-12,
        atol=1e-10,
    )


def test_every_round_of_a_fit_builds_the_augmented_dual(rng, monkeypatch):
    """Record each round's box, multiplier and BQM during a real fit, then check its energy."""
    rounds = []
    original = Dual.qubo

    def recording(self, box, *, penalty, multiplier=0.0):
        bqm = original(self, box, penalty=penalty, multiplier=multiplier)
        rounds.append((box, penalty, multiplier, bqm))
        return bqm

    monkeypatch.setattr(Dual, "qubo", recording)
    X, y = diabetes_subset(12)
    model = QSVR(
        C=1.5, epsilon=0.05, gamma=0.2, complementarity_penalty=0.3, polish=False, random_state=0
    )
    model.fit(X, y)
    assert len(rounds) == model.n_iter_[0] > 3
    assert len({round(m, 12) for _, _, m, _ in rounds}) > 1  # the multiplier moved
    assert rounds[-1][0].width.max() < rounds[0][0].width.max()  # the boxes shrank
    K = rbf_kernel(X, gamma=0.2)
    for box, penalty, multiplier, bqm in rounds:
        bits = rng.integers(0, 2, size=(20, bqm.num_variables))
        alpha, star = split_svr_coefficients(box.decode(bits.reshape(20, 24, model.n_bits)))
        expected = svr_dual_objective(
            K,
            y,
            alpha,
            star,
            epsilon=0.05,
            penalty=penalty,
            complementarity=0.3,
            multiplier=multiplier,
        )
        actual = bqm.energies((bits, range(bqm.num_variables)))
        np.testing.assert_allclose(actual, expected, rtol=1e-11, atol=1e-10)


def test_full_box_equals_the_single_shot_encoding(rng):
    K = rbf_kernel(rng.normal(size=(5, 2)))
    y = rng.normal(size=5)
    enc = Encoding(n_bits=3, base=2.0, C=2.0)
    single = build_svr_qubo(K, y, enc, penalty=0.5)
    boxed = build_svr_qubo(K, y, enc.boxes(10), penalty=0.5)
    bits = rng.integers(0, 2, size=(30, single.num_variables))
    labels = range(single.num_variables)
    np.testing.assert_allclose(single.energies((bits, labels)), boxed.energies((bits, labels)))


def _svr_gap(model, X, y, C, epsilon, gamma):
    K = rbf_kernel(X, gamma=gamma)
    reference = SVR(C=C, epsilon=epsilon, gamma=gamma, tol=1e-9).fit(X, y)

    def dual(estimator):
        beta = np.zeros(len(y))
        beta[estimator.support_] = estimator.dual_coef_[0]
        return svr_dual_objective(K, y, beta.clip(0), (-beta).clip(0), epsilon=epsilon), beta

    ours, beta = dual(model)
    best, _ = dual(reference)
    return (ours - best) / abs(best), abs(beta.sum())


@pytest.mark.parametrize("backend", ["sa", "tabu", "steepest"])
def test_refined_qsvr_reaches_libsvm_optimum(backend):
    X, y = diabetes_subset(30, seed=3)
    options = {"backend_options": {"timeout": 5}} if backend == "tabu" else {}
    model = QSVR(C=1.0, epsilon=0.1, gamma=0.1, backend=backend, random_state=0, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, y)
    gap, violation = _svr_gap(model, X, y, 1.0, 0.1, 0.1)
    assert gap < 1e-3
    assert violation <= 1e-3
    assert model.n_iter_[0] > 1
    assert model.warm_start_ == "initial_states"
    assert model.trace_[0]["warm_start"][1:].all()
    assert model.encoding_.n_bits <= 3


def test_single_shot_is_far_from_the_optimum_that_rounds_reach():
    """The annealer's rounds alone (no polish) get far closer than one QUBO."""
    X, y = diabetes_subset(30, seed=3)
    single = QSVR(C=1.0, epsilon=0.1, gamma=0.1, max_iter=1, polish=False, random_state=0)
    single.fit(X, y)
    refined = QSVR(C=1.0, epsilon=0.1, gamma=0.1, polish=False, random_state=0).fit(X, y)
    gap_single, violation_single = _svr_gap(single, X, y, 1.0, 0.1, 0.1)
    gap_refined, violation_refined = _svr_gap(refined, X, y, 1.0, 0.1, 0.1)
    np.testing.assert_array_equal(single.n_iter_, [1])
    # one QUBO on a 3-bit grid with a soft penalty: off the optimum, off the constraint
    assert abs(gap_single) > 10 * max(abs(gap_refined), 1e-6)
    assert violation_single > 10 * max(violation_refined, 1e-4)
    trace = refined.trace_[0]
    assert set(trace) == {
        "energy",
        "dual_objective",
        "constraint_violation",
        "box_width",
        "seconds",
        "warm_start",
        "polished",
    }
    assert not trace["polished"].any()
    assert trace["box_width"][-1] < 1e-2 * trace["box_width"][0]
    assert abs(trace["constraint_violation"][-1]) <= 1e-3


def test_refined_qsvc_reaches_libsvm_optimum():
    X, y = breast_cancer_subset(40, seed=1)
    model = QSVC(C=1.0, gamma=0.03, random_state=0).fit(X, y)
    reference = SVC(C=1.0, gamma=0.03, tol=1e-9).fit(X, y)
    signs = np.where(y == 1, 1.0, -1.0)
    K = rbf_kernel(X, gamma=0.03)

    def alpha(estimator):
        full = np.zeros(len(y))
        full[estimator.support_] = np.abs(estimator.dual_coef_[0])
        return full

    ours, best = (
        svc_dual_objective(K, signs, alpha(model)),
        svc_dual_objective(K, signs, alpha(reference)),
    )
    assert (ours - best) / abs(best) < 1e-3
    assert abs(alpha(model) @ signs) <= 1e-3
    assert model.n_iter_.shape == (1,)


def test_multiclass_qsvc_refines_every_pair():
    X, y = load_iris(return_X_y=True)
    idx = np.random.default_rng(0).permutation(len(y))
    X = StandardScaler().fit_transform(X)
    train, test = idx[:45], idx[45:]
    model = QSVC(C=1.0, gamma=0.5, random_state=0).fit(X[train], y[train])
    reference = SVC(C=1.0, gamma=0.5, tol=1e-9).fit(X[train], y[train])
    assert model.n_iter_.shape == (3,)
    assert (model.n_iter_ > 1).all()
    assert len(model.trace_) == 3
    agreement = np.mean(model.predict(X[test]) == reference.predict(X[test]))
    assert agreement >= 0.97
    np.testing.assert_allclose(model.intercept_, reference.intercept_, atol=0.02)


def test_partition_ensemble_members_refine():
    X, y = diabetes_subset(40)
    ensemble = PartitionEnsembleRegressor(
        QSVR(C=1.0, gamma=0.1), subset_size=20, random_state=0
    ).fit(X, y)
    members = ensemble.estimators_[0]
    assert len(members) == 2
    assert all(member.n_iter_[0] > 1 for member in members)


def test_same_random_state_same_model():
    X, y = diabetes_subset(20)
    first = QSVR(C=1.0, gamma=0.1, random_state=7).fit(X, y)
    second = QSVR(C=1.0, gamma=0.1, random_state=7).fit(X, y)
    np.testing.assert_array_equal(first.dual_coef_, second.dual_coef_)
    np.testing.assert_array_equal(first.n_iter_, second.n_iter_)


def test_max_iter_before_tol_warns_but_single_shot_does_not():
    X, y = diabetes_subset(20)
    with pytest.warns(ConvergenceWarning, match=r"QSVR stopped after max_iter=2 refinement rounds"):
        model = QSVR(C=1.0, gamma=0.1, max_iter=2, polish=False, random_state=0).fit(X, y)
    np.testing.assert_array_equal(model.n_iter_, [2])
    # a single shot is no iteration that stopped early, but its model is not
    # the optimum either: the certificate says how far it is
    with pytest.warns(ConvergenceWarning) as caught:
        QSVR(C=1.0, gamma=0.1, max_iter=1, random_state=0).fit(X, y)
    messages = [str(w.message) for w in caught]
    assert not any("stopped after max_iter" in m for m in messages)
    assert any(
        re.search(r"not libsvm's optimum .* at most [\d.e+-]+ \([\d.]+%\) above", m)
        for m in messages
    )


def test_convergence_warning_points_at_the_callers_line():
    X, y = diabetes_subset(20)
    with pytest.warns(ConvergenceWarning) as caught:
        QSVC(max_iter=2, polish=False, random_state=0).fit(X, (y > 0).astype(int))
    assert caught[0].filename == __file__


@pytest.mark.parametrize(
    ("name", "value"),
    [("max_iter", 0), ("max_iter", 2.5), ("tol", 0.0), ("tol", -1e-3), ("tol", float("nan"))],
)
@pytest.mark.parametrize("estimator", [QSVR, QSVC])
def test_bad_max_iter_or_tol_is_a_parameter_error(estimator, name, value):
    X, y = diabetes_subset(8)
    target = y if estimator is QSVR else (y > 0).astype(int)
    with pytest.raises(InvalidParameterError, match=rf"'{name}' parameter of {estimator.__name__}"):
        estimator(**{name: value}).fit(X, target)


def test_next_box_shrinks_inside_and_keeps_the_step_on_a_free_edge():
    weights = np.array([1.0, 2.0, 4.0]) / 7
    box = BoxEncoding(np.array([0.2, 0.2]), np.array([0.7, 0.7]), weights)
    inside = next_box(box, [0.5, 0.6], 1.0)
    assert inside.width.tolist() == pytest.approx([0.35, 0.35])
    edge = next_box(box, [0.2, 0.6], 1.0)  # 0.2 is the lower edge, not the bound 0
    assert edge.width.tolist() == pytest.approx([0.7, 0.7])
    stalled = next_box(box, [0.2, 0.6], 1.0, stalled=True)
    assert stalled.width.tolist() == pytest.approx([0.35, 0.35])
    for new, a in ((inside, [0.5, 0.6]), (edge, [0.2, 0.6])):
        assert (new.lower >= 0).all() and (new.upper <= 1.0 + 1e-12).all()
        np.testing.assert_allclose(new.decode(new.encode(a)), a, atol=1e-12)


def test_next_box_reaches_farther_in_the_direction_of_the_last_move():
    weights = np.array([1.0, 2.0, 4.0]) / 7
    box = BoxEncoding(np.array([0.1, 0.1]), np.array([0.5, 0.5]), weights)
    new = next_box(box, [0.4, 0.4], 1.0, previous=[0.3, 0.5])
    ahead = new.upper - np.array([0.4, 0.4])
    assert ahead[0] > 0.5 * new.width[0]  # moved up: more room above
    assert ahead[1] < 0.5 * new.width[1]  # moved down: more room below


def _random_program(rng, n, C=2.0):
    A = rng.normal(size=(n, n))
    linear, constraint = rng.normal(size=n), rng.normal(size=n)
    return Dual(np.arange(n), constraint, linear, C, hessian=A @ A.T + 0.1 * np.eye(n))


def test_line_search_is_the_exact_minimiser_along_the_line_in_the_box(rng):
    from scipy.optimize import minimize_scalar

    program = _random_program(rng, 6)
    for _ in range(20):
        start, direction = rng.uniform(0, 2, size=6), rng.normal(size=6)
        step = line_search(program, start, direction, penalty=0.5, multiplier=0.3)
        up = np.where(direction > 0, (2 - start) / direction, np.inf)
        down = np.where(direction < 0, -start / direction, np.inf)
        limit = min(up.min(), down.min())

        def f(t, start=start, direction=direction):
            return program.augmented(start + t * direction, penalty=0.5, multiplier=0.3)

        best = minimize_scalar(f, bounds=(0, limit), method="bounded", options={"xatol": 1e-12})
        assert f(step) <= best.fun + 1e-9
        assert 0 <= step <= limit + 1e-12


def test_subspace_search_is_exact_inside_the_box_and_never_worse(rng):
    n = 8
    wide = _random_program(rng, n, C=100.0)
    # the dual's minimiser near the middle of a wide box: the span's minimiser lies inside
    linear = -wide.hessian @ rng.uniform(45, 55, size=n)
    program = Dual(np.arange(n), wide.signs, linear, 100.0, hessian=wide.hessian)
    start, D = rng.uniform(45, 55, size=n), rng.normal(size=(n, 3))
    found = subspace_search(program, start, D, penalty=0.0, passes=1)
    M = program.hessian
    exact = start + D @ np.linalg.solve(D.T @ M @ D, -D.T @ (M @ start + linear))
    assert np.all((exact > 0) & (exact < 100))
    np.testing.assert_allclose(found, exact, atol=1e-8)
    tight = _random_program(rng, n, C=1.0)  # bounds bind: a feasible point no higher than the start
    for _ in range(20):
        start = rng.uniform(0, 1, size=n)
        found = subspace_search(tight, start, rng.normal(size=(n, 2)), penalty=0.2)
        assert np.all((found >= 0) & (found <= 1))
        assert tight.augmented(found, penalty=0.2) <= tight.augmented(start, penalty=0.2)


def test_augmented_dual_is_the_qubo_energy_on_any_box(rng):
    program = _random_program(rng, 5, C=1.5)
    box = _random_box(rng, 5, 1.5, 2, 2.0)
    bqm = program.qubo(box, penalty=0.7, multiplier=-0.4)
    bits = rng.integers(0, 2, size=(30, 10)).astype(np.int8)
    energies = bqm.energies((bits, range(10)))
    decoded = box.decode(bits.reshape(30, 5, 2))
    np.testing.assert_allclose(
        program.augmented(decoded, penalty=0.7, multiplier=-0.4), energies, rtol=1e-10, atol=1e-10
    )
