"""What solving one dual returns: one frozen result, built once."""

from __future__ import annotations

from dataclasses import dataclass

import dimod
import numpy as np
from numpy.typing import NDArray

from backends import SolveDiagnostics
from qubo import Encoding
from training.certificate import Certificate
from training.tolerances import Tolerances

__all__ = ["DualSolution"]


@dataclass(frozen=True)
class DualSolution:
    """What solving one dual produced: its solutions, their gradients, the intercept, the cost.

    Attributes
    ----------
    coefficients : ndarray of shape (n_rows, n_coefficients)
        The last round's samples (with its start), lowest energy first; a
        decomposed fit has one row, the outer loop's result. SVR pairs are
        reduced (``alpha * alpha* = 0``) in a decomposed fit's row.
    energies : ndarray of shape (n_rows,)
        Their QUBO energies (a decomposed fit: the dual objective).
    gradients : ndarray of shape (n_rows, n_coefficients)
        libsvm's gradient ``G = Q z + p`` of every row: the source of the
        intercept (:meth:`qubo.Dual.intercept`) and the certificate, linear in
        ``z``, so that a weighted average of rows has the averaged gradient.
    intercept : float
        The bias of the first row (libsvm's rule, :meth:`qubo.Dual.intercept`).
    has_free : bool
        Whether the first row has a free coefficient (else the intercept is a midpoint).
    certificate : Certificate
        The first row's KKT violation and gap bound.
    optimal : bool
        Whether the certificate shows libsvm's optimum to ``tol`` at the dual's scale.
    tolerances : Tolerances
        ``tol`` at this dual's scale, as the solve used it.
    encoding : Encoding
        The bits of every coefficient.
    n_variables : int
        Variables of the largest QUBO any call solved.
    n_iter : int
        Refinement rounds run, or outer iterations of a decomposed fit.
    converged : bool
        Whether the stopping rule was met before the iteration bound.
    stop_reason : str
        "polished" (a round's certified optimum), "tol" (the rounds' rule),
        "kkt" (libsvm's condition at ``tol``), "settled" (the decomposed dual
        no longer moved), "stalled" or "max_iter".
    working_set_size : int or None
        Coefficients per working set of a decomposed fit; None for a whole one.
    trace : dict of str to ndarray
        One array per quantity, an entry per round (whole) or outer iteration (decomposed).
    info : dict
        The last call's ``SampleSet.info``, as the sampler wrote it.
    diagnostics : tuple of SolveDiagnostics
        What the sampler reported, one per QUBO call.
    sampler : dimod.Sampler
        The sampler that solved the QUBOs.
    warm_start : str or None
        How later rounds started from the previous solution.
    fallback_used : bool
        Whether simulated annealing replaced the requested backend.
    qubo_calls : int
        Sample calls made.
    sampler_seconds : float
        Seconds spent inside the sampler.
    """

    coefficients: NDArray[np.float64]
    energies: NDArray[np.float64]
    gradients: NDArray[np.float64]
    intercept: float
    has_free: bool
    certificate: Certificate
    optimal: bool
    tolerances: Tolerances
    encoding: Encoding
    n_variables: int
    n_iter: int
    converged: bool
    stop_reason: str
    working_set_size: int | None
    trace: dict[str, NDArray]
    info: dict
    diagnostics: tuple[SolveDiagnostics, ...]
    sampler: dimod.Sampler
    warm_start: str | None
    fallback_used: bool
    qubo_calls: int
    sampler_seconds: float


def read_only(array: NDArray) -> NDArray:
    """``array`` itself, made read-only (a result's arrays are not to be edited)."""
    array.flags.writeable = False
    return array


def records_to_arrays(records: list, names: tuple[str, ...]) -> dict[str, NDArray]:
    """A trace: one read-only array per named attribute of the records, in their order."""
    return {name: read_only(np.array([getattr(r, name) for r in records])) for name in names}
