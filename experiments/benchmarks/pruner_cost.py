"""What one prune decision costs at 200 finished trials: hqml's CurvePruner against Optuna's.

A study is filled with ``--finished`` completed trials of replayed curves
(in memory, in SQLite and in a journal file); then ``--decisions`` new
trials each report their first steps, and every ``pruner.prune`` call at a
decision step is timed, for hqml's pruner (QSVR on "sa", and SVR) and for
Optuna's MedianPruner on the same study and trials, side by side. The
mean includes the refits the arriving trials cause; the median is a
decision without one.

    python -m experiments.benchmarks.pruner_cost [--finished 200] [--decisions 40]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from early_stopping import CurvePredictor
from experiments.benchmarks.hpo_replay import load_replay


def _storages(folder: Path) -> dict:
    from optuna.storages import JournalStorage, RDBStorage
    from optuna.storages.journal import JournalFileBackend

    return {
        "memory": None,
        "sqlite": RDBStorage(f"sqlite:///{folder / 'study.db'}"),
        "journal": JournalStorage(JournalFileBackend(str(folder / "journal.log"))),
    }


def _filled(storage, accuracy: np.ndarray, finished: int, name: str):
    import optuna

    study = optuna.create_study(study_name=name, storage=storage, direction="maximize")
    trials = []
    for run in range(finished):
        values = {e + 1: float(v) for e, v in enumerate(accuracy[run])}
        trials.append(optuna.trial.create_trial(
            params={"run": run}, distributions={"run": optuna.distributions.IntDistribution(
                0, len(accuracy) - 1)},
            value=float(accuracy[run, -1]), intermediate_values=values,
        ))  # fmt: skip
    study.add_trials(trials)
    return study


def _time_decisions(study, pruner, accuracy, first: int, decisions: int, steps) -> np.ndarray:
    """Seconds of each ``prune`` call at a decision step of ``decisions`` new trials."""
    seconds = []
    for run in range(first, first + decisions):
        trial = study.ask()
        for step in range(1, max(steps) + 1):
            trial.report(float(accuracy[run, step - 1]), step)
            if step in steps:
                frozen = study._storage.get_trial(trial._trial_id)
                started = time.perf_counter()
                pruner.prune(study, frozen)
                seconds.append(time.perf_counter() - started)
        study.tell(trial, float(accuracy[run, -1]))  # finished: the next decisions see it
    return np.array(seconds)


def main(argv=None) -> int:
    import optuna

    from early_stopping import CurvePruner, decision_steps

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--curves", default="digits")
    parser.add_argument("--finished", type=int, default=200)
    parser.add_argument("--decisions", type=int, default=40)
    args = parser.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    accuracy = load_replay(args.curves).accuracy
    if args.finished + args.decisions > len(accuracy):
        parser.error(f"--finished + --decisions exceeds the {len(accuracy)} curves")
    R = accuracy.shape[1]
    steps = set(decision_steps(2, R))
    print(f"{args.finished} finished trials of {R} steps; decisions at steps {sorted(steps)}")
    print(
        f"{'storage':<8} {'pruner':<22} {'median ms':>9} {'mean ms':>8} {'max ms':>8} {'calls':>6}"
    )
    pruners = {
        "hqml (QSVR, sa)": lambda: CurvePruner(R, CurvePredictor("qsvr")),
        "hqml (SVR)": lambda: CurvePruner(R, CurvePredictor("svr")),
        "Optuna MedianPruner": optuna.pruners.MedianPruner,
    }
    with tempfile.TemporaryDirectory() as folder:
        for storage_name, storage in _storages(Path(folder)).items():
            for pruner_name, make in pruners.items():
                study = _filled(storage, accuracy, args.finished, f"{storage_name}-{pruner_name}")
                seconds = 1e3 * _time_decisions(
                    study, make(), accuracy, args.finished, args.decisions, steps
                )
                print(f"{storage_name:<8} {pruner_name:<22} {np.median(seconds):9.1f} "
                      f"{seconds.mean():8.1f} {seconds.max():8.0f} {seconds.size:6}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
