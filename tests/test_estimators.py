import itertools
import warnings

import dimod
import numpy as np
import pytest
from conftest import FAST, smooth_regression
from reference_duals import svr_dual_objective
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris, make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR
from sklearn.utils._param_validation import InvalidParameterError

from qml import QSVC, QSVR, NoFreeSupportVectorWarning
from qubo import Encoding, split_svr_coefficients


def test_qsvr_predict_rebuilt_from_fitted_attributes(rng):
    X, y = smooth_regression(rng)
    model = QSVR(C=2.0, gamma=0.7, **FAST).fit(X, y)
    X_new = rng.uniform(-1, 1, size=(9, 2))
    manual = rbf_kernel(X_new, model.support_vectors_, gamma=0.7) @ model.dual_coef_[0]
    np.testing.assert_allclose(model.predict(X_new), manual + model.intercept_[0])
    np.testing.assert_array_equal(model.support_vectors_, X[model.support_])
    assert model.n_features_in_ == 2


def test_qsvr_with_exact_backend_reaches_grid_optimum(rng):
    X, y = smooth_regression(rng, n=3)
    # max_iter=1 without the polish: the single shot, whose optimum is the grid's
    model = QSVR(
        C=1.0, epsilon=0.1, n_bits=2, penalty=0.5, backend="exact", max_iter=1, polish=False
    )
    model.fit(X, y)
    np.testing.assert_array_equal(model.n_qubo_variables_, [12])
    np.testing.assert_array_equal(model.n_iter_, [1])
    K = rbf_kernel(X, gamma=1.0 / (2 * X.var()))
    alpha, star = split_svr_coefficients(model.solution_coefs_[0][0])
    energy = svr_dual_objective(K, y, alpha, star, epsilon=0.1, penalty=0.5)
    assert model.solution_energies_[0][0] == pytest.approx(energy)
    levels = Encoding(n_bits=2).levels()
    grid = np.array(list(itertools.product(levels, repeat=6)))
    brute = svr_dual_objective(K, y, grid[:, :3], grid[:, 3:], epsilon=0.1, penalty=0.5)
    assert energy == pytest.approx(brute.min())


def test_qsvr_is_close_to_libsvm():
    X, y = load_diabetes(return_X_y=True)
    X, y = StandardScaler().fit_transform(X[:40]), (y[:40] - y[:40].mean()) / y[:40].std()
    params = {"C": 1.0, "epsilon": 0.1, "gamma": 0.1}
    qsvr = QSVR(n_bits=5, random_state=0, **params).fit(X, y)
    svr = SVR(**params).fit(X, y)
    K = rbf_kernel(X, gamma=0.1)

    def dual(model):
        beta = np.zeros(40)
        beta[model.support_] = model.dual_coef_[0]
        return svr_dual_objective(K, y, beta.clip(0), (-beta).clip(0), epsilon=0.1)

    assert dual(qsvr) == pytest.approx(dual(svr), rel=0.01)
    assert np.abs(qsvr.predict(X) - svr.predict(X)).mean() < 0.05


@pytest.mark.parametrize("combine", ["best", "mean", "boltzmann", "fit"])
def test_combination_weights(rng, combine):
    X, y = smooth_regression(rng)
    model = QSVR(combine=combine, top_k=5, **FAST).fit(X, y)
    [weights] = model.solution_weights_
    assert weights.shape == (5,)
    assert weights.sum() == pytest.approx(1.0)
    assert np.all(np.diff(model.solution_energies_[0]) >= 0)
    combined = weights @ model.solution_coefs_[0]
    alpha, star = split_svr_coefficients(combined)
    np.testing.assert_allclose(model.dual_coef_[0], (alpha - star)[model.support_])
    if combine == "best":
        np.testing.assert_array_equal(weights, [1, 0, 0, 0, 0])
    if combine == "mean":
        np.testing.assert_allclose(weights, 0.2)
    if combine == "boltzmann":
        assert np.all(np.diff(weights) <= 1e-12)


