"""Working-set training at the sizes users have: time, exactness, memory, against the peers.

QSVR on ``make_friedman1`` (noise 1, the raw target, as a new user would
fit it) and QSVC on ``make_classification`` (20 features, 8 informative,
3 % flipped labels), both at their defaults (C = 1, epsilon = 0.1,
gamma="scale", backend "sa"); neither dataset was used to choose the
working-set size or any other setting (those came from the tuning group,
``--choose-size``). Per N, side by side in one run:

- hqml: fit seconds, the dual gap against libsvm at ``tol=1e-8`` (both
  evaluated by the same function, in kernel blocks: no N x N matrix), the
  equality's violation, held-out R^2 or accuracy minus libsvm's, QUBO
  calls, the largest QUBO and the peak resident memory of the fit (each fit
  runs in a fresh process, so its peak is its own);
- libsvm (scikit-learn's SVR/SVC, default ``tol``) seconds;
- today's whole-QUBO rounds (``working_set_size`` = everything), while a
  fit takes at most ``--full-limit`` seconds;
- the partition ensemble (QPU-sized subsets, averaged): R^2 or accuracy;
- TNO's QUBO SVM (``tno.quantum.ml.classifiers.svm``, QSVC only) while it
  finishes within ``--full-limit`` seconds, if installed.

The table is printed and a log-log plot of fit time written (``--plot``).

    python -m experiments.benchmarks.scaling [--task svr svc] [--sizes 100 ... 20000]
    python -m experiments.benchmarks.scaling --choose-size   # tuning data only
    python -m experiments.benchmarks.scaling --mock-qpu 1000 # every working set on the mock QPU
    python -m experiments.benchmarks.scaling --random-sampler 400  # the annealer's share
    python -m experiments.benchmarks.scaling --shrinking-bound 5000  # what shrinking could save
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import pstats
import resource
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification, make_friedman1
from sklearn.metrics.pairwise import rbf_kernel

#: The held-out points of every split.
N_TEST = 2000

#: Rows of the kernel per block when the dual objective is evaluated.
_BLOCK = 2000


def regression_data(n: int, seed: int = 0):
    X, y = make_friedman1(n_samples=n + N_TEST, noise=1.0, random_state=seed)
    return X[:n], y[:n], X[n:], y[n:]


def classification_data(n: int, seed: int = 0):
    X, y = make_classification(
        n_samples=n + N_TEST, n_features=20, n_informative=8, flip_y=0.03, random_state=seed
    )
    return X[:n], y[:n], X[n:], y[n:]


def _quadratic(X, coef, gamma: float) -> float:
    """``coef^T K coef`` over the support vectors, one block of kernel rows at a time."""
    support = np.flatnonzero(coef)
    Xs, c = X[support], coef[support]
    total = 0.0
    for start in range(0, support.size, _BLOCK):
        block = rbf_kernel(Xs[start : start + _BLOCK], Xs, gamma=gamma)
        total += c[start : start + _BLOCK] @ (block @ c)
    return float(total)


def dual_objective(task: str, X, y, coef, gamma: float, epsilon: float = 0.1) -> float:
    """libsvm's dual objective of signed coefficients (``beta`` or ``alpha * y``)."""
    quadratic = 0.5 * _quadratic(X, coef, gamma)
    if task == "svr":
        return quadratic + epsilon * np.abs(coef).sum() - y @ coef
    return quadratic - np.abs(coef).sum()


def _signed(model, n: int) -> np.ndarray:
    coef = np.zeros(n)
    coef[model.support_] = model.dual_coef_[0]
    return coef


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _fit_in_child(task: str, kind: str, n: int, options: dict) -> dict:
    """One fit in this (fresh) process: seconds, scores, coefficients and the peak RSS."""
    from sklearn.svm import SVC, SVR

    from qml import QSVC, QSVR, PartitionEnsembleClassifier, PartitionEnsembleRegressor

    X, y, X_test, y_test = (regression_data if task == "svr" else classification_data)(n)
    qsvm = QSVR if task == "svr" else QSVC
    builders = {
        "hqml": lambda: qsvm(random_state=0, **options),
        "whole": lambda: qsvm(random_state=0, working_set_size=10**9, **options),
        "libsvm": lambda: (SVR if task == "svr" else SVC)(),
        "libsvm-exact": lambda: (SVR if task == "svr" else SVC)(tol=1e-8, cache_size=1000),
        "ensemble": lambda: (
            PartitionEnsembleRegressor if task == "svr" else PartitionEnsembleClassifier
        )(qsvm(random_state=0), subset_size=44 if task == "svr" else 88, random_state=0),
        "tno": _tno,
    }
    model = builders[kind]()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    seconds = time.perf_counter() - start
    out = {"seconds": seconds, "score": model.score(X_test, y_test), "rss": _peak_rss_bytes()}
    if kind in ("hqml", "whole", "libsvm-exact"):
        out["coef"] = _signed(model, n)
        out["gamma"] = 1.0 / (X.shape[1] * X.var())
    if kind in ("hqml", "whole"):
        out["calls"], out["largest"] = model.qubo_calls_, int(model.n_qubo_variables_.max())
    return out


