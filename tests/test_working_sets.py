"""Working-set decomposition: exact against libsvm, never the N x N matrix, clear refusals."""

import warnings

import dimod
import numpy as np
import pytest
from conftest import breast_cancer_subset
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_iris, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.svm import SVC, SVR
from sklearn.utils._param_validation import InvalidParameterError

from qml import QSVC, QSVR
from qml._kernels import resolve_gamma
from qubo import svc_dual, svr_dual
from training import KernelColumnError, KernelColumns
from training.working_sets import select_working_set


def _friedman(n, seed=0):
    X, y = make_friedman1(n_samples=n, noise=1.0, random_state=seed)
    return X, (y - y.mean()) / y.std()


def _svr_objective(beta, K, y, epsilon):
    return 0.5 * beta @ K @ beta + epsilon * np.abs(beta).sum() - y @ beta


def _beta(model, n):
    beta = np.zeros(n)
    beta[model.support_] = model.dual_coef_[0]
    return beta


def test_decomposed_qsvr_reaches_libsvms_optimum_with_small_qubos():
    X, y = _friedman(300)
    model = QSVR(working_set_size=16, random_state=0).fit(X, y)
    K = rbf_kernel(X, gamma=resolve_gamma("scale", X))
    reference = SVR(C=1.0, epsilon=0.1, gamma="scale", tol=1e-8).fit(X, y)
    ours = _svr_objective(_beta(model, 300), K, y, 0.1)
    best = _svr_objective(_beta(reference, 300), K, y, 0.1)
    assert (ours - best) / abs(best) <= 1e-4
    assert abs(model.dual_coef_.sum()) <= 1e-3
    np.testing.assert_allclose(model.predict(X), reference.predict(X), atol=2e-3)
    assert model.working_set_size_.tolist() == [16]
    assert model.n_qubo_variables_.tolist() == [32]  # every QUBO: 16 coefficients x 2 bits
    trace = model.trace_[0]
    assert model.n_iter_[0] == trace["kkt_violation"].size > 1
    # From far off libsvm's condition to about its tolerance, recomputed from the kernel:
    # the loop ends on libsvm's rule or once the dual no longer moves ("settled").
    allowed = model.tolerances_[0].kkt
    assert model.converged_[0] and model.stop_reason_[0] in ("kkt", "settled")
    assert trace["kkt_violation"][0] > 1.0 > 100 * allowed
    beta = _beta(model, 300)
    z = np.concatenate([beta.clip(0), (-beta).clip(0)])
    dual = svr_dual(y, C=1.0, epsilon=0.1)
    assert dual.kkt(z, dual.dense(K).dual_gradient(z)).violation <= 1.5 * allowed
    assert model.qubo_calls_ == trace["qubo_calls"].sum() >= model.n_iter_[0]
    assert model.sampler_seconds_ > 0


def test_decomposed_qsvc_reaches_libsvms_decision_function():
    X, y = breast_cancer_subset(200)
    model = QSVC(working_set_size=20, random_state=0).fit(X, y)
    reference = SVC(C=1.0, gamma="scale", tol=1e-8).fit(X, y)
    np.testing.assert_allclose(
        model.decision_function(X), reference.decision_function(X), atol=5e-3
    )
    assert model.n_qubo_variables_.max() <= 40


def test_every_multiclass_pair_is_decomposed():
    X, y = load_iris(return_X_y=True)
    model = QSVC(working_set_size=10, random_state=0).fit(X, y)
    assert (model.working_set_size_ == 10).all() and model.n_iter_.size == 3
    reference = SVC(C=1.0, gamma="scale", tol=1e-8).fit(X, y)
    assert (model.predict(X) == reference.predict(X)).mean() == 1.0
    np.testing.assert_allclose(model.intercept_, reference.intercept_, atol=5e-3)


