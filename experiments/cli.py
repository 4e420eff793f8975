"""The ``hqml`` command line: benchmarks and learning-curve generation."""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from experiments import regression
from experiments.atomic import ResultWriteError, check_result_folder


def _fail(message: str) -> int:
    print(f"hqml: error: {message}", file=sys.stderr)
    return 2


def _bench(args: argparse.Namespace) -> int:
    from experiments import lc_benchmark as lc
    from experiments import report
    from experiments.curves import CurveFileError, load_curves

    settings = lc.CurveBenchmark(
        fractions=tuple(args.fractions),
        train_sizes=tuple(args.train_sizes or (20, 50, 100)),
        n_splits=args.splits,
        seed=args.seed,
        mock_qpu_cells=() if args.no_mock_qpu else lc.CurveBenchmark.mock_qpu_cells,
        extra_cells=() if args.no_large_cell or args.train_sizes else (lc.LARGE_CELL,),
    )
    try:
        curves = load_curves(args.curves)
        settings.validate(curves)
        check_result_folder(args.output, report.RESULT_FILES)
    except (CurveFileError, ValueError) as error:
        return _fail(str(error))
    print(
        f"Learning-curve extrapolation on {curves.n_runs} curves x {curves.n_epochs} epochs "
        f"({Path(curves.source).name}); fractions {settings.fractions}, n_train "
        f"{settings.train_sizes}"
        + "".join(f" and (r={f}, n_train={n})" for f, n in settings.extra_cells)
        + f", {settings.n_splits} splits"
    )
    start = time.perf_counter()
    rows, details = lc.run(curves, settings, n_jobs=args.jobs, progress=not args.quiet)
    summary = lc.summarise(rows)
    print(lc.format_table(summary))
    elapsed = time.perf_counter() - start
    payload = {
        "benchmark": "learning-curve extrapolation",
        "settings": settings.as_dict(),
        "curves": _curve_record(curves),
        "versions": report.versions(),
        "seconds": elapsed,
        "summary": summary,
        "results": rows,
    }
    fraction, n_train = max(settings.fractions), min(settings.train_sizes)
    detail = details[(fraction, n_train)]
    methods = [m for m in (lc.QSVR_SA, settings.reference, lc.POW3) if m in detail["predictions"]]
    shown = lc.shown_split(curves, detail, fraction, n_train, methods)
    try:
        written = report.write_result_set(Path(args.output), payload, shown)
    except ResultWriteError as error:  # the table above is the computed result
        return _fail(f"{error}; the summary table above is what was computed")
    print(f"\n{elapsed:.0f} s; wrote {', '.join(str(p) for p in written)}")
    return 0


def _curve_record(curves) -> dict:
    digest = hashlib.sha256(Path(curves.source).read_bytes()).hexdigest()
    return {"path": curves.source, "sha256": digest, "runs": curves.n_runs}


def _regression(args: argparse.Namespace) -> int:
    settings = regression.RegressionBenchmark(n_splits=args.splits, seed=args.seed)
    rows = regression.run(settings, n_jobs=args.jobs, progress=not args.quiet)
    print(regression.r2_table(rows))
    return 0


def _generate_curves(args: argparse.Namespace) -> int:
    from experiments.curve_generator import generate

    try:
        path = generate(
            args.dataset,
            runs=args.runs,
            epochs=args.epochs,
            output=args.output,
            seed=args.seed,
            cifar_dir=args.cifar_dir,
            n_jobs=args.jobs,
            samples=args.samples,
        )
    except (ValueError, FileNotFoundError, RuntimeError) as error:
        return _fail(str(error))
    print(f"wrote {path}")
    return 0


def _slurm_errors() -> tuple[type[Exception], ...]:
    from experiments.slurm.experiment import ExperimentError
    from experiments.slurm.jobs import SlurmError
    from experiments.slurm.profiles import ProfileError

    return ExperimentError, ProfileError, SlurmError, ValueError, FileNotFoundError, FileExistsError


