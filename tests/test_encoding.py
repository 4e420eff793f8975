import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qubo import Encoding


def test_precision_spans_exactly_zero_to_c():
    enc = Encoding(n_bits=4, base=2.0, C=3.0)
    np.testing.assert_allclose(enc.p, 3.0 * np.array([1, 2, 4, 8]) / 15)
    levels = enc.levels()
    assert levels[0] == 0.0
    assert levels[-1] == pytest.approx(3.0)
    assert levels.size == 16
    np.testing.assert_allclose(np.diff(levels), 3.0 / 15)


def test_base_one_is_unary():
    enc = Encoding(n_bits=5, base=1.0, C=2.0)
    np.testing.assert_allclose(enc.p, np.full(5, 0.4))
    np.testing.assert_allclose(enc.levels(), np.linspace(0, 2, 6))


def test_explicit_precision_sets_c_and_bits():
    enc = Encoding(precision=(0.25, 0.5, 1.0, 2.0))
    assert enc.n_bits == 4
    assert enc.C == pytest.approx(3.75)


def test_encode_rounds_to_nearest_level_and_decodes_back(rng):
    enc = Encoding(n_bits=3, base=3.0, C=1.0)
    alpha = rng.uniform(0, 1, size=(4, 7))
    bits = enc.encode(alpha)
    assert bits.shape == (4, 7, 3)
    decoded = enc.decode(bits)
    levels = enc.levels()
    nearest = levels[np.abs(alpha[..., None] - levels).argmin(-1)]
    np.testing.assert_allclose(decoded, nearest)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_bits": 0}, r"n_bits must be an integer >= 1; got 0"),
        ({"base": 0.0}, r"base must be a finite number > 0; got 0.0"),
        ({"base": -2.0}, r"base must be a finite number > 0; got -2.0"),
        ({"C": 0.0}, r"C must be a finite number > 0; got 0.0"),
        ({"precision": (1.0, -1.0)}, r"precision must be .* non-negative"),
    ],
)
def test_bad_encoding_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Encoding(**kwargs)


def test_decode_checks_bit_axis():
    with pytest.raises(ValueError, match=r"last axis of length n_bits=3; got shape \(2, 4\)"):
        Encoding(n_bits=3).decode(np.zeros((2, 4)))


@settings(max_examples=60, deadline=None)
@given(
    n_bits=st.integers(1, 6),
    base=st.sampled_from([1.0, 1.5, 2.0, 3.0]),
    values=st.lists(st.floats(-1.0, 9.0, allow_nan=False), min_size=1, max_size=8),
)
def test_encode_finds_the_nearest_level_as_brute_force_does(n_bits, base, values):
    import itertools

    enc = Encoding(n_bits=n_bits, base=base, C=7.0)
    table = np.array(list(itertools.product((0, 1), repeat=n_bits)))
    levels = table @ enc.p
    nearest = np.abs(np.array(values)[:, None] - levels).min(axis=1)
    got = enc.decode(enc.encode(values))
    np.testing.assert_allclose(np.abs(got - values), nearest, atol=1e-12)


def test_bits_float64_cannot_resolve_are_refused_with_the_usable_count():
    with pytest.raises(ValueError, match=r"n_bits=64 with base=2.0: .* expected n_bits <= 48"):
        Encoding(n_bits=64)


def test_an_encoding_table_over_the_memory_limit_is_refused_before_any_kernel(monkeypatch):
    from backends.memory import MemoryLimitError
    from qml import QSVR

    calls = []
    monkeypatch.setenv("HQML_MEMORY_LIMIT", "1G")
    X = np.random.default_rng(0).normal(size=(6, 2))
    model = QSVR(n_bits=30, kernel=lambda A, B: calls.append(1) or A @ B.T)
    with pytest.raises(MemoryLimitError, match=r"n_bits=30 encodes every coefficient on 2\*\*30"):
        model.fit(X, X[:, 0])
    assert calls == []  # refused before the kernel ran
