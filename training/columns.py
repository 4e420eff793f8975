"""Kernel columns on demand, kept in a cache bounded in bytes (libsvm's ``cache_size``).

A working-set fit needs, per outer iteration, the kernel columns of the
points in its working set: ``K[:, W]``, ``O(N |W|)`` numbers. Forming the
``N x N`` Gram matrix instead costs ``8 N**2`` bytes (3.2 GB at N = 20,000).
Columns are computed in one kernel call per block of misses and kept in a
preallocated ``(capacity, N)`` array, one column per row so that
gathering a working set's columns copies contiguous memory (a column of an
``(N, capacity)`` array is strided: at N = 10,000 that gather took 15 % of
the fit); the least recently used ones are evicted. functools.lru_cache
caches per call, not per column, and holds no byte budget, hence this small class.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["KernelColumnError", "KernelColumns"]

#: Columns held whatever the budget: one working set's worth must fit.
_MIN_COLUMNS = 2

#: Points per kernel call when reading the diagonal.
_DIAGONAL_BLOCK = 256


class KernelColumnError(ValueError):
    """A kernel returned a block of columns of the wrong shape, or NaN or inf."""


class KernelColumns:
    """``K[:, points]`` of a kernel on training data, through a byte-bounded LRU cache.

    Parameters
    ----------
    kernel : callable
        ``kernel(X, Y)`` returning the ``(len(X), len(Y))`` Gram block.
    X : ndarray of shape (n_samples, n_features)
        The training points. For a precomputed kernel, pass
        ``precomputed=True`` and the ``(n, n)`` Gram matrix: its columns are
        read, not cached.
    cache_bytes : int
        Budget of the cache. At least two columns are kept.
    name : str
        The kernel's name in error messages.
    precomputed : bool
        Whether ``X`` is the Gram matrix itself.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(6.0).reshape(3, 2)
    >>> columns = KernelColumns(lambda A, B: A @ B.T, X, cache_bytes=10**6, name="linear")
    >>> columns([2, 0]).tolist()
    [[5.0, 1.0], [23.0, 3.0], [41.0, 5.0]]
    >>> columns.computed
    2
    """

    def __init__(
        self,
        kernel: Callable,
        X: NDArray[np.float64],
        *,
        cache_bytes: int,
        name: str,
        precomputed: bool = False,
    ) -> None:
        self.kernel = kernel
        self.X = X
        self.name = name
        self.precomputed = precomputed
        self.n = X.shape[0]
        self.capacity = max(_MIN_COLUMNS, min(self.n, int(cache_bytes) // (8 * self.n)))
        self._store = None if precomputed else np.empty((self.capacity, self.n))
        self._slots: OrderedDict[int, int] = OrderedDict()  # point -> slot, oldest first
        self._free = list(range(self.capacity - 1, -1, -1))
        #: Kernel columns computed so far (cache misses), a measure of the kernel work.
        self.computed = 0

    @property
    def nbytes(self) -> int:
        """Bytes the cache holds at most."""
        return 0 if self._store is None else int(self._store.nbytes)

    def __call__(self, points: ArrayLike) -> NDArray[np.float64]:
        """``K[:, points]`` as an ``(n, len(points))`` array (a copy)."""
        points = np.asarray(points, dtype=np.intp)
        if self.precomputed:
            return self.X[:, points]
        if points.size > self.capacity:  # more than the cache holds: no caching
            return self._compute(points)
        missing = np.array([p for p in points.tolist() if p not in self._slots], dtype=np.intp)
        missing = np.unique(missing)
        if missing.size:
            self._insert(missing, self._compute(missing), keep=points)
        for p in points.tolist():
            self._slots.move_to_end(p)
        return self._store[[self._slots[p] for p in points.tolist()]].T

    def diagonal(self) -> NDArray[np.float64]:
        """``K[i, i]`` of every point, in blocks (never the whole matrix)."""
        if self.precomputed:
            return np.diag(self.X).astype(float)
        out = np.empty(self.n)
        for start in range(0, self.n, _DIAGONAL_BLOCK):
            block = self.X[start : start + _DIAGONAL_BLOCK]
            values = self._checked(self.kernel(block, block), (len(block), len(block)))
            out[start : start + len(block)] = np.diag(values)
        return out

    def _compute(self, points: NDArray[np.intp]) -> NDArray[np.float64]:
        self.computed += int(points.size)
        return self._checked(self.kernel(self.X, self.X[points]), (self.n, points.size))

    def _checked(self, block, shape: tuple[int, int]) -> NDArray[np.float64]:
        block = np.asarray(block, dtype=float)
        if block.shape != shape:
            raise KernelColumnError(
                f"the kernel {self.name} returned a block of shape {block.shape} for "
                f"{shape[0]} x {shape[1]} points; expected {shape}"
            )
        if not np.all(np.isfinite(block)):
            raise KernelColumnError(
                f"the kernel {self.name} returned NaN or inf in a block of {shape[1]} columns"
            )
        return block

    def _insert(
        self, points: NDArray[np.intp], values: NDArray[np.float64], *, keep: NDArray[np.intp]
    ) -> None:
        """Store new columns, evicting the least recently used ones not in ``keep``."""
        wanted = set(keep.tolist())
        while len(self._free) < points.size:
            victim = next(p for p in self._slots if p not in wanted)
            self._free.append(self._slots.pop(victim))
        slots = [self._free.pop() for _ in range(points.size)]
        self._store[slots] = values.T
        self._slots.update(zip(points.tolist(), slots, strict=True))
