"""The SVM duals in libsvm's form, described by kernel columns instead of a Gram matrix.

``min 1/2 z^T Q z + p^T z`` subject to ``0 <= z <= C`` and ``s^T z = 0``,
with ``Q_tu = s_t s_u K(x_{i(t)}, x_{i(u)})``: coefficient ``t`` belongs to
training point ``i(t)`` (``points``). For QSVC ``z = alpha``, ``s = y``,
``p = -1``; for QSVR ``z = [alpha; alpha*]``, ``s = [1; -1]``,
``p = [eps - y; eps + y]``, each point carrying two coefficients. This is
the same program as :func:`qubo.svr_program` and :func:`qubo.svc_program`
(``M = Q``, ``c = p``, ``g = s``), written so that any block of ``Q`` comes
from the kernel columns of the points involved: the description a
working-set solver needs when N is too large for the ``N x N`` matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qubo.program import DualProgram, without_common_part

__all__ = ["KernelDual", "svc_kernel_dual", "svr_kernel_dual"]


@dataclass(frozen=True, eq=False)
class KernelDual:
    """A dual in libsvm's form whose ``Q`` is read block by block from kernel columns.

    Parameters
    ----------
    points : ndarray of int, shape (n_coefficients,)
        The training point of every coefficient.
    signs : ndarray, shape (n_coefficients,)
        ``s``, each +1 or -1.
    linear : ndarray, shape (n_coefficients,)
        ``p``.
    C : float
        Upper end of every coefficient's box.
    penalty_scale : float
        As :class:`~qubo.program.DualProgram`'s (QSVR 1, QSVC 1/2).
    pairs : ndarray of int, shape (n_pairs, 2), optional
        SVR's ``(alpha_n, alpha*_n)`` coefficient pairs.

    Examples
    --------
    >>> dual = svr_kernel_dual([1.0, -1.0], C=1.0, epsilon=0.1)
    >>> K = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> block = K[np.ix_(dual.points, dual.points)]
    >>> np.allclose(dual.program(K).hessian, dual.hessian_block(np.arange(4), block))
    True
    """

    points: NDArray[np.intp]
    signs: NDArray[np.float64]
    linear: NDArray[np.float64]
    C: float
    penalty_scale: float = 1.0
    pairs: NDArray[np.intp] | None = None

    @property
    def n_coefficients(self) -> int:
        return int(self.points.size)

    @property
    def n_points(self) -> int:
        return int(self.points.max()) + 1

    def movable(self, z: NDArray[np.float64]) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        """libsvm's ``I_up`` (``s_t z_t`` may grow) and ``I_low`` (it may shrink)."""
        positive = self.signs > 0
        below, above = z < self.C, z > 0
        return (positive & below) | (~positive & above), (positive & above) | (~positive & below)

    def hessian_block(
        self, coefficients: NDArray[np.intp], gram_block: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """``Q_WW`` from ``K`` between the points of ``W`` (``gram_block``, ``|W| x |W|``)."""
        s = self.signs[coefficients]
        return np.outer(s, s) * gram_block

    def column_product(
        self,
        columns: NDArray[np.float64],
        coefficients: NDArray[np.intp],
        step: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        """``Q[:, W] @ step`` from the kernel columns ``K[:, points of W]`` (``n_points x |W|``)."""
        return self.signs * (columns @ (self.signs[coefficients] * step))[self.points]

    def objective(self, z: ArrayLike, gradient: ArrayLike) -> float:
        """``1/2 z^T Q z + p^T z`` from the gradient ``G = Q z + p``, in O(n)."""
        z = np.asarray(z, dtype=float)
        return float(0.5 * z @ (np.asarray(gradient, dtype=float) + self.linear))

    def canonical(self, z: ArrayLike) -> NDArray[np.float64]:
        """Each SVR pair's common part removed (``alpha * alpha* = 0``), as in ``DualProgram``."""
        return without_common_part(z, self.pairs)

    def pairs_within(self, coefficients: NDArray[np.intp]) -> NDArray[np.intp] | None:
        """The SVR pairs whose two coefficients both lie in ``W``, as positions in ``W``."""
        if self.pairs is None:
            return None
        position = np.full(self.n_coefficients, -1, dtype=np.intp)
        position[coefficients] = np.arange(coefficients.size)
        inside = position[self.pairs]
        inside = inside[(inside >= 0).all(axis=1)]
        return inside if inside.size else None

    def program(self, gram: ArrayLike) -> DualProgram:
        """The whole dual as a dense :class:`DualProgram` (for small N and for tests)."""
        K = np.asarray(gram, dtype=float)
        return DualProgram(
            self.hessian_block(np.arange(self.n_coefficients), K[np.ix_(self.points, self.points)]),
            self.linear.copy(),
            self.signs.astype(float),
            self.C,
            penalty_scale=self.penalty_scale,
            pairs=self.pairs,
        )


def svr_kernel_dual(y: ArrayLike, *, C: float, epsilon: float) -> KernelDual:
    """QSVR's dual over ``[alpha; alpha*]``: ``s = [1; -1]``, ``p = [eps - y; eps + y]``."""
    y = np.asarray(y, dtype=float).ravel()
    n = y.size
    index = np.arange(n)
    return KernelDual(
        points=np.concatenate([index, index]),
        signs=np.concatenate([np.ones(n), -np.ones(n)]),
        linear=np.concatenate([epsilon - y, epsilon + y]),
        C=float(C),
        penalty_scale=1.0,
        pairs=np.column_stack([index, index + n]),
    )


def svc_kernel_dual(y: ArrayLike, *, C: float) -> KernelDual:
    """QSVC's dual over ``alpha`` with labels ``y`` in {-1, +1}: ``s = y``, ``p = -1``."""
    y = np.asarray(y, dtype=float).ravel()
    if not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError(f"labels must be -1 or +1; got values {np.unique(y)}")
    return KernelDual(
        points=np.arange(y.size),
        signs=y.copy(),
        linear=-np.ones(y.size),
        C=float(C),
        penalty_scale=0.5,
    )
