"""QSVR on the offline QPU stand-in against simulated annealing, and embedding reuse.

The stand-in is dwave-system's MockDWaveSampler on a Pegasus P16 graph (the
Advantage size), reached through the same clique-embedding path as a real
QPU; its anneal is simulated annealing of the embedded physical problem.
Reports mean held-out R^2 over splits of diabetes at N = 15, K = 3 (90
logical variables), the chain-break fraction, and the time of a first fit
(embedding searched) against a second fit of the same size (embedding reused).

    python -m experiments.benchmarks.mock_qpu [--splits 10]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import backends.qpu as qpu
from experiments.benchmarks._data import diabetes
from qml import QSVR

PARAMS = {"C": 1.0, "epsilon": 0.1, "gamma": 0.1, "n_bits": 3, "num_reads": 100}


def quality(splits: int) -> None:
    rows = []
    for seed in range(splits):
        X, y, X_test, y_test = diabetes(15, seed)
        sa = QSVR(**PARAMS, backend="sa", random_state=seed).fit(X, y)
        mock = QSVR(**PARAMS, backend="mock-qpu", random_state=seed).fit(X, y)
        rows.append(
            (
                sa.score(X_test, y_test),
                mock.score(X_test, y_test),
                mock.chain_break_fraction_,
                mock.embedding_size_["physical_qubits"],
                mock.embedding_size_["max_chain_length"],
            )
        )
    r2_sa, r2_mock, breaks, qubits, chain = np.array(rows).T
    print(f"QSVR at N=15, K=3 ({2 * 15 * 3} logical variables), {splits} diabetes splits")
    print(f"{'backend':<10} {'R2 mean':>9} {'R2 std':>8}")
    print(f"{'sa':<10} {r2_sa.mean():>9.4f} {r2_sa.std():>8.4f}")
    print(f"{'mock-qpu':<10} {r2_mock.mean():>9.4f} {r2_mock.std():>8.4f}")
    diff = r2_mock - r2_sa
    print(f"difference mock - sa: {diff.mean():+.4f} (paired std {diff.std():.4f})")
    print(
        f"chain-break fraction {breaks.mean():.4f}; embedding {int(qubits[0])} physical qubits, "
        f"longest chain {int(chain[0])}"
    )


def embedding_reuse(repeats: int = 3) -> None:
    X, y, _, _ = diabetes(15, 0)
    fits: dict[str, list[float]] = {"first": [], "second": []}
    embeds: dict[str, list[float]] = {"first": [], "second": []}
    for _ in range(repeats):
        qpu._EMBEDDINGS.clear()
        for which in ("first", "second"):
            start = time.perf_counter()
            model = QSVR(**PARAMS, backend="mock-qpu", random_state=0).fit(X, y)
            fits[which].append(time.perf_counter() - start)
            embeds[which].append(model.sampler_info_["embedding"]["embedding_seconds"])
    first, second = np.median(fits["first"]), np.median(fits["second"])
    print(f"\nEmbedding reuse, same problem size (median of {repeats})")
    print(f"{'fit':<28} {'whole fit s':>12} {'embedding s':>12}")
    print(f"{'first (searches embedding)':<28} {first:>12.3f} {np.median(embeds['first']):>12.4f}")
    print(f"{'second (reuses it)':<28} {second:>12.3f} {np.median(embeds['second']):>12.4f}")
    print(f"whole-fit time ratio first/second: {first / second:.2f}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=10)
    args = parser.parse_args(argv)
    quality(args.splits)
    embedding_reuse()


if __name__ == "__main__":
    main()
