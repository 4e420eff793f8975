"""The QPU path, offline: MockDWaveSampler on Pegasus P16 through the real embedding code."""

import pickle
import sys
import warnings

import dimod
import numpy as np
import pytest
from conftest import ctrl_c_after, smooth_regression
from dwave.system.testing import MockDWaveSampler
from sklearn.exceptions import ConvergenceWarning

import backends.samplers.qpu as qpu
from backends import BackendCapacityError, BackendUnavailableError, get_sampler
from qml import QSVC, QSVR, BackendFallbackWarning

SECRET = "hqml-test-secret-token"


class CountingMock(MockDWaveSampler):
    """The mock QPU, counting submissions and holding a fake token the way a cloud client does."""

    def __init__(self, *, fail_with=None):
        from dwave.samplers import SimulatedAnnealingSampler

        super().__init__(
            topology_type="pegasus",
            topology_shape=[16],
            substitute_sampler=SimulatedAnnealingSampler(),
            substitute_kwargs={"num_sweeps": 200},
        )
        self.config = {"token": SECRET}
        self.submissions = 0
        self.fail_with = fail_with

    def sample(self, bqm, **kwargs):
        self.submissions += 1
        if self.fail_with is not None:
            raise self.fail_with
        return super().sample(bqm, **kwargs)


@pytest.fixture(scope="module")
def counting_mock():
    return CountingMock()


@pytest.fixture
def fake_qpu(monkeypatch, counting_mock):
    """backend="qpu" served by the mock, with a (fake) token in the environment."""
    monkeypatch.setenv("DWAVE_API_TOKEN", SECRET)
    monkeypatch.setattr(qpu, "_child", lambda spec: counting_mock)
    counting_mock.submissions = 0
    counting_mock.fail_with = None
    return counting_mock


def test_mock_qpu_fit_reports_embedding_and_chain_breaks(rng):
    X, y = smooth_regression(rng, 10)
    model = QSVR(n_bits=3, backend="mock-qpu", num_reads=50, max_iter=1, random_state=0)
    model.fit(X, y)
    [info] = model.sampler_info_
    assert model.chain_break_fraction_ == pytest.approx(info["chain_break_fraction"])
    assert isinstance(model.chain_break_fraction_, float)
    # a clique of 60 logical variables on Pegasus P16: chains of several qubits each
    assert model.embedding_size_["physical_qubits"] > 2 * 60
    assert model.embedding_size_["max_chain_length"] >= 2
    # hqml reports seconds; D-Wave's own timing is in microseconds
    assert model.qpu_access_time_ == pytest.approx(1e-6 * info["timing"]["qpu_access_time"])
    assert model.fallback_used_ is False
    assert info["chain_strength"] > 0
    # the decoded samples are valid: the best energy is the model's penalised dual
    from reference_duals import svr_dual_objective
    from sklearn.metrics.pairwise import rbf_kernel

    from qubo import split_svr_coefficients

    alpha, star = split_svr_coefficients(model.solution_coefs_[0][0])
    K = rbf_kernel(X, gamma=model.kernel_.gamma)
    penalty = model.penalty * model.tolerances_[0].penalty_unit  # penalty at the dual's scale
    dual = svr_dual_objective(K, y, alpha, star, epsilon=0.1, penalty=penalty)
    assert model.solution_energies_[0][0] == pytest.approx(dual)
    assert model.score(X, y) > 0.5


def test_second_fit_of_the_same_size_reuses_the_embedding(rng):
    qpu._EMBEDDINGS.clear()
    X, y = smooth_regression(rng, 8)
    first = QSVR(n_bits=2, backend="mock-qpu", num_reads=10, max_iter=1).fit(X, y)
    second = QSVR(n_bits=2, backend="mock-qpu", num_reads=10, C=2.0, max_iter=1).fit(X + 0.1, y)
    assert first.sampler_info_[0]["embedding"]["reused"] is False
    assert second.sampler_info_[0]["embedding"]["reused"] is True
    assert second.sampler_info_[0]["embedding"]["embedding_seconds"] == 0.0


def test_capacity_is_checked_before_submission(rng, fake_qpu):
    X, y = smooth_regression(rng, 40)
    model = QSVR(n_bits=3, backend="qpu", working_set_size=80)
    with pytest.raises(
        BackendCapacityError,
        match=r"working_set_size=80 with n_bits=3 gives QUBOs of 240 variables, but one call "
        r"of this backend holds at most 180; use working_set_size <= 60 or 'auto'",
    ):
        model.fit(X, y)
    assert fake_qpu.submissions == 0
    assert not [k for k in vars(model) if k.endswith("_")]
    assert isinstance(BackendCapacityError("x"), ValueError)


def test_qpu_backend_runs_and_keeps_the_token_out_of_pickles_and_reprs(rng, fake_qpu):
    X, y = smooth_regression(rng, 8)
    model = QSVR(n_bits=2, backend="qpu", num_reads=20, random_state=0).fit(X, y)
    assert fake_qpu.submissions == model.n_iter_[0]  # one QPU call per refinement round
    assert SECRET.encode() not in pickle.dumps(model)
    assert SECRET not in repr(model) + repr(model.sampler_) + repr(model.sampler_info_)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(restored.predict(X), model.predict(X))


