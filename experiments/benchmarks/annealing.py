"""Derived-schedule SA (backend "sa") against dwave-samplers' default schedule.

The problem is the 500-variable QSVR QUBO of 50 diabetes points with K = 5
bits. Each configuration runs once per seed; the table gives the median best
energy and the median wall time, and the speed-up of each "sa" setting over
the default run with the same seeds, measured side by side in this run.

    python -m experiments.benchmarks.annealing [--seeds 10]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from dwave.samplers import SimulatedAnnealingSampler
from sklearn.metrics.pairwise import rbf_kernel

from backends import get_sampler
from experiments.benchmarks._data import diabetes
from qubo import Encoding, build_svr_qubo


def problem():
    X, y, _, _ = diabetes(50, seed=0)
    bqm = build_svr_qubo(
        rbf_kernel(X, gamma=0.1), y, Encoding(n_bits=5, C=1.0), epsilon=0.1, penalty=1.0
    )
    assert bqm.num_variables == 500
    return bqm


def measure(sampler, bqm, seeds, **options) -> tuple[float, float]:
    energies, seconds = [], []
    for seed in seeds:
        start = time.perf_counter()
        sampleset = sampler.sample(bqm, seed=seed, **options)
        seconds.append(time.perf_counter() - start)
        energies.append(sampleset.first.energy)
    return float(np.median(energies)), float(np.median(seconds))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--reads", type=int, default=10, help="num_reads of the default run")
    args = parser.parse_args(argv)
    bqm, seeds = problem(), range(args.seeds)
    default_energy, default_time = measure(
        SimulatedAnnealingSampler(), bqm, seeds, num_reads=args.reads
    )
    print(f"500-variable QSVR QUBO; median over {args.seeds} seeds")
    print(f"{'sampler':<44} {'best energy':>12} {'time s':>8} {'speed-up':>9} {'<= default':>10}")
    print(
        f"{f'default SA, {args.reads} reads x 1000 sweeps':<44} "
        f"{default_energy:>12.5f} {default_time:>8.3f} {1.0:>9.2f} {'':>10}"
    )
    sa = get_sampler("sa")
    for reads, sweeps in [(args.reads, 500), (args.reads, 300), (args.reads // 2, 500)]:
        energy, seconds = measure(sa, bqm, seeds, num_reads=reads, num_sweeps=sweeps)
        label = f'"sa", {reads} reads x {sweeps} sweeps'
        ok = "yes" if energy <= default_energy + 1e-9 else "no"
        print(
            f"{label:<44} {energy:>12.5f} {seconds:>8.3f} {default_time / seconds:>9.2f} {ok:>10}"
        )


if __name__ == "__main__":
    main()
