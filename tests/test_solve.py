"""``training.solve``, the one entry point into training: against libsvm, and its refusals."""

from functools import partial

import dimod
import numpy as np
import pytest
from sklearn.datasets import make_classification, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.svm import SVC, SVR

from backends import BackendCapacityError, MemoryLimitError
from qubo import svc_dual, svr_dual
from training import (
    KernelColumnError,
    SolveSettings,
    TrainingData,
    TrainingRequest,
    solve,
)

GAMMA = 1.0


def _regression(n, seed=0):
    X, y = make_friedman1(n_samples=n, noise=1.0, random_state=seed)
    return X, (y - y.mean()) / y.std()


def _classification(n, seed=0):
    X, y = make_classification(n_samples=n, n_features=5, random_state=seed)
    return X, np.where(y == 1, 1.0, -1.0)


def _request(dual, X, *, kernel=None, owner="QSVR", seed=0, **settings):
    kernel = kernel or partial(rbf_kernel, gamma=GAMMA)
    return TrainingRequest(
        dual=dual,
        data=TrainingData(kernel, X, name="rbf"),
        settings=SolveSettings(**settings),
        random_state=np.random.RandomState(seed),
        owner=owner,
    )


def _libsvm_svr(X, y):
    model = SVR(C=1.0, epsilon=0.1, gamma=GAMMA, tol=1e-10).fit(X, y)
    beta = np.zeros(len(y))
    beta[model.support_] = model.dual_coef_[0]
    return beta, model.intercept_[0]


@pytest.mark.parametrize(
    ("size", "reasons", "atol"),
    [("auto", {"polished"}, 1e-6), (16, {"kkt", "settled"}, 5e-3)],
)  # fmt: skip
def test_an_svr_dual_whole_and_decomposed_is_libsvms(size, reasons, atol):
    """Whole: polished, libsvm's optimum exactly; decomposed: to libsvm's tol (1e-3)."""
    X, y = _regression(60)
    solution = solve(_request(svr_dual(y, C=1.0, epsilon=0.1), X, working_set_size=size))
    beta_ref, b_ref = _libsvm_svr(X, y)
    z = solution.coefficients[0]
    np.testing.assert_allclose(z[:60] - z[60:], beta_ref, atol=atol)
    assert solution.intercept == pytest.approx(b_ref, abs=max(atol, 1e-3))
    assert solution.stop_reason in reasons and solution.converged and solution.optimal
    assert solution.working_set_size == (None if size == "auto" else 16)
    assert solution.n_variables == (240 if size == "auto" else 32)
    # the gradients the result carries are libsvm's G = Q z + p, recomputed here from K
    K = rbf_kernel(X, gamma=GAMMA)
    beta = z[:60] - z[60:]
    expected = np.concatenate([K @ beta + 0.1 - y, -(K @ beta) + 0.1 + y])
    np.testing.assert_allclose(solution.gradients[0], expected, atol=1e-9)


@pytest.mark.parametrize(("size", "atol"), [("auto", 1e-6), (20, 5e-3)])
def test_an_svc_dual_whole_and_decomposed_is_libsvms(size, atol):
    X, y = _classification(80)
    solution = solve(_request(svc_dual(y, C=1.0), X, working_set_size=size, owner="QSVC"))
    reference = SVC(C=1.0, gamma=GAMMA, tol=1e-10).fit(X, y)
    alpha_ref = np.zeros(80)
    alpha_ref[reference.support_] = np.abs(reference.dual_coef_[0])
    np.testing.assert_allclose(solution.coefficients[0], alpha_ref, atol=atol)
    # libsvm's decision is f(x) = sum alpha y K + b with b = intercept_; classes_[1] = +1
    assert solution.intercept == pytest.approx(reference.intercept_[0], abs=max(atol, 1e-3))
    assert solution.optimal and solution.certificate.gap_bound <= 1e-3 * abs(
        solution.certificate.objective
    )
    assert solution.stop_reason in ({"polished"} if size == "auto" else {"kkt", "settled"})


def test_the_result_is_frozen_and_its_arrays_read_only():
    X, y = _regression(20)
    solution = solve(_request(svr_dual(y, C=1.0, epsilon=0.1), X))
    with pytest.raises(AttributeError):
        solution.intercept = 0.0
    with pytest.raises(ValueError, match="read-only"):
        solution.coefficients[0, 0] = 1.0
    assert set(solution.trace) >= {"energy", "dual_objective", "polished"}
    assert all(len(column) == solution.n_iter for column in solution.trace.values())
    assert "timing" in solution.info  # only the last call's info is kept, as the sampler wrote it


