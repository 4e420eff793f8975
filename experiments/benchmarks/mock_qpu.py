"""QSVR on the offline QPU stand-in against simulated annealing, and embedding reuse.

The stand-in is dwave-system's MockDWaveSampler on a Pegasus P16 graph (the
Advantage size), reached through the same clique-embedding path as a real
QPU; its anneal is simulated annealing of the embedded physical problem.
Reports mean held-out R^2 over splits of the shipped learning curves and of
diabetes at N = 15, K = 3 (90 logical variables), both backends at hqml's
defaults (refinement rounds; on the mock, reverse-annealing options sent,
steepest-descent post-processing, the previous round's solution kept),
the chain-break fraction, whether two fits with the same ``random_state``
agree, and the time of a first fit (embedding searched) against a second fit
of the same size (embedding reused).

    python -m experiments.benchmarks.mock_qpu [--splits 10]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from backends import forget_embeddings
from experiments.benchmarks._data import curves, diabetes
from qml import QSVR

PARAMS = {"C": 1.0, "epsilon": 0.1, "n_bits": 3}
DATA = {"learning curves": (curves, 1.0), "diabetes": (diabetes, 0.1)}


def quality(name: str, splits: int) -> None:
    loader, gamma = DATA[name]
    rows = []
    for seed in range(splits):
        X, y, X_test, y_test = loader(15, seed)
        sa = QSVR(**PARAMS, gamma=gamma, backend="sa", random_state=seed).fit(X, y)
        mock = QSVR(**PARAMS, gamma=gamma, backend="mock-qpu", random_state=seed).fit(X, y)
        again = QSVR(**PARAMS, gamma=gamma, backend="mock-qpu", random_state=seed).fit(X, y)
        rows.append(
            (
                sa.score(X_test, y_test),
                mock.score(X_test, y_test),
                mock.chain_break_fraction_,
                mock.embedding_size_["physical_qubits"],
                mock.embedding_size_["max_chain_length"],
                np.array_equal(mock.predict(X_test), again.predict(X_test)),
                int(mock.n_iter_[0]),
            )
        )
    r2_sa, r2_mock, breaks, qubits, chain, same, rounds = np.array(rows).T
    print(
        f"\nQSVR at N=15, K=3 ({2 * 15 * 3} logical variables), {splits} splits of {name}, "
        f"gamma={gamma}"
    )
    print(f"{'backend':<10} {'R2 mean':>9} {'R2 std':>8}")
    print(f"{'sa':<10} {r2_sa.mean():>9.4f} {r2_sa.std():>8.4f}")
    print(f"{'mock-qpu':<10} {r2_mock.mean():>9.4f} {r2_mock.std():>8.4f}")
    diff = r2_mock - r2_sa
    print(f"difference mock - sa: {diff.mean():+.4f} (paired std {diff.std():.4f})")
    print(
        f"chain-break fraction {breaks.mean():.4f}; embedding {int(qubits[0])} physical qubits, "
        f"longest chain {int(chain[0])}; median rounds {np.median(rounds):.0f}"
    )
    print(f"same random_state, same model: {int(same.sum())} of {splits} splits")


def embedding_reuse(repeats: int = 3) -> None:
    X, y, _, _ = diabetes(15, 0)
    fits: dict[str, list[float]] = {"first": [], "second": []}
    embeds: dict[str, list[float]] = {"first": [], "second": []}
    for _ in range(repeats):
        forget_embeddings()
        for which in ("first", "second"):
            start = time.perf_counter()
            model = QSVR(**PARAMS, max_iter=1, backend="mock-qpu", random_state=0).fit(X, y)
            fits[which].append(time.perf_counter() - start)
            embeds[which].append(model.sampler_info_[0]["embedding"]["embedding_seconds"])
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
    for name in DATA:
        quality(name, args.splits)
    embedding_reuse()


if __name__ == "__main__":
    main()