def test_fit_weights_are_inverse_training_errors_of_each_kept_solution(rng):
    X, y = smooth_regression(rng)
    model = QSVR(combine="fit", top_k=8, max_iter=1, **FAST).fit(X, y)
    [rows] = model.solution_coefs_
    assert len(rows) > 2
    # Each kept solution's training error through the public fit/predict path:
    # a QSVR whose "sampler" answers exactly that solution's bits.
    box = Encoding(n_bits=model.n_bits, C=model.C).boxes(rows.shape[1])
    errors = []
    for row in rows:
        bits = (box.encode(row).reshape(1, -1), range(rows.shape[1] * model.n_bits))
        replay = QSVR(
            backend=dimod.IdentitySampler(),
            backend_options={"initial_states": bits},
            num_reads=1,
            max_iter=1,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NoFreeSupportVectorWarning)
            replay.fit(X, y)
        np.testing.assert_allclose(replay.solution_coefs_[0][0], row)
        errors.append(np.mean((replay.predict(X) - y) ** 2))
    inverse = 1 / np.array(errors)
    np.testing.assert_allclose(model.solution_weights_[0], inverse / inverse.sum())


def test_precomputed_kernel_gives_the_same_model(rng):
    X, y = smooth_regression(rng)
    X_test = rng.uniform(-1, 1, size=(5, 2))
    direct = QSVR(gamma=0.5, **FAST).fit(X, y)
    pre = QSVR(kernel="precomputed", **FAST).fit(rbf_kernel(X, gamma=0.5), y)
    np.testing.assert_allclose(
        pre.predict(rbf_kernel(X_test, X, gamma=0.5)), direct.predict(X_test)
    )
    with pytest.raises(ValueError, match=r"test Gram matrix with 30 columns"):
        pre._test_kernel(np.ones((2, 3)))


def test_callable_kernel_equals_named_kernel(rng):
    X, y = smooth_regression(rng, n=3)

    def kernel(A, B):
        return rbf_kernel(A, B, gamma=0.3)

    exact = {"backend": "exact", "n_bits": 2}
    model = QSVR(kernel=kernel, **exact).fit(X, y)
    reference = QSVR(gamma=0.3, **exact).fit(X, y)
    np.testing.assert_allclose(model.predict(X), reference.predict(X))


def test_any_dimod_sampler_is_a_backend(rng):
    X, y = smooth_regression(rng, n=6)
    sampler = dimod.RandomSampler()  # takes no initial states: every round runs cold
    with pytest.warns(ConvergenceWarning, match=r"max_iter=4 refinement rounds"):
        model = QSVR(backend=sampler, num_reads=7, top_k=50, max_iter=4).fit(X, y)
    assert model.sampler_ is sampler
    assert model.warm_start_ is None
    assert not model.trace_[0]["warm_start"].any()
    # the last round's 7 samples and the previous round's solution
    assert len(model.solution_energies_[0]) <= 8


def test_no_free_support_vector_warns_and_does_not_loop():
    X = np.array([[0.0], [1.0]])
    y = np.array([0.0, 0.0])  # every alpha is 0 at the optimum
    with pytest.warns(NoFreeSupportVectorWarning, match=r"no free support vector") as caught:
        model = QSVR(backend="exact", n_bits=2, epsilon=0.5).fit(X, y)
    assert caught[0].filename == __file__  # points at the user's call to fit
    assert model.support_.size == 0
    assert model.intercept_[0] == pytest.approx(0.0)
    np.testing.assert_allclose(model.predict(X), 0.0)


def test_qsvc_binary_decision_rebuilt_from_attributes(rng):
    X, y = make_blobs(n_samples=40, centers=2, random_state=1)
    model = QSVC(gamma=0.2, **FAST).fit(X, np.where(y == 1, "b", "a"))
    X_new = rng.normal(size=(7, 2)) * 3
    manual = rbf_kernel(X_new, model.support_vectors_, gamma=0.2) @ model.dual_coef_[0]
    manual += model.intercept_[0]
    np.testing.assert_allclose(model.decision_function(X_new), manual)
    np.testing.assert_array_equal(model.predict(X_new), np.where(manual > 0, "b", "a"))


