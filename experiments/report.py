"""Results of a benchmark on disk: CSV, JSON with every setting and version, PNG plots.

Every file is written atomically, so an interrupted run never leaves a
truncated file over good results of an earlier one.
"""

from __future__ import annotations

import csv
import io
import json
import math
import platform
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from experiments.atomic import atomic_path, replace_file_set, write_atomically

PACKAGES = (
    "hqml",
    "numpy",
    "scipy",
    "scikit-learn",
    "dimod",
    "dwave-samplers",
    "dwave-system",
    "qiskit",
    "qiskit-machine-learning",
    "torch",
)


def versions() -> dict:
    """Python, platform and installed versions of the packages that shape the results."""
    found = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def write_csv(path: Path, rows: list[dict]) -> Path:
    def write(temporary: Path) -> None:
        buffer = io.StringIO()
        # Every key of every row, in first-seen order: some rows carry more
        # (a decomposed fit's counts), and a missing one is an empty cell.
        fields = list(dict.fromkeys(key for row in rows for key in row))
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        temporary.write_text(buffer.getvalue())

    return write_atomically(path, write)


def write_json(path: Path, payload: dict) -> Path:
    """``payload`` as strict JSON: numpy values as numbers, NaN and infinities as null.

    ``json.dumps`` would write ``NaN`` and ``Infinity``, which no JSON
    parser but Python's reads.
    """
    text = json.dumps(_strict(payload), indent=2, allow_nan=False)
    return write_atomically(path, lambda t: t.write_text(text))


