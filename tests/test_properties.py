"""Property-based tests: every input either works or is refused with a clear ValueError/TypeError.

hypothesis generates estimator parameters and data, experiment files and
curve files, valid and not. Whatever arrives, hqml must answer with a
result or with a ValueError/TypeError whose message says what was expected
or what arrived, never with another exception type (an IndexError, a
KeyError, a ZeroDivisionError far from the cause).
"""

import json
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from experiments.curves import load_curves
from experiments.slurm.experiment import load_experiment
from qml import QSVC, QSVR

# The words a clear message uses to say what was expected and what arrived.
CLEAR = re.compile(r"expected|must|got|required|contains|found|needs|cannot|not |detected", re.I)
FAST = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.lists(st.integers(0, 3), max_size=2),
)


def _works_or_refuses(call) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call()
    except (ValueError, TypeError) as error:
        assert CLEAR.search(str(error)), f"unclear message: {error}"


@FAST
@given(
    name=st.sampled_from(
        ["C", "epsilon", "n_bits", "penalty", "max_iter", "tol", "num_reads", "top_k", "base"]
    ),
    value=anything,
)
def test_any_parameter_value_works_or_is_refused(name, value):
    X = np.linspace(0, 1, 12).reshape(6, 2)
    model = QSVR(max_iter=3, random_state=0).set_params(**{name: value})
    if name == "max_iter" and isinstance(value, int) and value > 3:
        model.set_params(max_iter=3)
    _works_or_refuses(lambda: model.fit(X, X[:, 0]))


@FAST
@given(
    X=st.lists(
        st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=0, max_size=3),
        min_size=0,
        max_size=6,
    ),
    y=st.lists(st.one_of(st.integers(-2, 2), st.floats(width=32)), min_size=0, max_size=7),
    classify=st.booleans(),
)
def test_any_data_works_or_is_refused(X, y, classify):
    model = (QSVC if classify else QSVR)(max_iter=2, random_state=0)
    _works_or_refuses(lambda: model.fit(X, y))


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)  # a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


toml_values = st.one_of(
    st.booleans(),
    st.integers(-5, 1200),
    st.floats(-2, 2, allow_nan=False),
    st.text(max_size=12),
    st.lists(st.one_of(st.integers(-2, 30), st.floats(0, 1), st.text(max_size=4)), max_size=3),
)


@FAST
@given(
    grid=st.dictionaries(
        st.sampled_from(["fractions", "train_sizes", "splits", "backends", "n_bits", "penalty"]),
        toml_values,
        max_size=3,
    ),
    model=st.dictionaries(
        st.sampled_from(
            ["C", "epsilon", "gamma", "num_reads", "combine", "top_k", "polish", "n_bits"]
        ),
        toml_values,
        max_size=2,
    ),
    slurm=st.dictionaries(
        st.sampled_from(["time", "mem", "partition", "max_parallel", "max_array_size"]),
        toml_values,
        max_size=2,
    ),
)
def test_any_experiment_file_loads_or_is_refused(tmp_path_factory, grid, model, slurm):
    lines = ['name = "prop"']
    for section, values in (("grid", grid), ("model", model), ("slurm", slurm)):
        lines.append(f"[{section}]")
        lines += [f"{key} = {_toml(value)}" for key, value in values.items()]
    path = tmp_path_factory.mktemp("exp") / "experiment.toml"
    path.write_text("\n".join(lines) + "\n")
    _works_or_refuses(lambda: load_experiment(path))


cells = st.one_of(
    st.floats(0, 1).map(lambda v: f"{v:.3f}"),
    st.sampled_from(["", "nan", "inf", "-0.5", "1.5", "abc", "0.1,0.2"]),
)


@FAST
@given(
    header=st.lists(st.sampled_from(["run", "acc_001", "acc_002", "acc_003", "lr"]), max_size=5),
    rows=st.lists(st.lists(cells, max_size=5), max_size=4),
    compress=st.booleans(),
    truncate=st.booleans(),
)
def test_any_curve_file_loads_or_is_refused(tmp_path_factory, header, rows, compress, truncate):
    import gzip

    text = "\n".join([",".join(header), *(",".join(r) for r in rows)]) + "\n"
    data = gzip.compress(text.encode()) if compress else text.encode()
    if truncate:
        data = data[: max(1, len(data) // 2)]
    path = tmp_path_factory.mktemp("curves") / ("c.csv.gz" if compress else "c.csv")
    path.write_bytes(data)
    _works_or_refuses(lambda: load_curves(path))


@pytest.mark.parametrize("value", [float("nan"), -1.0, 0.0, "x", None])
def test_clear_message_examples(value):
    """The words the property tests accept do appear in hqml's refusals."""
    with pytest.raises((ValueError, TypeError)) as info:
        QSVR(tol=value).fit(np.eye(3), [0.0, 1.0, 0.5])
    assert CLEAR.search(str(info.value))