def test_token_as_option_is_refused(rng):
    X, y = smooth_regression(rng, 5)
    with pytest.raises(ValueError, match=r"must not carry credentials .*DWAVE_API_TOKEN"):
        QSVR(backend="qpu", backend_options={"token": SECRET}).fit(X, y)


def test_failed_qpu_call_is_a_runtime_error(rng, fake_qpu):
    fake_qpu.fail_with = ConnectionError("connection reset by peer")
    X, y = smooth_regression(rng, 6)
    # the backend says what failed, the estimator what the user may do about it
    with pytest.raises(
        BackendUnavailableError,
        match=r"qpu call failed \(ConnectionError.*; retry; or pass fallback='sa' to fall back",
    ):
        QSVR(n_bits=2, backend="qpu").fit(X, y)
    assert issubclass(BackendUnavailableError, RuntimeError)


def test_fallback_to_sa_only_when_asked_and_recorded(rng, fake_qpu):
    fake_qpu.fail_with = TimeoutError("solver timed out")
    X, y = smooth_regression(rng, 6)
    with pytest.warns(
        BackendFallbackWarning, match=r"backend 'qpu' failed .*fallback='sa'"
    ) as caught:
        model = QSVR(n_bits=2, backend="qpu", fallback="sa", random_state=0).fit(X, y)
    assert caught[0].filename == __file__  # the user's call, not hqml's internals
    assert model.fallback_used_ is True
    assert type(model.sampler_).__name__ == "ScheduledAnnealingSampler"
    assert model.chain_break_fraction_ is None


def test_missing_credentials_name_both_remedies(rng, no_dwave_config):
    with pytest.raises(BackendUnavailableError, match=r"DWAVE_API_TOKEN.*dwave config create"):
        get_sampler("qpu")
    with pytest.raises(BackendUnavailableError, match=r"DWAVE_API_TOKEN.*dwave config create"):
        get_sampler("hybrid")
    X, y = smooth_regression(rng, 4)
    model = QSVC(backend="qpu")
    with pytest.raises(RuntimeError, match=r"no D-Wave API token found"):
        model.fit(X, y > 0)
    assert not [k for k in vars(model) if k.endswith("_")]


def test_missing_dwave_system_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "dwave.system", None)
    for name in ("qpu", "mock-qpu", "hybrid"):
        with pytest.raises(BackendUnavailableError, match=r"pip install 'hqml\[qpu\]'"):
            get_sampler(name)


def test_unknown_qpu_option_is_a_value_error(rng):
    bqm = dimod.BinaryQuadraticModel({0: 1.0}, {}, 0.0, "BINARY")
    with pytest.raises(
        ValueError, match=r"backend 'mock-qpu' does not take the option\(s\) \['sweeps'\]; it takes"
    ):
        get_sampler("mock-qpu").sample(bqm, sweeps=10)


def test_postprocessing_only_lowers_energies(rng):
    X, y = smooth_regression(rng, 8)
    from sklearn.metrics.pairwise import rbf_kernel

    from qubo import Encoding, build_svr_qubo

    bqm = build_svr_qubo(rbf_kernel(X), y, Encoding(n_bits=3))
    sampler = get_sampler("mock-qpu", num_sweeps=2)  # a very short, noisy anneal
    raw = sampler.sample(bqm, num_reads=30, postprocess=None, seed=3)
    polished = sampler.sample(bqm, num_reads=30, seed=3)
    assert polished.info["postprocess"] == "steepest"
    assert polished.first.energy < polished.info["raw_best_energy"] - 1e-9
    assert polished.info["raw_best_energy"] == pytest.approx(raw.first.energy)
    assert "chain_break_fraction" in raw.record.dtype.names
    # every polished sample is a local minimum: no single flip lowers it
    for sample, energy in polished.data(["sample", "energy"]):
        flips = [bqm.energy({**sample, v: 1 - sample[v]}) for v in bqm.variables]
        assert min(flips) >= energy - 1e-9


class FakeHybrid:
    """Stands in for LeapHybridSampler: same call, solved locally by simulated annealing."""

    def __init__(self, **config):
        self.config = {"token": SECRET, **config}

    def sample(self, bqm, time_limit=None):
        return get_sampler("sa").sample(bqm, num_reads=10, seed=0)


def test_hybrid_backend_with_a_stand_in(rng, monkeypatch):
    import dwave.system

    monkeypatch.setenv("DWAVE_API_TOKEN", SECRET)
    monkeypatch.setattr(dwave.system, "LeapHybridSampler", FakeHybrid)
    X, y = smooth_regression(rng, 30)  # 240 variables: beyond the QPU clique, fine for hybrid
    model = QSVR(n_bits=4, backend="hybrid", backend_options={"time_limit": 5}).fit(X, y)
    np.testing.assert_array_equal(model.n_qubo_variables_, [240])
    assert SECRET.encode() not in pickle.dumps(model)
    assert model.score(X, y) > 0.5