def _tno():
    from tno.quantum.ml.classifiers.svm import SupportVectorMachine

    return SupportVectorMachine()


def run_fit(task: str, kind: str, n: int, options: dict | None = None) -> dict:
    """:func:`_fit_in_child` in a fresh process (spawned), so that its peak RSS is its own."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_fit_in_child, task, kind, n, options or {}).result()


def _row(task: str, n: int, limit: float, slow: dict) -> dict:
    """Every method at one N; ``slow`` remembers which peers ran out of time."""
    X, y, _, _ = (regression_data if task == "svr" else classification_data)(n)
    signs = y if task == "svr" else np.where(y == 1, 1.0, -1.0)
    ours, exact = run_fit(task, "hqml", n), run_fit(task, "libsvm-exact", n)
    target = y if task == "svr" else signs
    ours_value = dual_objective(task, X, target, ours["coef"], ours["gamma"])
    best = dual_objective(task, X, target, exact["coef"], exact["gamma"])
    row = {
        "n": n,
        "seconds": ours["seconds"],
        "gap": (ours_value - best) / abs(best),
        "violation": abs(ours["coef"].sum()),
        "score_diff": ours["score"] - exact["score"],
        "calls": ours["calls"],
        "largest": ours["largest"],
        "rss": ours["rss"],
        "libsvm": run_fit(task, "libsvm", n)["seconds"],
        "ensemble": run_fit(task, "ensemble", n)["score"] - exact["score"],
    }
    for peer in ("whole", "tno") if task == "svc" else ("whole",):
        row[peer] = None
        if not slow.get(peer) and (peer != "tno" or _tno_installed()):
            result = run_fit(task, peer, n)
            row[peer] = result["seconds"]
            row[f"{peer}_score"] = result["score"] - exact["score"]
            slow[peer] = result["seconds"] > limit
    return row


def _tno_installed() -> bool:
    try:
        import tno.quantum.ml.classifiers.svm  # noqa: F401
    except ImportError:
        return False
    return True


def _print_header(task: str) -> None:
    metric = "R2" if task == "svr" else "acc"
    print(
        f"\n{'QSVR, make_friedman1' if task == 'svr' else 'QSVC, make_classification'} "
        f"(not used for any choice); {metric} differences against libsvm at tol=1e-8"
    )
    header = (
        f"{'N':>6} {'hqml s':>8} {'libsvm s':>9} {'ratio':>7} {'gap %':>8} {'|sum|':>8} "
        f"{'d' + metric:>8} {'calls':>6} {'QUBO':>5} {'RSS MiB':>8} {'whole s':>8} "
        f"{'ens d' + metric:>9}" + (f" {'TNO s':>7} {'TNO d' + metric:>9}" if task == "svc" else "")
    )
    print(header, flush=True)


def _print_row(task: str, r: dict) -> None:
    whole = f"{r['whole']:8.1f}" if r.get("whole") is not None else f"{'-':>8}"
    line = (
        f"{r['n']:>6} {r['seconds']:8.2f} {r['libsvm']:9.3f} {r['seconds'] / r['libsvm']:7.0f} "
        f"{100 * r['gap']:8.4f} {r['violation']:8.1e} {r['score_diff']:+8.4f} {r['calls']:>6} "
        f"{r['largest']:>5} {r['rss'] / 2**20:8.0f} {whole} {r['ensemble']:+9.4f}"
    )
    if task == "svc":
        tno = r.get("tno")
        line += f" {tno:7.1f} {r['tno_score']:+9.4f}" if tno is not None else f" {'-':>7} {'-':>9}"
    print(line, flush=True)


def _slope(rows: list[dict], low: int, high: int) -> float | None:
    """The log-log slope of hqml's fit time between N = low and N = high."""
    chosen = [r for r in rows if low <= r["n"] <= high]
    if len(chosen) < 2:
        return None
    n = np.log([r["n"] for r in chosen])
    t = np.log([r["seconds"] for r in chosen])
    return float(np.polyfit(n, t, 1)[0])


