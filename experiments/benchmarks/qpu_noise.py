"""QSVR and QSVC on the mock QPU under a QPU's analog errors, against libsvm, side by side.

For each noise level (multiples of D-Wave's published figures,
:class:`backends.samplers.qpu_noise.QPUNoise`), task and N, in one run:

- hqml at its defaults on the noisy mock (``copies`` as given: 1, or
  several working sets per call);
- the papers' single shot under the same noise: one QUBO per data subset
  that fits the clique (44 points for QSVR, 88 for QSVC at 2 bits),
  averaged (Cavallaro et al.'s partition ensemble, ``max_iter=1``, no polish);
- the random-sampler ablation: the same training with every QUBO answered
  by random bits (dimod's RandomSampler), which shows the annealer's share;
- libsvm (scikit-learn's SVR/SVC at ``tol=1e-8``) as the reference.

Per row: the dual gap against libsvm's optimum (same function for both),
held-out R^2 or accuracy minus libsvm's, QPU calls, billed QPU access time
(D-Wave's timing model), estimated wall clock (access time plus the
per-call latency), chain-break fraction, the mock's own seconds, and
whether a ConvergenceWarning was raised. TNO's QUBO SVM takes no sampler
of the user's, so it cannot run on the noisy mock and is not in the table.

Data not used for any choice: QSVR on make_friedman2 (the exactness
benchmark's unseen group), QSVC on make_classification (the scaling
benchmark's). make_friedman1 chose the parallel sets' layout and is not used.

    python -m experiments.benchmarks.qpu_noise [--sizes 100 1000] [--levels 0 0.5 1 2]
        [--copies 1] [--working-set-size auto] [--tasks svr svc] [--only hqml]
    python -m experiments.benchmarks.qpu_noise --levers 400   # one lever at a time
"""

from __future__ import annotations

import argparse
import time
import warnings

import dimod
import numpy as np
from sklearn.datasets import make_classification, make_friedman2
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR

from qml import QSVC, QSVR, PartitionEnsembleClassifier, PartitionEnsembleRegressor
from qubo import svc_dual, svr_dual

N_TEST = 1000


def regression_data(n: int, seed: int = 0):
    X, y = make_friedman2(n_samples=n + N_TEST, noise=0.1, random_state=seed)
    X = StandardScaler().fit_transform(X)
    y = (y - y[:n].mean()) / y[:n].std()
    return X[:n], y[:n], X[n:], y[n:]


def classification_data(n: int, seed: int = 0):
    X, y = make_classification(
        n_samples=n + N_TEST, n_features=20, n_informative=8, flip_y=0.03, random_state=seed
    )
    return X[:n], y[:n], X[n:], y[n:]


def _full(model, n: int) -> np.ndarray:
    coef = np.zeros(n)
    coef[model.support_] = model.dual_coef_[0]
    return coef


def _gap(task: str, model, reference, X, y) -> float:
    """Relative dual gap of ``model`` against ``reference``: the same kernel, the same function.

    Both use gamma="scale", so ``model.kernel_`` is libsvm's kernel too.
    """
    K = model.kernel_(X, X)
    n = X.shape[0]
    ours, best = _full(model, n), _full(reference, n)
    if task == "svr":
        dense = svr_dual(y, C=1.0, epsilon=0.1).dense(K)
        value = [dense.objective(np.r_[c.clip(0), (-c).clip(0)]) for c in (ours, best)]
    else:
        signs = np.where(y == np.unique(y)[1], 1.0, -1.0)
        dense = svc_dual(signs, C=1.0).dense(K)
        value = [dense.objective(np.abs(c)) for c in (ours, best)]
    return (value[0] - value[1]) / abs(value[1])


def _fit(model, X, y) -> tuple[object, float, bool]:
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return model, time.perf_counter() - start, warned


def _models(task: str, level: float, copies, size) -> dict:
    estimator = QSVR if task == "svr" else QSVC
    ensemble = PartitionEnsembleRegressor if task == "svr" else PartitionEnsembleClassifier
    options = {"noise": level, "copies": copies}
    mock = {"backend": "mock-qpu", "backend_options": options, "random_state": 0}
    return {
        "hqml": estimator(**mock, working_set_size=size),
        "single shot": ensemble(
            estimator(**mock, max_iter=1, polish=False),
            subset_size=44 if task == "svr" else 88,
            random_state=0,
        ),
        "random bits": estimator(backend=dimod.RandomSampler(), random_state=0),
    }


def _usage(model) -> dict:
    members = getattr(model, "estimators_", [model])
    # a regression ensemble holds its members by stage
    members = [m for group in members for m in (group if isinstance(group, list) else [group])]
    total = {"calls": 0, "billed": 0.0, "wall": 0.0, "breaks": []}
    for member in members:
        total["calls"] += int(member.qubo_calls_)
        total["billed"] += member.estimated_qpu_access_time_ or 0.0
        total["wall"] += member.estimated_wall_clock_ or 0.0
        if member.chain_break_fraction_ is not None:
            total["breaks"].append(member.chain_break_fraction_)
    total["breaks"] = float(np.mean(total["breaks"])) if total["breaks"] else float("nan")
    return total


