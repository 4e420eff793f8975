"""Fit hygiene shared by every estimator: the fitted state changes only when a fit succeeds."""

from __future__ import annotations


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
