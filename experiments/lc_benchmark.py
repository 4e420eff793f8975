"""The learning-curve extrapolation benchmark: QSVR against what a user would pick instead.

Protocol (DESIGN.md): features are the observed first fraction ``r`` of each
validation-accuracy curve (subsampled, plus first differences), min-max
scaled on the training curves; the target is the accuracy at the last
epoch. Each method trains on ``n_train`` random curves and is scored on
the remaining ones, over many random splits shared by all methods, so that
differences between methods are paired.

Methods: QSVR (and on the mock QPU at small sizes) with hyperparameters
from cross-validation on each split's training curves; that cross-validated
SVR; ridge regression, OLS with its regularisation chosen by leave-one-out
CV (plain OLS interpolates when n_train is below the number of features,
and its R^2 then falls to -15); the pow3 parametric curve fit of Domhan et
al. (2015) on each curve alone; and the last observed value.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field

import numpy as np
from joblib import Parallel, delayed
from scipy.stats import kendalltau
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import RidgeCV
from sklearn.metrics import mean_absolute_error, r2_score
from sklearn.svm import SVR
from tqdm import tqdm

from backends import check_memory
from early_stopping import (
    CV_GRID,
    RIDGE_ALPHAS,
    best_svr_parameters,
    curve_features,
    observed_epochs,
    pow3_extrapolate,
    scaled,
    svr_search,
)
from experiments.curves import Curves
from experiments.report import ShownSplit
from experiments.settings import QSVRSettings
from qml import QSVR, NoFreeSupportVectorWarning

QSVR_SA = "QSVR (sa)"
QSVR_MOCK = "QSVR (mock-qpu)"

#: The cell of ``hqml bench`` solved in working sets: QSVR on 200 curves is a
#: QUBO of 800 variables at 2 bits, beyond any QPU's clique. One cell, not a
#: column: on these near-singular kernels its fits take 10 to 30 s each.
LARGE_CELL = (0.5, 200)
SVR_SAME = "SVR (same hyperparameters)"
SVR_CV = "SVR (tuned by CV)"
RIDGE = "ridge (alpha by CV)"
POW3 = "pow3 curve fit"
LAST = "last observed value"

#: QSVR's default bound on refinement rounds, to count fits that reached it.
QSVR_MAX_ITER = QSVRSettings().max_iter


@dataclass(frozen=True)
class CurveBenchmark:
    """Every setting of one benchmark run; recorded in the results.

    With ``hyperparameters="cv"`` (the default of ``hqml bench``) no
    constant is tuned on the curves: on every split, SVR's C, epsilon and
    gamma come from a grid search by K-fold cross-validation on that split's
    training curves, and QSVR takes the same three values with its own
    encoding defaults (chosen on other data, see qml.QSVR). QSVR and that SVR
    then form the same-hyperparameter pair of the paired difference. With
    ``"fixed"`` (Slurm sweeps over the encoding) both use ``qsvr``'s ``C``,
    ``epsilon`` and ``gamma``, and "SVR (same hyperparameters)" is the pair.
    """

    fractions: tuple[float, ...] = (0.25, 0.5)
    train_sizes: tuple[int, ...] = (20, 50, 100)
    #: Further (fraction, n_train) cells outside the grid. ``hqml bench`` adds
    #: LARGE_CELL, whose training set no QPU-sized QUBO holds.
    extra_cells: tuple[tuple[float, int], ...] = ()
    n_splits: int = 20
    n_points: int = 8
    differences: bool = True
    hyperparameters: str = "cv"
    qsvr: QSVRSettings = field(default_factory=QSVRSettings)
    #: The (fraction, n_train) cells where QSVR also runs on the mock QPU: one
    #: cell, since a mock fit costs ten times an "sa" fit (the simulated anneal
    #: of the embedded, 3,000-qubit problem) and kept ``make bench`` over 5 minutes.
    mock_qpu_cells: tuple[tuple[float, int], ...] = ((0.5, 20),)
    mock_qpu_bits: int = 2
    cv_grid: dict = field(default_factory=lambda: {k: list(v) for k, v in CV_GRID.items()})
    seed: int = 0

    def validate(self, curves: Curves) -> None:
        """Refuse settings the curves cannot serve, before any work or any file."""
        if self.hyperparameters not in ("cv", "fixed"):
            raise ValueError(
                f"hyperparameters must be 'cv' or 'fixed'; got {self.hyperparameters!r}"
            )
        problems = self.qsvr.problems()
        if problems:
            raise ValueError("; ".join(problems))
        for fraction in self.fractions:
            if not 0.0 < fraction < 1.0:
                raise ValueError(f"observed fractions must lie in (0, 1); got {fraction}")
        for name, values in (("fractions", self.fractions), ("train sizes", self.train_sizes)):
            if len(set(values)) != len(values):
                raise ValueError(
                    f"{name} must be distinct; got {list(values)}: a repeated value runs the same "
                    "cells twice and reports them as two"
                )
        if self.n_splits < 1:
            raise ValueError(f"n_splits must be at least 1; got {self.n_splits}")
        splits = len(self.cells) * self.n_splits
        check_memory(
            _BYTES_PER_SPLIT * splits,
            f"{splits} splits ({len(self.cells)} cells x n_splits={self.n_splits}), whose rows",
            "fewer splits: 10 to 20 give the mean and spread of every score",
        )
        largest = max([*self.train_sizes, *(n for _, n in self.extra_cells)])
        if min(self.train_sizes) < 8:
            raise ValueError(
                "n_train must be at least 8, so that the cross-validation of the hyperparameters "
                f"has 2 folds of 4 curves or more; got {min(self.train_sizes)}"
            )
        if largest + 10 > curves.n_groups:
            rows = f" on {curves.n_runs} rows" if curves.n_groups != curves.n_runs else ""
            raise ValueError(
                f"n_train={largest} needs at least {largest + 10} curves (10 or more left to "
                f"test on); {curves.source} has {curves.n_groups} distinct runs{rows}"
            )
        for fraction in {*self.fractions, *(f for f, _ in self.extra_cells)}:
            if not 0.0 < fraction < 1.0:
                raise ValueError(f"observed fractions must lie in (0, 1); got {fraction}")
            curve_features(curves.accuracy[:1], fraction, n_points=self.n_points)

    @property
    def cells(self) -> list[tuple[float, int]]:
        """Every (fraction, n_train) cell: the grid, then the extra cells."""
        grid = [(f, n) for f in self.fractions for n in self.train_sizes]
        return grid + [cell for cell in self.extra_cells if cell not in grid]

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def reference(self) -> str:
        """The SVR that shares QSVR's hyperparameters: the reference of the paired difference."""
        return SVR_CV if self.hyperparameters == "cv" else SVR_SAME