def test_qsvc_multiclass_follows_svc_layout():
    X, y = load_iris(return_X_y=True)
    model = QSVC(**FAST).fit(X, y)
    assert model.dual_coef_.shape == (2, model.support_.size)
    assert model.intercept_.shape == (3,)
    assert model.n_support_.sum() == model.support_.size
    np.testing.assert_array_equal(np.sort(y[model.support_]), y[model.support_])
    assert model.score(X, y) > 0.9
    ovo = clone(model).set_params(decision_function_shape="ovo").fit(X, y)
    assert ovo.decision_function(X[:5]).shape == (5, 3)
    assert model.decision_function(X[:5]).shape == (5, 3)
    # pairwise decision for pair (0, 1), rebuilt by hand as SVC documents it
    K = rbf_kernel(X[:5], model.support_vectors_, gamma=model.kernel_.gamma)
    start = np.concatenate([[0], np.cumsum(model.n_support_)])
    s0, s1 = slice(start[0], start[1]), slice(start[1], start[2])
    manual = K[:, s0] @ model.dual_coef_[0, s0] + K[:, s1] @ model.dual_coef_[0, s1]
    np.testing.assert_allclose(model._pairwise_decision(X[:5])[:, 0], manual + model.intercept_[0])


BAD_INPUTS = [
    ("nan", np.array([[0.0], [np.nan], [1.0]]), [0, 1, 0], r"Input X contains NaN"),
    ("inf_y", np.array([[0.0], [1.0], [2.0]]), [0, np.inf, 1], r"Input y contains infinity"),
    ("lengths", np.zeros((3, 1)), [0, 1], r"inconsistent numbers of samples: \[3, 2\]"),
    ("one", np.zeros((1, 1)), [1], r"at least 2 samples to fit; got 1 sample"),
]


@pytest.mark.parametrize("estimator", [QSVR, QSVC])
@pytest.mark.parametrize(("case", "X", "y", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_data_is_rejected(estimator, case, X, y, message):
    with pytest.raises(ValueError, match=message):
        estimator(**FAST).fit(X, y)


def test_qsvc_single_class():
    with pytest.raises(ValueError, match=r"at least 2 classes; got 1 class"):
        QSVC(**FAST).fit(np.arange(6.0).reshape(3, 2), [1, 1, 1])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"base": 0.0}, r"The 'base' parameter of QSVR must be a float in the range \(0.0, inf\)"),
        ({"base": -1.0}, r"'base' parameter .* Got -1.0 instead"),
        ({"n_bits": 0}, r"'n_bits' parameter of QSVR must be an int in the range \[1, inf\)"),
        ({"C": 0.0}, r"'C' parameter of QSVR must be a float in the range \(0.0, inf\)"),
        ({"backend": "annealer"}, r"'backend' parameter of QSVR must be a str among"),
    ],
)
def test_bad_parameters_are_rejected(rng, params, message):
    X, y = smooth_regression(rng, n=5)
    with pytest.raises(ValueError, match=message):
        QSVR(**params).fit(X, y)


def test_unary_base_is_valid(rng):
    X, y = smooth_regression(rng, n=8)
    model = QSVR(base=1.0, n_bits=3, **FAST).fit(X, y)
    np.testing.assert_allclose(model.encoding_.p, np.full(3, 1.0 / 3))


def test_exact_backend_refuses_large_problem_and_leaves_nothing_fitted(rng):
    X, y = smooth_regression(rng, n=10)
    model = QSVR(backend="exact", n_bits=2)
    with pytest.raises(ValueError, match=r"at most 24 variables; this QUBO has 40"):
        model.fit(X, y)
    assert not [k for k in vars(model) if k.endswith("_")]


def test_failed_refit_keeps_the_previous_model(rng):
    X, y = smooth_regression(rng, n=10)
    model = QSVR(**FAST).fit(X, y)
    before, fitted = model.predict(X), {k: v for k, v in vars(model).items() if k.endswith("_")}
    model.set_params(backend="exact")  # FAST's num_sweeps is not an option of "exact"
    with pytest.raises(ValueError, match=r"backend 'exact' does not take the option\(s\) \['num"):
        model.fit(X, y)
    model.set_params(backend_options=None)
    with pytest.raises(ValueError, match=r"at most 24 variables"):
        model.fit(X, y)
    model.set_params(C=-1.0)  # a typo in set_params, then fit: the paid model survives
    with pytest.raises(InvalidParameterError, match=r"'C' parameter of QSVR"):
        model.fit(X, y)
    np.testing.assert_array_equal(model.predict(X), before)
    assert {k for k in vars(model) if k.endswith("_")} == set(fitted)
    assert model.dual_coef_ is fitted["dual_coef_"]


