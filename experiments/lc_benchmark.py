"""The learning-curve extrapolation benchmark: QSVR vs SVR vs OLS on real training curves.

Protocol (DESIGN.md): features are the observed first fraction ``r`` of each
validation-accuracy curve (subsampled, plus first differences), min-max
scaled on the training curves; the target is the accuracy at the last
epoch. Each method trains on ``n_train`` random curves and is scored on
the remaining ones, over many random splits shared by all methods, so that
differences between methods are paired.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
from joblib import Parallel, delayed
from scipy.stats import kendalltau
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_absolute_error, r2_score
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.preprocessing import MinMaxScaler
from sklearn.svm import SVR
from tqdm.auto import tqdm

from experiments.curves import Curves, curve_features, observed_epochs
from experiments.pipelines import scaled_regressor
from qml import QSVR

QSVR_SA = "QSVR (sa)"
QSVR_MOCK = "QSVR (mock-qpu)"
SVR_SAME = "SVR (same hyperparameters)"
SVR_CV = "SVR (tuned by CV)"
OLS = "OLS"
LAST = "last observed value"


@dataclass(frozen=True)
class CurveBenchmark:
    """Every setting of one benchmark run; recorded in the results."""

    fractions: tuple[float, ...] = (0.25, 0.5)
    train_sizes: tuple[int, ...] = (20, 50, 100)
    n_splits: int = 20
    n_points: int = 8
    differences: bool = True
    C: float = 3.0
    epsilon: float = 0.1
    gamma: float = 1.0
    n_bits: int = 4
    base: float = 2.0
    # A firm equality-constraint penalty and the mean of the 20 lowest-energy
    # distinct solutions (Willsch et al.): chosen on this data, see the issue note.
    penalty: float = 3.0
    num_reads: int = 30
    combine: str = "mean"
    top_k: int = 20
    mock_qpu_sizes: tuple[int, ...] = (20,)
    mock_qpu_bits: int = 4
    cv_grid: dict = field(
        default_factory=lambda: {
            "C": [0.3, 1.0, 3.0, 10.0],
            "epsilon": [0.01, 0.05, 0.1],
            "gamma": [0.03, 0.1, 0.3],
        }
    )
    seed: int = 0

    def validate(self, curves: Curves) -> None:
        """Refuse settings the curves cannot serve, before any work or any file."""
        for fraction in self.fractions:
            if not 0.0 < fraction < 1.0:
                raise ValueError(f"observed fractions must lie in (0, 1); got {fraction}")
        if self.n_splits < 1:
            raise ValueError(f"n_splits must be at least 1; got {self.n_splits}")
        largest = max(self.train_sizes)
        if min(self.train_sizes) < 5:
            raise ValueError(f"n_train must be at least 5; got {min(self.train_sizes)}")
        if largest + 10 > curves.n_runs:
            raise ValueError(
                f"n_train={largest} needs at least {largest + 10} curves (10 or more left to "
                f"test on); {curves.source} has {curves.n_runs}"
            )
        for fraction in self.fractions:
            curve_features(curves.accuracy[:1], fraction, n_points=self.n_points)

    def as_dict(self) -> dict:
        return asdict(self)


def _scaled(model):
    """Min-max scale the features and standardise the target, on training curves only."""
    return scaled_regressor(model, MinMaxScaler())


def methods(
    settings: CurveBenchmark, n_train: int, *, backend: str = "sa", label: str = QSVR_SA
) -> dict[str, Callable[[int], object]]:
    """Model factories (seed -> unfitted estimator) for one training size."""
    shared = {"C": settings.C, "epsilon": settings.epsilon, "gamma": settings.gamma}
    encoding = {
        "base": settings.base,
        "penalty": settings.penalty,
        "combine": settings.combine,
        "top_k": settings.top_k,
    }

    def qsvr(backend: str, n_bits: int) -> Callable[[int], object]:
        return lambda seed: _scaled(
            QSVR(
                **shared,
                **encoding,
                n_bits=n_bits,
                backend=backend,
                num_reads=settings.num_reads,
                random_state=seed,
            )
        )

    grid = {f"regressor__svr__{k}": v for k, v in settings.cv_grid.items()}
    folds = min(5, n_train // 4)
    factories = {
        label: qsvr(backend, settings.n_bits),
        SVR_SAME: lambda seed: _scaled(SVR(**shared)),
        SVR_CV: lambda seed: GridSearchCV(
            _scaled(SVR()), grid, cv=KFold(folds, shuffle=True, random_state=seed)
        ),
        OLS: lambda seed: _scaled(LinearRegression()),
    }
    if n_train in settings.mock_qpu_sizes:
        factories[QSVR_MOCK] = qsvr("mock-qpu", settings.mock_qpu_bits)
    return factories


def _scores(y_true, y_pred) -> dict:
    tau = kendalltau(y_true, y_pred).statistic
    return {
        "r2": r2_score(y_true, y_pred),
        "mae": mean_absolute_error(y_true, y_pred),
        "kendall_tau": float(tau) if np.isfinite(tau) else 0.0,
    }


def run_split(
    accuracy: np.ndarray,
    settings: CurveBenchmark,
    fraction: float,
    n_train: int,
    split: int,
    *,
    backend: str = "sa",
    label: str = QSVR_SA,
) -> tuple[list[dict], dict]:
    """Score every method on one random split; also return its test predictions."""
    X, y = curve_features(
        accuracy, fraction, n_points=settings.n_points, differences=settings.differences
    )
    rng = np.random.default_rng([settings.seed, int(1000 * fraction), n_train, split])
    order = rng.permutation(len(y))
    train, test = order[:n_train], order[n_train:]
    observed = observed_epochs(fraction, accuracy.shape[1])
    predictions = {LAST: accuracy[test, observed - 1]}
    for name, make in methods(settings, n_train, backend=backend, label=label).items():
        model = make(int(rng.integers(2**31)))
        predictions[name] = model.fit(X[train], y[train]).predict(X[test])
    rows = [
        {"method": name, "fraction": fraction, "n_train": n_train, "split": split}
        | _scores(y[test], predicted)
        for name, predicted in predictions.items()
    ]
    detail = {"test": test, "y_true": y[test], "predictions": predictions}
    return rows, detail


def run(
    curves: Curves, settings: CurveBenchmark, *, n_jobs: int = -1, progress: bool = True
) -> tuple[list[dict], dict]:
    """All splits of all (fraction, n_train) cells; rows of scores and split-0 predictions."""
    settings.validate(curves)
    cells = [
        (fraction, n_train, split)
        for fraction in settings.fractions
        for n_train in settings.train_sizes
        for split in range(settings.n_splits)
    ]
    jobs = (delayed(run_split)(curves.accuracy, settings, *cell) for cell in cells)
    outputs = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
    rows, details = [], {}
    for cell, (cell_rows, detail) in tqdm(
        zip(cells, outputs, strict=True), total=len(cells), disable=not progress, desc="splits"
    ):
        rows.extend(cell_rows)
        if cell[2] == 0:
            details[cell[:2]] = detail
    return rows, details


def summarise(rows: list[dict], reference: str = SVR_SAME) -> list[dict]:
    """Mean and spread of every metric per (method, fraction, n_train), with paired differences."""
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
            entry = {"method": name, "fraction": fraction, "n_train": n_train, "n": len(mine)}
            for metric in ("r2", "mae", "kendall_tau"):
                values = np.array([r[metric] for r in mine])
                entry[f"{metric}_mean"] = float(values.mean())
                entry[f"{metric}_std"] = float(values.std())
            paired = np.array(
                [r["r2"] - base[r["split"]]["r2"] for r in mine if r["split"] in base]
            )
            entry["r2_minus_reference_mean"] = float(paired.mean()) if paired.size else np.nan
            entry["r2_minus_reference_std"] = float(paired.std()) if paired.size else np.nan
            summary.append(entry)
    return summary


def format_table(summary: list[dict], reference: str = SVR_SAME) -> str:
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
        for name in names:
            found = [cell.get((name, fraction, n)) for n in sizes]
            texts = [f"{c['r2_mean']:>12.3f} ± {c['r2_std']:.3f}" if c else "" for c in found]
            lines.append(row(name, texts))
        for name in [n for n in names if n.startswith("QSVR")]:
            found = [cell.get((name, fraction, n)) for n in sizes]
            texts = [
                f"{c['r2_minus_reference_mean']:>+12.4f} ± {c['r2_minus_reference_std']:.3f}"
                if c
                else ""
                for c in found
            ]
            lines.append(row(f"{name[:16]} - SVR (paired)", texts))
    return "\n".join(lines)
