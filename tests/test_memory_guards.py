"""Dense QUBOs and statevector batches that would not fit are refused before allocation."""

import numpy as np
import pytest

from backends.kernels.quantum import QuantumKernel
from backends.memory import MemoryLimitError, memory_limit
from qml import QSVC, QSVR
from training import TrainingData
from training.guards import kernel_columns


def test_a_qubo_over_the_limit_is_refused_with_size_limit_and_remedies(monkeypatch):
    monkeypatch.setenv("HQML_MEMORY_LIMIT", "1M")
    X = np.random.default_rng(0).normal(size=(60, 3))
    model = QSVR(n_bits=2, working_set_size=120)  # one whole QUBO, as the user asks
    with pytest.raises(
        MemoryLimitError,
        match=r"QSVR with n_bits=2 builds a dense QUBO of 240 variables \(120 coefficients\)"
        r".*needs about 1\.8 MiB, more than hqml's limit of 1\.0 MiB.*partition ensemble.*"
        r"fewer bits.*backend='hybrid'.*HQML_MEMORY_LIMIT=",
    ):
        model.fit(X, X[:, 0])
    assert not [k for k in vars(model) if k.endswith("_")]
    monkeypatch.setenv("HQML_MEMORY_LIMIT", "4M")  # the user raises the limit
    whole = QSVR(n_bits=2, max_iter=2, working_set_size=120, random_state=0).fit(X, X[:, 0])
    assert whole.n_iter_[0] == 2


def test_a_decomposed_fit_is_guarded_by_its_cache_not_by_n_squared(monkeypatch):
    """20,000 points: a dense QUBO would need 77 GB, the decomposed fit its cache and O(N)."""
    X = np.random.default_rng(0).normal(size=(20_000, 2))
    monkeypatch.setenv("HQML_MEMORY_LIMIT", "50M")
    with pytest.raises(
        MemoryLimitError,
        match=r"QSVR on 20000 points with cache_size=200\.0 MB.*smaller cache_size",
    ):
        QSVR().fit(X, X[:, 0])
    monkeypatch.setenv("HQML_MEMORY_LIMIT", "40M")  # the guard counts the cache, not 3.2 GB of Gram
    model = QSVR(cache_size=10)
    model._resolve_kernel(X, None)
    data = TrainingData(model.kernel_, X, name="rbf")
    columns = kernel_columns(data, model._solve_settings(), 88, "QSVR")
    assert columns.nbytes <= 10 * 2**20 and columns.capacity == 10 * 2**20 // (8 * 20_000)


def test_qsvc_checks_every_pair(monkeypatch):
    monkeypatch.setenv("HQML_MEMORY_LIMIT", "100K")
    X = np.random.default_rng(1).normal(size=(60, 2))
    with pytest.raises(MemoryLimitError, match=r"QSVC with n_bits=2 builds a dense QUBO of 120"):
        QSVC(working_set_size=60).fit(X, (X[:, 0] > 0).astype(int))


def test_a_statevector_batch_over_the_limit_is_refused(monkeypatch):
    monkeypatch.setenv("HQML_MEMORY_LIMIT", "1M")
    X = np.random.default_rng(0).uniform(size=(200, 8))
    with pytest.raises(
        MemoryLimitError,
        match=r"the quantum kernel of 200 x 200 points on 8 qubits \(statevectors, their working"
        r" copy, overlaps and the Gram\) needs about 3\.1 MiB.*fewer features",
    ):
        QuantumKernel("z", reps=1)(X)
    monkeypatch.setenv("HQML_MEMORY_LIMIT", "64M")
    assert QuantumKernel("z", reps=1)(X).shape == (200, 200)


@pytest.mark.parametrize("text", ["lots", "-1G", "12 parsecs"])
def test_a_malformed_limit_is_a_clear_error(monkeypatch, text):
    monkeypatch.setenv("HQML_MEMORY_LIMIT", text)
    with pytest.raises(ValueError, match=r"HQML_MEMORY_LIMIT must be a size such as 16G"):
        memory_limit()


def test_the_default_limit_is_half_the_machine_capped_by_the_process_limits(monkeypatch):
    import os

    import backends.memory

    monkeypatch.delenv("HQML_MEMORY_LIMIT", raising=False)
    physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    monkeypatch.setattr(backends.memory, "_process_room", lambda: [])  # no ulimit, no cgroup
    assert memory_limit() == physical // 2
    monkeypatch.setattr(backends.memory, "_process_room", lambda: [2**30, 3 * 2**30])
    assert memory_limit() == 2**30  # the tightest of the process's own limits
    monkeypatch.setenv("HQML_MEMORY_LIMIT", "512M")
    assert memory_limit() == 512 * 2**20  # the user's setting, where it is tighter


_PREDICT_CHILD = r"""
import resource, sys
import numpy as np
from qml import QSVR
rng = np.random.default_rng(0)
model = QSVR(random_state=0).fit(rng.normal(size=(20, 10)), rng.normal(size=20))
model.support_ = np.arange(3000, dtype=np.int32)  # a model with 3,000 support vectors
model.support_vectors_ = rng.normal(size=(3000, 10))
model.dual_coef_ = rng.normal(size=(1, 3000))
model.n_support_ = np.array([3000], dtype=np.int32)
X = rng.normal(size=(100_000, 10))
head = model.kernel_(X[:500], model.support_vectors_) @ model.dual_coef_[0] + model.intercept_[0]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
prediction = model.predict(X)
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
assert np.allclose(prediction[:500], head), "blocked predictions differ"
print(grown)
"""