def run_cell(
    task: str, n: int, level: float, copies, only: list[str] | None = None, size="auto"
) -> list[dict]:
    """Every method at one task, N and noise level; libsvm fitted once as the reference."""
    X, y, X_test, y_test = (regression_data if task == "svr" else classification_data)(n)
    reference = (SVR if task == "svr" else SVC)(tol=1e-8).fit(X, y)
    base = reference.score(X_test, y_test)
    rows = []
    for method, model in _models(task, level, copies, size).items():
        if only and method not in only:
            continue
        if method == "random bits" and level != 1.0:
            continue  # no noise to vary: random bits are random at every level
        model, seconds, warned = _fit(model, X, y)
        gap = float("nan") if method == "single shot" else _gap(task, model, reference, X, y)
        rows.append({
            "task": task, "n": n, "level": level, "method": method, "gap": gap,
            "score": model.score(X_test, y_test) - base, "seconds": seconds,
            "warned": warned, **_usage(model),
        })  # fmt: skip
    return rows


def print_header() -> None:
    print(
        f"{'task':>4} {'N':>5} {'noise':>5} {'method':<12} {'gap %':>9} {'d score':>8} "
        f"{'calls':>6} {'billed s':>9} {'wall s':>8} {'breaks':>7} {'mock s':>7} warned",
        flush=True,
    )


def print_row(row: dict) -> None:
    """One row; "d score" is held-out R^2 (svr) or accuracy (svc) minus libsvm's."""
    print(
        f"{row['task']:>4} {row['n']:>5} {row['level']:>5.1f} {row['method']:<12} "
        f"{100 * row['gap']:9.4f} {row['score']:+8.4f} {row['calls']:>6} {row['billed']:9.2f} "
        f"{row['wall']:8.1f} {row['breaks']:7.4f} {row['seconds']:7.1f} {row['warned']}",
        flush=True,
    )


class ScaledTorque:
    """A chain strength of ``factor`` times D-Wave's uniform torque compensation."""

    def __init__(self, factor: float) -> None:
        self.factor = factor

    def __call__(self, bqm, embedding) -> float:
        from dwave.embedding.chain_strength import uniform_torque_compensation

        return self.factor * uniform_torque_compensation(bqm, embedding)

    def __repr__(self) -> str:
        return f"ScaledTorque({self.factor})"


#: The levers of part 2, each a change of QSVR's settings on the noisy mock.
LEVERS = {
    "default (5 reads, 88 coefs)": ({}, "auto"),
    "20 reads": ({"num_reads": 20}, "auto"),
    "chains x0.5 torque": ({"chain_strength": ScaledTorque(0.5)}, "auto"),
    "chains x2 torque": ({"chain_strength": ScaledTorque(2.0)}, "auto"),
    "44-coef sets (chains 6)": ({}, 44),
    "44-coef sets, 4 per call": ({"copies": "auto"}, 44),
    "30-coef sets, 9 per call": ({"copies": "auto"}, 30),
}


def levers(n: int, level: float = 1.0) -> None:
    """QSVR at N on the noisy mock, one lever changed at a time, against libsvm."""
    X, y, X_test, y_test = regression_data(n)
    reference = SVR(tol=1e-8).fit(X, y)
    base = reference.score(X_test, y_test)
    print_header()
    for name, (options, size) in LEVERS.items():
        reads = options.pop("num_reads", 5)
        model = QSVR(
            backend="mock-qpu", backend_options={"noise": level, **options},
            num_reads=reads, working_set_size=size, random_state=0,
        )  # fmt: skip
        model, seconds, warned = _fit(model, X, y)
        row = {
            "task": "svr", "n": n, "level": level, "method": name[:12],
            "gap": _gap("svr", model, reference, X, y),
            "score": model.score(X_test, y_test) - base, "seconds": seconds,
            "warned": warned, **_usage(model),
        }  # fmt: skip
        print(f"{name}:")
        print_row(row)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--levels", type=float, nargs="+", default=[0.0, 0.5, 1.0, 2.0])
    parser.add_argument("--tasks", nargs="+", choices=["svr", "svc"], default=["svr", "svc"])
    parser.add_argument("--copies", default="1", help="working sets per QPU call: 1, k or auto")
    parser.add_argument("--only", nargs="+", choices=["hqml", "single shot", "random bits"])
    parser.add_argument(
        "--working-set-size", default="auto", help="hqml's working_set_size: auto or a number"
    )
    parser.add_argument("--levers", type=int, metavar="N", help="QSVR's levers at N, noise 1")
    args = parser.parse_args(argv)
    if any(n < 10 for n in args.sizes):
        parser.error(f"--sizes must be at least 10 each; got {args.sizes}")
    if any(not np.isfinite(level) or level < 0 for level in args.levels):
        parser.error(f"--levels must be finite and >= 0; got {args.levels}")
    if args.levers:
        levers(args.levers)
        return
    copies = args.copies if args.copies == "auto" else int(args.copies)
    size = args.working_set_size
    size = size if size == "auto" else int(size)
    print_header()
    for task in args.tasks:
        for n in args.sizes:
            for level in args.levels:
                for row in run_cell(task, n, level, copies, args.only, size):
                    print_row(row)


if __name__ == "__main__":
    main()
