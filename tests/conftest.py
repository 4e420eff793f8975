"""Shared fixtures, and the settings and data the test modules share.

Test modules import ``FAST``, ``smooth_regression`` and the dataset subsets from here
(``from conftest import ...``; ``tests`` is on pytest's ``pythonpath``):
module-level uses such as ``parametrize_with_checks`` cannot take fixtures.
"""

import contextlib
import os
import signal
import socket
import threading
import time

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.preprocessing import StandardScaler

#: Small, fast and reproducible solver settings: correctness, not precision,
#: is what these fits are for (exactness is tested against libsvm elsewhere).
FAST = {"num_reads": 10, "backend_options": {"num_sweeps": 200}, "random_state": 0}


#: The files of a benchmark result set (``hqml bench`` and ``hqml slurm collect``).
RESULT_SET_FILES = [
    ".hqml-owned.json",  # the manifest: what hqml wrote, and so may replace
    "curves.png",
    "predicted_vs_true.png",
    "r2_by_method.png",
    "results.csv",
    "results.json",
    "summary.csv",
]


def smooth_regression(rng: np.random.Generator, n: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points in [-1, 1]^2 and a smooth target ``sin(2 x0) + x1 / 2``."""
    X = rng.uniform(-1, 1, size=(n, 2))
    return X, np.sin(2 * X[:, 0]) + 0.5 * X[:, 1]


def diabetes_subset(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random diabetes rows, features and target standardised."""
    X, y = load_diabetes(return_X_y=True)
    idx = np.random.default_rng(seed).permutation(len(y))[:n]
    X, y = StandardScaler().fit_transform(X[idx]), y[idx]
    return X, (y - y.mean()) / y.std()


def breast_cancer_subset(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random breast_cancer rows, features standardised, labels 0/1."""
    X, y = load_breast_cancer(return_X_y=True)
    idx = np.random.default_rng(seed).permutation(len(y))[:n]
    return StandardScaler().fit_transform(X[idx]), y[idx]


@contextlib.contextmanager
def ctrl_c_after(seconds: float, *, within: float):
    """Press Ctrl-C ``seconds`` into the block; the block must raise
    KeyboardInterrupt and end ``within`` seconds after it started.

    Python's own SIGINT handler is installed, as in a terminal (a batch job
    may start with SIGINT ignored), and the one before it restored.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    try:
        timer.start()
        started = time.perf_counter()
        with pytest.raises(KeyboardInterrupt):
            yield
        assert time.perf_counter() - started < within
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)


def mixed_circuit():
    """A user's 3-feature circuit with every kind of gate the batched simulator
    unrolls: rotations, a squared and a product angle, CX, CRZ, U, phase and RZZ."""
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector

    x = ParameterVector("x", 3)
    circuit = QuantumCircuit(3)
    for q in range(3):
        circuit.h(q)
        circuit.ry(x[q], q)
        circuit.rx(0.3 * x[q] ** 2, q)
    circuit.cx(0, 1)
    circuit.crz(x[0] - x[2], 1, 2)
    circuit.u(x[1], 0.2 * x[0], x[2], 0)
    circuit.p(x[1] * x[2], 2)
    circuit.rzz(x[0], 0, 2)
    return circuit


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Every test runs offline: any attempt to open an internet connection fails loudly."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else ""
        loopback = host in ("127.0.0.1", "::1", "localhost")
        if self.family in (socket.AF_INET, socket.AF_INET6) and not loopback:
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def no_dwave_config(monkeypatch, tmp_path):
    """An Ocean configuration with no token anywhere (environment or dwave.conf)."""
    for name in ("DWAVE_API_TOKEN", "DWAVE_API_SOLVER", "DWAVE_API_ENDPOINT", "DWAVE_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path / "dwave.conf"
    empty.write_text("[defaults]\n")
    monkeypatch.setenv("DWAVE_CONFIG_FILE", str(empty))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))


@pytest.fixture
def training_requests(monkeypatch):
    """Every request the estimators send to ``training.solve``, in order (each still solved)."""
    import qml._base
    from training import solve

    requests = []

    def recording(request):
        requests.append(request)
        return solve(request)

    monkeypatch.setattr(qml._base, "solve", recording)
    return requests


@pytest.fixture(scope="session")
def local_slurm(tmp_path_factory):
    """A single-node Slurm on this machine for the session (skips where it cannot start)."""
    import slurm_cluster

    reason = slurm_cluster.unavailable_reason()
    if reason:
        pytest.skip(reason)
    conf, pids = slurm_cluster.start(tmp_path_factory.mktemp("slurm"))
    previous = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = str(conf)
    yield conf
    slurm_cluster.stop(pids)
    if previous is None:
        os.environ.pop("SLURM_CONF", None)
    else:
        os.environ["SLURM_CONF"] = previous
