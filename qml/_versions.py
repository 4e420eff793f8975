"""Pickles that say which hqml wrote them, and load from another version with a warning."""

from __future__ import annotations

import inspect
from importlib import metadata

from training import warn_at_caller

__all__ = ["HQML_VERSION", "HqmlVersionWarning", "VersionedPickle"]


def _installed_version() -> str:
    try:
        return metadata.version("hqml")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown"


HQML_VERSION = _installed_version()


class HqmlVersionWarning(UserWarning):
    """A model was pickled by another hqml version than the one loading it."""


class VersionedPickle:
    """A mixin for hqml's estimators: the pickle carries ``_hqml_version``.

    Loading a pickle from another version (or from before the marker) warns,
    and fills every parameter the pickle lacks with its default, so that
    ``repr``, ``get_params`` and ``fit`` work on it as on a new estimator
    (scikit-learn's own ``__setstate__`` warns about its version likewise).
    """

    def __getstate__(self) -> dict:
        return {**super().__getstate__(), "_hqml_version": HQML_VERSION}

    def __setstate__(self, state: dict) -> None:
        version = state.pop("_hqml_version", None)
        signature = inspect.signature(type(self).__init__).parameters.values()
        defaults = {p.name: p.default for p in signature if p.default is not p.empty}
        missing = sorted(set(defaults) - set(state))
        if version != HQML_VERSION or missing:
            written = f"hqml {version}" if version else "an hqml without a version marker"
            warn_at_caller(
                f"this {type(self).__name__} was pickled by {written} and is loaded by hqml "
                f"{HQML_VERSION}; its predictions stand as they were, but refit it to be sure"
                + (
                    f"; parameters new since then take their defaults: {missing}" if missing else ""
                ),
                HqmlVersionWarning,
            )
        super().__setstate__({**{name: defaults[name] for name in missing}, **state})
