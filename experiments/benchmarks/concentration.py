"""Calibrate and check the quantum-kernel concentration threshold.

For every dataset, number of qubits (PCA to q features in [0, pi]), kernel
(fidelity or projected, ZZ map, reps 2) and bandwidth, the off-diagonal
variance of the training Gram and the held-out accuracy of libsvm's SVC on
that Gram (C = 1) against the majority class. A kernel is useless when its
accuracy is near the majority class's; the threshold should flag those and
no useful kernel. It is chosen on the calibration group (breast_cancer,
digits 0/1) and checked on the other (wine class 0, digits 3/8).

    python -m experiments.benchmarks.concentration --splits 3
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.svm import SVC

from backends.kernels import (
    CONCENTRATION_THRESHOLD,
    ProjectedQuantumKernel,
    QuantumKernel,
    kernel_concentration,
    scale_bandwidth,
)
from experiments.benchmarks._data import pca_split

GROUPS = {
    "calibration": {
        "breast_cancer": (load_breast_cancer, (0, 1), 1),
        "digits 0/1": (load_digits, (0, 1), 1),
    },
    "check": {
        "wine 0/rest": (load_wine, (0, 1, 2), 0),
        "digits 3/8": (load_digits, (3, 8), 8),
    },
}
BANDWIDTHS = (0.03, 0.1, 0.3, 1.0, 3.0, "scale")

#: A kernel whose accuracy is within this of the majority class's is useless.
USELESS = 0.05


def _task(loader, classes, positive, n_qubits: int, seed: int, n_train: int = 100):
    X, y = loader(return_X_y=True)
    keep = np.isin(y, classes)
    X, y = X[keep], (y[keep] == positive).astype(int)
    return pca_split(X, y, n_qubits, n_train, seed, n_test=200)


def _kernel(kind: str, bandwidth, X):
    width = scale_bandwidth(X) if bandwidth == "scale" else bandwidth
    if kind == "fidelity":
        return QuantumKernel("zz", reps=2, bandwidth=width)
    return ProjectedQuantumKernel("zz", reps=2, bandwidth=width).fit(X)


def measure(splits: int) -> list[dict]:
    rows = []
    for group, tasks in GROUPS.items():
        for name, (loader, classes, positive) in tasks.items():
            for n_qubits in (4, 8, 12):
                for kind in ("fidelity", "projected"):
                    for bandwidth in BANDWIDTHS:
                        found = []
                        for seed in range(splits):
                            X, y, X_test, y_test = _task(loader, classes, positive, n_qubits, seed)
                            kernel = _kernel(kind, bandwidth, X)
                            gram = kernel(X, X)
                            svc = SVC(kernel="precomputed").fit(gram, y)
                            majority = max(np.mean(y_test), 1 - np.mean(y_test))
                            found.append(
                                (
                                    kernel_concentration(gram).variance,
                                    svc.score(kernel(X_test, X), y_test),
                                    majority,
                                )
                            )
                        variance, accuracy, majority = np.mean(found, axis=0)
                        rows.append(
                            {
                                "group": group,
                                "data": name,
                                "qubits": n_qubits,
                                "kernel": kind,
                                "bandwidth": bandwidth,
                                "variance": variance,
                                "accuracy": accuracy,
                                "majority": majority,
                            }
                        )
    return rows


def _report(rows: list[dict]) -> None:
    print(f"{'group':<12} {'data':<14} {'q':>3} {'kernel':<10} {'bandwidth':>9} "
          f"{'variance':>9} {'accuracy':>8} {'majority':>8} {'flag':>5}")  # fmt: skip
    for r in sorted(rows, key=lambda r: (r["group"], r["variance"])):
        flag = "yes" if r["variance"] < CONCENTRATION_THRESHOLD else ""
        print(
            f"{r['group']:<12} {r['data']:<14} {r['qubits']:>3} {r['kernel']:<10} "
            f"{r['bandwidth']!s:>9} {r['variance']:>9.2g} {r['accuracy']:>8.3f} "
            f"{r['majority']:>8.3f} {flag:>5}"
        )
    for group in GROUPS:
        mine = [r for r in rows if r["group"] == group]
        useless = [r for r in mine if r["accuracy"] < r["majority"] + USELESS]
        useful = [r for r in mine if r["accuracy"] >= r["majority"] + USELESS]
        flagged_useless = sum(r["variance"] < CONCENTRATION_THRESHOLD for r in useless)
        flagged_useful = sum(r["variance"] < CONCENTRATION_THRESHOLD for r in useful)
        print(
            f"\n{group}: threshold {CONCENTRATION_THRESHOLD:g} flags {flagged_useless} of "
            f"{len(useless)} useless settings (accuracy < majority + {USELESS}) and "
            f"{flagged_useful} of {len(useful)} useful ones"
        )
        for r in useful:
            if r["variance"] < CONCENTRATION_THRESHOLD:
                setting = f"{r['data']}, {r['qubits']} qubits, {r['kernel']}, {r['bandwidth']}"
                print(f"  flagged above chance: {setting}: accuracy {r['accuracy']:.3f}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=3)
    args = parser.parse_args(argv)
    _report(measure(args.splits))


if __name__ == "__main__":
    main()
