"""The digits QSVM benchmark, and hqml's gate-based kernels against sQUlearn, side by side.

Sections (``--only`` runs one):

- ``pqk``: the projected kernel's Gram at N = 400 on 8 qubits (the layered
  Hubregtsen map, 2 layers, the same circuit on both sides) against
  sQUlearn's ``ProjectedQuantumKernel``: time and largest difference.
- ``trained``: training 16 parameters (Hubregtsen map, 4 qubits, 2 layers)
  at N = 60 on breast_cancer, against sQUlearn's ``KernelOptimizer``
  (TargetAlignment, Adam, 20 iterations): time and held-out accuracy.
- ``calibrate``: where the trained kernel's defaults (``objective``,
  ``train_bandwidth``) were chosen: breast_cancer, iris 1 vs 2 and digits
  4 vs 9, PCA to 4 features in [0, pi], 10 splits; libsvm on the trained
  Gram (QSVC reaches libsvm's optimum, see the exactness benchmark), so the
  choice is quick to repeat.
- ``binary``: the trained kernel against the same map untrained and RBF SVC
  (C and gamma by CV) on two tasks no default was chosen on: wine 0 vs
  rest and digits 3 vs 8, PCA to 4 features in [0, pi], >= 10 splits.
- ``growth``: the projected kernel's time from N = 400 to 3,200 and the
  trained kernel's from N = 60 to 480.
- ``digits``: all 10 digit classes, PCA to q = 4, 6, 8 features in [0, pi];
  QSVC ("sa") on the fidelity, projected and trained kernels against RBF SVC
  (C and gamma by CV); held-out accuracy mean ± std and seconds per fit.

sQUlearn is optional (``pip install squlearn==0.12.0``); without it its
columns are skipped.

    python -m experiments.benchmarks.digits_qsvm --splits 10
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.svm import SVC

from backends.kernels import ProjectedQuantumKernel, TrainableQuantumKernel
from experiments.benchmarks._data import pca_split
from qml import QSVC

RBF_GRID = {"C": [0.1, 1, 10, 100], "gamma": [0.01, 0.03, 0.1, 0.3, 1.0]}


def _squlearn():
    try:
        import squlearn
    except ImportError:
        return None
    return squlearn


def _timed(function, *args):
    start = time.perf_counter()
    out = function(*args)
    return out, time.perf_counter() - start


def _rbf_svc(X, y):
    return GridSearchCV(SVC(), RBF_GRID, cv=5).fit(X, y)


def pqk_speed() -> None:
    squlearn = _squlearn()
    X, _ = load_digits(return_X_y=True)
    X = make_pipeline(PCA(8, random_state=0), MinMaxScaler((0, np.pi))).fit_transform(X[:400])
    print("\nProjected kernel Gram, N = 400, 8 qubits, Hubregtsen map with 2 layers")
    if squlearn is None:
        print("  sQUlearn not installed: pip install squlearn==0.12.0")
        return
    from squlearn import Executor
    from squlearn.encoding_circuit import HubregtsenEncodingCircuit
    from squlearn.kernel import ProjectedQuantumKernel as SquPQK

    encoding = HubregtsenEncodingCircuit(num_qubits=8, num_features=8, num_layers=2)
    theta = encoding.generate_initial_parameters(num_features=8, seed=0)
    theirs = SquPQK(encoding, Executor(), measurement="XYZ", initial_parameters=theta, gamma=0.5)
    gram_theirs, t_theirs = _timed(theirs.evaluate, X)
    ours = ProjectedQuantumKernel(_squlearn_hubregtsen(8, 2, theta), bandwidth=1.0, gamma=0.5)
    gram_ours, t_ours = _timed(lambda X: ours.fit(X)(X), X)
    print(f"  hqml {t_ours:.3f} s, sQUlearn {t_theirs:.2f} s: ratio {t_theirs / t_ours:.0f}x; "
          f"largest difference {np.abs(gram_ours - gram_theirs).max():.1e}")  # fmt: skip


def _squlearn_hubregtsen(n: int, layers: int, theta):
    """sQUlearn 0.12's HubregtsenEncodingCircuit (closed ring) as a Qiskit circuit, angles bound.

    Gate for gate as its ``get_circuit`` builds it (H once, then per layer
    RZ(x), RY(theta), CRZ(theta) ring), which returns its own circuit type.
    """
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector

    x = ParameterVector("x", n)
    circuit = QuantumCircuit(n)
    circuit.h(range(n))
    index = 0
    for _ in range(layers):
        for k in range(n):
            circuit.rz(x[k], k)
        for k in range(n):
            circuit.ry(theta[index], k)
            index += 1
        for k in range(n):
            circuit.crz(theta[index], k, (k + 1) % n)
            index += 1
    return circuit


def _breast_cancer(seed: int, n_train: int = 60):
    X, y = load_breast_cancer(return_X_y=True)
    return pca_split(X, y, 4, n_train, seed, n_test=300)


def trained_speed(splits: int) -> None:
    squlearn = _squlearn()
    print("\nTraining 16 parameters (Hubregtsen map, 4 qubits, 2 layers), N = 60, breast_cancer")
    print(f"{'split':>5} {'hqml s':>7} {'hqml acc':>9} {'sQUlearn s':>11} {'sQUlearn acc':>13}")
    for seed in range(splits):
        X, y, X_test, y_test = _breast_cancer(seed)
        kernel = TrainableQuantumKernel(  # the data unscaled and untrained, as in sQUlearn
            layers=2, bandwidth=1.0, train_bandwidth=False, random_state=seed
        )
        kernel, t_ours = _timed(kernel.fit, X, y)
        ours = SVC(kernel="precomputed").fit(kernel(X), y).score(kernel(X_test, X), y_test)
        line = f"{seed:>5} {t_ours:>7.2f} {ours:>9.3f}"
        if squlearn is not None:
            t_theirs, theirs = _squlearn_optimizer(X, y, X_test, y_test, seed)
            line += f" {t_theirs:>11.1f} {theirs:>13.3f}   ratio {t_theirs / t_ours:.0f}x"
        print(line)


def _squlearn_optimizer(X, y, X_test, y_test, seed: int) -> tuple[float, float]:
    from squlearn import Executor
    from squlearn.encoding_circuit import HubregtsenEncodingCircuit
    from squlearn.kernel import FidelityKernel, KernelOptimizer
    from squlearn.kernel.loss import TargetAlignment
    from squlearn.optimizers import Adam

    encoding = HubregtsenEncodingCircuit(num_qubits=4, num_features=4, num_layers=2)
    kernel = FidelityKernel(encoding, Executor(), parameter_seed=seed)
    optimizer = KernelOptimizer(
        kernel, loss=TargetAlignment(), optimizer=Adam({"maxiter": 20, "lr": 0.1})
    )
    _, seconds = _timed(optimizer.run_optimization, X, y)
    train, test = optimizer.evaluate(X), optimizer.evaluate(X_test, X)
    return seconds, SVC(kernel="precomputed").fit(train, y).score(test, y_test)


def _binary_task(name: str, seed: int):
    """A binary task, PCA to 4 features in [0, pi]: 60 training points, 100 for digit pairs."""
    if name == "wine 0 vs rest":
        X, y = load_wine(return_X_y=True)
        return pca_split(X, (y == 0).astype(int), 4, 60, seed)
    if name == "breast_cancer":
        X, y = load_breast_cancer(return_X_y=True)
        return pca_split(X, y, 4, 60, seed)
    if name == "iris 1 vs 2":
        X, y = load_iris(return_X_y=True)
        return pca_split(X[y > 0], y[y > 0], 4, 60, seed)
    digits = tuple(int(d) for d in name.split()[1::2])  # "digits 3 vs 8"
    X, y = load_digits(return_X_y=True)
    keep = np.isin(y, digits)
    return pca_split(X[keep], y[keep], 4, 100, seed)


CALIBRATION = {
    "untrained": {"max_iter": 0},
    "centred": {"objective": "centred", "train_bandwidth": False},
    "target": {"train_bandwidth": False},
    "target+scale": {},
}


def calibrate(splits: int) -> None:
    """The trained kernel's settings on the tasks they were chosen on (libsvm on its Gram)."""
    print(f"\nCalibration of the trained kernel (Hubregtsen, 2 layers, 50 iterations), "
          f"libsvm at C = 1 on the trained Gram, test accuracy, {splits} splits")  # fmt: skip
    print(f"{'task':<16} " + " ".join(f"{name:>13}" for name in CALIBRATION) + "  RBF SVC (CV)")
    for name in ("breast_cancer", "iris 1 vs 2", "digits 4 vs 9"):
        rows = []
        for seed in range(splits):
            X, y, X_test, y_test = _binary_task(name, seed)
            row = []
            for settings in CALIBRATION.values():
                kernel = TrainableQuantumKernel(random_state=seed, **settings).fit(X, y)
                svc = SVC(kernel="precomputed").fit(kernel(X), y)
                row.append(svc.score(kernel(X_test, X), y_test))
            rows.append([*row, _rbf_svc(X, y).score(X_test, y_test)])
        print(f"{name:<16} " + " ".join(f"{v:>13.3f}" for v in np.mean(rows, axis=0)))


