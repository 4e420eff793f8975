"""Generate, submit, watch and resubmit the Slurm jobs of an experiment run directory.

The files are named by :class:`experiments.slurm.rundir.RunDirectory`.
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
from experiments.slurm.rundir import PARTS, RunDirectory, write_json
from experiments.slurm.scripts import aggregate_script, array_script
from experiments.slurm.values import check_path

ACTIVE_STATES = frozenset({"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED"})


class SlurmError(RuntimeError):
    """Slurm is missing or refused a command."""


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


#: What a run directory may hold before hqml writes into it: its own files only.
_RUN_FILES = frozenset(
    {"experiment.json", "tasks.json", "jobs.json", "aggregate.sh", "results", "logs", "collected"}
    | {f"tasks-{part}.txt" for part in PARTS}
    | {f"job-{part}.sh" for part in PARTS}
)


def _foreign(names: set[str]) -> list[str]:
    """Names that are neither a run's files nor the hidden temporaries of their atomic writes."""
    own = {name for name in names if name in _RUN_FILES}
    temporary = {n for n in names if any(n.startswith(f".{f}.") for f in _RUN_FILES)}
    return sorted(names - own - temporary)


def _checked_run_directory(run_dir: Path, description: dict) -> RunDirectory:
    """The run directory, refused unless it is new, empty, or one hqml made for this experiment.

    It is never a symbolic link (generate may run as root; a link to a
    system folder would have it write there), and nothing inside that hqml
    would write through is a link either. A folder holding anything else
    (a user's own ``tasks.json``) is not hqml's to overwrite.
    """
    if any(ord(c) < 32 for c in str(run_dir)):
        raise ValueError(f"the run directory must be one line of text; got {str(run_dir)!r}")
    for path in [run_dir, *run_dir.parents]:
        if path.is_symlink():
            raise ValueError(
                f"the run directory {run_dir} goes through the symbolic link {path}; "
                "expected a real folder path"
            )
    if run_dir.exists() and not run_dir.is_dir():
        raise ValueError(f"the run directory {run_dir} exists and is not a folder")
    if run_dir.is_dir():
        contents = {p.name for p in run_dir.iterdir()}
        links = sorted(p.name for p in run_dir.iterdir() if p.is_symlink())
        if links or (contents and "experiment.json" not in contents):
            raise ValueError(
                f"the run directory {run_dir} holds files hqml did not write "
                f"({sorted(links or contents)[:5]}); expected a new or empty folder, or a "
                "run directory of `hqml slurm generate`"
            )
        foreign = _foreign(contents)
        if foreign:
            raise ValueError(
                f"the run directory {run_dir} holds files that are not a run's: {foreign[:5]}; "
                "expected only hqml's files"
            )
    run = RunDirectory(run_dir)
    stored = run.experiment_file
    if stored.is_file() and json.loads(stored.read_text()) != description:
        raise ValueError(
            f"{run.path} already holds a different experiment; choose another run directory "
            "so that results of the two are never mixed"
        )
    return run


def generate(
    experiment: Experiment, profile: Profile, run_dir: Path, *, environment: str | None = None
) -> list[Path]:
    """Write the run directory's task lists and batch scripts; submit nothing."""
    partitions = _partitions(experiment, profile)  # refuses unknown partitions before writing
    environment = environment if environment is not None else (profile.environment or sys.prefix)
    environment = check_path(environment, "the environment (--env)")  # expands a leading ~
    # Through JSON and back, so that tuples and lists compare as they are stored.
    description = json.loads(
        json.dumps({"experiment": experiment.as_dict(), "system": profile.name})
    )
    run = _checked_run_directory(Path(run_dir), description)
    run.results.mkdir(parents=True, exist_ok=True)
    run.logs.mkdir(exist_ok=True)
    written = [write_json(run.experiment_file, description)]
    written.append(write_json(run.tasks_file, experiment.tasks()))
    scripts = {"run": run, "environment": environment}
    for part, ids in split_tasks(experiment).items():
        if ids:
            text = "".join(f"{i}\n" for i in ids)
            written.append(write_atomically(run.task_list(part), lambda t, s=text: t.write_text(s)))
            script = array_script(
                experiment,
                profile,
                part=part,
                partition=partitions[part],
                n_tasks=len(ids),
                **scripts,
            )
            written.append(
                write_atomically(run.job_script(part), lambda t, s=script: t.write_text(s))
            )
    collect = aggregate_script(experiment, profile, partition=partitions["cluster"], **scripts)
    written.append(write_atomically(run.aggregate_script, lambda t: t.write_text(collect)))
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