class _Interrupting(dimod.Sampler):
    """A sampler that fails in its third call: a solver error or Ctrl-C mid-fit."""

    parameters: dict = {"num_reads": []}
    properties: dict = {}

    def __init__(self, error):
        self.error, self.calls = error, 0

    def sample(self, bqm, **options):
        """Brute-force-free random samples, then the error."""
        self.calls += 1
        if self.calls == 3:
            raise self.error
        return dimod.RandomSampler().sample(bqm, **options)


@pytest.mark.parametrize("error", [KeyboardInterrupt(), RuntimeError("solver crashed")])
def test_a_fit_interrupted_mid_rounds_leaves_no_trace(rng, error):
    X, y = smooth_regression(rng, n=6)
    fresh = QSVR(backend=_Interrupting(error), max_iter=5)
    with pytest.raises(type(error)):
        fresh.fit(X, y)
    assert not [k for k in vars(fresh) if k.endswith("_")]
    fitted = QSVR(**FAST).fit(X, y)
    before = fitted.predict(X)
    fitted.set_params(backend=_Interrupting(error), backend_options=None, max_iter=5)
    with pytest.raises(type(error)):
        fitted.fit(X + 1.0, y)
    np.testing.assert_array_equal(fitted.predict(X), before)


@pytest.mark.parametrize("estimator", [QSVR, QSVC])
def test_cross_validation_slices_a_precomputed_gram_matrix(rng, estimator):
    from sklearn.model_selection import cross_val_score

    X = rng.normal(size=(36, 3))
    y = X[:, 0] if estimator is QSVR else (X[:, 0] > 0).astype(int)
    K = rbf_kernel(X, gamma=0.5)
    model = estimator(kernel="precomputed", C=1.0, random_state=0)
    reference = estimator(gamma=0.5, C=1.0, random_state=0)
    assert model.__sklearn_tags__().input_tags.pairwise
    assert not reference.__sklearn_tags__().input_tags.pairwise
    np.testing.assert_allclose(
        cross_val_score(model, K, y, cv=3), cross_val_score(reference, X, y, cv=3), atol=1e-9
    )


def test_qsvr_and_qsvc_describe_a_fit_with_the_same_attribute_types(rng):
    X = rng.normal(size=(12, 2))
    y = (X[:, 0] > 0).astype(int)
    regressor = QSVR(max_iter=3, **FAST).fit(X, X[:, 0])
    classifier = QSVC(max_iter=3, **FAST).fit(X, y)
    shared = (
        "n_qubo_variables_",
        "n_iter_",
        "solution_energies_",
        "solution_coefs_",
        "solution_weights_",
        "trace_",
        "sampler_info_",
        "warm_start_",
        "fallback_used_",
    )
    for name in shared:
        mine, theirs = getattr(regressor, name), getattr(classifier, name)
        assert type(mine) is type(theirs), name
        if isinstance(mine, list):
            assert len(mine) == len(theirs) == 1, name
            assert type(mine[0]) is type(theirs[0]), name
        if isinstance(mine, np.ndarray):
            assert mine.shape == theirs.shape == (1,) and mine.dtype == theirs.dtype, name


def test_precomputed_gram_matrices_must_be_real_symmetric_and_are_checked_for_psd():
    from qml._kernels import NonPSDKernelWarning

    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 2))
    y = X[:, 0]
    K = X @ X.T
    with pytest.raises(ValueError, match=r"expects a symmetric Gram matrix; K - K.T reaches"):
        QSVR(kernel="precomputed").fit(K + np.triu(np.ones_like(K), 1), y)
    with pytest.raises(ValueError, match=r"Complex data not supported"):
        QSVR(kernel="precomputed").fit(K + 1j * np.eye(12), y)
    indefinite = K - 5 * np.eye(12)
    with pytest.warns(NonPSDKernelWarning, match=r"has a negative eigenvalue \(-"):
        QSVR(kernel="precomputed", max_iter=3).fit(indefinite, y)