class _Declaring(dimod.Sampler):
    """A user's sampler declaring the protocol: a capacity, or whole duals; records each call."""

    parameters = {"num_reads": []}

    def __init__(self, *, capacity=None, whole=False):
        if capacity is not None:
            self.capacity = capacity
        self.solves_whole_duals = whole
        self.sizes = []

    @property
    def properties(self):
        return {}

    def sample(self, bqm, num_reads=1, **kwargs):
        self.sizes.append(bqm.num_variables)
        return dimod.SampleSet.from_samples_bqm(
            np.zeros((1, bqm.num_variables), dtype=np.int8), bqm
        )


def test_the_sampler_protocol_not_its_class_decides_whole_or_decomposed():
    X, y = _regression(200)  # 400 coefficients: beyond SA_WHOLE_LIMIT
    dual = svr_dual(y, C=1.0, epsilon=0.1)
    whole = _Declaring(whole=True)
    assert solve(_request(dual, X, backend=whole, max_iter=1)).working_set_size is None
    assert set(whole.sizes) == {800}
    sized = _Declaring(capacity=40)
    # a sampler that only ever answers zeros cannot lower the dual: the training says so
    with pytest.warns(ConvergenceWarning, match=r"working sets \(stalled\)"):
        solution = solve(_request(dual, X, backend=sized, max_iter=1))
    assert solution.working_set_size == 20 and max(sized.sizes) <= 40
    assert not solution.converged and not solution.optimal


def test_a_working_set_beyond_the_capacity_is_refused_before_any_call():
    X, y = _regression(50)
    sampler = _Declaring(capacity=10)
    with pytest.raises(
        BackendCapacityError,
        match=r"working_set_size=8 with n_bits=2 gives QUBOs of 16 variables, but one call of "
        r"this backend holds at most 10; use working_set_size <= 5 or 'auto'",
    ):
        solve(_request(svr_dual(y, C=1.0, epsilon=0.1), X, backend=sampler, working_set_size=8))
    assert sampler.sizes == []


def test_a_capacity_refusal_of_the_backend_is_told_with_its_remedies():
    class Refusing(_Declaring):
        def sample(self, bqm, **kwargs):
            raise BackendCapacityError("the clique holds 12")

    X, y = _regression(10)
    with pytest.raises(
        BackendCapacityError,
        match=r"QSVR with n_bits=2 builds a QUBO of 40 variables from 20 coefficients: the "
        r"clique holds 12\. Remedies: a smaller working_set_size, fewer bits",
    ):
        solve(_request(svr_dual(y, C=1.0, epsilon=0.1), X, backend=Refusing()))


def test_a_kernel_cache_beyond_the_memory_limit_is_refused(monkeypatch):
    X, y = _regression(2_000)
    monkeypatch.setenv("HQML_MEMORY_LIMIT", "20M")
    with pytest.raises(
        MemoryLimitError,
        match=r"QSVR on 2000 points with cache_size=200\.0 MB and working sets of 88 "
        r"coefficients.*a smaller cache_size",
    ):
        solve(_request(svr_dual(y, C=1.0, epsilon=0.1), X))


def test_a_dense_qubo_beyond_the_memory_limit_is_refused(monkeypatch):
    X, y = _classification(60)
    monkeypatch.setenv("HQML_MEMORY_LIMIT", "100K")
    with pytest.raises(MemoryLimitError, match=r"QSVC with n_bits=2 builds a dense QUBO of 120"):
        solve(_request(svc_dual(y, C=1.0), X, owner="QSVC"))


def test_an_encoding_float64_cannot_hold_is_refused():
    X, y = _regression(10)
    with pytest.raises(ValueError, match=r"n_bits"):
        solve(_request(svr_dual(y, C=1.0, epsilon=0.1), X, n_bits=60))


@pytest.mark.parametrize(
    ("kernel", "message"),
    [
        (
            lambda A, B: np.ones((len(A), len(B) + 1)),
            r"returned a block of shape \(256, 257\) for 256 x 256 points",
        ),
        (lambda A, B: np.full((len(A), len(B)), np.nan), r"returned NaN or inf"),
    ],
)
def test_a_bad_kernel_block_is_named(kernel, message):
    X, y = _regression(400)
    with pytest.raises(KernelColumnError, match=rf"the kernel rbf {message}"):
        solve(_request(svr_dual(y, C=1.0, epsilon=0.1), X, kernel=kernel))


def test_an_estimator_makes_one_call_into_training_per_dual(training_requests):
    """QSVR: one dual, one call; multiclass QSVC: one per pair of classes."""
    from sklearn.datasets import load_iris

    from qml import QSVC, QSVR

    X, y = _regression(30)
    QSVR(random_state=0).fit(X, y)
    assert [r.owner for r in training_requests] == ["QSVR"]
    X, y = load_iris(return_X_y=True)
    QSVC(random_state=0).fit(X[::3], y[::3])
    assert [r.owner for r in training_requests] == ["QSVR", "QSVC", "QSVC", "QSVC"]


