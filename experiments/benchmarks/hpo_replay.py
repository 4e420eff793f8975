"""Early stopping in hyperparameter searches, replayed on recorded learning curves.

Each configuration is one recorded run (its whole curve known in advance),
so a method sees only the epochs it pays for and the regret of the run it
picks is exact (:class:`early_stopping.Replay`). Every seed draws the
configurations from the same stream for every method (paired); a method's
epochs are charged with resumable training (extending a run from epoch
``a`` to ``b`` costs ``b - a``).

Methods: random search with Hyperband's budget; Hyperband (``eta``, rungs
from ``min_epochs`` to the curves' length) and ASHA on the same budget;
Optuna's Median, SuccessiveHalving and Hyperband pruners and hqml's
``CurvePruner`` (QSVR) on as many trials as Hyperband draws configurations;
one epoch then top ``k``; Swift-Hyperband with SVR and with QSVR (paired
with SVR of the same hyperparameters, to count agreeing decisions).

    python -m experiments.benchmarks.hpo_replay --curves mnist1d --seeds 50
    python -m experiments.benchmarks.hpo_replay --curves digits --seeds 50 --plot regret.png
    python -m experiments.benchmarks.hpo_replay --curves my_curves.csv.gz

``--curves`` takes "digits" or "mnist1d" (the shipped sets) or a curve file
in the format ``hqml bench`` reads.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

from early_stopping import CurvePredictor, Replay, asha, brackets, hyperband, random_search, top_k
from experiments.curves import CurveFileError, load_curves

SHIPPED = {
    "digits": "learning_curves_digits.csv.gz",
    "mnist1d": "learning_curves_mnist1d.csv.gz",
}

HYPERBAND = "Hyperband"
SWIFT_QSVR = "Swift-Hyperband (QSVR)"
SWIFT_SVR = "Swift-Hyperband (SVR)"
SWIFT_ASHA = "Swift-ASHA (QSVR)"
OPTUNA_PRUNERS = ("Optuna Median", "Optuna SuccessiveHalving", "Optuna Hyperband")
HQML_PRUNER = "hqml pruner (QSVR)"


@dataclass(frozen=True)
class ReplaySettings:
    """Every setting of one replay: chosen on the mnist1d curves, reported on digits.

    Chosen on mnist1d (10 seeds, Swift-Hyperband with SVR against Hyperband,
    regret unchanged in every case): percentile 25 saved 6.0 % of the epochs,
    50 saved 15.1 %, 67 saved 19.0 %, 75 saved 21.1 %, 85 saved 23.4 %; at 67,
    ``min_curves`` 10 saved 26.4 % against 19.0 % with the published 15. 67
    is ``1 - 1/eta``: a run predicted outside the top third that successive
    halving keeps is stopped. ``iterations`` 3: one pass of Hyperband's
    brackets finishes too few runs (8 of 49 reach ``max_epochs``) for any
    predictor of the final value. The pruner's percentile (its rule judges
    the final value, not a rung's): on mnist1d, 10 seeds, 147 trials, 25
    pruned too little (2,006 epochs, Hyperband 1,071), 67 pruned good runs
    (regret 0.103 against the MedianPruner's 0.015), 50 gave 1,146 epochs at
    regret 0.018.
    """

    eta: int = 3
    min_epochs: int = 1
    iterations: int = 3
    percentile: float = 67.0
    min_curves: int = 10
    k: int = 3
    pruner_percentile: float = 50.0
    pruner_min_step: int = 2
    n_workers: int = 4
    backend: str = "sa"
    methods: tuple[str, ...] = ()

    def validate(self, replay: Replay) -> None:
        if self.min_epochs * self.eta > replay.max_epochs:
            raise ValueError(
                f"{replay.source}: curves of {replay.max_epochs} epochs are shorter than the "
                f"second rung (min_epochs={self.min_epochs} x eta={self.eta}); expected longer "
                "curves or a smaller --min-epochs"
            )
        for name, value in (("percentile", self.percentile),
                            ("pruner-percentile", self.pruner_percentile)):  # fmt: skip
            if not 0.0 < value < 100.0:
                raise ValueError(f"--{name} must lie in (0, 100); got {value}")
        if self.pruner_min_step < 2:
            raise ValueError(f"--pruner-min-step must be >= 2; got {self.pruner_min_step}")
        if self.k < 1 or self.min_curves < 4:
            raise ValueError(
                f"--k must be >= 1 and --min-curves >= 4; got {self.k}, {self.min_curves}"
            )
        if self.iterations < 1:
            raise ValueError(f"--iterations must be >= 1; got {self.iterations}")
        n_configs = self.iterations * sum(
            n for n, _ in brackets(replay.max_epochs, self.eta, self.min_epochs)
        )
        if n_configs > replay.n_runs:
            raise ValueError(
                f"{replay.source}: Hyperband draws {n_configs} distinct runs per seed; the file "
                f"has {replay.n_runs}"
            )


def _predictor(model: str, settings: ReplaySettings, seed: int) -> CurvePredictor:
    return CurvePredictor(
        model, backend=settings.backend, min_curves=settings.min_curves,
        random_state=seed, pair_with_svr=model == "qsvr",
    )  # fmt: skip


def _searches(replay: Replay, settings: ReplaySettings, seed: int) -> dict:
    """Every method's search of one seed, as thunks; Hyperband's budget sizes the others."""
    R, eta, low = replay.max_epochs, settings.eta, settings.min_epochs
    common = {"max_epochs": R, "eta": eta, "min_epochs": low, "random_state": seed}
    n_configs = settings.iterations * sum(n for n, _ in brackets(R, eta, low))
    passes = {"iterations": settings.iterations, **common}
    baseline = hyperband(replay.train, replay.sampler(), **passes)
    budget = baseline.epochs
    swift = {"percentile": settings.percentile, **passes}
    searches = {
        "random search": lambda: random_search(
            replay.train, replay.sampler(), max_epochs=R, n_configs=max(1, round(budget / R)),
            random_state=seed,
        ),
        HYPERBAND: lambda: baseline,
        SWIFT_SVR: lambda: hyperband(
            replay.train, replay.sampler(), predictor=_predictor("svr", settings, seed), **swift
        ),
        SWIFT_QSVR: lambda: hyperband(
            replay.train, replay.sampler(), predictor=_predictor("qsvr", settings, seed), **swift
        ),
        "ASHA": lambda: asha(
            replay.train, replay.sampler(), budget=budget, n_workers=settings.n_workers, **common
        ),
        SWIFT_ASHA: lambda: asha(
            replay.train, replay.sampler(), budget=budget, n_workers=settings.n_workers,
            predictor=_predictor("qsvr", settings, seed), percentile=settings.percentile,
            **common,
        ),
        f"one epoch, top {settings.k}": lambda: top_k(
            replay.train, replay.sampler(), max_epochs=R, n_configs=n_configs, k=settings.k,
            random_state=seed,
        ),
    }  # fmt: skip
    for name in (*OPTUNA_PRUNERS, HQML_PRUNER):
        searches[name] = lambda name=name: _optuna(replay, name, settings, n_configs, seed)
    return searches


def _optuna_pruner(name: str, settings: ReplaySettings, max_epochs: int, seed: int):
    import optuna

    from early_stopping import CurvePruner

    eta = settings.eta
    if name == "Optuna Median":
        return optuna.pruners.MedianPruner()
    if name == "Optuna SuccessiveHalving":
        return optuna.pruners.SuccessiveHalvingPruner(
            min_resource=settings.min_epochs, reduction_factor=eta
        )
    if name == "Optuna Hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=settings.min_epochs, max_resource=max_epochs, reduction_factor=eta
        )
    predictor = _predictor("qsvr", settings, seed)
    return CurvePruner(
        max_epochs, predictor, percentile=settings.pruner_percentile,
        min_step=settings.pruner_min_step,
    )  # fmt: skip


def _optuna(replay: Replay, name: str, settings: ReplaySettings, n_trials: int, seed: int):
    """A study of ``n_trials`` replayed runs under one pruner; charged like every other method."""
    import optuna

    from early_stopping import Ledger

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    R = replay.max_epochs
    ledger, sample = Ledger(replay.train, R), replay.sampler()
    rng = np.random.default_rng(seed)
    rng.integers(2**63)  # the draw Hyperband spends on its ordering stream: same runs (paired)

    def objective(trial):
        run = sample(rng)
        trial.set_user_attr("run", run)
        for epoch in range(1, R + 1):
            value = float(ledger.run(run, epoch)[-1])
            trial.report(value, epoch)
            if epoch < R and trial.should_prune():
                raise optuna.TrialPruned()
        return value

    pruner = _optuna_pruner(name, settings, R, seed)
    study = optuna.create_study(
        direction="maximize", pruner=pruner, sampler=optuna.samplers.RandomSampler(seed=seed)
    )
    study.optimize(objective, n_trials=n_trials)
    result = ledger.result(getattr(pruner, "decisions", []))
    return result


def run_seed(replay: Replay, settings: ReplaySettings, seed: int) -> list[dict]:
    """Every method on one seed: epochs, regret, the regret trajectory, QSVR-SVR agreement."""
    rows = []
    for method, search in _searches(replay, settings, seed).items():
        if settings.methods and method not in settings.methods:
            continue
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = search()
        agreement = [d.agreement() for d in result.decisions if d.reference is not None]
        agree = np.concatenate(agreement) if agreement else np.empty(0, dtype=bool)
        rows.append({
            "seed": seed, "method": method, "epochs": result.epochs,
            "regret": replay.regret(result.best), "n_configs": result.n_configs,
            "trajectory": [(e, replay.regret(c)) for e, c in result.trajectory],
            "decisions": sum(d.predicted.size for d in result.decisions),
            "agree": int(agree.sum()), "paired": int(agree.size),
            "seconds": time.perf_counter() - started,
        })  # fmt: skip
    return rows


def summarise(rows: list[dict]) -> list[dict]:
    """Per method: mean and standard error of epochs and regret, and differences to Hyperband."""
    methods = list(dict.fromkeys(r["method"] for r in rows))
    by = {
        m: sorted((r for r in rows if r["method"] == m), key=lambda r: r["seed"]) for m in methods
    }
    base = {r["seed"]: r for r in by.get(HYPERBAND, [])}
    out = []
    for method in methods:
        epochs = np.array([r["epochs"] for r in by[method]], dtype=float)
        regret = np.array([r["regret"] for r in by[method]])
        entry = {"method": method, "seeds": len(epochs), **_mean_se("epochs", epochs),
                 **_mean_se("regret", regret)}  # fmt: skip
        paired = [(r, base[r["seed"]]) for r in by[method] if r["seed"] in base]
        if paired:
            saving = np.array([1 - r["epochs"] / b["epochs"] for r, b in paired])
            extra = np.array([r["regret"] - b["regret"] for r, b in paired])
            entry |= _mean_se("saving", saving) | _mean_se("extra_regret", extra)
        agree, total = sum(r["agree"] for r in by[method]), sum(r["paired"] for r in by[method])
        entry["agreement"] = agree / total if total else None
        entry["decisions"] = total
        entry["seconds"] = float(np.mean([r["seconds"] for r in by[method]]))
        out.append(entry)
    front = pareto_front([(e["epochs"], e["regret"]) for e in out])
    for entry, on in zip(out, front, strict=True):
        entry["pareto"] = on
    return out


def _mean_se(name: str, values: np.ndarray) -> dict:
    se = values.std(ddof=1) / np.sqrt(values.size) if values.size > 1 else float("nan")
    return {name: float(values.mean()), f"{name}_se": float(se)}


def pareto_front(points: list[tuple[float, float]]) -> list[bool]:
    """Whether each (epochs, regret) point is on the front: no other is as good in both and
    better in one."""
    p = np.asarray(points, dtype=float)
    dominated = [bool(np.any(np.all(p <= q, axis=1) & np.any(p < q, axis=1))) for q in p]
    return [not d for d in dominated]


def format_table(summary: list[dict]) -> str:
    lines = [
        "| method | epochs (mean ± s.e.) | saving vs Hyperband | regret (mean ± s.e.) | "
        "regret - Hyperband | QSVR = SVR decisions | Pareto | s/seed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for e in summary:
        saving = (
            f"{100 * e['saving']:+.1f} % ± {100 * e['saving_se']:.1f}" if "saving" in e else "-"
        )
        extra = f"{e['extra_regret']:+.4f} ± {e['extra_regret_se']:.4f}" if "saving" in e else "-"
        agree = (
            "-" if e["agreement"] is None else f"{100 * e['agreement']:.1f} % of {e['decisions']}"
        )
        lines.append(
            f"| {e['method']} | {e['epochs']:.0f} ± {e['epochs_se']:.0f} | {saving} | "
            f"{e['regret']:.4f} ± {e['regret_se']:.4f} | {extra} | {agree} | "
            f"{'yes' if e['pareto'] else 'no'} | {e['seconds']:.1f} |"
        )
    return "\n".join(lines)


def plot(rows: list[dict], worst: float, path: Path) -> Path:
    """Mean regret of the incumbent against cumulative epochs, one line per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    top = max(r["epochs"] for r in rows)
    grid = np.linspace(0, top, 200)
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for number, method in enumerate(dict.fromkeys(r["method"] for r in rows)):
        curves = []
        for r in (r for r in rows if r["method"] == method):
            spent = np.array([e for e, _ in r["trajectory"]] or [np.inf])
            regret = np.array([g for _, g in r["trajectory"]] or [worst])
            at = np.searchsorted(spent, grid, side="right") - 1
            curves.append(np.where(at >= 0, regret[np.maximum(at, 0)], worst))
        style = "-" if number < 10 else "--"  # matplotlib's cycle has 10 colours
        axes.plot(grid, np.mean(curves, axis=0), style, label=method)
    axes.set(xlabel="cumulative epochs", ylabel="mean regret of the incumbent", yscale="log")
    axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def load_replay(name: str) -> Replay:
    """A shipped curve set by name, or a curve file in ``hqml bench``'s format."""
    from experiments.curves import default_curves_path

    path = default_curves_path().with_name(SHIPPED[name]) if name in SHIPPED else Path(name)
    curves = load_curves(path)
    if not curves.configs or not curves.configs[0]:
        raise CurveFileError(
            f"{path}, line 1: no configuration columns; expected the columns that describe "
            "each run (run, architecture, learning_rate, ...) before acc_001 ..., one run per row"
        )
    return Replay(curves.accuracy, source=str(path))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--curves", default="mnist1d", help="digits, mnist1d or a curve file")
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--eta", type=int, default=ReplaySettings.eta)
    parser.add_argument("--min-epochs", type=int, default=ReplaySettings.min_epochs)
    parser.add_argument("--iterations", type=int, default=ReplaySettings.iterations)
    parser.add_argument("--percentile", type=float, default=ReplaySettings.percentile)
    parser.add_argument("--min-curves", type=int, default=ReplaySettings.min_curves)
    parser.add_argument("--k", type=int, default=ReplaySettings.k)
    parser.add_argument("--pruner-percentile", type=float, default=ReplaySettings.pruner_percentile)
    parser.add_argument("--pruner-min-step", type=int, default=ReplaySettings.pruner_min_step)
    parser.add_argument("--methods", nargs="+", default=())
    parser.add_argument("--jobs", type=int, default=-1)
    parser.add_argument("--plot", type=Path, help="PNG of regret against cumulative epochs")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1; got {args.seeds}")
    settings = ReplaySettings(
        eta=args.eta, min_epochs=args.min_epochs, iterations=args.iterations,
        percentile=args.percentile,
        min_curves=args.min_curves, k=args.k, methods=tuple(args.methods),
        pruner_percentile=args.pruner_percentile, pruner_min_step=args.pruner_min_step,
    )  # fmt: skip
    try:
        replay = load_replay(args.curves)
        settings.validate(replay)
    except (CurveFileError, ValueError) as error:
        print(f"hpo_replay: error: {error}", file=sys.stderr)
        return 2
    print(f"{replay.source}: {replay.n_runs} runs x {replay.max_epochs} epochs; {asdict(settings)}")
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    per_seed = Parallel(n_jobs=args.jobs)(delayed(run_seed)(replay, settings, s) for s in seeds)
    rows = [row for seed_rows in per_seed for row in seed_rows]
    print(format_table(summarise(rows)))
    if args.plot:
        print(f"wrote {plot(rows, replay.regret(None), args.plot)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
