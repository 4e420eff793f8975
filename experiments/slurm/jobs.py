"""Generate, submit, watch and resubmit the Slurm jobs of an experiment run directory.

A run directory holds everything about one experiment on one system:
``experiment.json`` and ``tasks.json`` (what to compute), ``tasks-<part>.txt``
(which task each array index runs), the batch scripts, ``jobs.json`` (what
was submitted), ``results/task-NNNNNN.json`` (one file per finished task)
and ``logs/``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from experiments.atomic import write_atomically
from experiments.slurm.experiment import QUANTUM_BACKENDS, Experiment
from experiments.slurm.profiles import Profile
from experiments.slurm.scripts import aggregate_script, array_script
from experiments.slurm.values import check_path

PARTS = ("cluster", "quantum")
ACTIVE_STATES = frozenset({"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED"})


class SlurmError(RuntimeError):
    """Slurm is missing or refused a command."""


def result_path(run_dir: Path, task: int) -> Path:
    return Path(run_dir) / "results" / f"task-{task:06d}.json"


def _write_json(path: Path, payload) -> None:
    write_atomically(path, lambda t: t.write_text(json.dumps(payload, indent=2)))


def _partitions(experiment: Experiment, profile: Profile) -> dict[str, str]:
    cluster = experiment.slurm.partition or profile.partition("cluster")
    quantum = experiment.slurm.quantum_partition or profile.partition("quantum")
    return {
        "cluster": profile.check_partition(cluster),
        "quantum": profile.check_partition(quantum),
    }


def split_tasks(experiment: Experiment) -> dict[str, list[int]]:
    """Task ids by part: QPU and hybrid tasks go to the quantum module."""
    parts: dict[str, list[int]] = {part: [] for part in PARTS}
    for task in experiment.tasks():
        parts["quantum" if task["backend"] in QUANTUM_BACKENDS else "cluster"].append(task["task"])
    return parts


def generate(
    experiment: Experiment, profile: Profile, run_dir: Path, *, environment: str | None = None
) -> list[Path]:
    """Write the run directory's task lists and batch scripts; submit nothing."""
    run_dir = Path(run_dir).resolve()
    if any(ord(c) < 32 for c in str(run_dir)):
        raise ValueError(f"the run directory must be one line of text; got {str(run_dir)!r}")
    partitions = _partitions(experiment, profile)  # refuses unknown partitions before writing
    environment = environment if environment is not None else (profile.environment or sys.prefix)
    check_path(environment, "the environment (--env)")
    # Through JSON and back, so that tuples and lists compare as they are stored.
    description = json.loads(
        json.dumps({"experiment": experiment.as_dict(), "system": profile.name})
    )
    existing = run_dir / "experiment.json"
    if existing.is_file() and json.loads(existing.read_text()) != description:
        raise ValueError(
            f"{run_dir} already holds a different experiment; choose another run directory "
            "so that results of the two are never mixed"
        )
    (run_dir / "results").mkdir(parents=True, exist_ok=True)
    (run_dir / "logs").mkdir(exist_ok=True)
    written = [existing]
    _write_json(existing, description)
    written.append(run_dir / "tasks.json")
    _write_json(written[-1], experiment.tasks())
    for part, ids in split_tasks(experiment).items():
        if not ids:
            continue
        listing = run_dir / f"tasks-{part}.txt"
        write_atomically(listing, lambda t, ids=ids: t.write_text("".join(f"{i}\n" for i in ids)))
        script = array_script(
            experiment,
            profile,
            part=part,
            partition=partitions[part],
            n_tasks=len(ids),
            run_dir=run_dir,
            environment=environment,
        )
        path = run_dir / f"job-{part}.sh"
        write_atomically(path, lambda t, s=script: t.write_text(s))
        written += [listing, path]
    collect = aggregate_script(
        experiment,
        profile,
        partition=partitions["cluster"],
        run_dir=run_dir,
        environment=environment,
    )
    written.append(run_dir / "aggregate.sh")
    write_atomically(written[-1], lambda t: t.write_text(collect))
    return written


def _slurm(command: list[str]) -> str:
    if shutil.which(command[0]) is None:
        raise SlurmError(
            f"`{command[0]}` was not found on PATH: run this on a login node of the cluster, "
            "or install Slurm (Debian: apt-get install slurm-client)"
        )
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SlurmError(
            f"`{' '.join(command)}` failed: {done.stderr.strip() or done.stdout.strip()}"
        )
    return done.stdout.strip()


def _sbatch(script: Path, *options: str) -> str:
    return _slurm(["sbatch", "--parsable", *options, str(script)]).split(";")[0]


def _record(run_dir: Path, entries: list[dict]) -> None:
    path = run_dir / "jobs.json"
    history = json.loads(path.read_text()) if path.is_file() else []
    _write_json(path, history + entries)