def binary(splits: int) -> None:
    print(f"\nTrained kernel on unseen binary tasks, QSVC ('sa'), test accuracy, {splits} splits")
    print(f"{'task':<16} {'trained':>14} {'untrained':>14} {'RBF SVC (CV)':>14} {'alignment':>17}")
    for name in ("wine 0 vs rest", "digits 3 vs 8"):
        rows = []
        for seed in range(splits):
            X, y, X_test, y_test = _binary_task(name, seed)
            models = [
                QSVC(
                    kernel=TrainableQuantumKernel(layers=2, max_iter=max_iter, random_state=seed),
                    random_state=seed,
                ).fit(X, y)
                for max_iter in (50, 0)
            ]
            kernel = models[0].kernel_.function
            scores = [m.score(X_test, y_test) for m in models]
            scores.append(_rbf_svc(X, y).score(X_test, y_test))
            rows.append([*scores, kernel.initial_alignment_, kernel.alignment_])
        r = np.array(rows)
        cells = [f"{m:>6.3f} ± {s:.3f}" for m, s in zip(r.mean(0)[:3], r.std(0)[:3], strict=True)]
        print(f"{name:<16} " + " ".join(cells) + f" {r[:, 3].mean():>8.3f} -> {r[:, 4].mean():.3f}")


