"""Time to build the QSVR and QSVC QUBOs as dense BQMs, up to 2,000 binary variables.

python -m experiments.benchmarks.build_time
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.metrics.pairwise import rbf_kernel

from qubo import Encoding, build_svc_qubo, build_svr_qubo

REPEATS = 7


def _median_seconds(build, *args, **kwargs) -> tuple[float, int]:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        bqm, _ = build(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return float(np.median(times)), bqm.num_variables


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"{'builder':<6} {'N':>5} {'K':>3} {'variables':>10} {'median s':>10}")
    for kind, n, bits in [("QSVR", 50, 5), ("QSVR", 100, 5), ("QSVR", 200, 5), ("QSVC", 400, 5)]:
        K = rbf_kernel(rng.normal(size=(n, 5)), gamma=0.2)
        enc = Encoding(n_bits=bits)
        if kind == "QSVR":
            y = rng.normal(size=n)
            timing = _median_seconds(build_svr_qubo, K, y, enc, epsilon=0.1, penalty=1.0)
        else:
            y = rng.choice([-1.0, 1.0], size=n)
            timing = _median_seconds(build_svc_qubo, K, y, enc, penalty=1.0)
        seconds, variables = timing
        print(f"{kind:<6} {n:>5} {bits:>3} {variables:>10} {seconds:>10.4f}")


if __name__ == "__main__":
    main()
