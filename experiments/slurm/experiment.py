"""Experiment files: a grid of encodings x data splits x backends, expanded into array tasks."""

from __future__ import annotations

import itertools
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from backends import available_backends
from experiments.slurm.values import check_memory, check_name, check_time

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Tasks for the quantum module. The mock QPU goes there too, so that a sweep can be
# rehearsed offline with the same job layout it will have on the real system.
QUANTUM_BACKENDS = frozenset({"qpu", "hybrid", "mock-qpu"})


class ExperimentError(ValueError):
    """A malformed experiment file."""


@dataclass(frozen=True)
class Grid:
    fractions: tuple[float, ...] = (0.5,)
    train_sizes: tuple[int, ...] = (20,)
    splits: int = 5
    backends: tuple[str, ...] = ("sa",)
    # QSVR's own defaults (chosen on other data than the curves, see qml.QSVR)
    n_bits: tuple[int, ...] = (2,)
    penalty: tuple[float, ...] = (0.3,)
    base: tuple[float, ...] = (2.0,)


@dataclass(frozen=True)
class Model:
    C: float = 1.0
    epsilon: float = 0.1
    gamma: float = 1.0
    num_reads: int = 5
    combine: str = "best"
    top_k: int = 20


@dataclass(frozen=True)
class SlurmOptions:
    time: str = "00:30:00"
    mem: str = "2G"
    partition: str | None = None
    quantum_partition: str | None = None
    max_parallel: int = 0


@dataclass(frozen=True)
class Experiment:
    name: str
    curves: str | None = None
    grid: Grid = field(default_factory=Grid)
    model: Model = field(default_factory=Model)
    slurm: SlurmOptions = field(default_factory=SlurmOptions)

    def tasks(self) -> list[dict]:
        """Every grid point, numbered from 0; the order is fixed by the file."""
        g = self.grid
        points = itertools.product(
            g.fractions, g.train_sizes, range(g.splits), g.backends, g.n_bits, g.penalty, g.base
        )
        keys = ("fraction", "n_train", "split", "backend", "n_bits", "penalty", "base")
        return [{"task": i, **dict(zip(keys, p, strict=True))} for i, p in enumerate(points)]

    def as_dict(self) -> dict:
        return asdict(self)


def _section(data: dict, name: str, kind, path: Path):
    raw = data.get(name, {})
    if not isinstance(raw, dict):
        raise ExperimentError(f"{path}: [{name}] must be a table; got {type(raw).__name__}")
    known = set(kind.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ExperimentError(
            f"{path}: unknown key(s) {unknown} in [{name}]; expected {sorted(known)}"
        )
    values = {}
    for key, value in raw.items():
        default = kind.__dataclass_fields__[key].default
        values[key] = tuple(value) if isinstance(default, tuple) else value
        if isinstance(default, tuple) and not isinstance(value, list):
            raise ExperimentError(f"{path}: [{name}] {key} must be a list; got {value!r}")
    return kind(**values)


def _check(experiment: Experiment, path: Path) -> None:
    g = experiment.grid
    problems = []
    if any(not 0 < f < 1 for f in g.fractions):
        problems.append(f"grid.fractions must lie in (0, 1); got {list(g.fractions)}")
    if any(not isinstance(n, int) or n < 5 for n in g.train_sizes):
        problems.append(f"grid.train_sizes must be integers >= 5; got {list(g.train_sizes)}")
    if not isinstance(g.splits, int) or g.splits < 1:
        problems.append(f"grid.splits must be a positive integer; got {g.splits!r}")
    unknown = sorted(set(g.backends) - set(available_backends()))
    if unknown:
        problems.append(
            f"grid.backends {unknown} are unknown; expected some of {available_backends()}"
        )
    if any(not isinstance(k, int) or k < 1 for k in g.n_bits):
        problems.append(f"grid.n_bits must be integers >= 1; got {list(g.n_bits)}")
    if any(b <= 0 for b in g.base) or any(p < 0 for p in g.penalty):
        problems.append("grid.base must be > 0 and grid.penalty >= 0")
    if not experiment.tasks():
        problems.append("the grid is empty")
    problems += _slurm_problems(experiment.slurm)
    if problems:
        raise ExperimentError(f"{path}: " + "; ".join(problems))


def _slurm_problems(options: SlurmOptions) -> list[str]:
    """Every [slurm] value against its format: they are written into batch scripts."""
    checks = [
        (check_time, options.time, "slurm.time"),
        (check_memory, options.mem, "slurm.mem"),
    ]
    checks += [
        (check_name, value, f"slurm.{key}")
        for key, value in (
            ("partition", options.partition),
            ("quantum_partition", options.quantum_partition),
        )
        if value is not None
    ]
    problems = []
    for check, value, what in checks:
        try:
            check(value, what)
        except ValueError as error:
            problems.append(str(error))
    parallel = options.max_parallel
    if isinstance(parallel, bool) or not isinstance(parallel, int) or parallel < 0:
        problems.append(f"slurm.max_parallel must be an integer >= 0; got {parallel!r}")
    return problems


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment TOML file."""
    path = Path(path)
    if not path.is_file():
        raise ExperimentError(f"experiment file {path} does not exist")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ExperimentError(f"{path} is not valid TOML: {error}") from error
    unknown = sorted(set(data) - {"name", "curves", "grid", "model", "slurm"})
    if unknown:
        raise ExperimentError(
            f"{path}: unknown key(s) {unknown}; expected name, curves, [grid], [model], [slurm]"
        )
    if (
        not isinstance(data.get("name"), str)
        or not data["name"].replace("-", "").replace("_", "").isalnum()
    ):
        raise ExperimentError(
            f"{path}: name must be a word of letters, digits, - and _; got {data.get('name')!r}"
        )
    try:
        experiment = Experiment(
            name=data["name"],
            curves=data.get("curves"),
            grid=_section(data, "grid", Grid, path),
            model=_section(data, "model", Model, path),
            slurm=_section(data, "slurm", SlurmOptions, path),
        )
    except TypeError as error:
        raise ExperimentError(f"{path}: {error}") from error
    _check(experiment, path)
    return experiment


def experiment_from_dict(data: dict) -> Experiment:
    """Rebuild an experiment saved with :meth:`Experiment.as_dict`."""
    tupled = lambda d: {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}  # noqa: E731
    return Experiment(
        name=data["name"],
        curves=data.get("curves"),
        grid=Grid(**tupled(data["grid"])),
        model=Model(**data["model"]),
        slurm=SlurmOptions(**data["slurm"]),
    )
