"""Trust-region update of the per-coefficient boxes between refinement rounds.

Pure maths: given a round's boxes and the coefficients they produced, where
the next round's grid lies. All boxes share one width, the step: it
narrows when every coefficient lands inside its box or on 0 or C (or the
round stalled), and is kept while some coefficient sits on an edge that is
not 0 or C, since the optimum may lie beyond it. Each box moves to its
coefficient, leaning the way it moved, and stays inside ``[0, C]``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qubo import BOUND_SLACK, BoxEncoding, nearest_index

#: Where in its next box a coefficient that moved sits: 0.3 of the width from
#: the end it came from, so the box reaches 0.7 of its width onwards.
_PATTERN_LEAN = 0.3


def on_free_edge(box: BoxEncoding, coefficients: ArrayLike, C: float) -> NDArray[np.bool_]:
    """Coefficients on a box edge that is not the bound 0 or C: the optimum may lie beyond."""
    a = np.asarray(coefficients, dtype=float)
    bound_slack = BOUND_SLACK * C
    edge_slack = 1e-6 * box.width
    at_lower = (a <= box.lower + edge_slack) & (box.lower > bound_slack)
    at_upper = (a >= box.upper - edge_slack) & (box.upper < C - bound_slack)
    return at_lower | at_upper


def next_box(
    box: BoxEncoding,
    coefficients: ArrayLike,
    C: float,
    *,
    shrink: float = 0.5,
    stalled: bool = False,
    previous: ArrayLike | None = None,
    resolution: float = 0.0,
    grow: bool = False,
) -> BoxEncoding:
    """The next round's boxes around ``coefficients`` (trust-region logic).

    All boxes share one width, the step. The step narrows by ``shrink`` when
    every coefficient landed strictly inside its box or on a bound 0 or C
    (the grid has resolved the optimum at this scale), or when the round
    ``stalled`` (did not improve on its start); while some coefficient sits
    on a free edge, the optimum may lie beyond it and the step is kept.
    Each box is then re-centred on its coefficient. A coefficient that moved
    in the last round gets a box that reaches farther in the direction it
    moved (a pattern move, as in Hooke-Jeeves search), since coupled
    coefficients of an ill-conditioned kernel travel along a valley.

    Parameters
    ----------
    box : BoxEncoding
        The boxes of the round that produced ``coefficients``.
    coefficients : array-like of shape (n_coefficients,)
        The round's solution.
    C : float
        Upper bound of every coefficient.
    shrink : float
        Factor in ``(0, 1)`` by which the step narrows.
    stalled : bool
        Whether the round failed to improve on its start.
    previous : array-like of shape (n_coefficients,), optional
        The solution of the round before, for the pattern move.
    resolution : float
        How finely the coefficients are resolved: the step never narrows
        below half of it, since boxes far finer than the tolerance cannot
        move the coefficients enough to settle the equality constraint.
    grow : bool
        Whether a coefficient on a free edge doubles the step (up to C)
        instead of keeping it: while the first boxes are still finding the
        solution's scale.

    Returns
    -------
    BoxEncoding
        Boxes inside ``[0, C]``, each coefficient on one of its grid points
        unless a bound of ``[0, C]`` pushed the box aside.

    Examples
    --------
    >>> from qubo import Encoding
    >>> box = Encoding(n_bits=2, C=3.0).boxes(3)
    >>> new = next_box(box, [0.0, 1.0, 3.0], 3.0)
    >>> new.lower.tolist(), new.width.tolist()
    ([0.0, 0.5, 1.5], [1.5, 1.5, 1.5])
    """
    a = np.asarray(coefficients, dtype=float)
    if not 0.0 < shrink < 1.0:
        raise ValueError(f"shrink must lie in (0, 1); got {shrink!r}")
    step = float(box.width.max())
    pressing = on_free_edge(box, a, C).any()
    if stalled or not pressing:
        step = max(step * shrink, min(0.5 * resolution, step))
    elif grow:
        step = min(2.0 * step, C)
    width = np.full(a.size, min(step, C))
    target = np.full(a.size, 0.5)
    if previous is not None:
        moved = a - np.asarray(previous, dtype=float)
        target = np.where(moved > 0, _PATTERN_LEAN, np.where(moved < 0, 1 - _PATTERN_LEAN, 0.5))
    # Put each coefficient on a grid point, so that the warm start is exact.
    fractions = box.fractions()
    centre = fractions[nearest_index(fractions, target, decimals=12)]
    lower = np.clip(a - centre * width, 0.0, C - width)
    return BoxEncoding(lower, width, box.weights)
