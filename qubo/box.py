"""Per-coefficient boxes: the encoding of one refinement round.

Round ``t`` of successive approximation writes coefficient ``n`` as
``alpha_n = lower_n + width_n * sum_k w_k a_nk`` with bit weights
``w_k = B**k / sum_j B**j`` (or an explicit precision vector normalised to
sum 1). With ``lower = 0`` and ``width = C`` this is the plain
:class:`~qubo.encoding.Encoding` of the single-shot QUBO.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True, eq=False)
class BoxEncoding:
    """Coefficient ``n`` lives on the grid ``lower[n] + width[n] * (bits @ weights)``.

    Parameters
    ----------
    lower : ndarray of shape (n_coefficients,)
        Lower end of every box.
    width : ndarray of shape (n_coefficients,)
        Width of every box (``> 0``).
    weights : ndarray of shape (n_bits,)
        Non-negative bit weights that sum to 1.

    Examples
    --------
    >>> from qubo.encoding import Encoding
    >>> box = Encoding(n_bits=2, C=3.0).boxes(2)
    >>> box.decode([[0, 1], [1, 1]]).tolist()
    [2.0, 3.0]
    >>> shifted = BoxEncoding(np.array([1.0, 0.0]), np.array([0.3, 3.0]), box.weights)
    >>> shifted.decode(shifted.encode([1.2, 2.0])).round(3).tolist()
    [1.2, 2.0]
    """

    lower: NDArray[np.float64]
    width: NDArray[np.float64]
    weights: NDArray[np.float64]

    def __post_init__(self) -> None:
        lower = np.asarray(self.lower, dtype=float).ravel()
        width = np.asarray(self.width, dtype=float).ravel()
        weights = np.asarray(self.weights, dtype=float).ravel()
        if lower.shape != width.shape:
            raise ValueError(
                f"lower and width must have the same length; got {lower.size} and {width.size}"
            )
        if not (np.all(np.isfinite(lower)) and np.all(np.isfinite(width)) and np.all(width > 0)):
            raise ValueError("box ends must be finite and every width positive")
        if weights.size < 1 or np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
            raise ValueError(f"bit weights must be non-negative and sum to 1; got {weights}")
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "width", width)
        object.__setattr__(self, "weights", weights)

    def boxes(self, n_coefficients: int) -> BoxEncoding:
        """These boxes, checked to hold ``n_coefficients``: the interface shared with Encoding."""
        if n_coefficients != self.n_coefficients:
            raise ValueError(
                f"the boxes encode {self.n_coefficients} coefficients but {n_coefficients} "
                "were asked for"
            )
        return self

    @property
    def n_bits(self) -> int:
        return int(self.weights.size)

    @property
    def n_coefficients(self) -> int:
        return int(self.lower.size)

    @property
    def upper(self) -> NDArray[np.float64]:
        return self.lower + self.width

    def fractions(self) -> NDArray[np.float64]:
        """Every representable fraction of a box, sorted and unique, in ``[0, 1]``."""
        return _sorted_levels(tuple(self.weights.tolist()))[0]

    def decode(self, bits: ArrayLike) -> NDArray[np.float64]:
        """Coefficients from bits of shape ``(..., n_coefficients, n_bits)``."""
        bits = np.asarray(bits)
        if bits.shape[-1] != self.n_bits or bits.shape[-2] != self.n_coefficients:
            raise ValueError(
                f"expected bits of shape (..., {self.n_coefficients}, {self.n_bits}); "
                f"got {bits.shape}"
            )
        return self.lower + self.width * (bits @ self.weights)

    def encode(self, coefficients: ArrayLike) -> NDArray[np.int8]:
        """Bits of the grid point nearest to each coefficient.

        Returns an array of shape ``(n_coefficients, n_bits)``.
        """
        coefficients = np.asarray(coefficients, dtype=float).ravel()
        fraction = (coefficients - self.lower) / self.width
        return nearest_bits(fraction, self.weights)


@functools.lru_cache(maxsize=4)
def _bit_table(n_bits: int) -> NDArray[np.int8]:
    """All ``2**n_bits`` bit rows, bit ``k`` in column ``k`` (cached, read-only)."""
    codes = np.arange(2**n_bits)
    table = np.empty((codes.size, n_bits), dtype=np.int8)
    for k in range(n_bits):  # column by column: one int64 matrix of it all was 8x the table
        table[:, k] = (codes >> k) & 1
    table.flags.writeable = False
    return table


@functools.lru_cache(maxsize=8)
def _sorted_levels(weights: tuple[float, ...]) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Every level ``bits @ weights``, sorted, and the bit row of each (cached, read-only)."""
    table = _bit_table(len(weights))
    levels = np.zeros(table.shape[0])
    for k, weight in enumerate(weights):  # not table @ weights: that casts the table to float64
        levels += weight * table[:, k]
    order = np.argsort(levels, kind="stable")
    ordered = levels[order]
    keep = np.r_[True, np.diff(ordered) > 0]  # one row per level: the lowest code
    ordered, order = ordered[keep], order[keep]
    ordered.flags.writeable = order.flags.writeable = False
    return ordered, order


def table_bytes(n_bits: int) -> int:
    """What encoding with ``n_bits`` holds at once: the bit table, its values and their order."""
    return 2**n_bits * (n_bits + 40)


def nearest_bits(values: ArrayLike, weights: ArrayLike) -> NDArray[np.int8]:
    """The bit rows whose ``bits @ weights`` lie nearest to each value (ties: the lower level).

    A binary search on the sorted levels: memory ``O(2**n_bits + n)``, not
    the ``n x 2**n_bits`` distance matrix (1.3 GB for 10 values at 24 bits).
    """
    weights = np.asarray(weights, dtype=float)
    ordered, order = _sorted_levels(tuple(weights.tolist()))
    return _bit_table(weights.size)[order[nearest_index(ordered, values)]]


def nearest_index(
    ordered: NDArray[np.float64], values: ArrayLike, decimals: int | None = None
) -> NDArray[np.intp]:
    """Index of the entry of sorted ``ordered`` nearest to each value (ties: the lower).

    A binary search: ``O(len(ordered) + n)`` memory, never an ``n x len(ordered)``
    distance matrix (gigabytes at 24 bits). ``decimals`` rounds the two
    distances before they are compared, so that near-ties go to the lower entry.
    """
    values = np.asarray(values, dtype=float)
    if ordered.size == 1:
        return np.zeros(values.shape, dtype=np.intp)
    right = np.clip(np.searchsorted(ordered, values), 1, ordered.size - 1)
    left = right - 1
    to_left, to_right = np.abs(values - ordered[left]), np.abs(ordered[right] - values)
    if decimals is not None:
        to_left, to_right = np.round(to_left, decimals), np.round(to_right, decimals)
    return np.where(to_left <= to_right, left, right)
