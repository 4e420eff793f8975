"""Learning curves: the shipped dataset, its validation, and the features built from it.

A curve file is a (optionally gzipped) CSV with one row per training run:
configuration columns (``run``, ``dataset``, ``architecture``, ``width``,
``depth``, ``optimizer``, ``learning_rate``, ``batch_size``,
``weight_decay``, ``dropout``, ``seed``) followed by ``acc_001 ..
acc_NNN``, the validation accuracy after every epoch.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

CONFIG_COLUMNS = (
    "run",
    "dataset",
    "architecture",
    "width",
    "depth",
    "optimizer",
    "learning_rate",
    "batch_size",
    "weight_decay",
    "dropout",
    "seed",
)
DEFAULT_CURVES = "learning_curves_digits.csv.gz"


class CurveFileError(ValueError):
    """A learning-curve file that cannot be used as it is."""


@dataclass(frozen=True)
class Curves:
    """Validation-accuracy curves (``accuracy[run, epoch]``) and each run's configuration."""

    accuracy: NDArray[np.float64]
    configs: list[dict]
    source: str

    @property
    def n_runs(self) -> int:
        return self.accuracy.shape[0]

    @property
    def n_epochs(self) -> int:
        return self.accuracy.shape[1]

    @property
    def groups(self) -> NDArray[np.int64]:
        """The run each row belongs to: splits keep a run's rows together."""
        return run_groups(self.configs)

    @property
    def n_groups(self) -> int:
        return int(self.groups.max()) + 1 if self.n_runs else 0


def default_curves_path() -> Path:
    """The curve file shipped with hqml (300+ runs on scikit-learn's digits)."""
    return Path(str(resources.files("experiments") / "data" / DEFAULT_CURVES))


#: The most a curve file may expand to (bytes of CSV text). The shipped file
#: holds 400 runs x 50 epochs in 0.2 MB; 256 MB is a million runs. A gzip
#: file of 28 MB can expand to 6 GB, so it is decompressed through this limit.
MAX_CURVE_BYTES = 256 * 2**20

_EPOCH = re.compile(r"acc_(\d+)")


def _open_text(path: Path):
    limit = MAX_CURVE_BYTES
    try:
        if path.stat().st_size > limit:
            raise CurveFileError(
                f"{path} is {path.stat().st_size} bytes; expected a curve file of at most {limit}"
            )
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = _gunzip(raw, limit, path)
        return io.StringIO(_decoded(raw), newline="")
    except (OSError, EOFError, zlib.error) as error:
        raise CurveFileError(
            f"{path} cannot be read as a (gzip-compressed) CSV file: {type(error).__name__}: "
            f"{error}"
        ) from error