def _plot(results: dict[str, list[dict]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(6 * len(results), 4.5), squeeze=False)
    for ax, (task, rows) in zip(axes[0], results.items(), strict=True):
        n = [r["n"] for r in rows]
        ax.loglog(n, [r["seconds"] for r in rows], "o-", label="hqml, working sets (sa)")
        ax.loglog(n, [r["libsvm"] for r in rows], "s--", label="libsvm")
        for peer, marker in (("whole", "^:"), ("tno", "v-.")):
            points = [(r["n"], r[peer]) for r in rows if r.get(peer) is not None]
            if points:
                label = "hqml, one whole QUBO" if peer == "whole" else "TNO QUBO SVM"
                ax.loglog(*zip(*points, strict=True), marker, label=label)
        ax.set_xlabel("training points N")
        ax.set_ylabel("fit seconds")
        ax.set_title("QSVR, make_friedman1" if task == "svr" else "QSVC, make_classification")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    temporary = path.with_name(f".{path.name}.partial.png")
    fig.savefig(temporary, dpi=120)
    temporary.replace(path)  # never a half-written plot


def choose_size(sizes: list[int]) -> None:
    """Fit time per working-set size on the tuning group only (sine N = 2,000, diabetes)."""
    from experiments.benchmarks._data import diabetes
    from qml import QSVR

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(2000, 2))  # the tuning group's smooth 2-D function, larger
    y = np.sin(2 * X[:, 0]) + 0.5 * X[:, 1] + 0.1 * rng.normal(size=2000)
    sine = (X, (y - y.mean()) / y.std(), None, None)
    for name, (X, y, _, _) in (("sine", sine), ("diabetes", diabetes(442, 0, 0))):
        for size in sizes:
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = QSVR(working_set_size=size, random_state=0).fit(X, y)
            print(
                f"{name:<9} N={len(y):>5} working_set_size={size:>4} "
                f"{time.perf_counter() - start:7.2f} s  QUBO calls {model.qubo_calls_:>6}",
                flush=True,
            )


def mock_qpu(n: int) -> None:
    """QSVR on the mock QPU at N points: every working set embedded on its Pegasus graph."""
    from sklearn.svm import SVR

    from qml import QSVR

    X, y, X_test, y_test = regression_data(n)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = QSVR(backend="mock-qpu", random_state=0).fit(X, y)
    seconds = time.perf_counter() - start
    exact = SVR(tol=1e-8).fit(X, y)
    gamma = 1.0 / (X.shape[1] * X.var())
    ours = dual_objective("svr", X, y, _signed(model, n), gamma)
    best = dual_objective("svr", X, y, _signed(exact, n), gamma)
    embedding = model.embedding_size_
    print(
        f"\nQSVR on the mock QPU (Pegasus P16), make_friedman1, N = {n}:\n"
        f"  fit {seconds:.1f} s ({model.sampler_seconds_:.1f} s in the sampler), "
        f"{model.n_iter_[0]} working sets of {model.working_set_size_[0]}, "
        f"{model.qubo_calls_} QPU calls, largest QUBO {model.n_qubo_variables_[0]} variables "
        f"on {embedding['physical_qubits']} qubits (chains up to {embedding['max_chain_length']})\n"
        f"  dual gap {100 * (ours - best) / abs(best):.4f} %, |sum beta| "
        f"{abs(_signed(model, n).sum()):.1e}, held-out R2 minus libsvm's "
        f"{model.score(X_test, y_test) - exact.score(X_test, y_test):+.4f}, stop: "
        f"{model.stop_reason_[0]}\n"
        f"  estimated QPU access time on an Advantage: {model.estimated_qpu_access_time_:.2f} s "
        f"({1e3 * model.estimated_qpu_access_time_ / model.qubo_calls_:.1f} ms per call)",
        flush=True,
    )


