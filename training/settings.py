"""The settings of one training run, as one typed object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import dimod

from training.tolerances import Tolerances

__all__ = ["SolveSettings"]


@dataclass(frozen=True)
class SolveSettings:
    """What the training algorithm needs to know of an estimator's parameters.

    Attributes
    ----------
    backend : str or dimod.Sampler
        The QUBO solver.
    backend_options : mapping or None
        Keyword arguments of the backend (its constructor's and its ``sample`` call's).
    num_reads : int
        Samples per QUBO call, where the sampler takes ``num_reads``.
    fallback : {"sa"} or None
        Whether simulated annealing may replace an unreachable backend.
    penalty : float
        ``xi`` of the augmented Lagrangian.
    max_iter : int
        Refinement rounds per QUBO program.
    tol : float
        libsvm's stopping tolerance.
    polish : bool
        Whether each round's active set is polished.
    working_set_size : int or "auto"
        Coefficients per working set.
    cache_size : float
        Megabytes of the kernel-column cache of a decomposed fit.
    complementarity : float
        QSVR's penalty on ``alpha * alpha*`` (0 for QSVC).
    tolerances : Tolerances or None
        ``tol`` at the scale of the whole dual being solved (its gradient and
        kernel diagonal); None reads them from each program solved.
    """

    backend: str | dimod.Sampler = "sa"
    backend_options: Mapping | None = None
    num_reads: int = 5
    fallback: str | None = None
    penalty: float = 0.3
    max_iter: int = 100
    tol: float = 1e-3
    polish: bool = True
    working_set_size: int | str = "auto"
    cache_size: float = 200.0
    complementarity: float = 0.0
    tolerances: Tolerances | None = None