def test_exact_solver_on_every_working_set_is_libsvms_optimum():
    """Brute force on each subproblem (12 variables): an independent solver of the same loop."""
    X, y = _friedman(30)
    model = QSVR(backend="exact", working_set_size=6, random_state=0).fit(X, y)
    K = rbf_kernel(X, gamma=resolve_gamma("scale", X))
    reference = SVR(C=1.0, epsilon=0.1, gamma="scale", tol=1e-8).fit(X, y)
    gap = _svr_objective(_beta(model, 30), K, y, 0.1) - _svr_objective(
        _beta(reference, 30), K, y, 0.1
    )
    assert gap <= 1e-4 * abs(_svr_objective(_beta(reference, 30), K, y, 0.1))
    assert model.n_qubo_variables_.tolist() == [12]


def test_a_precomputed_kernel_decomposes_to_the_same_model():
    X, y = _friedman(120)
    gamma = resolve_gamma("scale", X)
    named = QSVR(gamma=gamma, working_set_size=12, random_state=0).fit(X, y)
    K = rbf_kernel(X, gamma=gamma)
    pre = QSVR(kernel="precomputed", working_set_size=12, random_state=0).fit(K, y)
    np.testing.assert_allclose(pre.predict(K), named.predict(X), atol=1e-6)


def test_a_random_sampler_shows_the_annealers_work():
    """Samples that ignore the QUBO: the same loop needs many times the calls and rarely certifies.

    The polish certifies and the start competes, but only the sampler moves
    the coefficients: random bits find improvements by luck, mostly once
    refusals have shrunk a working set to a few coefficients.
    """

    class RandomBits(dimod.Sampler):
        parameters, properties = {"seed": []}, {}

        def sample(self, bqm, seed=None, **kwargs):
            return dimod.RandomSampler().sample(bqm, num_reads=5, seed=seed)

    X, y = _friedman(200)
    annealed = QSVR(working_set_size=16, random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        guessed = QSVR(backend=RandomBits(), working_set_size=16, random_state=0).fit(X, y)
    assert guessed.qubo_calls_ > 2 * annealed.qubo_calls_
    guessed_trace, annealed_trace = guessed.trace_[0], annealed.trace_[0]
    assert guessed_trace["polished"].mean() < annealed_trace["polished"].mean()
    assert guessed_trace["accepted"].mean() < annealed_trace["accepted"].mean()
    # refused answers shrink the working sets: random bits work on far smaller ones
    assert guessed_trace["size"].mean() < annealed_trace["size"].mean()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"working_set_size": 1}, "working_set_size"),
        ({"working_set_size": "big"}, "working_set_size"),
        ({"cache_size": 0.0}, "cache_size"),
        ({"cache_size": float("nan")}, "cache_size"),
        ({"cache_size": -5}, "cache_size"),
    ],
)
@pytest.mark.parametrize("estimator", [QSVR, QSVC])
def test_bad_working_set_settings_raise_scikit_learns_parameter_error(estimator, params, message):
    X, y = breast_cancer_subset(20)
    with pytest.raises(InvalidParameterError, match=rf"The '{message}' parameter"):
        estimator(**params).fit(X, y)


@pytest.mark.parametrize(
    ("kernel", "message"),
    [
        (lambda A, B: np.full((len(A), len(B)), np.nan), r"returned NaN or inf in a block"),
        (
            lambda A, B: np.ones((len(A), len(B) + 1)),
            r"returned a block of shape \(200, \d+\) for 200 x \d+ points",
        ),
    ],
)
def test_a_broken_kernel_callable_is_named(kernel, message):
    X, y = _friedman(200)
    model = QSVR(kernel=kernel, working_set_size=88)
    with pytest.raises(KernelColumnError, match=r"the kernel <function .*" + message):
        model.fit(X, y)
    assert not [k for k in vars(model) if k.endswith("_")]


