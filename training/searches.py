"""Exact searches on the (quadratic) augmented dual that continue the annealer's moves.

Between refinement rounds (:mod:`training.rounds`) the moves the annealer
made point along the valleys of an ill-conditioned kernel; these searches
continue them exactly, as far as the augmented dual keeps falling.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qubo import Dual

__all__ = ["line_search", "subspace_search"]


def line_search(
    dual: Dual,
    coefficients: ArrayLike,
    direction: ArrayLike,
    *,
    penalty: float,
    multiplier: float = 0.0,
) -> float:
    """The step ``t >= 0`` that minimises the augmented dual along ``a + t d`` in the box.

    The augmented dual is quadratic, so the minimiser along a line is
    ``-g.d / d^T M' d``, clipped to the largest step that keeps every
    coefficient in ``[0, C]``. Returns 0 when the direction does not
    descend.

    Examples
    --------
    >>> dual = Dual(np.arange(2), np.zeros(2), np.array([-1.0, -1.0]), C=5.0, hessian=np.eye(2))
    >>> line_search(dual, [0.0, 0.0], [0.5, 0.5], penalty=0.0)
    2.0
    """
    a = np.asarray(coefficients, dtype=float)
    d = np.asarray(direction, dtype=float)
    Md, c = dual.augmented_product(d, penalty, multiplier)
    gradient_dot = float(a @ Md + c @ d)
    curvature = float(d @ Md)
    if gradient_dot >= 0.0:
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(d > 0, (dual.C - a) / d, np.inf)
        down = np.where(d < 0, -a / d, np.inf)
    limit = float(min(up.min(initial=np.inf), down.min(initial=np.inf)))
    step = -gradient_dot / curvature if curvature > 0 else np.inf
    return float(max(0.0, min(step, limit)))


def subspace_search(
    dual: Dual,
    coefficients: ArrayLike,
    directions: ArrayLike,
    *,
    penalty: float,
    multiplier: float = 0.0,
    passes: int = 3,
) -> NDArray[np.float64]:
    """The lowest point of the augmented dual on ``a + D c`` in the box, by projected passes.

    Each pass holds the coefficients that sit on 0 or C with the gradient
    pointing out of the box, minimises the (quadratic) augmented dual
    exactly over the span of the directions' remaining entries (an
    ``m x m`` least-squares solve) and clips the result to ``[0, C]``.
    Returns the lowest point seen, ``coefficients`` if none is lower.

    Parameters
    ----------
    dual : Dual
        The dual, dense.
    coefficients : array-like of shape (n,)
        The start ``a``.
    directions : array-like of shape (n, m)
        The directions ``D`` spanning the search.
    penalty, multiplier : float
        The augmented Lagrangian's ``xi`` and ``lambda``.
    passes : int
        Projected passes.

    Examples
    --------
    >>> dual = Dual(np.arange(2), np.zeros(2), np.array([-1.0, -100.0]), C=5.0,
    ...             hessian=np.diag([1.0, 100.0]))
    >>> subspace_search(dual, [0.0, 0.0], np.eye(2), penalty=0.0).tolist()
    [1.0, 1.0]
    """
    a = np.asarray(coefficients, dtype=float)
    D = np.asarray(directions, dtype=float).reshape(a.size, -1)
    best = a
    lowest = dual.augmented(a, penalty=penalty, multiplier=multiplier)
    edge = dual.bound_slack
    x = a
    for _ in range(passes):
        gradient = dual.gradient(x, penalty=penalty, multiplier=multiplier)
        held = ((x <= edge) & (gradient > 0)) | ((x >= dual.C - edge) & (gradient < 0))
        free = np.where(held[:, None], 0.0, D)
        curvature = free.T @ dual.augmented_product(free, penalty, multiplier)[0]
        step = np.linalg.lstsq(curvature, -free.T @ gradient, rcond=None)[0]
        x = np.clip(x + free @ step, 0.0, dual.C)
        value = dual.augmented(x, penalty=penalty, multiplier=multiplier)
        if value < lowest:
            best, lowest = x, value
    return best
