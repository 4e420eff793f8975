"""QSVR (SA) against libsvm's SVR, and QSVC (SA) against SVC, with the same hyperparameters.

Reports, per training size, the mean held-out R^2 of both regressors, the
relative gap between QSVR's and libsvm's SVR dual objective (both evaluated
by the same function on their coefficient vectors), and the held-out
accuracy of QSVC and SVC on breast_cancer subsets.

    python -m experiments.benchmarks.accuracy [--splits 10]
"""

from __future__ import annotations

import argparse

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.svm import SVC, SVR

from experiments.benchmarks._data import breast_cancer, diabetes
from qml import QSVC, QSVR
from qubo import svr_dual_objective

SVR_PARAMS = {"C": 1.0, "epsilon": 0.1, "gamma": 0.1}
SVC_PARAMS = {"C": 1.0, "gamma": 0.03}


def _dual(model, K, y) -> float:
    beta = np.zeros(len(y))
    beta[model.support_] = model.dual_coef_[0]
    return float(
        svr_dual_objective(K, y, beta.clip(0), (-beta).clip(0), epsilon=SVR_PARAMS["epsilon"])
    )


def regression_split(n: int, seed: int) -> dict:
    X, y, X_test, y_test = diabetes(n, seed)
    qsvr = QSVR(**SVR_PARAMS, n_bits=5, num_reads=50, random_state=seed).fit(X, y)
    svr = SVR(**SVR_PARAMS).fit(X, y)
    K = rbf_kernel(X, gamma=SVR_PARAMS["gamma"])
    libsvm = _dual(svr, K, y)
    return {
        "n": n,
        "r2_qsvr": qsvr.score(X_test, y_test),
        "r2_svr": svr.score(X_test, y_test),
        "dual_gap": (_dual(qsvr, K, y) - libsvm) / abs(libsvm),
    }


def classification_split(n: int, seed: int) -> dict:
    X, y, X_test, y_test = breast_cancer(n, seed)
    qsvc = QSVC(**SVC_PARAMS, n_bits=3, num_reads=50, random_state=seed).fit(X, y)
    svc = SVC(**SVC_PARAMS).fit(X, y)
    return {"n": n, "acc_qsvc": qsvc.score(X_test, y_test), "acc_svc": svc.score(X_test, y_test)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=10)
    args = parser.parse_args(argv)
    reg = Parallel(n_jobs=-1)(
        delayed(regression_split)(n, s) for n in (20, 40, 60, 80) for s in range(args.splits)
    )
    cls = Parallel(n_jobs=-1)(
        delayed(classification_split)(n, s) for n in (40, 60, 80) for s in range(args.splits)
    )
    print(f"QSVR (sa, K=5) vs SVR on diabetes, {SVR_PARAMS}, {args.splits} splits")
    print(f"{'N':>4} {'R2 QSVR':>9} {'R2 SVR':>9} {'diff':>8} {'dual gap mean':>14} {'max':>8}")
    for n in (20, 40, 60, 80):
        rows = [r for r in reg if r["n"] == n]
        q, s = np.mean([r["r2_qsvr"] for r in rows]), np.mean([r["r2_svr"] for r in rows])
        gaps = np.array([r["dual_gap"] for r in rows])
        print(
            f"{n:>4} {q:>9.4f} {s:>9.4f} {q - s:>+8.4f} {gaps.mean():>+13.3%} "
            f"{np.abs(gaps).max():>8.3%}"
        )
    print(f"\nQSVC (sa, K=3) vs SVC on breast_cancer, {SVC_PARAMS}, {args.splits} splits")
    print(f"{'N':>4} {'acc QSVC':>9} {'acc SVC':>9} {'diff (pp)':>10}")
    for n in (40, 60, 80):
        rows = [r for r in cls if r["n"] == n]
        q, s = np.mean([r["acc_qsvc"] for r in rows]), np.mean([r["acc_svc"] for r in rows])
        print(f"{n:>4} {q:>9.4f} {s:>9.4f} {100 * (q - s):>+10.2f}")


if __name__ == "__main__":
    main()
