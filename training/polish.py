"""Active-set polishing: the exact optimum on the active set a solution implies.

An annealer's solution of a dual program says, for every coefficient,
whether it sits at 0, at C or in between: the combinatorial part of the
quadratic program. Given that active set, the optimum is the solution of
one linear system, the KKT conditions of the equality-constrained problem
on the free coefficients::

    [ Q_FF  s_F ] [ z_F ]   [ -(p_F + Q_FB z_B) ]
    [ s_F^T  0  ] [  mu ] = [ t - s_B^T z_B      ]

with every bound coefficient ``z_B`` at 0 or C. The result is the optimum
exactly when it is feasible (``0 <= z_F <= C``) and the multipliers of the
bounds have the right signs (``Q z + p + mu s`` non-negative at 0,
non-positive at C). Both are checked on the whole gradient, recomputed,
to the tolerance libsvm's stopping condition uses (its ``tol``, on the
same gradient). One solve, no active-set iterations: when the
annealer's set is wrong the polish fails and the refinement goes on. The
same step ends OSQP's solves (Stellato et al., Math. Prog. Comp. 2020),
which also guesses the active set from an approximate solution.

scipy has no equality-and-box QP solver to call here, and a generic one
would not take the annealer's active set: hence this short routine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qubo import Dual, active_set

#: Singular values of the KKT system below this fraction of the largest
#: count as zero (see :func:`_stationary_point`).
_RCOND = 1e-10


@dataclass(frozen=True)
class Polished:
    """The stationary point on an active set, clipped to ``[0, C]``, and its multiplier ``mu``.

    ``feasible`` says whether it lay in ``[0, C]`` before clipping;
    ``residual`` is the largest gradient residual of the clipped point's KKT
    conditions (:func:`kkt_residual`, 0 at the exact optimum); it is not
    libsvm's maximal violating pair (:meth:`qubo.Dual.kkt`).
    """

    coefficients: NDArray[np.float64]
    multiplier: float
    feasible: bool
    residual: float

    def optimal(self, tol: float) -> bool:
        """Whether this is the optimum to libsvm's tolerance ``tol``."""
        return self.feasible and self.residual <= tol


def polish(dual: Dual, coefficients: ArrayLike, *, resolution: float) -> Polished | None:
    """The stationary point on the active set of ``coefficients``: the optimum if that set is right.

    Parameters
    ----------
    dual : Dual
        The dual, dense (its ``hessian`` known).
    coefficients : array-like of shape (n_coefficients,)
        An approximate solution; a coefficient within ``resolution`` of 0 or
        C is taken to sit on that bound, every other one to be free (SVR
        pairs are first reduced to ``alpha * alpha* = 0``, :meth:`Dual.canonical`).
    resolution : float
        How finely the coefficients are resolved
        (:attr:`training.tolerances.Tolerances.resolution`).

    Returns
    -------
    Polished or None
        None when no coefficient is free (``mu`` is then not determined).
        :meth:`Polished.optimal` says whether the set was right.

    Examples
    --------
    >>> dual = Dual(np.arange(2), np.array([1.0, -1.0]), np.array([-1.0, -3.0]), C=5.0,
    ...             hessian=np.eye(2))
    >>> right = polish(dual, [1.9, 1.9], resolution=1e-3)
    >>> right.coefficients.round(12).tolist(), right.optimal(tol=1e-3)
    ([2.0, 2.0], True)
    >>> polish(dual, [0.0, 1.9], resolution=1e-3).optimal(tol=1e-3)
    False
    """
    a = dual.canonical(coefficients)
    C = dual.C
    at_zero, at_upper, is_free = active_set(a, C, resolution)
    bound = ~is_free
    free = np.flatnonzero(is_free)
    if free.size == 0:  # mu is then only bracketed, not determined: nothing to polish
        return None
    x = np.where(at_upper, C, np.where(at_zero, 0.0, a))
    x[free], mu = _stationary_point(dual, x, free, bound)
    slack = dual.bound_slack  # round-off of the solve: clipped, not rejected
    feasible = bool(np.all((x[free] >= -slack) & (x[free] <= C + slack)))
    x = np.clip(x, 0.0, C)
    return Polished(
        coefficients=x,
        multiplier=float(mu),
        feasible=feasible,
        residual=kkt_residual(dual, x, mu, bound),
    )


def restore_equality(
    dual: Dual, coefficients: ArrayLike, *, resolution: float
) -> NDArray[np.float64] | None:
    """``coefficients`` with the equality ``s^T z = t`` met exactly, by shifting the free ones.

    Once the rounds' boxes are as narrow as the coefficients' resolution,
    what is left of ``h`` is the grid's rounding: every coefficient sits on
    one of a few levels, and their errors add up to about ``sqrt(n)`` level
    spacings, so a 200-coefficient dual waited up to 100 rounds for a lucky
    draw. The free coefficients (those farther than ``resolution`` from a
    bound) absorb ``h`` along ``s``, each by ``|h| / |F|``: the closest point on the
    equality that keeps the active set. None when that shift would leave
    ``[0, C]`` (the active set would change) or no coefficient is free.

    Examples
    --------
    >>> dual = Dual(np.arange(3), np.array([1.0, -1.0, 1.0]), np.zeros(3), C=1.0,
    ...             hessian=np.eye(3))
    >>> restore_equality(dual, [0.5, 0.7, 0.0], resolution=1e-3).tolist()
    [0.6, 0.6, 0.0]
    """
    a = np.array(coefficients, dtype=float)
    free = active_set(a, dual.C, resolution)[2]
    s = dual.signs[free]
    if not free.any():
        return None
    a[free] -= dual.violation(a) / (s @ s) * s
    inside = np.all((a[free] >= 0.0) & (a[free] <= dual.C))
    return a if inside else None


def kkt_residual(
    dual: Dual, coefficients: NDArray[np.float64], mu: float, bound: NDArray[np.bool_]
) -> float:
    """The largest KKT residual: a free coefficient's gradient, a bound one's pointing inwards."""
    gradient = dual.gradient(coefficients, multiplier=mu)
    inward = np.where(coefficients <= 0.0, -gradient, gradient)
    return float(np.max(np.where(bound, inward, np.abs(gradient)), initial=0.0))


def _stationary_point(
    dual: Dual,
    x: NDArray[np.float64],
    free: NDArray[np.intp],
    bound: NDArray[np.bool_],
) -> tuple[NDArray[np.float64], float]:
    """The free coefficients and ``mu`` of the KKT system nearest the free ``x``.

    Smooth data make the Gram matrix numerically singular (condition
    numbers of 1e20 on learning curves): the stationary points then form a
    family, and the minimum-norm one can lie far outside the box. The step
    from the annealer's own values is therefore solved in the least-squares
    sense with singular values below ``_RCOND`` of the largest cut off, so
    that directions the dual cannot tell apart keep the annealer's values.
    """
    M, g = dual.hessian, dual.signs
    system = np.empty((free.size + 1, free.size + 1))
    system[:-1, :-1] = M[np.ix_(free, free)]
    system[:-1, -1] = g[free]
    system[-1, :-1] = g[free]
    system[-1, -1] = 0.0
    rhs = np.empty(free.size + 1)
    rhs[:-1] = -(dual.linear[free] + M[np.ix_(free, np.flatnonzero(bound))] @ x[bound])
    rhs[-1] = dual.target - g[bound] @ x[bound]
    start = np.append(x[free], 0.0)
    step = np.linalg.lstsq(system, rhs - system @ start, rcond=_RCOND)[0]
    solution = start + step
    return solution[:-1], float(solution[-1])
