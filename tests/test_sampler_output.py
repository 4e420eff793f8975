"""A user's sampler that answers wrongly gets a clear error naming it; SPIN is converted."""

import dimod
import numpy as np
import pytest

from backends.samplers.checks import SamplerOutputError
from qml import QSVC, QSVR


class _Answering(dimod.Sampler):
    """Answers every call with ``answer(bqm)``."""

    parameters: dict = {}
    properties: dict = {}

    def __init__(self, answer):
        self.answer = answer

    def sample(self, bqm, **options):
        """Whatever ``answer`` makes of the problem."""
        return self.answer(bqm)


def _exact_spin(bqm):
    return dimod.ExactSolver().sample(bqm.spin).truncate(3)


def _data(rng, n=4):
    X = rng.normal(size=(n, 2))
    return X, X[:, 0] - 0.5 * X[:, 1]


def test_spin_answers_are_converted_not_decoded_as_bits(rng):
    X, y = _data(rng, 3)
    spin = QSVR(backend=_Answering(_exact_spin), n_bits=2, max_iter=1, C=2.0).fit(X, y)
    binary = QSVR(backend="exact", n_bits=2, max_iter=1, C=2.0).fit(X, y)
    [coefs] = spin.solution_coefs_
    assert coefs.min() >= 0.0 and coefs.max() <= 2.0
    np.testing.assert_allclose(spin.dual_coef_, binary.dual_coef_)
    np.testing.assert_allclose(spin.solution_energies_[0][0], binary.solution_energies_[0][0])


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            lambda bqm: dimod.SampleSet.from_samples(
                (np.full((2, bqm.num_variables), 2), list(bqm.variables)), "BINARY", [0.0, 0.0]
            ),
            r"sampler _Answering returned BINARY samples with values \[2\]; expected only \[0, 1\]",
        ),
        (
            lambda bqm: dimod.SampleSet.from_samples(
                (np.zeros((1, bqm.num_variables - 1)), list(bqm.variables)[1:]), "BINARY", [0.0]
            ),
            r"sampler _Answering returned samples over other variables than it was given: "
            r"missing \[0\], extra \[\]",
        ),
        (
            lambda bqm: dimod.SampleSet.from_samples(
                (np.zeros((1, bqm.num_variables + 1)), [*bqm.variables, "x"]), "BINARY", [0.0]
            ),
            r"missing \[\], extra \['x'\]",
        ),
        (
            lambda bqm: dimod.SampleSet.from_samples(
                (np.empty((0, bqm.num_variables)), list(bqm.variables)), "BINARY", []
            ),
            r"sampler _Answering returned an empty SampleSet; expected at least one sample",
        ),
        (lambda bqm: {"samples": []}, r"sampler _Answering returned dict; expected a dimod"),
    ],
)
@pytest.mark.parametrize("estimator", [QSVR, QSVC])
def test_wrong_answers_are_refused_by_name(rng, answer, message, estimator):
    X, y = _data(rng)
    target = y if estimator is QSVR else (y > 0).astype(int)
    model = estimator(backend=_Answering(answer), n_bits=2)
    with pytest.raises(SamplerOutputError, match=message):
        model.fit(X, target)
    assert not [k for k in vars(model) if k.endswith("_")]
    assert issubclass(SamplerOutputError, ValueError)


def _labelled(energy):
    """Random bits, labelled with an energy of the sampler's choosing."""

    def answer(bqm):
        bits = np.random.default_rng(0).integers(0, 2, size=(3, bqm.num_variables))
        return dimod.SampleSet.from_samples((bits, list(bqm.variables)), "BINARY", [energy] * 3)

    return answer


@pytest.mark.parametrize("energy", [-1e9, 0.0, float("nan")])
def test_energies_that_are_not_the_problems_are_refused(rng, energy):
    X, y = _data(rng, 6)
    model = QSVR(backend=_Answering(_labelled(energy)), n_bits=2, max_iter=1)
    with pytest.raises(SamplerOutputError, match=r"sampler _Answering reported energy .* whose "
                       r"energy on the problem it was given is"):  # fmt: skip
        model.fit(X, y)
