"""Partition-ensemble QSVR (SA) at N = 2,000 against classical SVR, and its fit-time scaling.

Data: scikit-learn's make_friedman2 (4 features, noise 100), standardised on
the training part, 1,000 held-out points. Every member QSVR sees at most 20
points (160 binary variables at K = 4, within one QPU clique); classical
SVR is trained on all N points with the same C, epsilon and gamma.

    python -m experiments.benchmarks.ensemble [--jobs -1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.datasets import make_friedman2
from sklearn.metrics import r2_score
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR

from qml import QSVR, PartitionEnsembleRegressor

PARAMS = {"C": 10.0, "epsilon": 0.05, "gamma": 0.1}


def friedman(n_train: int, n_test: int = 1000, seed: int = 0):
    X, y = make_friedman2(n_train + n_test, noise=100.0, random_state=seed)
    scaler = StandardScaler().fit(X[:n_train])
    X = scaler.transform(X)
    y = (y - y[:n_train].mean()) / y[:n_train].std()
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def ensemble(n_stages: int, jobs: int, seed: int = 0) -> PartitionEnsembleRegressor:
    member = QSVR(**PARAMS, n_bits=4, num_reads=20, random_state=seed)
    return PartitionEnsembleRegressor(
        member, subset_size=20, n_stages=n_stages, n_jobs=jobs, random_state=seed
    )


def quality(jobs: int) -> None:
    X, y, X_test, y_test = friedman(2000)
    start = time.perf_counter()
    svr = SVR(**PARAMS).fit(X, y)
    svr_time = time.perf_counter() - start
    r2_svr = svr.score(X_test, y_test)
    start = time.perf_counter()
    model = ensemble(3, jobs).fit(X, y)
    fit_time = time.perf_counter() - start
    print(f"N = 2000, subsets of 20, {PARAMS}; held-out R^2")
    print(f"{'model':<58} {'R2':>8} {'- SVR':>8} {'fit s':>8}")
    print(f"{'SVR (libsvm, all 2000 points)':<58} {r2_svr:>8.4f} {0:>+8.4f} {svr_time:>8.2f}")
    running = np.zeros(len(y_test))
    for stage, members in enumerate(model.estimators_):
        running += model._stage_weight(stage) * model._stage_mean(members, X_test)
        r2 = r2_score(y_test, running)
        label = f"QSVR ensemble, {stage + 1} stage(s) x {len(members)} members"
        if stage == 0:
            label += " (Cavallaro mean)"
        print(f"{label:<58} {r2:>8.4f} {r2 - r2_svr:>+8.4f} {'':>8}")
    print(f"(3-stage ensemble fit: {fit_time:.1f} s)")


def scaling(jobs: int) -> None:
    print("\nFit time of the 1-stage ensemble (one QUBO per 20 points)")
    print(f"{'N':>6} {'members':>8} {'fit s':>8} {'ms per point':>13}")
    for n in (500, 1000, 2000):
        X, y, _, _ = friedman(n)
        start = time.perf_counter()
        model = ensemble(1, jobs).fit(X, y)
        seconds = time.perf_counter() - start
        print(f"{n:>6} {len(model.estimators_[0]):>8} {seconds:>8.2f} {1000 * seconds / n:>13.3f}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=-1, help="joblib workers")
    args = parser.parse_args(argv)
    quality(args.jobs)
    scaling(args.jobs)


if __name__ == "__main__":
    main()