def test_ctrl_c_in_a_decomposed_fit_keeps_the_previous_model():
    X, y = _friedman(200)
    model = QSVR(working_set_size=16, random_state=0).fit(X, y)
    before = model.predict(X)

    class Interrupting(dimod.Sampler):
        parameters, properties = {}, {}

        def __init__(self):
            self.calls = 0

        def sample(self, bqm, **kwargs):
            self.calls += 1
            if self.calls == 20:
                raise KeyboardInterrupt
            return dimod.SimulatedAnnealingSampler().sample(bqm, num_reads=2, num_sweeps=50)

    model.set_params(backend=Interrupting())
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y)
    np.testing.assert_array_equal(model.predict(X), before)


@settings(max_examples=25, deadline=None)
@given(
    capacity_columns=st.integers(2, 12),
    requests=st.lists(st.lists(st.integers(0, 29), min_size=1, max_size=8), max_size=12),
)
def test_kernel_columns_equal_the_gram_matrix_and_stay_bounded(capacity_columns, requests):
    X = np.random.default_rng(0).normal(size=(30, 3))
    K = rbf_kernel(X, gamma=0.5)
    columns = KernelColumns(
        lambda A, B: rbf_kernel(A, B, gamma=0.5),
        X,
        cache_bytes=capacity_columns * 8 * 30,
        name="rbf",
    )
    for points in requests:
        np.testing.assert_allclose(columns(points), K[:, points], rtol=1e-12, atol=1e-15)
        assert columns.nbytes == capacity_columns * 8 * 30
    np.testing.assert_allclose(columns.diagonal(), np.diag(K))


def test_columns_cached_are_not_recomputed():
    X = np.random.default_rng(0).normal(size=(10, 2))
    columns = KernelColumns(lambda A, B: A @ B.T, X, cache_bytes=4 * 8 * 10, name="linear")
    columns([1, 2, 3])
    columns([2, 3])
    assert columns.computed == 3
    columns([4, 5])  # evicts the least recently used (1), keeps 2 and 3
    columns([2, 3])
    assert columns.computed == 5


@pytest.mark.parametrize("kind", ["svr", "svc"])
def test_a_subproblem_is_the_whole_dual_with_the_rest_fixed(rng, kind):
    n = 12
    X = rng.normal(size=(n, 2))
    K = rbf_kernel(X, gamma=0.7)
    if kind == "svr":
        dual = svr_dual(rng.normal(size=n), C=1.0, epsilon=0.1)
    else:
        dual = svc_dual(np.sign(rng.normal(size=n)) + (rng.normal(size=n) == 0), C=1.0)
    whole = dual.dense(K)
    z = rng.uniform(0, 1, size=dual.n_coefficients)
    gradient = whole.hessian @ z + whole.linear
    W = np.sort(rng.choice(dual.n_coefficients, size=6, replace=False))
    points = dual.points[W]
    sub = dual.subproblem(W, z, gradient, K[np.ix_(points, points)])
    differences = []
    for _ in range(3):
        u = rng.uniform(0, 1, size=6)
        full = z.copy()
        full[W] = u
        differences.append(whole.objective(full) - sub.objective(u))
        np.testing.assert_allclose(
            whole.violation(full) - whole.violation(z), sub.violation(u) - sub.violation(z[W])
        )
    np.testing.assert_allclose(differences, differences[0], rtol=1e-10, atol=1e-10)
    # and the gradient update from the columns alone is the dense one
    step = rng.normal(size=6)
    dense = whole.hessian[:, W] @ step
    np.testing.assert_allclose(dual.column_product(K[:, points], W, step), dense, atol=1e-12)


def test_the_intercept_from_the_gradient_is_libsvms(rng):
    """The decomposed fit's intercept (from the gradient it keeps) against libsvm's own."""
    X, y = _friedman(40)
    K = rbf_kernel(X, gamma=resolve_gamma("scale", X))
    reference = SVR(C=1.0, epsilon=0.1, gamma="scale", tol=1e-10).fit(X, y)
    beta = _beta(reference, 40)
    z = np.concatenate([np.maximum(beta, 0), np.maximum(-beta, 0)])
    dual = svr_dual(y, C=1.0, epsilon=0.1)
    gradient = dual.dense(K).hessian @ z + dual.linear
    b, has_free = dual.intercept(z, gradient, 1e-6)
    assert has_free[0]
    np.testing.assert_allclose(b[0], reference.intercept_[0], atol=1e-6)


