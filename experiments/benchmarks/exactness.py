"""Refinement rounds against libsvm: dual gap, constraint violation, accuracy and time.

For each dataset and training size, QSVR and QSVC at their defaults (only
C, epsilon and gamma set, ``combine="best"``, backend "sa", at most 3 bits
per coefficient in every QUBO) are fitted next to libsvm's SVR and SVC with
the same hyperparameters, on the same split. Reported: the relative gap of
the dual objective to libsvm's optimum (libsvm run with ``tol=1e-8``; both
evaluated by the same function), ``|sum beta|`` or ``|sum alpha y|``,
held-out R^2 or accuracy of both, rounds and seconds. The datasets on which
the defaults were chosen (``TUNING``) are reported apart from the others
(``UNSEEN``).

    python -m experiments.benchmarks.exactness [--splits 5] [--sizes 20 40 80]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from joblib import Parallel, delayed
from sklearn.svm import SVC, SVR

from experiments.benchmarks._data import TUNING, UNSEEN
from qml import QSVC, QSVR
from qubo import svc_dual, svr_dual

SVR_PARAMS = {"C": 1.0, "epsilon": 0.1, "gamma": "scale"}
SVC_PARAMS = {"C": 1.0, "gamma": "scale"}


def _full_dual(model, n: int) -> np.ndarray:
    coef = np.zeros(n)
    coef[model.support_] = model.dual_coef_[0]
    return coef


def _timed_fit(model, X, y):
    """The fitted model and its fit's seconds; warnings are the tables' business."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    return model, time.perf_counter() - start


def _row(task, name, n, gap, violation, quantum, classical, split, seconds, rounds) -> dict:
    X_test, y_test = split
    return {
        "task": task,
        "data": name,
        "n": n,
        "gap": gap,
        "violation": violation,
        "score_q": quantum.score(X_test, y_test),
        "score_c": classical.score(X_test, y_test),
        "rounds": rounds,
        "seconds": seconds,
    }


def regression_case(
    name: str, loader, n: int, seed: int, params: dict | None = None, **options
) -> dict:
    """One split; ``options`` override QSVR's defaults (e.g. a single shot)."""
    params = params or SVR_PARAMS
    X, y, X_test, y_test = loader(n, seed)
    qsvr, seconds = _timed_fit(QSVR(**params, random_state=seed, **options), X, y)
    program = svr_dual(y, C=params["C"], epsilon=params["epsilon"]).dense(qsvr.kernel_(X, X))
    beta_ref = _full_dual(SVR(**params, tol=1e-8).fit(X, y), n)
    beta = _full_dual(qsvr, n)
    reference = program.objective(np.r_[beta_ref.clip(0), (-beta_ref).clip(0)])
    ours = program.objective(np.r_[beta.clip(0), (-beta).clip(0)])
    gap = (ours - reference) / abs(reference)
    classical = SVR(**params).fit(X, y)
    rounds = int(qsvr.n_iter_[0])
    split = (X_test, y_test)
    return _row(
        "regression", name, n, gap, abs(beta.sum()), qsvr, classical, split, seconds, rounds
    )


def classification_case(
    name: str, loader, n: int, seed: int, params: dict | None = None, **options
) -> dict:
    """One split; ``options`` override QSVC's defaults."""
    params = params or SVC_PARAMS
    X, y, X_test, y_test = loader(n, seed)
    qsvc, seconds = _timed_fit(QSVC(**params, random_state=seed, **options), X, y)
    signs = np.where(y == qsvc.classes_[1], 1.0, -1.0)
    program = svc_dual(signs, C=params["C"]).dense(qsvc.kernel_(X, X))
    # dual_coef_ holds y_n alpha_n; its sign convention is SVC's for both models.
    alpha_ref = np.abs(_full_dual(SVC(**params, tol=1e-8).fit(X, y), n))
    alpha = np.abs(_full_dual(qsvc, n))
    gap = (program.objective(alpha) - program.objective(alpha_ref)) / abs(
        program.objective(alpha_ref)
    )
    classical = SVC(**params).fit(X, y)
    rounds = int(qsvc.n_iter_.max())
    split = (X_test, y_test)
    violation = abs(alpha @ signs)
    return _row("classification", name, n, gap, violation, qsvc, classical, split, seconds, rounds)


def run(
    groups: dict,
    sizes,
    splits: int,
    n_jobs: int,
    C: float = 1.0,
    epsilon: float = 0.1,
    **options,
):
    """Every (dataset, size, split) of ``groups``, in parallel; one row each.

    ``options`` override the estimators' defaults (e.g. ``polish=False``).
    """
    svr = {**SVR_PARAMS, "C": C, "epsilon": epsilon}
    svc = {**SVC_PARAMS, "C": C}
    cases = [
        (regression_case, name, loader, n, s, svr)
        if task == "regression"
        else (classification_case, name, loader, n, s, svc)
        for task, datasets in groups.items()
        for name, loader in datasets.items()
        for n in sizes
        for s in range(splits)
    ]
    return Parallel(n_jobs=n_jobs)(delayed(case)(*args, **options) for case, *args in cases)


def print_table(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    header = (
        f"{'data':<14} {'N':>3} {'gap median':>11} {'gap max':>9} {'|h| max':>9} "
        f"{'score hqml':>11} {'libsvm':>8} {'diff':>8} {'rounds':>7} {'s':>6}"
    )
    print(header)
    keys = sorted({(r["task"], r["data"], r["n"]) for r in rows})
    for task, data, n in keys:
        group = [r for r in rows if (r["task"], r["data"], r["n"]) == (task, data, n)]
        gaps = np.array([r["gap"] for r in group])
        q = np.mean([r["score_q"] for r in group])
        c = np.mean([r["score_c"] for r in group])
        print(
            f"{data:<14} {n:>3} {np.median(gaps):>+11.4%} {gaps.max():>+9.4%} "
            f"{max(r['violation'] for r in group):>9.1e} {q:>11.4f} {c:>8.4f} {q - c:>+8.4f} "
            f"{np.median([r['rounds'] for r in group]):>7.0f} "
            f"{np.median([r['seconds'] for r in group]):>6.2f}"
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 40, 80])
    parser.add_argument("--jobs", type=int, default=-1)
    parser.add_argument("--group", choices=["tuning", "unseen", "both"], default="both")
    parser.add_argument("--C", type=float, default=1.0, help="C of QSVR, QSVC and libsvm")
    parser.add_argument("--epsilon", type=float, default=0.1, help="epsilon of QSVR and SVR")
    parser.add_argument(
        "--no-polish",
        dest="polish",
        action="store_false",
        help="the annealer's rounds alone, without the active-set polish",
    )
    args = parser.parse_args(argv)
    print(
        f"QSVR and QSVC at C={args.C}, epsilon={args.epsilon}, gamma='scale', "
        f"polish={args.polish} and hqml's other defaults (sa), {args.splits} splits"
    )
    for label, groups in (("tuning", TUNING), ("unseen", UNSEEN)):
        if args.group in (label, "both"):
            rows = run(
                groups,
                args.sizes,
                args.splits,
                args.jobs,
                args.C,
                args.epsilon,
                polish=args.polish,
            )
            verb = "chosen" if label == "tuning" else "NOT chosen"
            print_table(f"datasets the defaults were {verb} on ({label})", rows)


if __name__ == "__main__":
    main()