def test_unknown_hybrid_option_is_refused_before_the_call(monkeypatch):
    import dwave.system

    calls = []
    monkeypatch.setenv("DWAVE_API_TOKEN", SECRET)
    monkeypatch.setattr(dwave.system, "LeapHybridSampler", FakeHybrid)
    monkeypatch.setattr(FakeHybrid, "sample", lambda self, bqm, **kw: calls.append(kw))
    bqm = dimod.BinaryQuadraticModel({0: 1.0}, {}, 0.0, "BINARY")
    expected = r"backend 'hybrid' does not take the option\(s\) \['timelimit'\]; it takes"
    with pytest.raises(ValueError, match=expected):
        get_sampler("hybrid").sample(bqm, timelimit=5)
    assert calls == []


@pytest.fixture
def qpu_calls(fake_qpu, monkeypatch):
    """The keyword arguments of every call that reaches the (mock) QPU solver."""
    calls = []
    original = CountingMock.sample

    def spy(self, bqm, **kwargs):
        calls.append(kwargs)
        return original(self, bqm, **kwargs)

    monkeypatch.setattr(CountingMock, "sample", spy)
    return calls


def test_qpu_options_reach_the_solver(rng, qpu_calls):
    X, y = smooth_regression(rng, 6)
    options = {"annealing_time": 50.0, "auto_scale": True, "chain_strength": 2.5}
    model = QSVR(
        n_bits=2, backend="qpu", num_reads=7, backend_options=options, polish=False, random_state=0
    ).fit(X, y)  # several rounds: the later ones reverse-anneal
    cold, seen = qpu_calls[0], qpu_calls[-1]
    assert cold["annealing_time"] == 50.0
    assert seen["auto_scale"] is True
    assert seen["num_reads"] == 7
    assert model.sampler_info_[0]["chain_strength"] == 2.5
    # a QPU refuses both at once: a reverse anneal's schedule sets its own duration
    warm = [call for call in qpu_calls if "anneal_schedule" in call]
    assert warm and not any("annealing_time" in call for call in warm)


def test_refinement_rounds_reverse_anneal_from_the_previous_solution(rng, qpu_calls):
    """Rounds 2+ send initial_state, the reverse schedule and reinitialize_state to the QPU."""
    from backends.samplers.warm import REVERSE_ANNEAL_SCHEDULE

    calls = qpu_calls
    X, y = smooth_regression(rng, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = QSVR(
            n_bits=2, backend="qpu", num_reads=10, max_iter=3, polish=False, random_state=0
        ).fit(X, y)
    assert model.warm_start_ == "reverse_anneal"
    assert len(calls) == model.n_iter_[0] == 3
    assert "initial_state" not in calls[0]  # round 1 anneals forward from scratch
    for call in calls[1:]:
        assert call["anneal_schedule"] == [list(p) for p in REVERSE_ANNEAL_SCHEDULE]
        assert call["reinitialize_state"] is True
        # embedded: one start value per physical qubit of the chains
        assert len(call["initial_state"]) == model.embedding_size_["physical_qubits"]
    np.testing.assert_array_equal(model.trace_[0]["warm_start"], [False, True, True])


def test_the_mock_takes_the_reverse_anneal_path_and_says_it_ignores_it(rng):
    X, y = smooth_regression(rng, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = QSVR(n_bits=2, backend="mock-qpu", num_reads=10, max_iter=3, random_state=0)
        model.fit(X, y)
    assert model.warm_start_ == "reverse_anneal"
    assert "ignores" in model.sampler_info_[0]["reverse_anneal"]


def test_ctrl_c_ends_a_long_mock_anneal_within_a_second_or_two():
    """The mock's substitute anneal runs its reads in C++: Ctrl-C stops it
    after the read in progress instead of after the whole call."""
    Q = np.triu(np.random.default_rng(0).normal(size=(60, 60)))
    bqm = dimod.BinaryQuadraticModel.from_qubo(Q)
    sampler = get_sampler("mock-qpu", num_sweeps=20_000)  # about 0.1 s a read
    sampler.sample(bqm, num_reads=1, seed=0)  # embeds and caches
    with ctrl_c_after(1.5, within=4.0):
        sampler.sample(bqm, num_reads=500, seed=0)  # about 40 s
    assert "interrupt_function" not in sampler.child.substitute_kwargs  # restored
    assert len(sampler.sample(bqm, num_reads=3, seed=0)) >= 1  # and the sampler still works


def test_qpu_timeouts_are_the_cloud_clients_own_options():
    from backends.samplers.qpu import QPUSpec
    from backends.samplers.registry import split_backend_options

    init, sample = split_backend_options(
        "qpu", {"polling_timeout": 600, "request_timeout": 30, "num_reads": 10}
    )
    assert init == {"polling_timeout": 600, "request_timeout": 30}
    assert sample == {"num_reads": 10}
    spec = QPUSpec(kind="qpu", solver="Advantage_system4.1", **init)
    assert spec.client_config() == {
        "solver": "Advantage_system4.1",
        "polling_timeout": 600,
        "request_timeout": 30,
    }
    assert QPUSpec().client_config() == {}
