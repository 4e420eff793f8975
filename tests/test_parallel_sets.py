"""Several working sets per QPU call: the tiled call, the copies, the exact combination."""

import itertools
import warnings

import dimod
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sklearn.datasets import make_regression
from sklearn.svm import SVR

from backends import BackendCapacityError, get_sampler
from backends.samplers.parallel import ParallelCopiesWarning
from qubo import KKT
from training.parallel_sets import combine_moves, disjoint_sets


def _box_qp_by_enumeration(g, H):
    """The exact minimum of g.t + t.H.t/2 over [0, 1]^k: every face of the box, solved."""
    k, best, best_t = g.size, 0.0, np.zeros(g.size)
    for status in itertools.product((0, 1, 2), repeat=k):  # 0: t=0, 1: t=1, 2: free
        t = np.array([float(s == 1) for s in status])
        free = [i for i in range(k) if status[i] == 2]
        if free:
            fixed = [i for i in range(k) if status[i] != 2]
            rhs = -(g[free] + H[np.ix_(free, fixed)] @ t[fixed])
            t[free] = np.linalg.lstsq(H[np.ix_(free, free)], rhs, rcond=None)[0]
        if np.all((t >= -1e-12) & (t <= 1 + 1e-12)):
            value = g @ t + 0.5 * t @ H @ t
            if value < best:
                best, best_t = value, t
    return best, best_t


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 4))
@example(seed=120, k=4)  # L-BFGS-B stopped 17 % above the minimum here
def test_the_step_lengths_are_the_box_qps_minimum(seed, k):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(6, 6))
    Q = A @ A.T
    moves = rng.normal(size=(6, k))
    gradient = rng.normal(size=6)
    t = combine_moves(gradient, Q, moves)
    g, H = moves.T @ gradient, moves.T @ Q @ moves
    best, _ = _box_qp_by_enumeration(g, H)
    value = g @ t + 0.5 * t @ H @ t
    assert np.all((t >= 0) & (t <= 1))
    assert value <= 1e-12  # never raises the dual
    assert value <= best + 1e-7 * max(1.0, abs(best))


def test_moves_that_overshoot_together_are_shortened():
    """Two moves, each optimal alone, that cover the same ground: their plain sum doubles it."""
    t = combine_moves(np.array([-1.0, -1.0]), np.ones((2, 2)), np.eye(2))
    np.testing.assert_allclose(t, [0.5, 0.5], atol=1e-8)


def test_disjoint_sets_take_the_most_violating_pairs_first():
    v = np.linspace(4.0, -3.0, 16)
    every = np.ones(16, dtype=bool)
    kkt = KKT(7.0, v, every, every)
    sets = disjoint_sets(kkt, 4, 3, np.array([], dtype=np.intp), 1e-3)
    assert [s.size for s in sets] == [4, 4, 4]
    union = np.concatenate(sets)
    assert np.unique(union).size == union.size  # disjoint
    assert sets[0].tolist() == [0, 1, 14, 15]  # the two most violating pairs
    few = disjoint_sets(kkt, 12, 3, np.array([], dtype=np.intp), 1e-3)
    assert len(few) == 1 and few[0].size == 12  # only one full set: no short QUBO in the call


@pytest.fixture(scope="module")
def small_chip():
    """A Pegasus P6 mock: 680 qubits, cliques of up to 60 variables, fast to embed on."""
    return {"topology_shape": 6, "noise": 0}


def test_one_call_solves_several_problems_on_disjoint_cliques(small_chip):
    sampler = get_sampler("mock-qpu", copies="auto", **small_chip)
    assert sampler.parallel_copies(20) == 6
    bqms = [dimod.generators.gnp_random_bqm(20, 1.0, "BINARY", random_state=i) for i in range(6)]
    answers = sampler.sample_multiple(bqms, num_reads=8, seed=0)
    assert len(answers) == 6
    for bqm, answer in zip(bqms, answers, strict=True):
        np.testing.assert_allclose(answer.record.energy, bqm.energies(answer))
        best = dimod.ExactSolver().sample(bqm).first.energy if bqm.num_variables <= 20 else None
        assert answer.first.energy <= best + 0.5 * abs(best) + 1e-9
    info = answers[0].info
    assert info["embedding"]["copies"] == 6
    single = get_sampler("mock-qpu", **small_chip).sample(bqms[0], num_reads=8, seed=0)
    # one programming for six problems: billed far less than six calls
    assert info["estimated_qpu_access_seconds"] < 2 * single.info["estimated_qpu_access_seconds"]


def test_more_copies_than_the_chip_holds_are_refused_before_any_call(small_chip):
    sampler = get_sampler("mock-qpu", copies=50, **small_chip)
    with pytest.raises(BackendCapacityError, match=r"copies=50 of a 20-variable clique need"
                       r" \d+ qubits; the mock-qpu working graph has 680, which hold at most"
                       r" \d+ copies; use copies <= \d+"):  # fmt: skip
        sampler.parallel_copies(20)


def test_copies_the_embedder_cannot_place_fall_back_with_a_warning(small_chip):
    sampler = get_sampler("mock-qpu", copies=9, **small_chip)
    with pytest.warns(ParallelCopiesWarning, match=r"found 6 disjoint embeddings .* not the 9"):
        assert sampler.parallel_copies(20) == 6


@pytest.mark.parametrize("copies", [0, -2, 1.5, "all", True])
def test_a_bad_copies_setting_is_refused(copies):
    with pytest.raises(ValueError, match=r"copies must be a whole number >= 1 or 'auto'"):
        get_sampler("mock-qpu", copies=copies)


def test_a_fit_with_several_sets_per_call_reaches_libsvms_optimum(small_chip):
    from qml import QSVR

    X, y = make_regression(n_samples=80, n_features=4, noise=5.0, random_state=3)
    y = (y - y.mean()) / y.std()
    options = {**small_chip, "copies": "auto"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning: it converged
        model = QSVR(backend="mock-qpu", backend_options=options, working_set_size=10,
                     random_state=0).fit(X, y)  # fmt: skip
    reference = SVR(tol=1e-8).fit(X, y)
    np.testing.assert_allclose(model.predict(X), reference.predict(X), atol=5e-3)
    assert model.n_qubo_variables_[0] == 20  # every QUBO one working set, every call several
    assert model.embedding_size_["physical_qubits"] > 20 * 2 * 2  # several copies were tiled
    trace = model.trace_[0]
    assert (trace["size"] > 10).any()  # outer iterations that moved several sets at once
    assert model.qubo_calls_ == trace["rounds"].sum()  # their rounds shared one call each
