"""QSVR against classical SVR and OLS on scikit-learn's bundled diabetes data.

Every method sees the same random splits; features and targets are
standardised on the training part only, so the hyperparameters (C, epsilon,
gamma) mean the same thing at every training size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from joblib import Parallel, delayed
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.svm import SVR
from tqdm import tqdm

from early_stopping import scaled_regressor
from experiments.settings import QSVRSettings


@dataclass(frozen=True)
class RegressionBenchmark:
    """Settings of the diabetes benchmark; every field is recorded with the results."""

    train_sizes: tuple[int, ...] = (20, 40, 80)
    n_splits: int = 20
    n_test: int = 200
    qsvr: QSVRSettings = field(default_factory=lambda: QSVRSettings(gamma=0.1))
    seed: int = 0


def methods(settings: RegressionBenchmark) -> dict:
    """The compared models, named as they appear in the table."""
    qsvr = settings.qsvr
    shared = {"C": qsvr.C, "epsilon": qsvr.epsilon, "gamma": qsvr.gamma}
    return {
        "QSVR (sa)": lambda seed: scaled_regressor(qsvr.estimator(random_state=seed)),
        "SVR": lambda seed: scaled_regressor(SVR(**shared)),
        "OLS": lambda seed: scaled_regressor(LinearRegression()),
    }


def _one_split(settings: RegressionBenchmark, n_train: int, split: int) -> list[dict]:
    X, y = load_diabetes(return_X_y=True)
    rng = np.random.default_rng([settings.seed, n_train, split])
    order = rng.permutation(len(y))
    train, test = order[:n_train], order[n_train : n_train + settings.n_test]
    rows = []
    for name, make in methods(settings).items():
        model = make(int(rng.integers(2**31))).fit(X[train], y[train])
        rows.append(
            {
                "method": name,
                "n_train": n_train,
                "split": split,
                "r2": model.score(X[test], y[test]),
            }
        )
    return rows


def run(settings: RegressionBenchmark, *, n_jobs: int = -1, progress: bool = True) -> list[dict]:
    """One row per (method, n_train, split) with the held-out R^2."""
    tasks = [(n, s) for n in settings.train_sizes for s in range(settings.n_splits)]
    jobs = (delayed(_one_split)(settings, n, s) for n, s in tasks)
    results = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
    rows = []
    for chunk in tqdm(results, total=len(tasks), disable=not progress, desc="splits"):
        rows.extend(chunk)
    return rows


def r2_table(rows: list[dict]) -> str:
    """Mean +- standard deviation of R^2, one row per method, one column per n_train."""
    sizes = sorted({r["n_train"] for r in rows})
    names = list(dict.fromkeys(r["method"] for r in rows))
    header = f"{'method':<12}" + "".join(f"{'N=' + str(n):>18}" for n in sizes)
    lines = [header, "-" * len(header)]
    for name in names:
        cells = []
        for n in sizes:
            r2 = np.array([r["r2"] for r in rows if r["method"] == name and r["n_train"] == n])
            cells.append(f"{r2.mean():>10.3f} ± {r2.std():.3f}")
        lines.append(f"{name:<12}" + "".join(cells))
    return "\n".join(lines)