def test_predicting_100000_rows_on_3000_support_vectors_stays_in_its_budget():
    """Issue 27 case 3: the whole 100,000 x 3,000 kernel (2.4 GB) ignored HQML_MEMORY_LIMIT."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "HQML_MEMORY_LIMIT": "1G"}
    done = subprocess.run(
        [sys.executable, "-c", _PREDICT_CHILD], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    grown = int(done.stdout.split()[-1])
    assert grown <= 1.2 * 2**30, f"predict grew the peak RSS by {grown / 2**20:.0f} MiB"


def test_multiclass_qsvc_does_not_form_the_shared_gram_beyond_the_budget(monkeypatch):
    """Issue 27 case 3: one small pair solved whole formed the N x N Gram of every point."""
    from sklearn.metrics.pairwise import rbf_kernel

    from qml import QSVC

    shapes = []

    def recording(A, B):
        shapes.append((len(A), len(B)))
        return rbf_kernel(A, B)

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2_000, 2))
    y = np.r_[np.zeros(1_980), np.ones(10), 2 * np.ones(10)].astype(int)
    monkeypatch.setenv("HQML_MEMORY_LIMIT", "50M")  # the 2,000 x 2,000 Gram is 32 MB, x3 > 50 MB
    QSVC(kernel=recording, working_set_size=88, random_state=0).fit(X, y)
    assert (2_000, 2_000) not in shapes
    assert (20, 20) in shapes  # the small pair (classes 1 and 2) formed its own block


_ADDRESS_SPACE_CHILD = r"""
import resource
import numpy as np
from backends import MemoryLimitError
from backends.memory import _mapped_bytes
from qml import QSVR
X = np.random.default_rng(0).normal(size=(10, 2))
QSVR(n_bits=2).fit(X, X[:, 0])  # everything imported and warmed up first
resource.setrlimit(resource.RLIMIT_AS, (_mapped_bytes() + 600 * 2**20, resource.RLIM_INFINITY))
try:
    QSVR(n_bits=27).fit(X, X[:, 0])  # a level table of about 1 GiB
except MemoryLimitError as error:
    print("refused:", error)
"""


def test_the_address_space_limit_of_a_slurm_job_is_respected():
    """Issue 27 case 3: n_bits=27 under ulimit -v died with a MemoryError traceback."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _ADDRESS_SPACE_CHILD], capture_output=True,
                          text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "refused: QSVR with n_bits=27 encodes every coefficient on 2**27 levels" in done.stdout
    assert "the process's own limits" in done.stdout


_STATEVECTOR_CHILD = r"""
import os, resource, sys
import numpy as np
from backends import MemoryLimitError
from backends.kernels import QuantumKernel
X = np.random.default_rng(0).uniform(size=(100, 14))
kernel = QuantumKernel("z", reps=1)
kernel(X[:2], X[:2])  # imports and simulator warmed up
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
try:
    kernel(X, X)  # the cross path: two batches, overlaps, Gram
except MemoryLimitError:
    print("refused")
    sys.exit(0)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before)
"""


@pytest.mark.parametrize("limit", ["old", "new"])
def test_the_statevector_guard_counts_every_copy_against_measured_rss(limit):
    """Issue 27 case 4: the guard counted one batch; RSS grew 1.5-2.3 times that."""
    import os
    import subprocess
    import sys

    batch = 16 * 100 * 2**14  # one batch of 100 statevectors on 14 qubits
    estimate = 16 * 2**14 * (200 + 100) + 40 * 100 * 100  # the new count, every copy
    budget = int(1.05 * 2 * batch) if limit == "old" else estimate
    env = {**os.environ, "HQML_MEMORY_LIMIT": str(budget)}
    done = subprocess.run(
        [sys.executable, "-c", _STATEVECTOR_CHILD], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    if limit == "old":  # the old estimate's budget: the call needs more, so it is refused
        assert done.stdout.strip() == "refused"
    else:  # within the new estimate, the measured growth stays inside it
        assert int(done.stdout.split()[-1]) <= estimate


_READS_CHILD = r"""
import resource, sys, warnings
import numpy as np
from backends import MemoryLimitError
from qml import QSVR
warnings.simplefilter("ignore")
X = np.random.default_rng(0).normal(size=(10, 2))
QSVR(max_iter=1).fit(X, X[:, 0])  # warmed up
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
try:
    QSVR(num_reads=200_000, max_iter=1, backend_options={"num_sweeps": 10}).fit(X, X[:, 0])
except MemoryLimitError:
    print("refused")
    sys.exit(0)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before)
"""


@pytest.mark.parametrize("share", [0.8, 1.0])
def test_the_reads_guard_holds_against_measured_rss(share):
    """Issue 27 case 3: num_reads=2,000,000 reached 4.3 GB whatever the limit."""
    import os
    import subprocess
    import sys

    estimate = 4 * 8 * 200_000 * 40  # the guard's count for 200,000 reads of 40 variables
    env = {**os.environ, "HQML_MEMORY_LIMIT": str(int(share * estimate))}
    done = subprocess.run(
        [sys.executable, "-c", _READS_CHILD], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    if share < 1:
        assert done.stdout.strip() == "refused"
    else:
        assert int(done.stdout.split()[-1]) <= estimate
