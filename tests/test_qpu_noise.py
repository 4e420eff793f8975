"""The mock QPU's analog errors against independent computations, and their refusals."""

import warnings

import dimod
import numpy as np
import pytest
from scipy.stats import binom, norm
from sklearn.exceptions import ConvergenceWarning

from backends import get_sampler
from backends.samplers.qpu_noise import NoisyAnneal, QPUNoise

ONLY_H = QPUNoise(h_sigma=0.05, j_sigma=0.0, h_step=0.0, j_step=0.0, gain_spread=0.0,
                  readout_error=0.0)  # fmt: skip


def _wrong_fraction(sampler, bqm, programmings):
    """How often qubit 0 ends up up (+1), one read per programming (each a fresh draw)."""
    states = [
        sampler.sample(bqm, num_reads=1, seed=k).record.sample[0] for k in range(programmings)
    ]
    return float(np.mean([s[0] == 1 for s in states]))


def _within(observed, p, n, sigmas=4.0):
    """``observed`` is a binomial fraction of ``n`` draws with probability ``p``, to ``sigmas``."""
    return abs(observed - p) <= sigmas * np.sqrt(p * (1 - p) / n) + 1 / n


def test_a_biased_qubit_lands_wrong_with_the_gaussian_tail_probability():
    """h = b > 0 wants spin -1; the control error flips it with probability Phi(-b / sigma_h)."""
    b, n = 0.04, 600
    # a separate strong coupler fixes auto_scale's factor at 1: qubit 0 keeps h = b
    bqm = dimod.BinaryQuadraticModel({0: b, 1: 0.0, 2: 0.0}, {(1, 2): -1.0}, 0.0, "SPIN")
    observed = _wrong_fraction(NoisyAnneal(ONLY_H, num_sweeps=50), bqm, n)
    assert _within(observed, norm.cdf(-b / ONLY_H.h_sigma), n)


def test_auto_scale_squeezes_a_bias_next_to_a_strong_chain():
    """A chain coupler of -8 sets the factor to 8: h = 0.2 is programmed as 0.025."""
    bqm = dimod.BinaryQuadraticModel({0: 0.2, 1: 0.0, 2: 0.0}, {(1, 2): -8.0}, 0.0, "SPIN")
    sampler = NoisyAnneal(ONLY_H, num_sweeps=50)
    answer = sampler.sample(bqm, num_reads=1, seed=0)
    assert answer.info["auto_scale_factor"] == pytest.approx(8.0)
    observed = _wrong_fraction(sampler, bqm, 600)
    assert _within(observed, norm.cdf(-0.025 / ONLY_H.h_sigma), 600)  # 0.31, not Phi(-4) ~ 0
    unscaled = [
        sampler.sample(bqm, num_reads=1, seed=k, auto_scale=False).record.sample[0, 0] == 1
        for k in range(200)
    ]
    assert np.mean(unscaled) < 0.02  # without auto_scale: h = 0.2 against sigma 0.05


def test_readout_errors_flip_the_stated_share_of_qubits():
    noise = QPUNoise(0.0, 0.0, 0.0, 0.0, 0.0, readout_error=0.05)
    n = 400
    bqm = dimod.BinaryQuadraticModel({i: 1.0 for i in range(n)}, {}, 0.0, "SPIN")
    states = NoisyAnneal(noise, num_sweeps=20).sample(bqm, num_reads=5, seed=3).record.sample
    flipped = int((states == 1).sum())  # every ground-state spin is -1
    assert binom.ppf(1e-4, states.size, 0.05) <= flipped <= binom.ppf(1 - 1e-4, states.size, 0.05)


def test_programmed_values_sit_on_the_dac_steps_and_in_the_ranges(rng):
    noise = QPUNoise()
    sampler = NoisyAnneal(noise)
    bqm = dimod.generators.gnp_random_bqm(30, 0.5, "SPIN", random_state=1)
    labels = list(bqm.variables)
    programmed, _ = sampler._programmed(bqm, labels, np.random.default_rng(0), True)
    h, (_, _, J), _ = programmed.to_numpy_vectors(variable_order=labels)
    for values, step, end in ((h, noise.h_step, noise.h_range), (J, noise.j_step, noise.j_range)):
        on_step = np.isclose(values / step, np.round(values / step), atol=1e-9)
        at_end = np.isclose(np.abs(values), end)  # clipped to the range after rounding
        assert (on_step | at_end).all() and np.abs(values).max() <= end
    assert np.isclose(np.abs(J), noise.j_range).any()  # the chain-free maximum maps to the end


