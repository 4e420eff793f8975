"""Peak memory of a QSVR fit against the size of its dense QUBO, and where it goes.

A QSVR fit on simulated annealing whose whole dual is one QUBO (working
sets of the whole dual): N = 200 points at K = 2 bits (800 variables, the
default rounds) and at K = 4 (1,600 variables; the dense QUBO is
8 * 1600**2 bytes = 19.5 MiB), and a smaller one. Reported: the peak of
traced allocations (tracemalloc: numpy's arrays, not the C++ storage of
dimod and dwave-samplers) and the growth of the process's peak resident
set (RSS: everything, allocator slack included), each as a multiple of
the dense QUBO, every size in a fresh process. Then one QUBO's memory
split between numpy, dimod's BQM and dwave-samplers' annealer.

    python -m experiments.benchmarks.memory
"""

from __future__ import annotations

import json
import subprocess
import sys

_CHILD = """
import gc, json, resource, sys, tracemalloc, warnings
import numpy as np
from qml import QSVR
warnings.simplefilter("ignore")
n_points, n_bits, rounds = (int(v) for v in sys.argv[1:4])
rng = np.random.default_rng(0)
X, y = rng.normal(size=(n_points, 5)), rng.normal(size=n_points)
QSVR(n_bits=n_bits, max_iter=1, random_state=0).fit(X[:10], y[:10])  # imports, caches
gc.collect()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
tracemalloc.start()
QSVR(n_bits=n_bits, max_iter=rounds, working_set_size=2 * n_points, random_state=0).fit(X, y)
traced = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"traced": traced, "rss": after - before}))
"""


_BREAKDOWN = """
import json, resource, sys
import numpy as np, dimod
from dwave.samplers import SimulatedAnnealingSampler
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
n = int(sys.argv[1])
rng = np.random.default_rng(0)
out, start, first = {}, rss(), peak()
Q = np.triu(rng.normal(size=(n, n)))
out["dense matrix (numpy)"] = rss() - start
bqm = dimod.BinaryQuadraticModel("BINARY")
bqm.add_linear_from_array(np.diag(Q).copy())
np.fill_diagonal(Q, 0)
bqm.add_quadratic_from_dense(Q)
dense = out["dense matrix (numpy)"]
out["dimod BQM (each coupling in both adjacency lists)"] = rss() - start - dense
before = max(peak(), rss())
SimulatedAnnealingSampler().sample(bqm, num_reads=5, num_sweeps=100, seed=0)
out["dwave-samplers SA call (its own copy, transient)"] = peak() - before
out["whole peak above the baseline"] = peak() - first
print(json.dumps(out))
"""


def breakdown(n_variables: int) -> dict:
    """Where a dense QUBO's memory goes: numpy, dimod and dwave-samplers, by RSS."""
    done = subprocess.run(
        [sys.executable, "-c", _BREAKDOWN, str(n_variables)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(n_points: int, n_bits: int, rounds: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(n_points), str(n_bits), str(rounds)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    print("QSVR fit on 'sa': peak memory as a multiple of the dense QUBO (8 n^2 bytes)")
    print(
        f"{'N':>5} {'K':>3} {'rounds':>7} {'vars':>6} {'QUBO MiB':>9} {'traced x':>9} {'RSS x':>7}"
    )
    for n_points, n_bits, rounds in ((200, 2, 100), (200, 4, 1), (200, 4, 5), (100, 2, 10)):
        n = 2 * n_points * n_bits
        dense = 8 * n * n
        result = measure(n_points, n_bits, rounds)
        print(
            f"{n_points:>5} {n_bits:>3} {rounds:>7} {n:>6} {dense / 2**20:>9.1f} "
            f"{result['traced'] / dense:>9.2f} {result['rss'] / dense:>7.2f}"
        )
    n = 1600
    print(f"\nwhere it goes, one QUBO of {n} variables (RSS, multiples of 8 n^2 bytes)")
    for part, size in breakdown(n).items():
        print(f"  {part:<52} {size / (8 * n * n):>6.2f}")


if __name__ == "__main__":
    main()
