"""Peak memory of a QSVR fit against the size of its dense QUBO.

A QSVR fit on simulated annealing at N = 200 points and K = 4 bits (1,600
variables; the dense QUBO is 8 * 1600**2 bytes = 19.5 MiB), and at other
sizes: the peak of traced allocations (tracemalloc, which sees numpy's
arrays but not the C++ storage inside dimod and dwave-samplers) and the
growth of the process's peak resident set (RSS, which sees everything,
allocator slack included), each as a multiple of the dense QUBO. Every
size runs in a fresh process so that one fit's peak does not hide another's.

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
QSVR(n_bits=n_bits, max_iter=rounds, random_state=0).fit(X, y)
traced = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"traced": traced, "rss": after - before}))
"""


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
    for n_points, n_bits, rounds in ((200, 4, 1), (200, 4, 5), (100, 2, 10), (400, 2, 1)):
        n = 2 * n_points * n_bits
        dense = 8 * n * n
        result = measure(n_points, n_bits, rounds)
        print(
            f"{n_points:>5} {n_bits:>3} {rounds:>7} {n:>6} {dense / 2**20:>9.1f} "
            f"{result['traced'] / dense:>9.2f} {result['rss'] / dense:>7.2f}"
        )


if __name__ == "__main__":
    main()