@pytest.mark.parametrize("size", ["auto", 20])
def test_combine_fit_works_whole_and_decomposed(size):
    """The fit-weighted combination reads each solution's loss from its gradient, no kernel."""
    from qml import QSVR

    X, y = _regression(60)
    fit = QSVR(combine="fit", working_set_size=size, random_state=0).fit(X, y)
    best = QSVR(working_set_size=size, random_state=0).fit(X, y)
    weights = fit.solution_weights_[0]
    # Pasetto's 1 / MSE, each solution's training error recomputed here from the kernel
    rows = fit.solution_coefs_[0]
    dual = svr_dual(y, C=1.0, epsilon=0.1)
    K = fit.kernel_(X, X)
    gradients = dual.dense(K).dual_gradient(rows)
    intercepts, _ = dual.intercept(rows, gradients, fit.tolerances_[0].resolution)
    predictions = (rows[:, :60] - rows[:, 60:]) @ K + intercepts[:, None]
    inverse = 1.0 / ((y - predictions) ** 2).mean(axis=1)
    np.testing.assert_allclose(weights, inverse / inverse.sum(), rtol=1e-9)
    np.testing.assert_allclose(fit.predict(X), best.predict(X), atol=0.05)
    if size == 20:  # a decomposed fit has one solution: the same model as "best"
        np.testing.assert_allclose(fit.predict(X), best.predict(X), atol=1e-12)


# -- the two loops behind the entry point, driven directly ---------------------------------


def _slsqp(subproblem, start, multiplier, kkt_tol):
    """An independent subproblem solver (scipy's SLSQP): the outer loop without an annealer."""
    from scipy.optimize import minimize

    s, t = subproblem.signs, subproblem.target
    answer = minimize(
        subproblem.objective,
        start,
        jac=lambda z: subproblem.hessian @ z + subproblem.linear,
        bounds=[(0.0, subproblem.C)] * start.size,
        constraints=[{"type": "eq", "fun": lambda z: s @ z - t, "jac": lambda z: s}],
        method="SLSQP",
        options={"ftol": 1e-15, "maxiter": 500},
    )
    return np.clip(answer.x, 0.0, subproblem.C), 0, False


def test_decompose_with_exact_subproblems_reaches_libsvms_condition():
    from training import Tolerances
    from training.working_sets import decompose

    X, y = _classification(60)
    dual = svc_dual(y, C=1.0)
    K = rbf_kernel(X, gamma=GAMMA)
    tolerances = Tolerances.at(1e-3, dual, dual.linear, curvature=1.0)
    outcome = decompose(
        dual, lambda points: K[:, points], _slsqp, size=8, tolerances=tolerances, max_iter=500
    )
    assert outcome.reason == "kkt" and outcome.kkt_violation <= tolerances.kkt
    # the gradient it kept from kernel columns alone is the dense one
    np.testing.assert_allclose(
        outcome.gradient, dual.dense(K).dual_gradient(outcome.coefficients), atol=1e-10
    )
    reference = SVC(C=1.0, gamma=GAMMA, tol=1e-10).fit(X, y)
    alpha = np.zeros(60)
    alpha[reference.support_] = np.abs(reference.dual_coef_[0])
    ours, best = dual.dense(K).objective(outcome.coefficients), dual.dense(K).objective(alpha)
    assert (ours - best) / abs(best) <= 1e-4  # libsvm's tol leaves coefficients ~1e-2 apart
    np.testing.assert_allclose(outcome.coefficients, alpha, atol=2e-2)
    assert all(record.size <= 8 for record in outcome.trace)


def test_refine_reaches_libsvms_optimum_and_never_loses_its_start():
    from training import Tolerances
    from training.rounds import Start, refine
    from training.sampler import SamplerSession

    X, y = _regression(20)
    dual = svr_dual(y, C=1.0, epsilon=0.1)
    K = rbf_kernel(X, gamma=GAMMA)
    dense = dual.dense(K)
    settings = SolveSettings()
    tolerances = Tolerances.at(settings.tol, dual, dual.linear, curvature=1.0)
    session = SamplerSession(settings, np.random.RandomState(0))
    result = refine(dense, settings.encoding(1.0), session, settings, tolerances)
    beta_ref, _ = _libsvm_svr(X, y)
    z = result.coefficients[0]
    np.testing.assert_allclose(z[:20] - z[20:], beta_ref, atol=1e-6)
    assert result.converged and result.trace[-1].polished
    assert len(result.trace) == result.n_iter == session.calls
    # from the optimum as a start, one round of random bits: the start competes and wins
    start = np.concatenate([beta_ref.clip(0), (-beta_ref).clip(0)])
    noisy = SolveSettings(backend=dimod.RandomSampler(), polish=False, max_iter=1)
    session = SamplerSession(noisy, np.random.RandomState(0))
    rounds = refine(
        dense, noisy.encoding(1.0), session, noisy, tolerances, Start(start, 0.0, tolerances.kkt)
    )
    np.testing.assert_allclose(rounds.coefficients[0], start)
    assert rounds.n_iter == 1 and not rounds.converged