def split_by_run(
    groups: np.ndarray, n_train: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Train and test rows: whole runs in a random order until n_train rows are taken.

    A run's rows all land on one side, so a run logged twice cannot leak from
    train into test. With one row per run this is a random permutation of the
    rows cut at n_train, as before runs were grouped.
    """
    runs = rng.permutation(int(groups.max()) + 1)
    sizes = np.bincount(groups)[runs]
    taken = int(np.searchsorted(np.cumsum(sizes), n_train)) + 1
    in_train = np.isin(groups, runs[:taken])
    rank = np.empty_like(runs)
    rank[runs] = np.arange(len(runs))
    order = np.argsort(rank[groups], kind="stable")  # rows in the runs' random order
    train, test = order[in_train[order]], order[~in_train[order]]
    if len(test) == 0:
        raise ValueError(
            f"n_train={n_train} takes every run ({len(runs)} runs); expected some left to test on"
        )
    return train, test


def _qsvr(settings: CurveBenchmark, hyper: dict, backend: str, n_bits: int, seed: int):
    qsvr = settings.qsvr.replace(**hyper, n_bits=n_bits)
    return scaled(qsvr.estimator(backend=backend, random_state=seed))


def fit_methods(
    settings: CurveBenchmark,
    X: np.ndarray,
    y: np.ndarray,
    seed: int,
    *,
    groups: np.ndarray | None = None,
    backend: str = "sa",
    label: str = QSVR_SA,
    mock_qpu: bool = False,
) -> dict[str, object]:
    """Every learned method fitted on one split's training curves, by name.

    ``groups`` gives each row's run; the cross-validation keeps a run's rows
    in one fold.
    """
    n_train = len(y)
    grouped = groups is not None and len(np.unique(groups)) < n_train
    svr_cv = svr_search(n_train, seed, grid=settings.cv_grid, grouped=grouped)
    svr_cv.fit(X, y, groups=groups if grouped else None)
    if settings.hyperparameters == "cv":
        hyper = best_svr_parameters(svr_cv)
    else:
        qsvr = settings.qsvr
        hyper = {"C": qsvr.C, "epsilon": qsvr.epsilon, "gamma": qsvr.gamma}
    fitted = {label: _qsvr(settings, hyper, backend, settings.qsvr.n_bits, seed).fit(X, y)}
    if mock_qpu:
        mock = _qsvr(settings, hyper, "mock-qpu", settings.mock_qpu_bits, seed)
        fitted[QSVR_MOCK] = mock.fit(X, y)
    fitted[SVR_CV] = svr_cv
    if settings.hyperparameters == "fixed":
        fitted[SVR_SAME] = scaled(SVR(**hyper)).fit(X, y)
    fitted[RIDGE] = scaled(RidgeCV(alphas=RIDGE_ALPHAS)).fit(X, y)
    return fitted


def _scores(y_true, y_pred) -> dict:
    tau = kendalltau(y_true, y_pred).statistic
    return {
        "r2": r2_score(y_true, y_pred),
        "mae": mean_absolute_error(y_true, y_pred),
        "kendall_tau": float(tau) if np.isfinite(tau) else 0.0,
    }


#: The solve columns of a method that is no QSVR: every row has the same keys.
_NO_SOLVE = {"rounds": None, "polished": None, "working_sets": None, "kkt_met": None}


def _solve_record(model) -> dict:
    """Refinement rounds of a fitted QSVR pipeline and whether its polish certified the
    optimum; None for other methods."""
    estimator = getattr(model, "regressor_", None)
    estimator = estimator[-1] if estimator is not None else None
    # Not any n_iter_: libsvm's SVR has one too, counting its own iterations.
    if not isinstance(estimator, QSVR):
        return dict(_NO_SOLVE)
    if estimator.working_set_size_.any():  # decomposed: n_iter_ counts working sets
        return {
            "rounds": None,
            "polished": None,
            "working_sets": int(estimator.n_iter_.max()),
            "kkt_met": all(r == "kkt" for r in estimator.stop_reason_),
        }
    return {
        "rounds": int(np.max(estimator.n_iter_)),
        "polished": bool(all(t["polished"][-1] for t in estimator.trace_)),
        "working_sets": None,
        "kkt_met": None,
    }


def run_split(
    accuracy: np.ndarray,
    settings: CurveBenchmark,
    fraction: float,
    n_train: int,
    split: int,
    *,
    groups: np.ndarray | None = None,
    backend: str = "sa",
    label: str = QSVR_SA,
) -> tuple[list[dict], dict]:
    """Score every method on one random split; also return its test predictions.

    ``groups`` numbers each row's run (``Curves.groups``): a run's rows stay
    on one side of the split. By default every row is its own run.
    """
    X, y = curve_features(
        accuracy, fraction, n_points=settings.n_points, differences=settings.differences
    )
    rng = np.random.default_rng([settings.seed, int(1000 * fraction), n_train, split])
    groups = np.arange(len(y)) if groups is None else np.asarray(groups)
    train, test = split_by_run(groups, n_train, rng)
    observed = observed_epochs(fraction, accuracy.shape[1])
    seed = int(rng.integers(2**31))
    with warnings.catch_warnings():
        # Counted per fit from n_iter_ (the "rounds" column) and summarised once.
        warnings.simplefilter("ignore", ConvergenceWarning)
        # Small C often leaves every coefficient at a bound, for libsvm too; the
        # intercept is then the midpoint libsvm also takes: not worth a warning per fit.
        warnings.simplefilter("ignore", NoFreeSupportVectorWarning)
        fitted = fit_methods(
            settings,
            X[train],
            y[train],
            seed,
            groups=groups[train],
            backend=backend,
            label=label,
            mock_qpu=(fraction, n_train) in settings.mock_qpu_cells,
        )
    predictions = {name: model.predict(X[test]) for name, model in fitted.items()}
    records = {name: _solve_record(model) for name, model in fitted.items()}
    predictions[POW3] = pow3_extrapolate(accuracy[test, :observed], accuracy.shape[1])
    predictions[LAST] = accuracy[test, observed - 1]
    rows = [
        {"method": name, "fraction": fraction, "n_train": n_train, "split": split}
        | _scores(y[test], predicted)
        | records.get(name, dict(_NO_SOLVE))
        for name, predicted in predictions.items()
    ]
    detail = {"test": test, "y_true": y[test], "predictions": predictions}
    return rows, detail


#: What one split keeps in memory until the results are written: a row per
#: method (about ten) of scores and settings, measured at about 1.5 KiB.
_BYTES_PER_SPLIT = 2048


def run(
    curves: Curves, settings: CurveBenchmark, *, n_jobs: int = -1, progress: bool = True
) -> tuple[list[dict], dict]:
    """All splits of all (fraction, n_train) cells; rows of scores and split-0 predictions."""
    settings.validate(curves)
    total = len(settings.cells) * settings.n_splits
    cells = list(settings.cells)

    def every_split():  # lazily: a list of every (cell, split) grows with n_splits for nothing
        return ((f, n, split) for f, n in cells for split in range(settings.n_splits))

    jobs = (
        delayed(run_split)(curves.accuracy, settings, *cell, groups=curves.groups)
        for cell in every_split()
    )
    outputs = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
    rows, details = [], {}
    for cell, (cell_rows, detail) in tqdm(
        zip(every_split(), outputs, strict=True), total=total, disable=not progress, desc="splits"
    ):
        rows.extend(cell_rows)
        if cell[2] == 0:
            details[cell[:2]] = detail
    return rows, details


def summarise(rows: list[dict], reference: str | None = None) -> list[dict]:
    """Mean and spread of every metric per (method, fraction, n_train), with paired differences.

    The reference of the paired R^2 difference is the SVR that shares QSVR's
    hyperparameters: "SVR (same hyperparameters)" where present, else the
    cross-validated SVR whose hyperparameters QSVR took.
    """
    if reference is None:
        present = {r["method"] for r in rows}
        reference = SVR_SAME if SVR_SAME in present else SVR_CV
    summary = []
    keys = sorted({(r["fraction"], r["n_train"]) for r in rows})
    names = list(dict.fromkeys(r["method"] for r in rows))
    for fraction, n_train in keys:
        cell = [r for r in rows if r["fraction"] == fraction and r["n_train"] == n_train]
        base = {r["split"]: r for r in cell if r["method"] == reference}
        for name in names:
            mine = [r for r in cell if r["method"] == name]
            if not mine:
                continue
            entry = {
                "method": name,
                "fraction": fraction,
                "n_train": n_train,
                "n": len(mine),
                "reference": reference,
            }
            for metric in ("r2", "mae", "kendall_tau"):
                values = np.array([r[metric] for r in mine])
                entry[f"{metric}_mean"] = float(values.mean())
                entry[f"{metric}_std"] = float(values.std())
            rounds = [r["rounds"] for r in mine if r.get("rounds") is not None]
            if rounds:
                entry["rounds_median"] = float(np.median(rounds))
                entry["fits_at_max_iter"] = int(sum(k >= QSVR_MAX_ITER for k in rounds))
                entry["fits_polished"] = int(sum(bool(r.get("polished")) for r in mine))
            decomposed = [r for r in mine if r.get("working_sets") is not None]
            if decomposed:
                entry["fits_decomposed"] = len(decomposed)
                entry["fits_kkt_met"] = int(sum(bool(r.get("kkt_met")) for r in decomposed))
            paired = np.array(
                [r["r2"] - base[r["split"]]["r2"] for r in mine if r["split"] in base]
            )
            entry["r2_minus_reference_mean"] = float(paired.mean()) if paired.size else np.nan
            entry["r2_minus_reference_std"] = float(paired.std()) if paired.size else np.nan
            summary.append(entry)
    return summary


#: R^2 below this is printed as a failure, not as a number to compare.
R2_FLOOR = -1.0


def _r2_text(entry: dict | None) -> str:
    if entry is None:
        return ""
    if entry["r2_mean"] < R2_FLOOR:
        return f"fails (R^2 < {R2_FLOOR:g})"
    return f"{entry['r2_mean']:>12.3f} ± {entry['r2_std']:.3f}"


def format_table(summary: list[dict]) -> str:
    """The R^2 table: one block per observed fraction, one column per n_train."""
    sizes = sorted({s["n_train"] for s in summary})
    names = list(dict.fromkeys(s["method"] for s in summary))
    cell = {(s["method"], s["fraction"], s["n_train"]): s for s in summary}

    def row(label: str, texts: list[str]) -> str:
        return f"{label:<28}" + "".join(f"{t:>22}" for t in texts)

    lines = []
    for fraction in sorted({s["fraction"] for s in summary}):
        lines.append(f"\nobserved fraction r = {fraction}: held-out R^2 (mean ± std over splits)")
        header = row("method", [f"n_train={n}" for n in sizes])
        lines += [header, "-" * len(header)]
        # Only the methods run at this fraction (the mock QPU runs in one cell).
        present = [n for n in names if any((n, fraction, m) in cell for m in sizes)]
        for name in present:
            found = [cell.get((name, fraction, n)) for n in sizes]
            lines.append(row(name, [_r2_text(c) for c in found]))
        for name in [n for n in present if n.startswith("QSVR")]:
            found = [cell.get((name, fraction, n)) for n in sizes]
            texts = [
                f"{c['r2_minus_reference_mean']:>+12.4f} ± {c['r2_minus_reference_std']:.4f}"
                if c
                else ""
                for c in found
            ]
            lines.append(row(f"{name[:16]} - SVR (paired)", texts))
    fits, stopped = _per_method(summary, "n"), _per_method(summary, "fits_at_max_iter")
    for name, count in stopped.items():
        lines.append(
            f"\n{name}: {count} of {fits[name]} fits stopped at max_iter={QSVR_MAX_ITER} before "
            "tol (ConvergenceWarning); they are included above"
        )
    decomposed, met = _per_method(summary, "fits_decomposed"), _per_method(summary, "fits_kkt_met")
    for name, count in _per_method(summary, "fits_polished").items():
        whole = fits[name] - decomposed.get(name, 0)
        lines.append(
            f"{name}: {count} of {whole} fits solved as one QUBO ended on the certified optimum "
            "(polish=True)"
        )
    for name, count in decomposed.items():
        lines.append(
            f"{name}: {count} fits too large for one QUBO were solved in working sets; "
            f"{met.get(name, 0)} of them met libsvm's KKT condition at tol, the others stopped "
            "on a settled dual"
        )
    references = sorted({s.get("reference", SVR_SAME) for s in summary})
    lines.append(f"\npaired differences against {', '.join(references)}, split by split")
    return "\n".join(lines)


def _per_method(summary: list[dict], key: str) -> dict[str, int]:
    """The sum of ``key`` per method, over the cells that report it (non-zero sums only)."""
    sums: dict[str, int] = {}
    for entry in summary:
        if entry.get(key) is not None:
            sums[entry["method"]] = sums.get(entry["method"], 0) + int(entry[key])
    return {name: total for name, total in sums.items() if total or key == "n"}


def shown_split(
    curves: Curves, detail: dict, fraction: float, n_train: int, methods: list[str]
) -> ShownSplit:
    """Split 0 of one cell, as the figures of a result set show it."""
    return ShownSplit(
        detail=detail,
        accuracy=curves.accuracy,
        observed=observed_epochs(fraction, curves.n_epochs),
        methods=methods,
        title=f"r = {fraction}, n_train = {n_train}, split 0",
    )