def submit(run_dir: Path) -> list[dict]:
    """Submit every array of the run directory, then the aggregation job after them."""
    run_dir = Path(run_dir).resolve()
    if shutil.which("sbatch") is None:
        _slurm(["sbatch"])  # raises the explanatory SlurmError
    if not (run_dir / "experiment.json").is_file():
        raise ValueError(f"{run_dir} is not a run directory: run `hqml slurm generate` first")
    entries = []
    for part in PARTS:
        script = run_dir / f"job-{part}.sh"
        if script.is_file():
            entries.append({"part": part, "job": _sbatch(script), "array": "all"})
    return entries + _submit_aggregate(run_dir, entries)


def _submit_aggregate(run_dir: Path, entries: list[dict]) -> list[dict]:
    dependency = "afterany:" + ":".join(e["job"] for e in entries)
    collect = {
        "part": "aggregate",
        "job": _sbatch(run_dir / "aggregate.sh", f"--dependency={dependency}"),
    }
    _record(run_dir, [*entries, collect])
    return [collect]


def _queued(run_dir: Path) -> dict[str, str]:
    """State of every queued array element of this run, keyed 'JOB_INDEX'."""
    path = run_dir / "jobs.json"
    if not path.is_file():
        return {}
    jobs = [e["job"] for e in json.loads(path.read_text())]
    output = _slurm(
        ["squeue", "--noheader", "--array", "--jobs=" + ",".join(jobs), "--format=%i|%T"]
    )
    return dict(line.split("|", 1) for line in output.splitlines() if "|" in line)


def read_result(run_dir: Path, task: dict) -> dict | None:
    """The task's result, or None if it has none or its file is not a result of this task.

    A file counts only if it parses as JSON and records this very task with
    a list of rows: a truncated file, a stray file or one from another grid
    is not a finished task.
    """
    path = result_path(run_dir, task["task"])
    try:
        result = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(result, dict) or not isinstance(result.get("rows"), list):
        return None
    return result if result.get("task") == task else None


def corrupt_results(run_dir: Path) -> list[str]:
    """Result files that exist but are not a valid result of their task."""
    tasks = json.loads((Path(run_dir) / "tasks.json").read_text())
    return [
        str(result_path(run_dir, t["task"]))
        for t in tasks
        if result_path(run_dir, t["task"]).is_file() and read_result(run_dir, t) is None
    ]


def missing_tasks(run_dir: Path) -> list[int]:
    """Tasks of the run without a valid result (absent or corrupt file)."""
    tasks = json.loads((Path(run_dir) / "tasks.json").read_text())
    return [t["task"] for t in tasks if read_result(run_dir, t) is None]


def status(run_dir: Path) -> dict:
    """Finished, queued and missing tasks, from result files and squeue (and sacct if kept)."""
    run_dir = Path(run_dir).resolve()
    tasks = json.loads((run_dir / "tasks.json").read_text())
    queued = _queued(run_dir)
    states: dict[str, int] = {}
    for state in queued.values():
        states[state] = states.get(state, 0) + 1
    missing = missing_tasks(run_dir)
    report = {
        "tasks": len(tasks),
        "finished": len(tasks) - len(missing),
        "queue": states,
        "missing": missing,
        "corrupt": corrupt_results(run_dir),
    }
    try:
        jobs = [e["job"] for e in json.loads((run_dir / "jobs.json").read_text())]
        report["sacct"] = _slurm(
            ["sacct", "--noheader", "--parsable2", "--jobs=" + ",".join(jobs),
             "--format=JobID,State,ExitCode"]
        ).splitlines()  # fmt: skip
    except (SlurmError, FileNotFoundError):
        report["sacct"] = None  # accounting disabled: squeue and result files still tell
    return report


def _active_tasks(run_dir: Path) -> set[int]:
    """Tasks whose array element is still pending or running."""
    entries = (
        json.loads((run_dir / "jobs.json").read_text()) if (run_dir / "jobs.json").is_file() else []
    )
    arrays = {e["job"]: e for e in entries if e["part"] in PARTS}
    active = set()
    for key, state in _queued(run_dir).items():
        job, _, index = key.partition("_")
        if job in arrays and index.isdigit() and state in ACTIVE_STATES:
            ids = (run_dir / f"tasks-{arrays[job]['part']}.txt").read_text().split()
            active.add(int(ids[int(index)]))
    return active


def resubmit_failed(run_dir: Path) -> list[dict]:
    """Resubmit tasks that have no result and are not queued any more, then re-aggregate."""
    run_dir = Path(run_dir).resolve()
    failed = set(missing_tasks(run_dir)) - _active_tasks(run_dir)
    entries = []
    for part in PARTS:
        listing = run_dir / f"tasks-{part}.txt"
        if not listing.is_file():
            continue
        ids = [int(line) for line in listing.read_text().split()]
        indices = [str(i) for i, task in enumerate(ids) if task in failed]
        if indices:
            job = _sbatch(run_dir / f"job-{part}.sh", "--array=" + ",".join(indices))
            entries.append({"part": part, "job": job, "array": ",".join(indices)})
    if not entries:
        return []
    return entries + _submit_aggregate(run_dir, entries)
