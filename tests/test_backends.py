import dimod
import numpy as np
import pytest
from conftest import ctrl_c_after
from dwave.samplers import SimulatedAnnealingSampler
from sklearn.metrics.pairwise import rbf_kernel

from backends import available_backends, get_sampler
from backends.samplers.sa import ScheduledAnnealingSampler, derive_beta_range
from qubo import Encoding, build_svr_qubo


def _svr_bqm(rng, n, bits):
    X = rng.normal(size=(n, 2))
    bqm = build_svr_qubo(rbf_kernel(X), rng.normal(size=n), Encoding(n_bits=bits))
    return bqm


def test_named_backends_are_dimod_samplers():
    assert available_backends() == [
        "exact",
        "hybrid",
        "mock-qpu",
        "qpu",
        "sa",
        "steepest",
        "tabu",
    ]
    for name in ("exact", "sa", "tabu", "steepest", "mock-qpu"):  # the offline ones
        assert isinstance(get_sampler(name), dimod.Sampler)


def test_sampler_instance_passes_through():
    sampler = dimod.RandomSampler()
    assert get_sampler(sampler) is sampler


def test_unknown_backend_names_the_choices():
    with pytest.raises(ValueError, match=r"unknown backend 'annealer'; expected one of"):
        get_sampler("annealer")


def test_exact_refuses_more_than_24_variables():
    bqm = dimod.BinaryQuadraticModel({i: 1.0 for i in range(25)}, {}, 0.0, "BINARY")
    with pytest.raises(ValueError, match=r"at most 24 variables; this QUBO has 25"):
        get_sampler("exact").sample(bqm)


@pytest.mark.parametrize("name", ["sa", "tabu"])
def test_heuristics_find_the_exact_optimum_of_a_small_qubo(rng, name):
    bqm = _svr_bqm(rng, 3, 3)
    exact = get_sampler("exact").sample(bqm).first.energy
    found = get_sampler(name).sample(bqm, seed=1, num_reads=20).first.energy
    assert found == pytest.approx(exact, abs=1e-9)


def test_steepest_descent_reaches_a_local_minimum(rng):
    bqm = _svr_bqm(rng, 4, 3)
    sample = get_sampler("steepest").sample(bqm, seed=0).first.sample
    base = bqm.energy(sample)
    for v in bqm.variables:
        flipped = dict(sample)
        flipped[v] = 1 - flipped[v]
        assert bqm.energy(flipped) >= base - 1e-12


def test_derived_beta_range_brackets_the_flip_energies(rng):
    bqm = _svr_bqm(rng, 10, 4)
    hot, cold = derive_beta_range(bqm, seed=0)
    assert 0 < hot < cold
    # Independently: greedy minima from the same random states, flip energies by brute force.
    from dwave.samplers import SteepestDescentSolver

    n = bqm.num_variables
    states = np.random.default_rng(0).integers(0, 2, size=(16, n), dtype=np.int8)
    minima = SteepestDescentSolver().sample(bqm, initial_states=(states, range(n)))
    uphill = []
    for sample, energy in minima.data(["sample", "energy"]):
        uphill += [bqm.energy({**sample, v: 1 - sample[v]}) - energy for v in range(n)]
    uphill = np.array(uphill)
    uphill = uphill[uphill > 1e-9]
    # the hot end accepts the median uphill flip with probability 1/2 ...
    assert np.exp(-hot * np.median(uphill)) == pytest.approx(0.5, rel=1e-6)
    # ... and the cold end rejects the 1st-percentile flip with probability 99 %
    assert np.exp(-cold * np.percentile(uphill, 1)) == pytest.approx(0.01, rel=1e-6)
    # Far colder start than dwave-samplers' default, which is set by the sum of all couplings.
    info = SimulatedAnnealingSampler().sample(bqm, num_reads=1, num_sweeps=1).info
    assert hot > 10 * info["beta_range"][0]


