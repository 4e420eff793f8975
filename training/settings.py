"""What one training run is asked: the settings, the training data's kernel, the request."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import dimod
import numpy as np
from numpy.typing import NDArray

from qubo import Dual, Encoding

__all__ = ["SolveSettings", "TrainingData", "TrainingRequest"]


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
        Refinement rounds per QUBO.
    tol : float
        libsvm's stopping tolerance, read at each dual's scale
        (:class:`training.tolerances.Tolerances`).
    polish : bool
        Whether each round's active set is polished.
    working_set_size : int or "auto"
        Coefficients per working set; "auto" reads the backend's capacity.
    cache_size : float
        Megabytes of the kernel-column cache of a decomposed fit.
    n_bits : int
        Bits per coefficient in every QUBO.
    base : float
        Base of the bits' weights.
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
    n_bits: int = 2
    base: float = 2.0

    def encoding(self, C: float) -> Encoding:
        """The bits of a coefficient in ``[0, C]`` (refused where float64 cannot hold them)."""
        return Encoding(n_bits=self.n_bits, base=self.base, C=C)


@dataclass(frozen=True)
class TrainingData:
    """The training points of one dual, as its kernel sees them.

    Parameters
    ----------
    kernel : callable
        ``kernel(X, Y)`` returning the ``(len(X), len(Y))`` Gram block.
    X : ndarray
        The training points, or the Gram matrix itself for a precomputed kernel.
    name : str
        The kernel's name in messages.
    precomputed : bool
        Whether ``X`` is the Gram matrix.
    gram : callable, optional
        Returns the whole Gram matrix where the caller already holds it (a
        slice of one computed for all pairs of classes); else it is computed
        from ``kernel`` when the dual is solved whole.
    check_symmetry : bool
        Whether the kernel's symmetry must be checked on training points
        before any solve (a user's callable; the library's kernels are
        symmetric by construction).
    """

    kernel: Callable[[NDArray[np.float64], NDArray[np.float64]], NDArray[np.float64]]
    X: NDArray[np.float64]
    name: str
    precomputed: bool = False
    gram: Callable[[], NDArray[np.float64]] | None = None
    check_symmetry: bool = False

    @property
    def n_points(self) -> int:
        return int(self.X.shape[0])

    def gram_matrix(self) -> NDArray[np.float64]:
        """The whole ``N x N`` Gram matrix (for a dual solved as one QUBO)."""
        return self.gram() if self.gram is not None else self.kernel(self.X, self.X)


@dataclass(frozen=True)
class TrainingRequest:
    """One dual to solve: everything :func:`training.solve` needs, in one typed object.

    Parameters
    ----------
    dual : qubo.Dual
        The dual, described by kernel columns (no ``Q`` yet).
    data : TrainingData
        The training points its ``Q`` comes from.
    settings : SolveSettings
        The estimator's parameters the training reads.
    random_state : numpy.random.RandomState
        Seeds every sample call.
    owner : str
        The estimator's name, in messages ("QSVR").
    """

    dual: Dual
    data: TrainingData
    settings: SolveSettings
    random_state: np.random.RandomState
    owner: str