def random_sampler(n: int) -> None:
    """The annealer against random bits in the same working-set loop: the calls each needs."""
    import dimod

    from qml import QSVR

    class RandomBits(dimod.Sampler):
        """Samples that ignore the QUBO: what the loop achieves without an optimiser."""

        parameters, properties = {"seed": []}, {}

        def sample(self, bqm, seed=None, **kwargs):
            return dimod.RandomSampler().sample(bqm, num_reads=5, seed=seed)

    X, y, X_test, y_test = regression_data(n)
    print(f"\nQSVR on make_friedman1, N = {n}: the annealer against random bits")
    for name, backend in (("sa", "sa"), ("random bits", RandomBits())):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = QSVR(backend=backend, random_state=0).fit(X, y)
        trace = model.trace_[0]
        print(
            f"  {name:<12} {time.perf_counter() - start:7.1f} s, {model.n_iter_[0]:>4} working "
            f"sets, {model.qubo_calls_:>6} QUBO calls, certified {trace['polished'].mean():.0%}, "
            f"taken {trace['accepted'].mean():.0%}, R2 {model.score(X_test, y_test):.5f}",
            flush=True,
        )


#: The outer loop's work over all N coefficients per working set, which
#: libsvm's shrinking (leaving bound coefficients out of the selection and
#: the gradient update) cuts to the active ones: (module, function).
_SHRINKABLE = {
    ("dual.py", "kkt"),
    ("working_sets.py", "select_working_set"),
    ("working_sets.py", "_multiplier"),
    ("dual.py", "column_product"),
    ("dual.py", "objective"),
    ("columns.py", "__call__"),
}


def shrinking_bound(n: int) -> None:
    """The share of a QSVR fit that shrinking could remove at most (cProfile, one process)."""
    from qml import QSVR

    X, y, _, _ = regression_data(n)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = profiler.runcall(QSVR(random_state=0).fit, X, y)
    total = time.perf_counter() - start
    stats = pstats.Stats(profiler).stats
    parts = {
        function: cumulative
        for (path, _, function), (_, _, _, cumulative, _) in stats.items()
        if (Path(path).name, function) in _SHRINKABLE
    }
    shrinkable = sum(parts.values())
    sets = len(model.trace_[0]["size"])
    print(f"QSVR at N = {n}: {total:.1f} s under the profiler, "
          f"{sets} working sets, {model.qubo_calls_} QUBO calls")  # fmt: skip
    for function, seconds in sorted(parts.items(), key=lambda item: -item[1]):
        print(f"  {function:<20} {seconds:7.2f} s  {seconds / total:6.1%}")
    print(f"  shrinkable at most   {shrinkable:7.2f} s  {shrinkable / total:6.1%}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", nargs="+", choices=["svr", "svc"], default=["svr", "svc"])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[100, 200, 400, 800, 1000, 2000, 4000, 5000, 8000]
    )
    parser.add_argument("--full-limit", type=float, default=300.0, help="seconds; peers stop after")
    parser.add_argument("--plot", type=Path, default=Path("scaling.png"))
    parser.add_argument("--choose-size", action="store_true", help="tuning data only")
    parser.add_argument("--mock-qpu", type=int, metavar="N", help="one QSVR fit on the mock QPU")
    parser.add_argument("--random-sampler", type=int, metavar="N", help="sa against random bits")
    parser.add_argument("--shrinking-bound", type=int, metavar="N", help="profile one QSVR fit")
    args = parser.parse_args(argv)
    if any(n < 10 for n in args.sizes):
        parser.error(f"--sizes must be at least 10 each; got {args.sizes}")
    single = args.choose_size or args.mock_qpu or args.random_sampler or args.shrinking_bound
    if args.plot.exists() and not single:
        # Checked before minutes of fits: a file already there may be the user's.
        parser.error(f"--plot {args.plot} exists; name a new file or remove it first")
    if args.choose_size:
        choose_size([22, 44, 88, 128])
        return
    if args.mock_qpu:
        mock_qpu(args.mock_qpu)
        return
    if args.random_sampler:
        random_sampler(args.random_sampler)
        return
    if args.shrinking_bound:
        shrinking_bound(args.shrinking_bound)
        return
    results = {}
    for task in args.task:
        rows, slow = [], {}
        _print_header(task)
        for n in sorted(args.sizes):
            rows.append(_row(task, n, args.full_limit, slow))
            _print_row(task, rows[-1])
        slope = _slope(rows, 1000, 8000)
        if slope is not None:
            print(f"log-log slope of hqml's fit time, N = 1,000 to 8,000: {slope:.2f}")
        results[task] = rows
    _plot(results, args.plot)
    print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