def _decoded(raw: bytes) -> str:
    """The text as spreadsheets save it: UTF-8, with or without Excel's BOM, else Latin-1.

    Without stripping the mark, the first header became ``"\ufeffrun"`` and
    every row its own run. Latin-1 decodes every byte: only configuration
    names can hold such letters, and the accuracies are checked as numbers.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _gunzip(raw: bytes, limit: int, path: Path) -> bytes:
    """Decompress a gzip stream (members concatenated) without ever holding more than ``limit``."""
    out, rest = bytearray(), raw
    while rest:
        stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out += stream.decompress(rest, limit + 1 - len(out))
        if len(out) > limit or stream.unconsumed_tail:
            raise CurveFileError(
                f"{path} expands to more than {limit} bytes; expected a curve file of at most "
                f"{limit} bytes of CSV (a gzip bomb, or a file to split)"
            )
        if not stream.eof:
            raise EOFError("the gzip stream ends early")
        rest = stream.unused_data
    return bytes(out)


def _epoch_columns(fieldnames: list[str], path: Path) -> list[str]:
    """The accuracy columns in epoch order, read by name: acc_1 .. acc_E, each once, no gaps."""
    named = [c for c in fieldnames if c.startswith("acc_")]
    malformed = [c for c in named if not _EPOCH.fullmatch(c)]
    duplicated = sorted(c for c, times in Counter(fieldnames).items() if times > 1)
    if not named or malformed or duplicated:
        raise CurveFileError(
            f"{path}: expected accuracy columns acc_001, acc_002, ... each once; got "
            + (f"duplicated columns {duplicated}" if duplicated else f"columns {fieldnames}")
        )
    epochs = sorted(named, key=lambda c: int(_EPOCH.fullmatch(c).group(1)))
    numbers = [int(_EPOCH.fullmatch(c).group(1)) for c in epochs]
    if numbers != list(range(1, len(numbers) + 1)):
        missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
        raise CurveFileError(
            f"{path}: accuracy columns must number the epochs 1..{max(numbers)} without gaps "
            f"or repeats; got epochs {numbers[:5]}{'...' if len(numbers) > 5 else ''}"
            + (f", missing {missing[:5]}" if missing else "")
        )
    return epochs


def load_curves(path: str | Path | None = None) -> Curves:
    """Read and validate a curve file; the shipped one when ``path`` is None.

    Accuracy columns are read by name (``acc_1`` or ``acc_001`` ...) and put
    in epoch order, whatever their order in the file.

    Raises
    ------
    CurveFileError
        If the file is empty, larger than :data:`MAX_CURVE_BYTES` once
        decompressed, lacks accuracy columns, repeats or skips an epoch,
        repeats a run, has curves of different lengths, or holds NaN,
        infinite or out-of-range values.
    """
    path = Path(path) if path is not None else default_curves_path()
    if path.is_dir():
        raise CurveFileError(f"{path} is a folder; expected a curve file (.csv or .csv.gz)")
    if not path.is_file():
        raise CurveFileError(f"curve file {path} does not exist")
    # strict: an unclosed quote is an error, not a field that swallows the rest of the file
    reader = csv.reader(_open_text(path), strict=True)
    try:
        return _read_curves(reader, path)
    except csv.Error as error:  # an unclosed quote, a field over the csv module's limit, ...
        raise CurveFileError(
            f"{path}, line {reader.line_num}: not a valid CSV file ({error}); expected one "
            "header row and one row per run, fields separated by commas"
        ) from None


def _read_curves(reader, path: Path) -> Curves:
    """The runs below the header; blank lines (a trailing one, say) are skipped."""
    fieldnames = [name.strip() for name in next(reader, None) or []]
    epochs = _epoch_columns(fieldnames, path)
    index = {name: i for i, name in enumerate(fieldnames)}
    columns = [index[c] for c in epochs]
    others = [n for n in fieldnames if not n.startswith("acc_")]
    configs, rows = [], []
    for record in reader:
        line = reader.line_num
        if not any(field.strip() for field in record):
            continue
        if len(record) != len(fieldnames) or any(record[i] == "" for i in columns):
            present = sum(i < len(record) and record[i] != "" for i in columns)
            extra = max(0, len(record) - len(fieldnames))
            raise CurveFileError(
                f"{path}, line {line}: curves must all have {len(epochs)} epochs; this run "
                f"has {present} values" + (f" and {extra} extra" if extra else "")
            )
        rows.append([record[i] for i in columns])
        configs.append({k: record[index[k]] for k in others})
    if not rows:
        raise CurveFileError(
            f"{path}: no runs in the file; expected one row of accuracies per run below the header"
        )
    accuracy = _as_accuracy(rows, path)
    return Curves(accuracy=accuracy, configs=configs, source=str(path))


def run_groups(configs: list[dict]) -> NDArray[np.int64]:
    """One group per run id, numbered in order of first appearance.

    A run that appears on several rows (logged twice, or measured on several
    validation sets) is one group, so a split keeps all its rows on one side.
    Without a ``run`` column every row is its own run.
    """
    if not configs or "run" not in configs[0]:
        return np.arange(len(configs))
    numbers: dict[str, int] = {}
    return np.array([numbers.setdefault(c["run"], len(numbers)) for c in configs])


def _as_accuracy(rows: list[list[str]], path: Path) -> NDArray[np.float64]:
    try:
        accuracy = np.array(rows, dtype=float)
    except ValueError as error:
        raise CurveFileError(f"{path}: accuracies must be numbers ({error})") from error
    bad = ~np.isfinite(accuracy)
    if bad.any():
        run, epoch = np.argwhere(bad)[0]
        raise CurveFileError(
            f"{path}: run {run} has NaN or infinite accuracy at epoch {epoch + 1} "
            f"({int(bad.any(axis=1).sum())} runs affected); expected finite accuracies, so "
            "remove or repair them"
        )
    if accuracy.min() < 0 or accuracy.max() > 1:
        raise CurveFileError(
            f"{path}: accuracies must lie in [0, 1]; got values from {accuracy.min()} "
            f"to {accuracy.max()}"
        )
    return accuracy


def save_curves(path: str | Path, accuracy: NDArray[np.float64], configs: list[dict]) -> Path:
    """Write a curve file (gzipped if the name ends in .gz) atomically."""
    from experiments.atomic import write_atomically

    accuracy = np.asarray(accuracy, dtype=float)
    epochs = [f"acc_{e + 1:03d}" for e in range(accuracy.shape[1])]

    def write(temporary: Path) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([*CONFIG_COLUMNS, *epochs])
        for config, curve in zip(configs, accuracy, strict=True):
            writer.writerow([config[c] for c in CONFIG_COLUMNS] + [f"{a:.4f}" for a in curve])
        data = buffer.getvalue().encode("utf-8")
        if str(path).endswith(".gz"):
            data = gzip.compress(data, mtime=0)
        temporary.write_bytes(data)

    return write_atomically(path, write)
