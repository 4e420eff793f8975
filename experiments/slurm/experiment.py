"""Experiment files: a grid of encodings x data splits x backends, expanded into array tasks."""

from __future__ import annotations

import itertools
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from backends import available_backends
from experiments.settings import QSVRSettings
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


#: The settings of [model] that [grid] varies instead.
GRID_SETTINGS = ("n_bits", "penalty", "base")
_QSVR = QSVRSettings()


@dataclass(frozen=True)
class Grid:
    """The values swept: every combination is one array task per split."""

    fractions: tuple[float, ...] = (0.5,)
    train_sizes: tuple[int, ...] = (20,)
    splits: int = 5
    backends: tuple[str, ...] = ("sa",)
    # QSVR's own defaults (chosen on other data than the curves, see qml.QSVR)
    n_bits: tuple[int, ...] = (_QSVR.n_bits,)
    penalty: tuple[float, ...] = (_QSVR.penalty,)
    base: tuple[float, ...] = (_QSVR.base,)


@dataclass(frozen=True)
class SlurmOptions:
    time: str = "00:30:00"
    mem: str = "2G"
    partition: str | None = None
    quantum_partition: str | None = None
    max_parallel: int = 0
    # Slurm's MaxArraySize (slurm.conf); the default is Slurm's own default.
    max_array_size: int = 1001


@dataclass(frozen=True)
class Experiment:
    name: str
    curves: str | None = None
    grid: Grid = field(default_factory=Grid)
    model: QSVRSettings = field(default_factory=QSVRSettings)
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


def _model_section(data: dict, path: Path) -> QSVRSettings:
    raw = data.get("model", {})
    given = sorted(set(raw) & set(GRID_SETTINGS)) if isinstance(raw, dict) else []
    if given:
        raise ExperimentError(
            f"{path}: [model] {given} are swept by [grid]; expected there, as lists"
        )
    return _section(data, "model", QSVRSettings, path)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_real(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _type_problems(experiment: Experiment) -> list[str]:
    """Wrong TOML types in [grid], found before any comparison could raise a TypeError.

    [model]'s types are checked by scikit-learn's parameter validation of the
    QSVR each grid point builds (:func:`_estimator_problems`).
    """
    g = experiment.grid
    expected = [
        ("grid.fractions", g.fractions, _is_real, "numbers"),
        ("grid.train_sizes", g.train_sizes, _is_int, "integers"),
        ("grid.backends", g.backends, lambda v: isinstance(v, str), "strings"),
        ("grid.n_bits", g.n_bits, _is_int, "integers"),
        ("grid.penalty", g.penalty, _is_real, "numbers"),
        ("grid.base", g.base, _is_real, "numbers"),
    ]
    problems = [
        f"{name} must be a list of {kind}; got {list(values)!r}"
        for name, values, test, kind in expected
        if not all(test(v) for v in values)
    ]
    if not _is_int(g.splits):
        problems.append(f"grid.splits must be an integer; got {g.splits!r}")
    if experiment.curves is not None and not isinstance(experiment.curves, str):
        problems.append(f"curves must be a path; got {experiment.curves!r}")
    return problems


def _estimator_problems(experiment: Experiment) -> list[str]:
    """Build the QSVR of every grid point and run scikit-learn's parameter validation."""
    g = experiment.grid
    problems = []
    for backend, n_bits, penalty, base in itertools.product(
        g.backends, g.n_bits, g.penalty, g.base
    ):
        settings = experiment.model.replace(n_bits=n_bits, penalty=penalty, base=base)
        problems += settings.problems(backend)
    return list(dict.fromkeys(problems))


def _check(experiment: Experiment, path: Path) -> None:
    problems = _type_problems(experiment)
    if problems:  # the checks below compare values; wrong types would raise instead
        raise ExperimentError(f"{path}: " + "; ".join(problems))
    g = experiment.grid
    if any(not 0 < f < 1 for f in g.fractions):
        problems.append(f"grid.fractions must lie in (0, 1); got {list(g.fractions)}")
    if any(n < 8 for n in g.train_sizes):
        problems.append(f"grid.train_sizes must be integers >= 8; got {list(g.train_sizes)}")
    if g.splits < 1:
        problems.append(f"grid.splits must be a positive integer; got {g.splits!r}")
    unknown = sorted(set(g.backends) - set(available_backends()))
    if unknown:
        problems.append(
            f"grid.backends {unknown} are unknown; expected some of {available_backends()}"
        )
    else:
        problems += _estimator_problems(experiment)
    dimensions = (g.fractions, g.train_sizes, g.backends, g.n_bits, g.penalty, g.base)
    if g.splits < 1 or not all(dimensions):  # from the dimensions, never by building the grid
        problems.append(
            "the grid is empty: expected at least one value in each list of [grid] and splits >= 1"
        )
    problems += _slurm_problems(experiment.slurm)
    problems += _array_problems(experiment)
    problems += _curve_problems(experiment)
    if problems:
        raise ExperimentError(f"{path}: " + "; ".join(problems))


def _array_problems(experiment: Experiment) -> list[str]:
    """Slurm refuses arrays longer than its MaxArraySize (1001 unless configured)."""
    limit = experiment.slurm.max_array_size
    if not _is_int(limit) or limit < 1:
        return [f"slurm.max_array_size must be a positive integer; got {limit!r}"]
    # Counted from the grid's dimensions: building a grid of 1e8 splits to count
    # its tasks took 36 s and then ran out of memory.
    g = experiment.grid
    per_backend = len(g.fractions) * len(g.train_sizes) * g.splits
    per_backend *= len(g.n_bits) * len(g.penalty) * len(g.base)
    quantum_backends = sum(b in QUANTUM_BACKENDS for b in g.backends)
    quantum = per_backend * quantum_backends
    largest = max(quantum, per_backend * (len(g.backends) - quantum_backends))
    if largest > limit:
        return [
            f"the grid makes an array of {largest} tasks; expected at most "
            f"slurm.max_array_size={limit} (Slurm's MaxArraySize). Split the grid or raise "
            "the limit if your cluster allows more"
        ]
    return []


def _curve_problems(experiment: Experiment) -> list[str]:
    """The curve file must load, and hold enough curves for the largest training size."""
    from experiments.curves import CurveFileError, load_curves

    try:
        curves = load_curves(experiment.curves)
    except CurveFileError as error:
        return [str(error)]
    largest = max(experiment.grid.train_sizes, default=0)
    if largest + 10 > curves.n_runs:
        return [
            f"grid.train_sizes up to {largest} need at least {largest + 10} curves; "
            f"{curves.source} has {curves.n_runs}"
        ]
    return []


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
    except (RecursionError, UnicodeDecodeError) as error:  # a table nested thousands deep
        raise ExperimentError(f"{path} is not valid TOML: {type(error).__name__}") from None
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
            model=_model_section(data, path),
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
        model=QSVRSettings(**data["model"]),
        slurm=SlurmOptions(**data["slurm"]),
    )