def _digits_methods(seed: int) -> dict:
    return {
        "QSVC fidelity": lambda: QSVC(kernel="quantum", random_state=seed),
        "QSVC projected": lambda: QSVC(kernel="projected", random_state=seed),
        "QSVC trained": lambda: QSVC(
            kernel=TrainableQuantumKernel(layers=2, max_iter=30, random_state=seed),
            random_state=seed,
        ),
    }


def digits(splits: int, n_train: int) -> None:
    X_all, y_all = load_digits(return_X_y=True)
    print(f"\nDigits, 10 classes, n_train = {n_train}, the rest held out, {splits} splits: "
          "accuracy mean ± std (seconds per fit)")  # fmt: skip
    for q in (4, 6, 8):
        results: dict[str, list] = {}
        for seed in range(splits):
            X, y, X_test, y_test = pca_split(X_all, y_all, q, n_train, seed)
            for name, build in _digits_methods(seed).items():
                model, seconds = _timed(build().fit, X, y)
                results.setdefault(name, []).append((model.score(X_test, y_test), seconds))
            svc, seconds = _timed(_rbf_svc, X, y)
            results.setdefault("SVC RBF (CV)", []).append((svc.score(X_test, y_test), seconds))
        for name, rows in results.items():
            r = np.array(rows)
            print(f"  q = {q}  {name:<16} {r[:, 0].mean():.3f} ± {r[:, 0].std():.3f} "
                  f"({r[:, 1].mean():.1f} s)")  # fmt: skip


def growth() -> None:
    """Fit-plus-Gram time of the projected kernel and training time of the trained one, by N."""
    rng = np.random.default_rng(0)
    ProjectedQuantumKernel(bandwidth=1.0).fit(rng.uniform(0, 3, (10, 8)))  # compile once
    print("\nProjected kernel (ZZ, reps 2, 8 qubits): fit and training Gram")
    for n in (400, 800, 1600, 3200):
        X = rng.uniform(0, np.pi, (n, 8))
        _, seconds = _timed(lambda X: ProjectedQuantumKernel().fit(X)(X), X)
        print(f"  N = {n:>5}: {seconds:.2f} s")
    TrainableQuantumKernel(layers=2, max_iter=1).fit(rng.uniform(0, 3, (10, 4)), np.arange(10) % 2)
    print("Trained kernel (Hubregtsen, 4 qubits, 16 parameters), 20 L-BFGS-B iterations")
    for n in (60, 120, 240, 480):
        X = rng.uniform(0, np.pi, (n, 4))
        kernel = TrainableQuantumKernel(  # the 16 angles its label names, no data scale
            layers=2, max_iter=20, train_bandwidth=False, random_state=0
        )
        kernel, seconds = _timed(kernel.fit, X, (X[:, 0] > X[:, 1]).astype(int))
        each = seconds / max(kernel.n_iter_, 1)
        print(f"  N = {n:>5}: {seconds:.2f} s ({each:.3f} s per iteration)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--n-train", type=int, default=300)
    parser.add_argument(
        "--only", choices=["pqk", "trained", "calibrate", "binary", "digits", "growth"]
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # convergence notes of single fits; the tables say it all
    if args.only in (None, "pqk"):
        pqk_speed()
    if args.only in (None, "trained"):
        trained_speed(min(args.splits, 3))
    if args.only in (None, "calibrate"):
        calibrate(args.splits)
    if args.only in (None, "binary"):
        binary(args.splits)
    if args.only in (None, "digits"):
        digits(args.splits, args.n_train)
    if args.only in (None, "growth"):
        growth()


if __name__ == "__main__":
    main()
