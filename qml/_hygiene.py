"""Fit hygiene shared by every estimator: a failed fit leaves no fitted attribute behind."""

from __future__ import annotations


def fit_or_clean(estimator, fit, *args):
    """Call ``fit(*args)``; if it raises, delete every fitted attribute and re-raise.

    scikit-learn judges "fitted" by attributes ending in ``_``; a fit that
    fails half-way (bad data, an unreachable backend) must not leave a model
    that looks fitted, nor the previous fit's model next to the new data.
    """
    try:
        return fit(*args)
    except BaseException:
        fitted = [k for k in vars(estimator) if k.endswith("_") and not k.startswith("__")]
        for name in fitted:
            delattr(estimator, name)
        raise