def test_schedule_and_timing_are_reported(rng):
    sampleset = ScheduledAnnealingSampler().sample(_svr_bqm(rng, 4, 2), num_reads=3, seed=0)
    assert len(sampleset) == 3
    assert sampleset.info["beta_schedule_type"] == "geometric"
    timing = sampleset.info["timing"]
    assert isinstance(timing["schedule_ns"], int) and timing["schedule_ns"] > 0
    assert all(key.endswith("_ns") for key in timing)  # one unit, as dwave-samplers


def test_derived_range_handles_spin_and_labelled_models():
    bqm = dimod.BinaryQuadraticModel({"a": 1.0, "b": -1.0}, {("a", "b"): 0.5}, 0.0, "SPIN")
    hot, cold = derive_beta_range(bqm, seed=0)
    assert np.isfinite(hot) and np.isfinite(cold) and hot <= cold
    assert ScheduledAnnealingSampler().sample(bqm, seed=0).first.energy == pytest.approx(-2.5)


@pytest.mark.parametrize("backend", ["sa", "tabu", "steepest", "exact", "mock-qpu"])
def test_unknown_sample_options_get_one_answer_on_every_backend(backend):
    from qml import QSVR

    X = np.arange(6.0).reshape(3, 2)
    with pytest.raises(
        ValueError, match=rf"backend '{backend}' does not take the option\(s\) \['num_sweep'\]"
    ):
        QSVR(backend=backend, n_bits=1, backend_options={"num_sweep": 5}).fit(X, [0.0, 1.0, 0.5])


@pytest.mark.parametrize("key", ["dwave_token", "API_KEY", "my_secret", "Token", "auth_header"])
def test_every_token_like_option_is_refused(key):
    from backends import split_backend_options

    with pytest.raises(ValueError, match=r"must not carry credentials .*DWAVE_API_TOKEN"):
        split_backend_options("sa", {key: "x"})


def test_warm_start_effort_scales_the_sa_sweeps_only_where_declared(rng):
    from backends.samplers.warm import warm_start_options

    bqm = _svr_bqm(rng, 3, 2)
    state = np.zeros(bqm.num_variables, dtype=np.int8)
    sa = get_sampler("sa")
    assert "num_sweeps" not in warm_start_options(sa, bqm, state, num_reads=2)
    assert warm_start_options(sa, bqm, state, num_reads=2, effort=4)["num_sweeps"] == 4 * 30
    tabu = warm_start_options(get_sampler("tabu"), bqm, state, num_reads=2, effort=4)
    assert set(tabu) == {"initial_states"}


def test_ctrl_c_ends_a_long_anneal_within_a_second_or_two():
    """SIGINT during a long call: the annealer stops after the part in progress."""
    import dimod

    from backends.samplers.sa import ScheduledAnnealingSampler

    n = 600
    Q = np.triu(np.random.default_rng(0).normal(size=(n, n)))
    bqm = dimod.BinaryQuadraticModel.from_qubo(Q)
    sampler = ScheduledAnnealingSampler()
    sampler.sample(bqm, num_reads=1, num_sweeps=10, seed=0)  # imports and caches
    with ctrl_c_after(1.5, within=4.0):
        sampler.sample(bqm, num_reads=4, num_sweeps=200_000, seed=0)  # about a minute


def test_an_anneal_split_into_calls_keeps_its_quality():
    """Parts that continue each other anneal as one call does, far below random states."""
    import dimod

    from backends.samplers import sa

    Q = np.triu(np.random.default_rng(1).normal(size=(60, 60)))
    bqm = dimod.BinaryQuadraticModel.from_qubo(Q)
    whole = sa.ScheduledAnnealingSampler().sample(bqm, num_reads=20, num_sweeps=400, seed=3)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sa, "_CALL_BUDGET", 20 * 4000)  # parts of about 20 sweeps
        parts = sa.ScheduledAnnealingSampler().sample(bqm, num_reads=20, num_sweeps=400, seed=3)
    random = dimod.RandomSampler().sample(bqm, num_reads=20, seed=3)
    assert len(parts) == 20
    spread = np.median(random.record.energy) - np.median(whole.record.energy)
    assert abs(np.median(parts.record.energy) - np.median(whole.record.energy)) < 0.05 * spread