def submit(run_dir: Path) -> list[dict]:
    """Submit every array of the run directory, then the aggregation job after them."""
    run = RunDirectory(run_dir)
    if shutil.which("sbatch") is None:
        _slurm(["sbatch"])  # raises the explanatory SlurmError
    run.description()  # refuses a folder that is no run directory
    entries = [
        {"part": part, "job": _sbatch(run.job_script(part)), "array": "all"}
        for part in PARTS
        if run.job_script(part).is_file()
    ]
    return entries + _submit_aggregate(run, entries)


def _submit_aggregate(run: RunDirectory, entries: list[dict]) -> list[dict]:
    dependency = "afterany:" + ":".join(e["job"] for e in entries)
    collect = {
        "part": "aggregate",
        "job": _sbatch(run.aggregate_script, f"--dependency={dependency}"),
    }
    run.record_jobs([*entries, collect])
    return [collect]


def _queued(run: RunDirectory) -> dict[str, str]:
    """State of every queued array element of this run, keyed 'JOB_INDEX'."""
    jobs = [e["job"] for e in run.jobs()]
    if not jobs:
        return {}
    output = _slurm(
        ["squeue", "--noheader", "--array", "--jobs=" + ",".join(jobs), "--format=%i|%T"]
    )
    return dict(line.split("|", 1) for line in output.splitlines() if "|" in line)


def status(run_dir: Path) -> dict:
    """Finished, queued and missing tasks, from result files and squeue (and sacct if kept)."""
    run = RunDirectory(run_dir)
    tasks = run.tasks()
    states: dict[str, int] = {}
    for state in _queued(run).values():
        states[state] = states.get(state, 0) + 1
    missing = run.missing_tasks()
    return {
        "tasks": len(tasks),
        "finished": len(tasks) - len(missing),
        "queue": states,
        "missing": missing,
        "corrupt": run.corrupt_results(),
        "sacct": _accounting(run),
    }


def _accounting(run: RunDirectory) -> list[str] | None:
    """sacct's lines for the run's jobs; None where accounting is disabled."""
    jobs = [e["job"] for e in run.jobs()]
    if not jobs:
        return None
    try:
        return _slurm(
            ["sacct", "--noheader", "--parsable2", "--jobs=" + ",".join(jobs),
             "--format=JobID,State,ExitCode"]
        ).splitlines()  # fmt: skip
    except SlurmError:
        return None  # squeue and the result files still tell


def _active_tasks(run: RunDirectory) -> set[int]:
    """Tasks whose array element is still pending or running."""
    arrays = {e["job"]: e for e in run.jobs() if e["part"] in PARTS}
    active = set()
    for key, state in _queued(run).items():
        job, _, index = key.partition("_")
        if job in arrays and index.isdigit() and state in ACTIVE_STATES:
            active.add(run.task_ids(arrays[job]["part"])[int(index)])
    return active


def _throttle(run: RunDirectory) -> str:
    """The array's ``%N`` (max_parallel) as generated: a resubmitted array keeps it."""
    parallel = run.description()["experiment"].get("slurm", {}).get("max_parallel", 0)
    return f"%{parallel}" if isinstance(parallel, int) and parallel > 0 else ""


def resubmit_failed(run_dir: Path) -> list[dict]:
    """Resubmit tasks that have no result and are not queued any more, then re-aggregate."""
    run = RunDirectory(run_dir)
    failed = set(run.missing_tasks()) - _active_tasks(run)
    throttle = _throttle(run)
    entries = []
    for part in PARTS:
        ids = run.task_ids(part)
        indices = [str(i) for i, task in enumerate(ids) if task in failed]
        if indices:
            job = _sbatch(run.job_script(part), f"--array={','.join(indices)}{throttle}")
            entries.append({"part": part, "job": job, "array": ",".join(indices)})
    if not entries:
        return []
    return entries + _submit_aggregate(run, entries)
