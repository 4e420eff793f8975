"""One array task of an experiment, and the collection of all of them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from experiments import lc_benchmark as lc
from experiments.atomic import write_atomically
from experiments.curves import load_curves
from experiments.slurm.experiment import experiment_from_dict
from experiments.slurm.jobs import corrupt_results, missing_tasks, read_result, result_path


def _qsvr_label(task: dict, varied: bool) -> str:
    if not varied:
        return f"QSVR ({task['backend']})"
    return f"QSVR ({task['backend']}, K={task['n_bits']}, B={task['base']}, xi={task['penalty']})"


def run_task(run_dir: Path, task_id: int) -> Path | None:
    """Compute one task and write its result atomically; skip it if the result exists."""
    run_dir = Path(run_dir)
    target = result_path(run_dir, task_id)
    description = json.loads((run_dir / "experiment.json").read_text())
    experiment = experiment_from_dict(description["experiment"])
    tasks = json.loads((run_dir / "tasks.json").read_text())
    if not 0 <= task_id < len(tasks):
        raise ValueError(f"task {task_id} is not in this run (0..{len(tasks) - 1})")
    task = tasks[task_id]
    if read_result(run_dir, task) is not None:
        return None  # done; a corrupt or foreign file is computed again and replaced
    grid, model = experiment.grid, experiment.model
    varied = max(len(grid.n_bits), len(grid.penalty), len(grid.base)) > 1
    settings = lc.CurveBenchmark(
        fractions=(task["fraction"],),
        train_sizes=(task["n_train"],),
        n_splits=grid.splits,
        hyperparameters="fixed",  # a sweep over the encoding at the experiment's C, eps, gamma
        C=model.C,
        epsilon=model.epsilon,
        gamma=model.gamma,
        n_bits=task["n_bits"],
        base=task["base"],
        penalty=task["penalty"],
        num_reads=model.num_reads,
        combine=model.combine,
        top_k=model.top_k,
        mock_qpu_sizes=(),
    )
    curves = load_curves(experiment.curves)
    rows, detail = lc.run_split(
        curves.accuracy,
        settings,
        task["fraction"],
        task["n_train"],
        task["split"],
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
    write_atomically(target, lambda t: t.write_text(json.dumps(payload)))
    return target


def collect(run_dir: Path, output: Path | None = None) -> dict:
    """Aggregate every result into the table and plots of ``hqml bench``; list missing tasks."""
    from experiments import report
    from experiments.curves import observed_epochs

    run_dir = Path(run_dir)
    output = Path(output) if output else run_dir / "collected"
    description = json.loads((run_dir / "experiment.json").read_text())
    experiment = experiment_from_dict(description["experiment"])
    missing = missing_tasks(run_dir)
    corrupt = corrupt_results(run_dir)
    tasks = json.loads((run_dir / "tasks.json").read_text())
    results = [r for r in (read_result(run_dir, t) for t in tasks) if r is not None]
    seen, rows, details = set(), [], {}
    for result in results:
        for row in result["rows"]:
            key = (row["method"], row["fraction"], row["n_train"], row["split"])
            if key not in seen:  # baselines repeat across backends and encodings
                seen.add(key)
                rows.append(row)
        task = result["task"]
        if task["split"] == 0:
            detail = result["detail"]
            detail["test"] = np.asarray(detail["test"])
            details.setdefault((task["fraction"], task["n_train"]), detail)["predictions"].update(
                detail["predictions"]
            )
    summary = lc.summarise(rows) if rows else []
    report_data = {
        "experiment": description,
        "tasks": len(results) + len(missing),
        "finished": len(results),
        "missing": missing,
        "corrupt": corrupt,
        "summary": summary,
        "results": rows,
    }
    written = [report.write_json(output / "results.json", report_data)]
    if rows:
        written += [
            report.write_csv(output / "results.csv", rows),
            report.write_csv(output / "summary.csv", summary),
            report.plot_r2(summary, output / "r2_by_method.png"),
        ]
        fraction = max(k[0] for k in details) if details else None
        if fraction is not None:
            n_train = min(k[1] for k in details if k[0] == fraction)
            detail = details[(fraction, n_train)]
            qsvr = [m for m in detail["predictions"] if m.startswith("QSVR")]
            shown = [*qsvr[:2], lc.SVR_SAME]
            curves = load_curves(experiment.curves)
            title = f"r = {fraction}, n_train = {n_train}, split 0"
            written.append(
                report.plot_predicted_vs_true(
                    detail, output / "predicted_vs_true.png", shown, title
                )
            )
            observed = observed_epochs(fraction, curves.n_epochs)
            written.append(
                report.plot_curves(curves.accuracy, detail, observed, output / "curves.png", shown)
            )
    return {
        "summary": summary,
        "missing": missing,
        "corrupt": corrupt,
        "finished": len(results),
        "written": written,
    }
