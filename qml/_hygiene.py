"""Fit hygiene shared by every estimator: the fitted state changes only when a fit succeeds."""

from __future__ import annotations

import numpy as np


def fit_or_clean(estimator, fit, *args):
    """Call ``fit(*args)``; if it raises (Ctrl-C included), restore the state from before.

    scikit-learn judges "fitted" by attributes ending in ``_``. A fit that
    fails half-way (a bad parameter, an unreachable backend, an interrupt)
    must neither leave a half-fitted model nor destroy the previous one: a
    QPU model is a paid result. The estimator's whole ``__dict__`` (fitted
    attributes and private state such as the training size) is put back as
    it was; a never-fitted estimator stays unfitted.
    """
    saved = dict(vars(estimator))
    try:
        return fit(*args)
    except BaseException:
        vars(estimator).clear()
        vars(estimator).update(saved)
        raise


def numeric_targets(y, owner: str) -> np.ndarray:
    """Regression targets as floats: numeric strings converted, anything else refused clearly.

    scikit-learn's ``y_numeric`` converts object arrays only: a column of
    numeric strings stayed text, and arithmetic on it (a boosting stage's
    residual) raised a raw UFuncTypeError.
    """
    try:
        return np.asarray(y, dtype=np.float64)
    except ValueError:
        examples = [str(v) for v in np.ravel(y)[:1000] if not _is_number(v)][:3]
        raise ValueError(
            f"{owner} is a regressor: y must hold numbers (or numeric strings); got values "
            f"such as {examples}"
        ) from None


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True
