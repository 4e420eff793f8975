"""One array task of an experiment, and the collection of all of them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from experiments import lc_benchmark as lc
from experiments.atomic import check_result_folder, write_atomically
from experiments.curves import load_curves
from experiments.report import RESULT_FILES, ShownSplit, write_result_set
from experiments.slurm.experiment import Experiment, experiment_from_dict
from experiments.slurm.rundir import RunDirectory


def _qsvr_label(task: dict, varied: bool) -> str:
    if not varied:
        return f"QSVR ({task['backend']})"
    return f"QSVR ({task['backend']}, K={task['n_bits']}, B={task['base']}, xi={task['penalty']})"


def task_settings(experiment: Experiment, task: dict) -> lc.CurveBenchmark:
    """The benchmark settings of one task: the experiment's QSVR at the task's grid point."""
    return lc.CurveBenchmark(
        fractions=(task["fraction"],),
        train_sizes=(task["n_train"],),
        n_splits=experiment.grid.splits,
        hyperparameters="fixed",  # a sweep over the encoding at the experiment's C, eps, gamma
        qsvr=experiment.model.replace(
            n_bits=task["n_bits"], base=task["base"], penalty=task["penalty"]
        ),
        mock_qpu_cells=(),
    )


def run_task(run_dir: Path, task_id: int) -> Path | None:
    """Compute one task and write its result atomically; skip it if the result exists."""
    run = RunDirectory(run_dir)
    experiment = experiment_from_dict(run.description()["experiment"])
    tasks = run.tasks()
    if not 0 <= task_id < len(tasks):
        raise ValueError(f"task {task_id} is not in this run (0..{len(tasks) - 1})")
    task = tasks[task_id]
    if run.read_result(task) is not None:
        return None  # done; a corrupt or foreign file is computed again and replaced
    grid = experiment.grid
    varied = max(len(grid.n_bits), len(grid.penalty), len(grid.base)) > 1
    curves = load_curves(experiment.curves)
    rows, detail = lc.run_split(
        curves.accuracy,
        task_settings(experiment, task),
        task["fraction"],
        task["n_train"],
        task["split"],
        groups=curves.groups,
        backend=task["backend"],
        label=_qsvr_label(task, varied),
    )
    payload = {
        "task": task,
        "rows": rows,
        "detail": {
            "test": detail["test"].tolist(),
            "y_true": detail["y_true"].tolist(),
            "predictions": {k: np.asarray(v).tolist() for k, v in detail["predictions"].items()},
        },
    }
    return write_atomically(run.result(task_id), lambda t: t.write_text(json.dumps(payload)))


def _merge(results: list[dict]) -> tuple[list[dict], dict]:
    """Every task's rows once (baselines repeat across backends and encodings), split-0 details."""
    seen, rows, details = set(), [], {}
    for result in results:
        for row in result["rows"]:
            key = (row["method"], row["fraction"], row["n_train"], row["split"])
            if key not in seen:
                seen.add(key)
                rows.append(row)
        task = result["task"]
        if task["split"] == 0:
            detail = result["detail"]
            detail["test"] = np.asarray(detail["test"])
            cell = details.setdefault((task["fraction"], task["n_train"]), detail)
            cell["predictions"].update(detail["predictions"])
    return rows, details


def _shown(experiment: Experiment, details: dict) -> ShownSplit | None:
    if not details:
        return None
    fraction = max(k[0] for k in details)
    n_train = min(k[1] for k in details if k[0] == fraction)
    detail = details[(fraction, n_train)]
    methods = [*[m for m in detail["predictions"] if m.startswith("QSVR")][:2], lc.SVR_SAME]
    curves = load_curves(experiment.curves)
    return lc.shown_split(curves, detail, fraction, n_train, methods)


def collect(run_dir: Path, output: Path | None = None) -> dict:
    """Aggregate every result into the files of ``hqml bench``; list missing and corrupt tasks."""
    run = RunDirectory(run_dir)
    description = run.description()
    experiment = experiment_from_dict(description["experiment"])
    output = check_result_folder(Path(output) if output else run.collected, RESULT_FILES)
    missing, corrupt = run.missing_tasks(), run.corrupt_results()
    results = [r for r in map(run.read_result, run.tasks()) if r is not None]
    rows, details = _merge(results)
    summary = lc.summarise(rows) if rows else []
    payload = {
        "experiment": description,
        "tasks": len(results) + len(missing),
        "finished": len(results),
        "missing": missing,
        "corrupt": corrupt,
        "summary": summary,
        "results": rows,
    }
    written = write_result_set(output, payload, _shown(experiment, details))
    return {
        "summary": summary,
        "missing": missing,
        "corrupt": corrupt,
        "finished": len(results),
        "written": written,
    }
