"""libsvm's ``tol`` read at the dual's own scale: its gradient, coefficients and objective.

libsvm stops when the largest violating pair is within ``tol`` in gradient
units (the units of ``y`` for SVR, of 1 for SVC). That absolute rule fails
both ways once ``y`` or ``C`` is far from 1: with ``y`` scaled by 1e-6 every
gradient is below ``tol`` from the start, and a coefficient box ``tol * C``
wide (the rounds' old resolution) is wider than the whole solution when
``C = 1e4``. Scaling the dual shows why: ``(y, epsilon, C)`` and
``(y / s, epsilon / s, C / s)`` have the same optimum up to the factor
``s``, so ``y``'s scale and ``C`` act only through their ratio, and what a
coefficient must resolve is set by ``min(C, gradient / curvature)``, not by ``C``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qubo import Dual

__all__ = ["Tolerances"]

#: The first boxes' width in units of the natural size ``g / d``: at C = 1
#: and unit targets it is C, so the first round is the single shot on
#: ``[0, C]`` as before; a solution beyond it is reached by doubling.
_REACH = 4.0


@dataclass(frozen=True)
class Tolerances:
    """The stopping tolerances of one dual, each in its own units.

    ``g`` is the dual's gradient scale: half the spread of libsvm's
    ``v = -s * G`` at ``z = 0`` (SVC: 1, as libsvm assumes; SVR:
    ``range(y) / 2 + epsilon``, blind to an offset of ``y``, which the
    intercept takes). ``d`` is the kernel's largest diagonal entry, and
    ``g / d`` the coefficients' natural size.

    Attributes
    ----------
    tol : float
        libsvm's tolerance, as the user set it.
    kkt : float
        The largest violating pair allowed: ``tol * g``. libsvm's own rule
        for SVC; for SVR it is relative to the targets' spread, where an
        absolute ``tol`` accepts any point when ``y`` is 1e-6 and asks for
        round-off when ``y`` is 1e6.
    resolution : float
        How finely coefficients are resolved (the rounds' narrowest box, and
        how close to 0 or C counts as at the bound): ``tol * min(C, g / d)``,
        so that a coefficient error moves the gradient by about ``kkt``.
        Not ``tol * C``: at ``C = 1e4`` that box was wider than the solution.
    energy : float
        The objective's unit: ``g * min(C, g / d)``; a change of
        ``tol * max(energy, |objective|)`` counts as none.
    reach : float
        The width of the first round's boxes: ``min(C, _REACH * g / d)``.
        With ``C`` far above the natural size, a grid over ``[0, C]`` has no
        level near the solution, and its QUBO is a landscape of local minima
        each far worse than all-zero (at ``C = 1e4`` simulated annealing
        ended 1e6 above it); the boxes then start at the natural size and
        double while a coefficient presses on their edge.
    penalty_unit : float
        What the user's ``penalty`` is multiplied by: ``max(1, (g / d) / C)``.
        At ``C`` far below the natural size, the linear term ``p^T z``
        outweighs a penalty ``xi h**2`` of ``C**2`` scale by ``g / (C d)``:
        the equality was left broken by 10 C and its multiplier crept up
        for 100 rounds. 1 wherever ``C >= g / d``.

    Examples
    --------
    >>> Tolerances.of(1e-3, C=1e4, gradient=2.0, curvature=1.0).resolution
    0.002
    >>> Tolerances.of(1e-3, C=1.0, gradient=1e-6, curvature=1.0).kkt
    1e-09
    """

    tol: float
    kkt: float
    resolution: float
    energy: float
    reach: float = np.inf
    penalty_unit: float = 1.0

    @classmethod
    def of(cls, tol: float, *, C: float, gradient: float, curvature: float) -> Tolerances:
        """A dual's tolerances from its gradient scale ``g`` and kernel diagonal ``d``."""
        g = gradient if gradient > 0 and np.isfinite(gradient) else 1.0
        natural = g / curvature if curvature > 0 else C
        size = min(C, natural)
        return cls(
            tol=tol,
            kkt=tol * g,
            resolution=tol * size,
            energy=g * size,
            reach=min(C, _REACH * natural),
            penalty_unit=max(1.0, natural / C),
        )

    @classmethod
    def at(cls, tol: float, dual: Dual, gradient: ArrayLike, curvature: float) -> Tolerances:
        """The tolerances of ``dual`` read at ``gradient`` (its linear term: at ``z = 0``).

        ``curvature`` is the kernel's largest diagonal entry (for a dense
        dual, ``Q``'s); a working set's own tolerances are read at the
        gradient it starts from.
        """
        scale = cls.gradient_scale(dual.signs, np.asarray(gradient, dtype=float))
        return cls.of(tol, C=dual.C, gradient=scale, curvature=curvature)

    @staticmethod
    def gradient_scale(signs: NDArray[np.float64], linear: NDArray[np.float64]) -> float:
        """``g``: half the spread of ``v = -s * p``, the KKT quantity at ``z = 0``."""
        v = -np.asarray(signs) * np.asarray(linear)
        return 0.5 * float(v.max() - v.min()) if v.size else 1.0

    def objective(self, value: float) -> float:
        """How much an objective near ``value`` may change and count as settled."""
        return self.tol * max(self.energy, abs(value))