def _reported(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Run a `hqml slurm` handler; its errors become one line on stderr and exit code 2.

    Every handler validates what it needs before it submits or writes anything.
    """

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except _slurm_errors() as error:
            return _fail(str(error))

    return run


@_reported
def _slurm_systems(args: argparse.Namespace) -> int:
    from experiments.slurm.profiles import ProfileError, available_systems, load_profile

    for name in available_systems():
        try:
            print(f"{name:<16} {load_profile(name).description}")
        except ProfileError as error:  # one broken profile does not hide the others
            print(f"{name:<16} BROKEN: {error}")
    return 0


@_reported
def _slurm_generate(args: argparse.Namespace) -> int:
    from experiments.slurm import jobs
    from experiments.slurm.experiment import load_experiment
    from experiments.slurm.profiles import load_profile

    experiment = load_experiment(args.experiment)
    profile = load_profile(args.system)
    run_dir = Path(args.run_dir or f"slurm-runs/{experiment.name}-{profile.name}")
    written = jobs.generate(experiment, profile, run_dir, environment=args.env)
    print(f"{len(experiment.tasks())} tasks; wrote {', '.join(str(p) for p in written)}")
    return 0


@_reported
def _slurm_submit(args: argparse.Namespace) -> int:
    from experiments.slurm import jobs

    for entry in jobs.submit(Path(args.run_dir)):
        print(f"submitted {entry['part']}: job {entry['job']}")
    return 0


@_reported
def _slurm_status(args: argparse.Namespace) -> int:
    from experiments.slurm import jobs

    print(json.dumps(jobs.status(Path(args.run_dir)), indent=2))
    return 0


@_reported
def _slurm_resubmit(args: argparse.Namespace) -> int:
    from experiments.slurm import jobs

    entries = jobs.resubmit_failed(Path(args.run_dir))
    if not entries:
        print("nothing to resubmit")
    for e in entries:
        print(f"resubmitted {e['part']}: job {e['job']} (array {e.get('array', '')})")
    return 0


@_reported
def _slurm_run_task(args: argparse.Namespace) -> int:
    from experiments.slurm.tasks import run_task

    written = run_task(Path(args.run_dir), args.task)
    print(f"task {args.task}: " + (f"wrote {written}" if written else "already done, skipped"))
    return 0


@_reported
def _slurm_collect(args: argparse.Namespace) -> int:
    from experiments import lc_benchmark as lc
    from experiments.slurm.tasks import collect

    outcome = collect(Path(args.run_dir), args.output)
    if outcome["summary"]:
        print(lc.format_table(outcome["summary"]))
    print(f"\n{outcome['finished']} tasks finished")
    if outcome["corrupt"]:
        print(
            f"CORRUPT result files ({len(outcome['corrupt'])}), counted as missing and "
            f"redone by `hqml slurm resubmit --failed`: {outcome['corrupt']}"
        )
    if outcome["missing"]:
        print(
            f"MISSING tasks ({len(outcome['missing'])}): {outcome['missing']}; "
            "rerun them with `hqml slurm resubmit --failed`"
        )
        return 3
    return 0


@_reported
def _slurm_ray(args: argparse.Namespace) -> int:
    from experiments.slurm.profiles import load_profile
    from experiments.slurm.ray_job import RayJob, write_ray_script

    command = tuple(args.search[1:] if args.search[:1] == ["--"] else args.search)
    job = RayJob(
        load_profile(args.system), command, nodes=args.nodes, role=args.role, time=args.time,
        environment=args.env or "", log=args.log, port=args.port,
    )  # fmt: skip
    path = write_ray_script(args.script, job)
    print(f"wrote {path}: a Ray head and {args.nodes} worker node(s), then: {' '.join(command)}")
    return 0


def _slurm_ray_parser(sub) -> None:
    ray = sub.add_parser(
        "ray", help="write a job script: a Ray cluster on the allocation, then a search on it"
    )
    ray.add_argument("--system", required=True, help="profile name or TOML path")
    ray.add_argument("--script", required=True, help="the job script to write")
    ray.add_argument("--nodes", type=_positive, default=1)
    ray.add_argument("--role", default="cluster", help="the profile's partition role")
    ray.add_argument("--time", default="01:00:00", help="Slurm time limit")
    ray.add_argument("--env", help="virtual environment to activate in the job")
    ray.add_argument("--log", default="hqml-ray-%j.out", help="Slurm output file (%%j: job id)")
    ray.add_argument("--port", type=int, default=6379, help="the Ray head's port")
    ray.add_argument(
        "search", nargs=argparse.REMAINDER,
        help="after --: the search, e.g. -- python -m experiments.ray_search --output s.json",
    )  # fmt: skip
    ray.set_defaults(handler=_slurm_ray)


def _slurm_parser(commands) -> None:
    slurm = commands.add_parser("slurm", help="batch jobs on a Slurm cluster")
    sub = slurm.add_subparsers(dest="slurm_command", required=True)
    sub.add_parser("systems", help="list the system profiles").set_defaults(handler=_slurm_systems)
    generate = sub.add_parser("generate", help="write batch scripts for an experiment")
    generate.add_argument("experiment", help="experiment TOML file")
    generate.add_argument("--system", required=True, help="profile name or TOML path")
    generate.add_argument("--run-dir", help="run directory (default slurm-runs/NAME-SYSTEM)")
    generate.add_argument("--env", help="virtual environment to activate in the jobs")
    generate.set_defaults(handler=_slurm_generate)
    for name, text, handler in [
        ("submit", "submit the arrays and the aggregation job", _slurm_submit),
        ("status", "report queue states and finished tasks", _slurm_status),
        ("collect", "aggregate results into the R^2 table and plots", _slurm_collect),
    ]:
        command = sub.add_parser(name, help=text)
        command.add_argument("run_dir")
        command.set_defaults(handler=handler)
    sub.choices["collect"].add_argument("--output", help="folder for the collected files")
    resubmit = sub.add_parser("resubmit", help="rerun tasks without a result")
    resubmit.add_argument("run_dir")
    resubmit.add_argument("--failed", action="store_true", required=True)
    resubmit.set_defaults(handler=_slurm_resubmit)
    task = sub.add_parser("run-task", help="compute one array task (used by the scripts)")
    task.add_argument("run_dir")
    task.add_argument("--task", type=int, required=True)
    task.set_defaults(handler=_slurm_run_task)
    _slurm_ray_parser(sub)


def _jobs(text: str) -> int:
    value = int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must not be 0; give a number of workers, or -1 for all")
    return value


def _seed(text: str) -> int:
    value = int(text)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be an integer in [0, 2**32); got {value}")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {value}")
    return value


def _bench_parser(commands) -> None:
    bench = commands.add_parser(
        "bench", help="learning-curve benchmark: QSVR vs CV-tuned SVR, ridge, pow3 fit, last value"
    )
    bench.add_argument("--curves", help="curve file (default: the shipped digits curves)")
    bench.add_argument("--fractions", type=float, nargs="+", default=[0.25, 0.5])
    bench.add_argument(
        "--train-sizes",
        type=_positive,
        nargs="+",
        help="n_train of every fraction (default: 20 50 100, and the cell r=0.5, n_train=200 "
        "solved in working sets; given sizes replace all of them)",
    )
    bench.add_argument(
        "--no-large-cell", action="store_true", help="skip the default cell r=0.5, n_train=200"
    )
    bench.add_argument(
        "--splits",
        type=_positive,
        default=10,
        help="random splits per cell (10: the default run stays under 5 minutes on 2 cores)",
    )
    bench.add_argument("--seed", type=_seed, default=0)
    bench.add_argument("--output", default="results", help="folder for CSV, JSON and PNG files")
    bench.add_argument(
        "--no-mock-qpu", action="store_true", help="skip the mock-QPU QSVR (r = 0.5, n_train = 20)"
    )
    bench.add_argument("--jobs", type=_jobs, default=-1, help="parallel workers (joblib)")
    bench.add_argument("--quiet", action="store_true", help="no progress bar")
    bench.set_defaults(handler=_bench)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hqml", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    _bench_parser(commands)

    reg = commands.add_parser("regression", help="QSVR vs SVR vs OLS on scikit-learn's diabetes")
    reg.add_argument("--splits", type=_positive, default=20)
    reg.add_argument("--seed", type=_seed, default=0)
    reg.add_argument("--jobs", type=_jobs, default=-1)
    reg.add_argument("--quiet", action="store_true")
    reg.set_defaults(handler=_regression)

    curves = commands.add_parser("curves", help="learning-curve datasets")
    curve_commands = curves.add_subparsers(dest="curves_command", required=True)
    generate = curve_commands.add_parser("generate", help="train networks and record curves")
    generate.add_argument("--dataset", choices=["digits", "mnist1d", "cifar10"], default="digits")
    generate.add_argument("--runs", type=_positive, default=400)
    generate.add_argument("--epochs", type=_positive, default=50)
    generate.add_argument("--seed", type=_seed, default=0)
    generate.add_argument("--cifar-dir", help="folder with the CIFAR-10 python batches")
    generate.add_argument(
        "--samples", type=_positive, default=5000,
        help="mnist1d: signals generated (80 %% train, 20 %% validation)",
    )  # fmt: skip
    generate.add_argument("--output", required=True, help="curve file to write (.csv or .csv.gz)")
    generate.add_argument("--jobs", type=_jobs, default=-1)
    generate.set_defaults(handler=_generate_curves)
    _slurm_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