# -- misleading messages and silent oddities (issue 27, cases 13 and 14) -------------------


def test_num_reads_in_backend_options_is_refused_not_silently_preferred():
    X = np.random.default_rng(0).normal(size=(12, 2))
    model = QSVR(num_reads=5, backend_options={"num_reads": 3})
    message = r"backend_options sets num_reads=3, but num_reads is the estimator's own parameter"
    with pytest.raises(ValueError, match=message + r" \(now 5\); set num_reads=3 on the"):
        model.fit(X, X[:, 0])


@pytest.mark.parametrize("sweeps", [0, -1, 2.5])
def test_zero_sweeps_is_a_clear_error_not_an_attribute_error(sweeps):
    X = np.random.default_rng(0).normal(size=(12, 2))
    with pytest.raises(ValueError, match=rf"num_sweeps must be a whole number >= 1; got {sweeps}"):
        QSVR(backend_options={"num_sweeps": sweeps}).fit(X, X[:, 0])


def test_a_base_below_1_is_told_to_come_closer_to_1():
    """For base < 1 the smallest weight is the last power: a smaller base makes it worse."""
    with pytest.raises(ValueError, match=r"expected n_bits <= 48 or a base closer to 1"):
        Encoding(n_bits=60, base=0.5)


def test_an_asymmetric_kernel_callable_is_refused_before_any_solve():
    """Issue 27 case 8: it used to run for 36 s at N = 400, then blame max_iter."""
    X = np.random.default_rng(0).normal(size=(400, 2))

    def lopsided(A, B):
        return np.exp(-((A[:, None, :] - B[None, :, :]) ** 2).sum(-1)) + 0.1 * A[:, :1]

    model = QSVR(kernel=lopsided)
    message = r"the kernel <function .*lopsided.*> is not symmetric on the training points"
    with pytest.raises(ValueError, match=message + r": k\(x, y\) - k\(y, x\) reaches"):
        model.fit(X, X[:, 0])
    assert not hasattr(model, "kernel_")


def test_a_kernel_returning_a_sparse_matrix_is_taken_as_scikit_learns_svr_takes_it():
    import scipy.sparse as sp
    from sklearn.svm import SVR

    X = np.random.default_rng(1).normal(size=(30, 2))
    y = X[:, 0] - X[:, 1]

    def sparse_linear(A, B):
        return sp.csr_matrix(A @ B.T)

    ours = QSVR(kernel=sparse_linear, random_state=0).fit(X, y)
    reference = SVR(kernel=sparse_linear, tol=1e-8).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), reference.predict(X), atol=2e-3)


def test_a_billion_reads_is_refused_before_the_sampler_allocates(monkeypatch):
    from backends import MemoryLimitError

    monkeypatch.setenv("HQML_MEMORY_LIMIT", "1G")
    X = np.random.default_rng(0).normal(size=(5, 2))
    with pytest.raises(MemoryLimitError, match=r"the sample set of num_reads=1000000000 on a QUBO"
                       r" of 20 variables needs about .* fewer reads \(num_reads\)"):  # fmt: skip
        QSVR(num_reads=10**9, max_iter=1).fit(X, X[:, 0])


def test_a_pickle_carries_the_hqml_version_and_an_old_one_loads_with_a_warning():
    """Issue 27 case 14: an older pickle predicted, but repr, get_params and fit raised."""
    import pickle

    from qml import HQML_VERSION, HqmlVersionWarning

    X = np.random.default_rng(0).normal(size=(12, 2))
    model = QSVR(random_state=0).fit(X, X[:, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same version: no warning
        again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    state = model.__getstate__()
    assert state["_hqml_version"] == HQML_VERSION
    del state["_hqml_version"], state["fallback"]  # an old pickle: no marker, no new parameter
    old = QSVR.__new__(QSVR)
    message = r"pickled by an hqml without a version marker.* take their defaults: \['fallback'\]"
    with pytest.warns(HqmlVersionWarning, match=message):
        old.__setstate__(state)
    assert old.get_params()["fallback"] is None and "QSVR(" in repr(old)
    np.testing.assert_array_equal(old.predict(X), model.predict(X))
    old.fit(X, X[:, 0])
