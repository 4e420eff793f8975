"""The QUBO builders against an independent evaluation of the penalised dual."""

import itertools

import dimod
import numpy as np
import pytest
from reference_duals import svc_dual_objective, svr_dual_objective
from sklearn.metrics.pairwise import rbf_kernel

from qubo import (
    Encoding,
    build_svc_qubo,
    build_svr_qubo,
    decode_sampleset,
    split_svr_coefficients,
)


def _problem(rng, n):
    X = rng.normal(size=(n, 3))
    return rbf_kernel(X, gamma=0.5), rng.normal(size=n)


@pytest.mark.parametrize("base", [1.0, 2.0, 3.0])
@pytest.mark.parametrize("mu", [0.0, 0.7])
def test_svr_energy_equals_penalised_dual(rng, base, mu):
    K, y = _problem(rng, 7)
    enc = Encoding(n_bits=3, base=base, C=1.5)
    bqm = build_svr_qubo(K, y, enc, epsilon=0.2, penalty=0.8, complementarity=mu)
    assert bqm.num_variables == 2 * 7 * 3
    bits = rng.integers(0, 2, size=(50, bqm.num_variables))
    energies = bqm.energies((bits, range(bqm.num_variables)))
    alpha, star = split_svr_coefficients(enc.decode(bits.reshape(50, 14, 3)))
    expected = svr_dual_objective(K, y, alpha, star, epsilon=0.2, penalty=0.8, complementarity=mu)
    np.testing.assert_allclose(energies, expected, rtol=1e-12, atol=1e-10)


def test_svc_energy_equals_penalised_dual(rng):
    K, _ = _problem(rng, 8)
    y = rng.choice([-1.0, 1.0], size=8)
    enc = Encoding(n_bits=2, base=3.0, C=2.0)
    bqm = build_svc_qubo(K, y, enc, penalty=1.3)
    bits = rng.integers(0, 2, size=(50, bqm.num_variables))
    energies = bqm.energies((bits, range(bqm.num_variables)))
    alpha = enc.decode(bits.reshape(50, 8, 2))
    np.testing.assert_allclose(
        energies, svc_dual_objective(K, y, alpha, penalty=1.3), rtol=1e-12, atol=1e-10
    )


def _grid(levels, n):
    return np.array(list(itertools.product(levels, repeat=n)))


@pytest.mark.parametrize(("n", "bits"), [(2, 2), (4, 2), (2, 4)])
def test_svr_exact_optimum_is_grid_minimum(rng, n, bits):
    K, y = _problem(rng, n)
    enc = Encoding(n_bits=bits, base=2.0, C=1.0)
    bqm = build_svr_qubo(K, y, enc, epsilon=0.1, penalty=0.5, complementarity=0.2)
    assert bqm.num_variables <= 16
    best = dimod.ExactSolver().sample(bqm).first.energy
    # Brute force over coefficient values, never touching bits or the BQM.
    grid = _grid(enc.levels(), 2 * n)
    values = svr_dual_objective(
        K, y, grid[:, :n], grid[:, n:], epsilon=0.1, penalty=0.5, complementarity=0.2
    )
    assert best == pytest.approx(values.min(), abs=1e-10)


def test_svc_exact_optimum_is_grid_minimum(rng):
    K, _ = _problem(rng, 5)
    y = np.array([1.0, -1.0, 1.0, -1.0, -1.0])
    enc = Encoding(n_bits=3, base=2.0, C=2.0)
    bqm = build_svc_qubo(K, y, enc, penalty=1.0)
    best = dimod.ExactSolver().sample(bqm).first.energy
    values = svc_dual_objective(K, y, _grid(enc.levels(), 5), penalty=1.0)
    assert best == pytest.approx(values.min(), abs=1e-10)


def test_decode_follows_labels_not_column_order(rng):
    enc = Encoding(n_bits=2, C=3.0)
    bits = rng.integers(0, 2, size=(3, 8))
    order = rng.permutation(8)
    shuffled = dimod.SampleSet.from_samples(
        (bits[:, order], order.tolist()), vartype="BINARY", energy=np.zeros(3)
    )
    decoded = decode_sampleset(shuffled, enc, 4)
    np.testing.assert_allclose(decoded, enc.decode(bits.reshape(3, 4, 2)))


def test_builders_reject_mismatched_and_nonfinite_input():
    enc = Encoding()
    with pytest.raises(ValueError, match=r"Gram matrix has 3 rows but y has 2 entries"):
        build_svr_qubo(np.eye(3), [1.0, 2.0], enc)
    with pytest.raises(ValueError, match=r"Gram matrix must be square; got shape \(2, 3\)"):
        build_svr_qubo(np.ones((2, 3)), [1.0, 2.0], enc)
    with pytest.raises(ValueError, match=r"finite; got NaN or inf"):
        build_svr_qubo(np.eye(2), [1.0, np.nan], enc)
    with pytest.raises(ValueError, match=r"labels must be -1 or \+1; got values \[0. 1.\]"):
        build_svc_qubo(np.eye(2), [0, 1], enc)
