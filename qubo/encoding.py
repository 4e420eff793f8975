"""Fixed-point encoding of box-constrained coefficients in binary variables."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qubo.box import BoxEncoding, _sorted_levels, nearest_bits

#: The smallest step between levels, relative to C, that float64 keeps apart
#: from C itself (2**-52 is its relative precision; a margin of 16 for sums).
_RESOLUTION = 16 * 2.0**-52


def _step(base: float, n_bits: int) -> float:
    powers = float(base) ** np.arange(n_bits, dtype=float)
    return float(powers.min() / powers.sum()) if np.isfinite(powers.sum()) else 0.0


@dataclass(frozen=True)
class Encoding:
    """Write each coefficient in ``[0, C]`` as ``alpha = sum_k p_k a_k``, ``a_k in {0, 1}``.

    By default the precision vector is ``p_k = C * B**k / sum_j B**j`` for
    ``k = 0 .. K-1``, so the largest representable value is exactly ``C``.
    ``B = 2`` gives ``2**K`` evenly spaced levels; ``B = 1`` is the unary
    encoding with ``K + 1`` levels. An explicit ``precision`` vector
    overrides ``base`` and ``C`` (``C`` becomes ``sum(precision)``), which
    reproduces the ``p_k = B**(k - E)`` encodings of the literature.

    Parameters
    ----------
    n_bits : int
        Bits per coefficient, ``K >= 1``.
    base : float
        Base ``B > 0`` of the geometric precision vector.
    C : float
        Upper end of the box, ``C > 0``.
    precision : array-like of shape (n_bits,), optional
        Explicit non-negative precision vector.

    Examples
    --------
    >>> enc = Encoding(n_bits=3, base=2.0, C=7.0)
    >>> enc.p.tolist()
    [1.0, 2.0, 4.0]
    >>> enc.decode(enc.encode([0.0, 3.0, 7.0])).tolist()
    [0.0, 3.0, 7.0]
    """

    n_bits: int = 3
    base: float = 2.0
    C: float = 1.0
    precision: tuple[float, ...] | None = field(default=None)

    def __post_init__(self) -> None:
        if self.precision is not None:
            p = np.asarray(self.precision, dtype=float).ravel()
            if p.size < 1 or not np.all(np.isfinite(p)) or np.any(p < 0) or p.sum() <= 0:
                raise ValueError(
                    "precision must be a non-empty vector of finite non-negative values "
                    f"with a positive sum; got {self.precision!r}"
                )
            object.__setattr__(self, "precision", tuple(p.tolist()))
            object.__setattr__(self, "n_bits", int(p.size))
            object.__setattr__(self, "C", float(p.sum()))
            return
        if isinstance(self.n_bits, bool) or int(self.n_bits) != self.n_bits or self.n_bits < 1:
            raise ValueError(f"n_bits must be an integer >= 1; got {self.n_bits!r}")
        if not np.isfinite(self.base) or self.base <= 0:
            raise ValueError(f"base must be a finite number > 0; got {self.base!r}")
        if not np.isfinite(self.C) or self.C <= 0:
            raise ValueError(f"C must be a finite number > 0; got {self.C!r}")
        object.__setattr__(self, "n_bits", int(self.n_bits))
        self._check_resolution()

    def _check_resolution(self) -> None:
        """Refuse levels float64 cannot tell apart: beyond that, more bits add nothing."""
        smallest = _step(self.base, self.n_bits)
        if smallest < _RESOLUTION:
            usable = max(k for k in range(1, self.n_bits) if _step(self.base, k) >= _RESOLUTION)
            raise ValueError(
                f"n_bits={self.n_bits} with base={self.base}: the smallest step, "
                f"{smallest:.3g} C, is below float64's resolution; expected n_bits <= {usable} "
                "or a base closer to 1"
            )

    @property
    def p(self) -> NDArray[np.float64]:
        """The precision vector as an array of shape ``(n_bits,)``."""
        if self.precision is not None:
            return np.asarray(self.precision, dtype=float)
        powers = float(self.base) ** np.arange(self.n_bits)
        return self.C * powers / powers.sum()

    def boxes(self, n_coefficients: int) -> BoxEncoding:
        """The box ``[0, C]`` for each of ``n_coefficients``: this encoding, per coefficient.

        The one interface of Encoding and :class:`~qubo.box.BoxEncoding`:
        the builders, the decoder and the refinement rounds ask either for
        its boxes, so a single shot is the special case ``lower = 0``,
        ``width = C`` of a round.

        Examples
        --------
        >>> Encoding(n_bits=2, C=3.0).boxes(2).decode([[0, 1], [1, 1]]).tolist()
        [2.0, 3.0]
        """
        return BoxEncoding(
            np.zeros(n_coefficients), np.full(n_coefficients, self.C), self.p / self.p.sum()
        )

    def levels(self) -> NDArray[np.float64]:
        """All representable values, sorted and unique."""
        return _sorted_levels(tuple(self.p.tolist()))[0].copy()

    def encode(self, alpha: ArrayLike) -> NDArray[np.int8]:
        """Bits of the representable value nearest to each coefficient.

        Returns an array of shape ``alpha.shape + (n_bits,)``.
        """
        return nearest_bits(alpha, self.p)

    def decode(self, bits: ArrayLike) -> NDArray[np.float64]:
        """Coefficients from bits whose last axis has length ``n_bits``."""
        bits = np.asarray(bits)
        if bits.shape[-1] != self.n_bits:
            raise ValueError(
                f"expected bits with a last axis of length n_bits={self.n_bits}; "
                f"got shape {bits.shape}"
            )
        return bits @ self.p