def _strict(value):
    """``value`` with numpy scalars and arrays as Python ones and non-finite floats as None."""
    if isinstance(value, dict):
        return {key: _strict(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_strict(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _pyplot():
    """matplotlib.pyplot on the file-only Agg backend (batch nodes have no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save_figure(figure, path: Path) -> Path:
    plt = _pyplot()

    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=120, bbox_inches="tight")
    plt.close(figure)
    return path


def plot_r2(summary: list[dict], path: Path) -> Path:
    """Grouped bars of mean R^2 with standard-deviation error bars, one panel per fraction."""
    plt = _pyplot()

    fractions = sorted({s["fraction"] for s in summary})
    sizes = sorted({s["n_train"] for s in summary})
    names = list(dict.fromkeys(s["method"] for s in summary))
    figure, axes = plt.subplots(1, len(fractions), figsize=(6 * len(fractions), 4.5), sharey=True)
    axes = np.atleast_1d(axes)
    width = 0.8 / len(names)
    floor = -0.25
    for axis, fraction in zip(axes, fractions, strict=True):
        for i, name in enumerate(names):
            means, stds, xs = [], [], []
            for j, n in enumerate(sizes):
                match = [
                    s
                    for s in summary
                    if s["method"] == name and s["fraction"] == fraction and s["n_train"] == n
                ]
                if match:
                    xs.append(j + (i - (len(names) - 1) / 2) * width)
                    means.append(match[0]["r2_mean"])
                    stds.append(match[0]["r2_std"])
            # A method far below zero (OLS on 20 curves) would flatten every other
            # bar: clip it at the axis floor and print its value instead.
            shown = np.maximum(means, floor)
            axis.bar(xs, shown, width, yerr=stds, capsize=2, label=name, error_kw={"alpha": 0.6})
            for x, mean in zip(xs, means, strict=True):
                if mean < floor:
                    axis.text(x, floor + 0.02, f"{mean:.1f}", rotation=90, fontsize=7, ha="center")
        axis.set_xticks(range(len(sizes)), [f"n_train={n}" for n in sizes])
        axis.set_title(f"observed fraction r = {fraction}")
        axis.set_ylim(floor, 1.0)
        axis.axhline(0, color="black", linewidth=0.5)
    axes[0].set_ylabel("held-out R²")
    axes[-1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save_figure(figure, path)


def plot_predicted_vs_true(detail: dict, path: Path, methods: list[str], title: str) -> Path:
    plt = _pyplot()

    figure, axes = plt.subplots(1, len(methods), figsize=(4 * len(methods), 4), sharey=True)
    for axis, name in zip(np.atleast_1d(axes), methods, strict=True):
        axis.scatter(detail["y_true"], detail["predictions"][name], s=10, alpha=0.6)
        axis.plot([0, 1], [0, 1], color="black", linewidth=0.8)
        axis.set_title(name, fontsize=9)
        axis.set_xlabel("true final accuracy")
    np.atleast_1d(axes)[0].set_ylabel("predicted final accuracy")
    figure.suptitle(title)
    return _save_figure(figure, path)


#: Marker shapes of the methods in curves.png, one per method.
_MARKERS = ("o", "x", "s", "+", "^", "1", "D", "*")
_HOLLOW = frozenset({"o", "s", "^", "D"})


def plot_curves(
    accuracy: np.ndarray, detail: dict, observed: int, path: Path, methods: list[str], count=6
) -> Path:
    """A few test curves: observed prefix, unobserved rest, and each method's prediction."""
    plt = _pyplot()

    figure, axes = plt.subplots(2, count // 2, figsize=(4 * (count // 2), 6), sharey=True)
    epochs = np.arange(1, accuracy.shape[1] + 1)
    picks = np.linspace(0, len(detail["test"]) - 1, count).astype(int)
    for axis, pick in zip(axes.ravel(), picks, strict=True):
        curve = accuracy[detail["test"][pick]]
        axis.plot(epochs[:observed], curve[:observed], color="C0", label="observed")
        axis.plot(
            epochs[observed - 1 :], curve[observed - 1 :], color="C0", alpha=0.3, label="unobserved"
        )
        for k, name in enumerate(methods):
            # One shape and size per method, hollow where it can be: QSVR and
            # SVR agree almost always, and the same marker would hide one.
            marker, size = _MARKERS[k % len(_MARKERS)], 70 - 8 * (k % len(_MARKERS))
            axis.scatter(
                epochs[-1],
                detail["predictions"][name][pick],
                marker=marker,
                s=size,
                facecolors="none" if marker in _HOLLOW else None,
                edgecolors=f"C{k + 1}" if marker in _HOLLOW else None,
                color=None if marker in _HOLLOW else f"C{k + 1}",
                label=name,
            )
        axis.axvline(observed, color="grey", linestyle=":")
        axis.set_xlabel("epoch")
    axes[0, 0].set_ylabel("validation accuracy")
    axes[0, 0].legend(fontsize=7)
    return _save_figure(figure, path)


@dataclass(frozen=True)
class ShownSplit:
    """One split's test predictions, for the figures of a result set."""

    detail: dict
    accuracy: np.ndarray
    observed: int
    methods: list[str]
    title: str


RESULT_FILES = (
    "results.json",
    "results.csv",
    "summary.csv",
    "r2_by_method.png",
    "predicted_vs_true.png",
    "curves.png",
)
"""Every file a result set may hold: all hqml ever writes into an ``--output`` folder."""


def write_result_set(output: Path, payload: dict, shown: ShownSplit | None = None) -> list[Path]:
    """Write a benchmark's result set into ``output``, replacing hqml's previous set when complete.

    ``results.json`` holds ``payload`` (with its ``results`` rows and
    ``summary``); where there are rows, ``results.csv``, ``summary.csv`` and
    ``r2_by_method.png`` follow, and with ``shown`` the figures of one split
    (``predicted_vs_true.png``, ``curves.png``). ``hqml bench`` and
    ``hqml slurm collect`` both write through here, so their folders hold the
    same files. Only these files (:data:`RESULT_FILES`) and the manifest
    that lists them are hqml's: any other file in ``output`` stays, and a
    user's file of the same name stops the write with a clear error.
    """
    rows, summary = payload.get("results", []), payload.get("summary", [])
    with replace_file_set(
        output, RESULT_FILES
    ) as folder:  # the previous set stays whole until then
        written = [write_json(folder / "results.json", payload)]
        if rows:
            written += [
                write_csv(folder / "results.csv", rows),
                write_csv(folder / "summary.csv", summary),
                plot_r2(summary, folder / "r2_by_method.png"),
            ]
        if rows and shown is not None:
            figure = folder / "predicted_vs_true.png"
            written.append(plot_predicted_vs_true(shown.detail, figure, shown.methods, shown.title))
            written.append(
                plot_curves(
                    shown.accuracy,
                    shown.detail,
                    shown.observed,
                    folder / "curves.png",
                    shown.methods,
                )
            )
    return [Path(output) / path.name for path in written]
