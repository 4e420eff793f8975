"""How far a solution is from the dual's optimum, certified from its gradient alone.

For the convex dual ``f(z) = 1/2 z^T Q z + p^T z`` on ``0 <= z <= C``,
``s^T z = 0`` and any feasible ``z*``, convexity gives
``f(z*) >= f(z) + G^T (z* - z)`` with ``G = Q z + p``. Adding
``b s^T (z* - z)`` (zero in ``z*``'s part) and minimising over the box gives,
for every ``b``, ``f(z) - f* <= G^T z - C sum_t min(0, G_t + b s_t)``. The
bound is convex and piecewise linear in ``b``, with breakpoints at
``v_t = -s_t G_t``; its minimum is where its slope
``-C (#{s_t = 1, v_t > b} - #{s_t = -1, v_t < b})`` changes sign, found on
the sorted breakpoints in ``O(n log n)``. At the optimum it is 0 (``b`` the
intercept); it needs no second solve, so a fit of any size can report it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from qubo import Dual
from training.tolerances import Tolerances

__all__ = ["Certificate", "certify"]


@dataclass(frozen=True)
class Certificate:
    """What a solution's gradient certifies.

    Attributes
    ----------
    kkt_violation : float
        libsvm's largest violating pair ``max_{I_up} v - min_{I_low} v``.
    gap_bound : float
        An upper bound on ``f(z) - f*`` (0 at the optimum).
    objective : float
        ``f(z)``.
    equality_violation : float
        ``|s^T z|``.
    """

    kkt_violation: float
    gap_bound: float
    objective: float
    equality_violation: float

    def meets(self, tolerances: Tolerances, C: float) -> bool:
        """Whether this is libsvm's optimum to ``tol``: KKT condition or gap, and the equality.

        Either libsvm's condition holds at the dual's scale, or the certified
        gap is within ``tol`` of the objective; and ``|s^T z|`` is within the
        coefficients' resolution (or round-off, ``1e-12 C``).
        """
        kkt = self.kkt_violation <= tolerances.kkt * (1 + 1e-9)
        gap = self.gap_bound <= tolerances.objective(self.objective)
        equality = self.equality_violation <= max(tolerances.resolution, 1e-12 * C)
        return (kkt or gap) and equality

    def describe(self, tolerances: Tolerances) -> str:
        """How far from the optimum, in words, for a warning."""
        return (
            f"its largest KKT violation is {self.kkt_violation:.3g} (allowed "
            f"{tolerances.kkt:.3g} at this dual's scale), its dual objective is at most "
            f"{self.gap_bound:.3g} ({self.relative_gap:.2%}) above the optimum, and |sum of "
            f"signed coefficients| is {self.equality_violation:.3g}"
        )

    @property
    def relative_gap(self) -> float:
        """``gap_bound / |f(z)|`` (inf when ``f(z)`` is 0 and the bound is not)."""
        if self.objective == 0:
            return 0.0 if self.gap_bound == 0 else np.inf
        return self.gap_bound / abs(self.objective)


def certify(dual: Dual, z: NDArray[np.float64], gradient: NDArray[np.float64]) -> Certificate:
    """The certificate of ``z`` with gradient ``G = Q z + p`` (see the module's docstring).

    Examples
    --------
    >>> from qubo import svc_dual
    >>> dual = svc_dual([1.0, -1.0], C=10.0).dense(np.eye(2))
    >>> z = np.array([1.0, 1.0])  # the optimum: alpha = 1, b = 0
    >>> gradient = dual.dual_gradient(z)
    >>> certify(dual, z, gradient).gap_bound
    0.0
    """
    z, gradient = np.asarray(z, dtype=float), np.asarray(gradient, dtype=float)
    kkt, v, _, _ = dual.kkt(z, gradient)  # libsvm's rule, as the working sets read it
    b = _best_intercept(v, dual.signs)
    shifted = gradient + b * dual.signs
    bound = float(gradient @ z - dual.C * np.minimum(0.0, shifted).sum())
    return Certificate(
        kkt_violation=kkt,
        gap_bound=max(bound, 0.0),
        objective=float(dual.objective(z, gradient)),
        equality_violation=abs(float(dual.signs @ z)),
    )


def _best_intercept(v: NDArray[np.float64], signs: NDArray[np.float64]) -> float:
    """The ``b`` that minimises the bound: where its slope turns non-negative."""
    order = np.argsort(v, kind="stable")
    v, positive = v[order], signs[order] > 0
    # Just above breakpoint k: positives with v > b, negatives with v <= b.
    positives_above = positive.sum() - np.cumsum(positive)
    negatives_below = np.cumsum(~positive)
    turning = np.flatnonzero(negatives_below >= positives_above)
    return float(v[turning[0]]) if turning.size else float(v[-1]) if v.size else 0.0
