"""The run directory: every file of one experiment run on one system, named in one place.

Layout::

    experiment.json         the experiment and the system (what to compute)
    tasks.json              every task of the grid, numbered from 0
    tasks-<part>.txt        which task each array index of a part runs
    job-<part>.sh           the array script of a part ("cluster", "quantum")
    aggregate.sh            the aggregation job
    jobs.json               what was submitted, appended to on every submission
    results/task-NNNNNN.json  one file per finished task
    logs/                   Slurm's output files
    collected/              the collected table and plots (``hqml slurm collect``)
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from experiments.atomic import write_atomically
from experiments.slurm.values import escape_filename_pattern

PARTS = ("cluster", "quantum")


def write_json(path: Path, payload) -> Path:
    """Write ``payload`` as indented JSON, atomically."""
    return write_atomically(path, lambda t: t.write_text(json.dumps(payload, indent=2)))


def _refuse(constant: str):
    raise ValueError(f"{constant} is not JSON")


#: A result row's keys and what each must hold: hqml writes no other rows.
_NUMBERS = ("r2", "mae", "kendall_tau")
_OPTIONAL = {"rounds": int, "polished": bool, "working_sets": int, "kkt_met": bool}


def _finite(value) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value)) and abs(float(value)) < 1e300
    except OverflowError:  # an integer of 400 digits
        return False


def _finite_list(value) -> bool:
    return isinstance(value, list) and all(_finite(v) for v in value)


def valid_row(row, task: dict) -> bool:
    """Whether ``row`` is a result row of ``task``: its keys, types and finite scores."""
    if not isinstance(row, dict) or not isinstance(row.get("method"), str):
        return False
    cell = all(row.get(key) == task[key] for key in ("fraction", "n_train", "split"))
    scores = all(_finite(row.get(key)) for key in _NUMBERS)
    optional = all(
        row.get(key) is None
        or (
            (isinstance(row[key], bool) if kind is bool else _finite(row[key]))
            and isinstance(row[key], kind)
        )
        for key, kind in _OPTIONAL.items()
    )
    return cell and scores and optional


def valid_result(result, task: dict) -> bool:
    """Whether a parsed result file is ``task``'s: rows and a detail of hqml's schema."""
    if not isinstance(result, dict) or result.get("task") != task:
        return False
    rows, detail = result.get("rows"), result.get("detail")
    if not isinstance(rows, list) or not rows or not all(valid_row(r, task) for r in rows):
        return False
    if not isinstance(detail, dict) or not isinstance(detail.get("predictions"), dict):
        return False
    test = detail.get("test")
    lists = [detail.get("y_true"), *detail["predictions"].values()]
    integers = isinstance(test, list) and all(isinstance(i, int) and i >= 0 for i in test)
    return integers and all(_finite_list(v) and len(v) == len(test) for v in lists)


@dataclass(frozen=True)
class RunDirectory:
    """The files of a run directory, and reading the ones that describe the run."""

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path).resolve())

    @property
    def experiment_file(self) -> Path:
        return self.path / "experiment.json"

    @property
    def tasks_file(self) -> Path:
        return self.path / "tasks.json"

    @property
    def jobs_file(self) -> Path:
        return self.path / "jobs.json"

    @property
    def aggregate_script(self) -> Path:
        return self.path / "aggregate.sh"

    @property
    def results(self) -> Path:
        return self.path / "results"

    @property
    def logs(self) -> Path:
        return self.path / "logs"

    @property
    def collected(self) -> Path:
        return self.path / "collected"

    def task_list(self, part: str) -> Path:
        return self.path / f"tasks-{part}.txt"

    def job_script(self, part: str) -> Path:
        return self.path / f"job-{part}.sh"

    def result(self, task: int) -> Path:
        return self.results / f"task-{task:06d}.json"

    def array_log(self) -> str:
        """Slurm's ``--output`` pattern of an array element (job name, array job, index)."""
        return f"{escape_filename_pattern(str(self.logs))}/%x-%A_%a.out"

    def aggregate_log(self) -> str:
        """Slurm's ``--output`` pattern of the aggregation job."""
        return f"{escape_filename_pattern(str(self.logs))}/%x-%j.out"

    def description(self) -> dict:
        """The stored experiment and system; a clear error when this is no run directory."""
        if not self.experiment_file.is_file():
            raise ValueError(f"{self.path} is not a run directory: run `hqml slurm generate` first")
        return json.loads(self.experiment_file.read_text())

    def tasks(self) -> list[dict]:
        """Every task of the run; a clear error when this is no run directory."""
        if not self.tasks_file.is_file():
            self.description()  # names the folder that is no run directory
            raise ValueError(
                f"{self.path} has no {self.tasks_file.name}: run `hqml slurm generate`"
            )
        return json.loads(self.tasks_file.read_text())

    def task_ids(self, part: str) -> list[int]:
        """The task of each array index of ``part``, or [] if the part has no array."""
        listing = self.task_list(part)
        return [int(line) for line in listing.read_text().split()] if listing.is_file() else []

    def jobs(self) -> list[dict]:
        """Every submission so far, or [] before the first; an error names a malformed file."""
        if not self.jobs_file.is_file():
            return []
        try:
            entries = json.loads(self.jobs_file.read_text())
        except ValueError as error:
            raise ValueError(f"{self.jobs_file} is not valid JSON: {error}") from None
        expected = 'a list of {"part": ..., "job": "<digits>"} entries'
        if not isinstance(entries, list):
            raise ValueError(f"{self.jobs_file} must hold {expected}; got {type(entries).__name__}")
        for entry in entries:
            if not (
                isinstance(entry, dict)
                and isinstance(entry.get("part"), str)
                and isinstance(entry.get("job"), str)
                and entry["job"].isdigit()
            ):
                raise ValueError(f"{self.jobs_file} must hold {expected}; got the entry {entry!r}")
        return entries

    def record_jobs(self, entries: list[dict]) -> None:
        write_json(self.jobs_file, self.jobs() + entries)

    def read_result(self, task: dict) -> dict | None:
        """The task's result, or None if it has none or its file is not a result of this task.

        A file counts only if it parses as strict JSON (no NaN or Infinity),
        records this very task and holds rows and a detail of the schema
        :func:`valid_result` checks: a truncated file, a stray file, one from
        another grid or one with a string, a list or 1e999 where a number
        belongs is not a finished task.
        """
        try:
            result = json.loads(self.result(task["task"]).read_text(), parse_constant=_refuse)
        except (OSError, ValueError, RecursionError):
            return None
        return result if valid_result(result, task) else None

    def corrupt_results(self) -> list[str]:
        """Result files that exist but are not a valid result of their task."""
        return [
            str(self.result(t["task"]))
            for t in self.tasks()
            if self.result(t["task"]).is_file() and self.read_result(t) is None
        ]

    def missing_tasks(self) -> list[int]:
        """Tasks of the run without a valid result (absent or corrupt file)."""
        return [t["task"] for t in self.tasks() if self.read_result(t) is None]