def test_the_same_seeds_give_the_same_qpu():
    bqm = dimod.generators.gnp_random_bqm(20, 0.5, "SPIN", random_state=2)
    first = NoisyAnneal(QPUNoise(), chip_seed=1).sample(bqm, num_reads=4, seed=5)
    again = NoisyAnneal(QPUNoise(), chip_seed=1).sample(bqm, num_reads=4, seed=5)
    np.testing.assert_array_equal(first.record.sample, again.record.sample)
    other_chip = NoisyAnneal(QPUNoise(), chip_seed=2)._gain(list(range(20)))
    assert not np.allclose(other_chip, NoisyAnneal(QPUNoise(), chip_seed=1)._gain(list(range(20))))


def test_reported_energies_are_those_of_the_problem_as_given():
    """A QPU reports the programmed problem's energies, not the noisy one's."""
    bqm = dimod.generators.gnp_random_bqm(15, 0.5, "BINARY", random_state=4)
    answer = NoisyAnneal(QPUNoise().times(2.0)).sample(bqm, num_reads=6, seed=0)
    assert answer.vartype is dimod.BINARY
    np.testing.assert_allclose(answer.record.energy, bqm.energies(answer))


def test_the_mock_is_noisy_by_default_and_exact_as_programmed_at_zero():
    noisy = get_sampler("mock-qpu")
    assert noisy.spec.noise == QPUNoise()
    assert type(noisy.child.substitute_sampler).__name__ == "NoisyAnneal"
    ideal = get_sampler("mock-qpu", noise=0)
    assert ideal.spec.noise.is_ideal
    assert type(ideal.child.substitute_sampler).__name__ == "SimulatedAnnealingSampler"
    assert get_sampler("mock-qpu", noise=2).spec.noise.h_sigma == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("noise", "message"),
    [
        (-1.0, r"noise must be a finite number >= 0; got -1\.0"),
        (float("nan"), r"noise must be a finite number >= 0; got nan"),
        ("high", r"noise must be a finite number >= 0; got 'high'"),
    ],
)
def test_a_bad_noise_level_is_refused_naming_it(noise, message):
    with pytest.raises(ValueError, match=message):
        get_sampler("mock-qpu", noise=noise)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("h_sigma", -0.1, r"QPUNoise\.h_sigma must be >= 0; got -0\.1"),
        ("j_step", float("inf"), r"QPUNoise\.j_step must be a finite number; got inf"),
        ("h_range", 0.0, r"QPUNoise\.h_range must be > 0; got 0\.0"),
        ("readout_error", 0.7, r"QPUNoise\.readout_error must be at most 0\.5; got 0\.7"),
        ("gain_spread", "1%", r"QPUNoise\.gain_spread must be a finite number; got '1%'"),
    ],
)
def test_a_bad_noise_field_is_refused_naming_it(field, value, message):
    with pytest.raises(ValueError, match=message):
        QPUNoise(**{field: value})


def test_a_bad_noise_level_of_an_estimator_is_scikit_learns_parameter_error():
    from sklearn.utils._param_validation import InvalidParameterError

    from qml import QSVR

    X = np.random.default_rng(0).normal(size=(10, 2))
    model = QSVR(backend="mock-qpu", backend_options={"noise": -0.5})
    with pytest.raises(InvalidParameterError, match=r"noise must be a finite number >= 0"):
        model.fit(X, X[:, 0])
    assert not [k for k in vars(model) if k.endswith("_") and not k.startswith("_")]


def test_a_real_qpu_takes_no_noise_model():
    from backends.samplers.qpu import QPUSpec

    with pytest.raises(ValueError, match=r"noise models a QPU's errors on the mock only"):
        QPUSpec(kind="qpu", noise=1.0)


def test_a_mock_fit_plans_its_qpu_allocation():
    """Calls, billed access time and wall clock: access time plus the latency per call."""
    from qml import QSVR

    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 2))
    options = {"latency": 0.5, "num_sweeps": 100}
    model = QSVR(backend="mock-qpu", backend_options=options, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # three rounds only: a cost test
        model.fit(X, X[:, 0])
    assert model.qubo_calls_ == model.n_iter_[0] >= 1
    assert model.estimated_wall_clock_ == pytest.approx(
        model.estimated_qpu_access_time_ + 0.5 * model.qubo_calls_
    )
    assert 0.01 * model.qubo_calls_ < model.estimated_qpu_access_time_ < 0.1 * model.qubo_calls_


@pytest.mark.parametrize("latency", [-0.1, float("nan"), float("inf"), "fast"])
def test_a_bad_latency_is_refused(latency):
    with pytest.raises(ValueError, match=r"latency must be the seconds a QPU call takes"):
        get_sampler("mock-qpu", latency=latency)
