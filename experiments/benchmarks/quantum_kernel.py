"""Quantum-kernel speed against qiskit-machine-learning, scale, and accuracy on digits.

1. Gram matrix, N = 1,000, 4 qubits, ZZ feature map, reps = 2: hqml's
   QuantumKernel against FidelityStatevectorKernel.evaluate.
2. N = 100: against FidelityQuantumKernel with its default Sampler.
3. 8 qubits, N = 2,000: time and peak memory (tracemalloc).
4. scikit-learn's digits, PCA to n qubits, MinMaxScaler to [0, top] with top
   = pi (the customary range) and 0.5 (a narrower kernel bandwidth, after
   Shaydulin & Wild, PRA 106, 042407, 2022): QSVC (simulated annealing) and
   SVC on the same quantum kernel, and SVC with RBF.
5. The bandwidth default: the constant of ``bandwidth="scale"`` chosen on
   breast_cancer and wine (binary, PCA to 4 features, N = 40, SVC on the
   quantum kernel), then verified with QSVC at its defaults on digits 0/1
   (PCA to 4, N = 40), features scaled to [0, pi] and to [0, 0.5].

Both sides of every ratio run in this process, one after the other, with
imports and circuit libraries warmed up first.

    python -m experiments.benchmarks.quantum_kernel [--splits 5] [--only bandwidth]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
from qiskit.circuit.library import zz_feature_map
from qiskit_machine_learning.kernels import FidelityQuantumKernel, FidelityStatevectorKernel
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.svm import SVC

from backends.kernels import SCALE_BANDWIDTH, QuantumKernel
from experiments.benchmarks._data import pca_split
from qml import QSVC


def _timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def _angles(n: int, d: int, seed: int = 0):
    return np.random.default_rng(seed).uniform(0, np.pi, size=(n, d))


def speed() -> None:
    warm = _angles(4, 4)
    QuantumKernel("zz", reps=2)(warm)
    FidelityStatevectorKernel(feature_map=zz_feature_map(4, reps=2)).evaluate(warm)
    FidelityQuantumKernel(feature_map=zz_feature_map(4, reps=2)).evaluate(warm)

    print(f"{'comparison':<46} {'hqml s':>8} {'peer s':>8} {'speed-up':>9} {'max |diff|':>11}")
    peers = [
        ("N=1000, 4q: FidelityStatevectorKernel", FidelityStatevectorKernel, _angles(1000, 4)),
        ("N=100, 4q: FidelityQuantumKernel (Sampler)", FidelityQuantumKernel, _angles(100, 4, 1)),
    ]
    for label, kind, X in peers:
        ours, t_ours = _timed(QuantumKernel("zz", reps=2), X)
        theirs, t_peer = _timed(kind(feature_map=zz_feature_map(4, reps=2)).evaluate, X)
        print(
            f"{label:<46} {t_ours:>8.3f} {t_peer:>8.3f} "
            f"{t_peer / t_ours:>9.1f} {np.abs(ours - theirs).max():>11.1e}"
        )


def scale() -> None:
    X = _angles(2000, 8, seed=2)
    tracemalloc.start()
    gram, seconds = _timed(QuantumKernel("zz", reps=2), X)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"\n8 qubits, N=2000: {seconds:.2f} s, peak traced memory {peak / 2**20:.0f} MiB "
        f"(Gram {gram.nbytes / 2**20:.0f} MiB)"
    )


def _digits(classes, n_train: int, n_qubits: int, seed: int, top: float):
    X, y = load_digits(return_X_y=True)
    keep = np.isin(y, classes)
    return pca_split(X[keep], y[keep], n_qubits, n_train, seed, n_test=300, top=top)


def accuracy(splits: int) -> None:
    print(f"\nDigits, PCA to n qubits, ZZ map reps=2; test accuracy, mean over {splits} splits")
    header = (
        f"{'task':<16} {'qubits':>6} {'range':>9} {'QSVC q (SA)':>12} {'SVC q':>7} {'SVC rbf':>8}"
    )
    print(header)
    tasks = [("binary 3 vs 5", (3, 5), 60), ("multiclass 0-4", (0, 1, 2, 3, 4), 100)]
    for label, classes, n_train in tasks:
        for n_qubits in (4, 6):
            for top, top_label in ((np.pi, "[0, pi]"), (0.5, "[0, 0.5]")):
                scores = []
                for seed in range(splits):
                    X, y, X_test, y_test = _digits(classes, n_train, n_qubits, seed, top)
                    kernel = QuantumKernel("zz", reps=2)
                    qsvc = QSVC(kernel="quantum", reps=2, C=1.0, num_reads=50, random_state=seed)
                    scores.append(
                        (
                            qsvc.fit(X, y).score(X_test, y_test),
                            SVC(kernel=kernel, C=1.0).fit(X, y).score(X_test, y_test),
                            SVC(C=1.0).fit(X, y).score(X_test, y_test),
                        )
                    )
                q, s, r = np.mean(scores, axis=0)
                print(f"{label:<16} {n_qubits:>6} {top_label:>9} {q:>12.3f} {s:>7.3f} {r:>8.3f}")


def _binary(loader, positive, n_train: int, seed: int, top: float):
    X, y = loader(return_X_y=True)
    return pca_split(X, (y == positive).astype(int), 4, n_train, seed, n_test=300, top=top)


def _svc_on_quantum_kernel(X, y, X_test, y_test, constant: float) -> float:
    width = constant / np.sqrt(X.shape[1] * X.var())
    kernel = QuantumKernel("zz", reps=2, bandwidth=width)
    return SVC(kernel=kernel, C=1.0).fit(X, y).score(X_test, y_test)


def bandwidth(splits: int) -> None:
    constants = (0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8)
    tuning = {"breast_cancer": (load_breast_cancer, 1), "wine": (load_wine, 0)}
    print(
        f"\nbandwidth='scale' constant, chosen here (SVC on the ZZ kernel, N=40, {splits} splits)"
    )
    print(f"{'data':<14} {'range':>9} " + " ".join(f"{c:>6}" for c in constants))
    for name, (loader, positive) in tuning.items():
        for top, top_label in ((np.pi, "[0, pi]"), (0.5, "[0, 0.5]")):
            splits_data = [_binary(loader, positive, 40, s, top) for s in range(splits)]
            means = [
                np.mean([_svc_on_quantum_kernel(*data, c) for data in splits_data])
                for c in constants
            ]
            print(f"{name:<14} {top_label:>9} " + " ".join(f"{m:>6.3f}" for m in means))
    print(
        f"\nverified on digits 0/1 (not used above), PCA to 4, N=40, {splits} splits, "
        f"QSVC(kernel='quantum') at defaults (bandwidth='scale' = {SCALE_BANDWIDTH} / "
        "sqrt(d var)) against bandwidth=1"
    )
    print(f"{'range':>9} {'QSVC scale':>11} {'QSVC c=1':>9} {'SVC rbf':>8}")
    for top, top_label in ((np.pi, "[0, pi]"), (0.5, "[0, 0.5]")):
        rows = []
        for seed in range(splits):
            X, y, X_test, y_test = _digits((0, 1), 40, 4, seed, top)
            default = QSVC(kernel="quantum", random_state=seed).fit(X, y)
            plain = QSVC(kernel="quantum", bandwidth=1.0, random_state=seed).fit(X, y)
            rows.append(
                (
                    default.score(X_test, y_test),
                    plain.score(X_test, y_test),
                    SVC().fit(X, y).score(X_test, y_test),
                )
            )
        q, p, r = np.mean(rows, axis=0)
        print(f"{top_label:>9} {q:>11.3f} {p:>9.3f} {r:>8.3f}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--only", choices=["speed", "scale", "accuracy", "bandwidth"])
    args = parser.parse_args(argv)
    sections = {
        "speed": speed,
        "scale": scale,
        "accuracy": lambda: accuracy(args.splits),
        "bandwidth": lambda: bandwidth(args.splits),
    }
    for name, section in sections.items():
        if args.only in (None, name):
            section()


if __name__ == "__main__":
    main()