def test_selection_takes_the_most_violating_pairs_and_part_of_the_last_set():
    v = np.array([5.0, 4.0, 3.0, 2.0, 1.0, 0.0, -1.0, -2.0])
    every = np.ones(8, dtype=bool)
    chosen = select_working_set(v, every, every, 4, np.array([3, 4]), 1e-3)
    # three new (the pair (0, 7), then 1), one of the previous set
    assert chosen.tolist() == [0, 1, 3, 7]
    dual = svc_dual([1.0, -1.0], C=1.0)
    gap, *_ = dual.kkt(np.zeros(2), dual.linear.copy())
    assert gap == 2.0  # v = -s * G = (1, -1): alpha_1 may rise, alpha_2 too


def test_working_sets_that_exceed_the_qpu_are_refused_before_any_call(rng):
    from backends import BackendCapacityError

    X, y = _friedman(300)
    with pytest.raises(
        BackendCapacityError,
        match=r"working_set_size=100 with n_bits=2 gives QUBOs of 200 variables, but one call "
        r"of this backend holds at most \d+; use working_set_size <= \d+ or 'auto'",
    ):
        QSVR(backend="mock-qpu", working_set_size=100).fit(X, y)


@pytest.mark.slow
def test_mock_qpu_decomposed_fit_embeds_every_subproblem_and_estimates_billing():
    X, y = _friedman(120)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = QSVR(backend="mock-qpu", random_state=0).fit(X, y)
    capacity = model.sampler_.capacity  # the mock's full-yield P16 clique
    assert model.working_set_size_[0] == capacity // 2  # 2 bits per coefficient
    assert model.n_qubo_variables_[0] <= capacity
    assert model.sampler_info_[0]["embedding"]["reused"]  # one clique embedding per size
    reference = SVR(C=1.0, epsilon=0.1, gamma="scale", tol=1e-8).fit(X, y)
    np.testing.assert_allclose(model.predict(X), reference.predict(X), atol=5e-3)
    per_call = model.estimated_qpu_access_time_ / model.qubo_calls_
    assert 0.015 < per_call < 0.03  # ~15 ms programming + 5 reads of ~0.2 ms each


def test_a_working_set_takes_the_penalty_unit_of_its_own_starting_gradient(rng):
    """Near the optimum a subproblem's gradient is small: the whole dual's unit would overweigh."""
    from dataclasses import replace

    from training import Tolerances
    from training.rounds import Start, _penalty_unit

    X = rng.normal(size=(6, 2))
    y = 20 + 10 * rng.normal(size=6)  # raw targets: the natural coefficient size is >> C = 1
    dual = svr_dual(y, C=1.0, epsilon=0.1)
    dense = dual.dense(rbf_kernel(X))
    whole = Tolerances.at(1e-3, dual, dual.linear, curvature=1.0)
    # The DESIGN's unit from the dual's definition: v = [y - eps; y + eps] at z = 0, its
    # half-spread g = ptp(y) / 2 + eps, over C times the RBF kernel's diagonal (1).
    expected = (np.ptp(y) / 2 + 0.1) / (1.0 * 1.0)
    assert whole.penalty_unit == pytest.approx(expected) and expected > 5
    assert _penalty_unit(dense, whole, None) == pytest.approx(expected)
    at_zero = Start(np.zeros(12), 0.0, whole.kkt)
    assert _penalty_unit(dense, whole, at_zero) == pytest.approx(expected)
    # a start whose gradient spread is small (all coefficients at a bound, as late in a fit)
    flat = dense.linear - dense.linear.mean()
    settled = replace(dense, linear=flat * 1e-3)
    assert _penalty_unit(settled, whole, Start(np.zeros(12), 0.0, whole.kkt)) == 1.0
