"""A failed QPU call must not carry the API token away in its exception chain or logs."""

import logging
import pickle
import socket
import traceback

import numpy as np
import pytest

import backends.samplers.qpu as qpu
from backends import BackendUnavailableError
from backends.errors import safe_summary
from qml import QSVR

CANARY = "DEV-c4a3a2e1f00d0123456789abcdef0123456789ab"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends


def _chain(error: BaseException) -> list[BaseException]:
    seen = []
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen


def _unreachable_fit(token: str, monkeypatch, caplog):
    """A QSVR fit on a QPU endpoint that refuses connections, the token set, DEBUG logged."""
    monkeypatch.setenv("DWAVE_API_TOKEN", token)
    monkeypatch.setenv("DWAVE_API_ENDPOINT", f"http://127.0.0.1:{_closed_port()}/sapi/v2/")
    # The cloud client's ten connection retries stay, without their 10 s of back-off
    # sleeps; it still loads, logs and uses its configuration as it would.
    from urllib3.util.retry import Retry

    monkeypatch.setattr(Retry, "get_backoff_time", lambda self: 0.0)
    qpu._child.cache_clear()
    caplog.set_level(logging.DEBUG)
    X = np.random.default_rng(0).normal(size=(4, 2))
    model = QSVR(backend="qpu", n_bits=1)
    with pytest.raises(BackendUnavailableError) as info:
        model.fit(X, X[:, 0])
    qpu._child.cache_clear()
    return model, info.value


def test_unreachable_qpu_leaves_no_token_in_chain_pickles_or_logs(
    monkeypatch, tmp_path, caplog, no_dwave_config
):
    model, error = _unreachable_fit(CANARY, monkeypatch, caplog)
    assert "could not reach a D-Wave QPU solver" in str(error)
    assert error.__cause__ is None and error.__context__ is None
    assert len(_chain(error)) == 1
    texts = [
        str(error),
        repr(error),
        "".join(traceback.format_exception(error)),
        pickle.dumps(error).decode("latin-1"),
        pickle.dumps(model).decode("latin-1"),
        "\n".join(record.getMessage() for record in caplog.records),
        "\n".join(repr(record.args) for record in caplog.records),
    ]
    for text in texts:
        assert CANARY not in text
        assert CANARY[4:] not in text


def test_safe_summary_redacts_what_looks_like_a_token():
    error = RuntimeError(f"401 for headers {{'X-Auth-Token': '{CANARY}'}} token={CANARY}")
    summary = safe_summary(error)
    assert CANARY not in summary and CANARY[4:] not in summary
    assert summary.startswith("RuntimeError: 401 for headers")
    assert len(safe_summary(ValueError("x" * 5000))) < 400


TOKEN_SHAPES = [
    "ABC-0123456789abcdef0123456789abcdef01234567",  # Ocean's own shape
    "0123456789abcdef0123456789abcdef01234567",  # bare hex
    "my-secret-token-value",  # arbitrary text
    'tok\'en with "quotes" and spaces',  # quotes and spaces
]


def _forms(token: str) -> set[str]:
    import json

    return {token, repr(token)[1:-1], json.dumps(token)[1:-1]}


@pytest.mark.parametrize("token", TOKEN_SHAPES)
def test_a_token_of_any_shape_appears_nowhere(
    token, monkeypatch, tmp_path, caplog, no_dwave_config
):
    model, error = _unreachable_fit(token, monkeypatch, caplog)
    texts = ["".join(traceback.format_exception(e)) for e in _chain(error)] + [
        pickle.dumps(error).decode("latin-1"),
        pickle.dumps(model).decode("latin-1"),
        "\n".join(record.getMessage() for record in caplog.records),
        "\n".join(repr(record.args) for record in caplog.records),
        "\n".join(str(record.__dict__) for record in caplog.records),
    ]
    # the cloud client did log its configuration: the records are there, masked
    assert any("[redacted]" in record.getMessage() for record in caplog.records)
    for text in texts:
        for form in _forms(token):
            assert form not in text


@pytest.mark.parametrize("token", TOKEN_SHAPES)
def test_generated_scripts_and_results_hold_no_token(token, monkeypatch, tmp_path):
    from experiments.slurm import jobs
    from experiments.slurm.experiment import load_experiment
    from experiments.slurm.profiles import load_profile

    monkeypatch.setenv("DWAVE_API_TOKEN", token)
    experiment = tmp_path / "sweep.toml"
    experiment.write_text(
        'name = "canary"\n[grid]\nfractions = [0.5]\ntrain_sizes = [10]\nsplits = 1\n'
        'backends = ["qpu", "sa"]\n[slurm]\ntime = "00:05:00"\nmem = "500M"\n'
    )
    run = tmp_path / "run"
    jobs.generate(load_experiment(experiment), load_profile("local"), run)
    for path in run.rglob("*"):
        if path.is_file():
            text = path.read_text()
            for form in _forms(token):
                assert form not in text, path
