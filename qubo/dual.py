"""The SVM duals in libsvm's form, their KKT conditions, intercept and QUBOs: one type.

Both duals are::

    minimise   1/2 z^T Q z + p^T z
    subject to s^T z = t,  0 <= z <= C

with ``Q_tu = s_t s_u K(x_{i(t)}, x_{i(u)})``: coefficient ``t`` belongs to
training point ``i(t)`` (``points``). QSVC: ``z = alpha``, ``s = y``,
``p = -1``; QSVR: ``z = [alpha; alpha*]``, ``s = [1; -1]``,
``p = [eps - y; eps + y]``, each point carrying two coefficients. ``t`` is 0
for a whole dual; a working set's subproblem (:meth:`Dual.subproblem`) has
its own.

A :class:`Dual` is described by kernel columns (any block of ``Q`` comes
from the columns of the points involved, so N need not fit an ``N x N``
matrix), or, once :meth:`Dual.dense` or :meth:`Dual.subproblem` gave it
its ``Q``, densely: then it evaluates the augmented dual and builds its
QUBO. The equality enters the QUBO as the augmented Lagrangian
``rho h**2 + lambda h`` with ``h = s^T z - t``; with ``z = l + W b`` (``W``
block-diagonal, :class:`~qubo.box.BoxEncoding`) the energy is
``1/2 b^T (W^T Q' W) b + (W^T (Q' l + p'))^T b + const``, the constant in
the BQM's offset, so ``bqm.energy(b)`` equals the augmented dual exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import dimod
import numpy as np
from numpy.typing import ArrayLike, NDArray

from qubo._dense import bqm_from_dense, check_gram_and_targets
from qubo.box import BoxEncoding

__all__ = ["BOUND_SLACK", "KKT", "Dual", "active_set", "svc_dual", "svr_dual"]

#: How far (relative to C) round-off may carry a coefficient past 0 or C
#: and still count as on it: the one "at a bound" slack of every solver.
BOUND_SLACK = 1e-9


def active_set(
    coefficients: ArrayLike, C: float, resolution: float
) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]:
    """Which coefficients sit at 0, at C, or strictly between (free), to within ``resolution``.

    ``resolution`` is how finely the coefficients are resolved: one that lies
    that close to a bound is on it. Where it reaches both ends
    (``resolution >= C / 2``), a coefficient counts as at both.

    Examples
    --------
    >>> [m.tolist() for m in active_set([0.0, 0.5, 0.9999], C=1.0, resolution=1e-3)]
    [[True, False, False], [False, False, True], [False, True, False]]
    """
    z = np.asarray(coefficients, dtype=float)
    at_zero, at_c = z <= resolution, z >= C - resolution
    return at_zero, at_c, ~(at_zero | at_c)


class KKT(NamedTuple):
    """libsvm's optimality test at one point: ``v = -s * G`` and the sets ``I_up``, ``I_low``.

    ``violation`` is the maximal violating pair ``max_{I_up} v - min_{I_low} v``
    (at least 0); the KKT conditions hold to ``tol`` when it is at most ``tol``.
    """

    violation: float
    v: NDArray[np.float64]
    up: NDArray[np.bool_]
    low: NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Dual:
    """``min 1/2 z^T Q z + p^T z`` s.t. ``s^T z = t``, ``0 <= z <= C``.

    Parameters
    ----------
    points : ndarray of int, shape (n,)
        The training point of every coefficient.
    signs : ndarray of shape (n,)
        ``s``, each +1 or -1.
    linear : ndarray of shape (n,)
        ``p``.
    C : float
        Upper end of every coefficient's box.
    penalty_scale : float
        ``rho = penalty_scale * penalty``: the QSVR penalty is ``xi h**2``
        (scale 1), the QSVC one ``xi/2 h**2`` (scale 1/2), as in the papers.
    pairs : ndarray of int, shape (n_pairs, 2), optional
        SVR's ``(alpha_n, alpha*_n)``: the dual depends on ``alpha - alpha*``
        but for ``epsilon sum(alpha + alpha*)``, so the optimum keeps at most
        one of each pair above 0 (:meth:`canonical`).
    complementarity : float
        QSVR's ``mu``: ``mu alpha_n alpha*_n`` joins ``Q`` for every pair of a
        dense dual, shaping the landscape the annealer sees; it is zero at
        the optimum, which is therefore unchanged.
    target : float
        ``t``: 0 for a whole dual.
    hessian : ndarray of shape (n, n), optional
        ``Q`` (with the complementarity term) once known; None while the dual
        is described by kernel columns.

    Examples
    --------
    >>> dual = svr_dual([1.0, -1.0], C=1.0, epsilon=0.1)
    >>> K = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> block = K[np.ix_(dual.points, dual.points)]
    >>> np.allclose(dual.dense(K).hessian, dual.hessian_block(np.arange(4), block))
    True
    """

    points: NDArray[np.intp]
    signs: NDArray[np.float64]
    linear: NDArray[np.float64]
    C: float
    penalty_scale: float = 1.0
    pairs: NDArray[np.intp] | None = None
    complementarity: float = 0.0
    target: float = 0.0
    hessian: NDArray[np.float64] | None = None

    @property
    def n_coefficients(self) -> int:
        return int(self.linear.size)

    @property
    def n_points(self) -> int:
        return int(self.points.max(initial=-1)) + 1

    @property
    def bound_slack(self) -> float:
        """:data:`BOUND_SLACK` in this dual's units."""
        return BOUND_SLACK * self.C

    # -- libsvm's conditions, written once ------------------------------------------------

    def movable(
        self, z: ArrayLike, resolution: float = 0.0
    ) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        """libsvm's ``I_up`` (``s_t z_t`` may grow) and ``I_low`` (it may shrink).

        A coefficient within ``resolution`` of a bound counts as on it (0: exactly on it).
        """
        at_zero, at_c, _ = active_set(z, self.C, resolution)
        positive = self.signs > 0
        return (positive & ~at_c) | (~positive & ~at_zero), (positive & ~at_zero) | (
            ~positive & ~at_c
        )

    def kkt(self, z: ArrayLike, gradient: ArrayLike) -> KKT:
        """libsvm's maximal violating pair at ``z`` with gradient ``G = Q z + p``."""
        v = -self.signs * np.asarray(gradient, dtype=float)
        up, low = self.movable(z)
        violation = float(v[up].max(initial=-np.inf) - v[low].min(initial=np.inf))
        return KKT(max(violation, 0.0), v, up, low)

    def intercept(
        self, z: ArrayLike, gradient: ArrayLike, resolution: float
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """The bias of rows ``z`` (shape ``(S, n)`` or ``(n,)``) from their gradients: libsvm's rho.

        With ``v = -s * G``, a free coefficient's KKT condition says ``b = v_t``
        (QSVR: ``y_n - eps - f_n`` for ``alpha_n``, ``y_n + eps - f_n`` for
        ``alpha*_n``, note the sign; QSVC: ``y_n - f_n``). The bias is their
        mean over the free coefficients, as libsvm takes; with none free, the
        midpoint of ``[max_{I_up} v, min_{I_low} v]``, the interval the bounded
        ones allow, or its finite end. A coefficient within ``resolution`` of a bound
        is on it. Returns the biases and, per row, whether one was free. There
        is no loop that raises C until support vectors appear.

        Examples
        --------
        >>> dual = svc_dual([1.0, -1.0], C=1.0)
        >>> b, free = dual.intercept([0.3, 0.3], [-0.5, 0.5], resolution=1e-6)
        >>> b.tolist(), free.tolist()
        ([0.5], [True])
        """
        z, v = np.atleast_2d(z), -self.signs * np.atleast_2d(gradient)
        free = active_set(z, self.C, resolution)[2]
        n_free = free.sum(axis=-1)
        mean = np.where(free, v, 0.0).sum(axis=-1) / np.maximum(n_free, 1)
        up, low = self.movable(z, resolution)
        lower = np.where(up, v, -np.inf).max(axis=-1, initial=-np.inf)
        upper = np.where(low, v, np.inf).min(axis=-1, initial=np.inf)
        finite_lower, finite_upper = np.isfinite(lower), np.isfinite(upper)
        with np.errstate(invalid="ignore"):  # -inf + inf where both ends are open
            midpoint = np.where(finite_lower, lower, 0.0) + np.where(finite_upper, upper, 0.0)
            midpoint = midpoint / np.maximum(finite_lower.astype(int) + finite_upper, 1)
        return np.where(n_free > 0, mean, midpoint), n_free > 0

    # -- kernel-column description --------------------------------------------------------

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

    def canonical(self, z: ArrayLike) -> NDArray[np.float64]:
        """A copy of ``z`` (a row or a stack) with each SVR pair's common part removed.

        Lowering both coefficients of a pair by their minimum keeps ``beta``
        (the model, the kernel term and the constraint) and lowers the
        ``epsilon`` term; an annealer's sample often holds such a pair, which
        would mislead the active set read from it.

        Examples
        --------
        >>> svr_dual([1.0, -1.0], C=1.0, epsilon=0.1).canonical([0.5, 0.0, 0.2, 0.3]).tolist()
        [0.3, 0.0, 0.0, 0.3]
        """
        z = np.array(z, dtype=float)
        if self.pairs is None:
            return z
        first, second = self.pairs[:, 0], self.pairs[:, 1]
        common = np.minimum(z[..., first], z[..., second])
        z[..., first] -= common
        z[..., second] -= common
        return z

    def pairs_within(self, coefficients: NDArray[np.intp]) -> NDArray[np.intp] | None:
        """The SVR pairs whose two coefficients both lie in ``W``, as positions in ``W``."""
        if self.pairs is None:
            return None
        position = np.full(self.n_coefficients, -1, dtype=np.intp)
        position[coefficients] = np.arange(coefficients.size)
        inside = position[self.pairs]
        inside = inside[(inside >= 0).all(axis=1)]
        return inside if inside.size else None

    def dense(self, gram: ArrayLike) -> Dual:
        """This dual with its ``Q`` from the whole Gram matrix (a dual that fits one QUBO)."""
        K, _ = check_gram_and_targets(gram, np.zeros(self.n_points))
        every = np.arange(self.n_coefficients)
        hessian = self._shaped(self.hessian_block(every, K[np.ix_(self.points, self.points)]))
        return replace(self, hessian=hessian)

    def subproblem(
        self,
        working_set: NDArray[np.intp],
        z: NDArray[np.float64],
        gradient: NDArray[np.float64],
        gram_block: NDArray[np.float64],
    ) -> Dual:
        """The dual over ``z_W``, every other coefficient fixed: a dense dual of the same kind.

        ``min 1/2 z_W^T Q_WW z_W + (G_W - Q_WW z_W)^T z_W`` subject to
        ``0 <= z_W <= C`` and ``s_W^T z_W = s_W^T z_W(old) - s^T z``: the
        target also removes whatever violation of the whole equality earlier
        subproblems left, so that it never accumulates over thousands of
        them. Its objective differs from the whole dual's by a constant.
        """
        hessian = self.hessian_block(working_set, gram_block)
        z_w, s_w = z[working_set], self.signs[working_set]
        sub = Dual(
            points=self.points[working_set],
            signs=s_w.astype(float),
            linear=gradient[working_set] - hessian @ z_w,
            C=self.C,
            penalty_scale=self.penalty_scale,
            pairs=self.pairs_within(working_set),
            complementarity=self.complementarity,
            target=float(s_w @ z_w - self.signs @ z),
        )
        return replace(sub, hessian=sub._shaped(hessian))

    def _shaped(self, hessian: NDArray[np.float64]) -> NDArray[np.float64]:
        """``hessian`` (modified in place) with ``mu`` on every pair's two off-diagonal entries."""
        if self.complementarity and self.pairs is not None:
            hessian[self.pairs[:, 0], self.pairs[:, 1]] += self.complementarity
            hessian[self.pairs[:, 1], self.pairs[:, 0]] += self.complementarity
        return hessian

    # -- values and gradients -------------------------------------------------------------

    def objective(
        self, z: ArrayLike, gradient: ArrayLike | None = None
    ) -> NDArray[np.float64] | float:
        """``1/2 z^T Q z + p^T z`` of a row or a stack; O(n) from the gradient ``G`` if given."""
        z = np.asarray(z, dtype=float)
        if gradient is not None:
            return float(0.5 * z @ (np.asarray(gradient, dtype=float) + self.linear))
        Q = self._dense_hessian()
        return 0.5 * np.einsum("...i,ij,...j->...", z, Q, z) + z @ self.linear

    def dual_gradient(self, z: ArrayLike) -> NDArray[np.float64]:
        """``G = Q z + p`` of rows ``z`` without the complementarity term: libsvm's gradient."""
        z = np.asarray(z, dtype=float)
        G = z @ self._dense_hessian() + self.linear
        if self.complementarity and self.pairs is not None:
            first, second = self.pairs[:, 0], self.pairs[:, 1]
            G[..., first] -= self.complementarity * z[..., second]
            G[..., second] -= self.complementarity * z[..., first]
        return G

    def violation(self, z: ArrayLike) -> NDArray[np.float64] | float:
        """``h = s^T z - t`` of a row or a stack."""
        return np.asarray(z, dtype=float) @ self.signs - self.target

    def augmented(
        self, z: ArrayLike, *, penalty: float, multiplier: float = 0.0
    ) -> NDArray[np.float64] | float:
        """The augmented dual ``objective + rho h**2 + lambda h`` of a row or a stack."""
        z = np.asarray(z, dtype=float)
        h = self.violation(z)
        return self.objective(z) + self.penalty_scale * penalty * h**2 + multiplier * h

    def _augmented_linear(self, penalty: float, multiplier: float) -> NDArray[np.float64]:
        rho = self.penalty_scale * penalty
        return self.linear + (multiplier - 2.0 * rho * self.target) * self.signs

    def augmented_product(
        self, z: NDArray[np.float64], penalty: float, multiplier: float
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``Q' z`` and ``p'`` of the augmented dual, without forming ``Q' = Q + 2 rho s s^T``."""
        rho = self.penalty_scale * penalty
        product = self._dense_hessian() @ z + 2.0 * rho * np.multiply.outer(
            self.signs, self.signs @ z
        )
        return product, self._augmented_linear(penalty, multiplier)

    def gradient(
        self, z: ArrayLike, *, penalty: float = 0.0, multiplier: float = 0.0
    ) -> NDArray[np.float64]:
        """The augmented dual's gradient ``Q' z + p'``; ``Q z + p + lambda s`` at no penalty.

        Examples
        --------
        >>> dual = Dual(np.arange(2), np.ones(2), np.array([-1.0, 0.0]), C=1.0, hessian=np.eye(2))
        >>> dual.gradient([0.5, 0.5], multiplier=2.0).tolist()
        [1.5, 2.5]
        """
        product, p = self.augmented_product(np.asarray(z, dtype=float), penalty, multiplier)
        return product + p

    def qubo(
        self, box: BoxEncoding, *, penalty: float, multiplier: float = 0.0
    ) -> dimod.BinaryQuadraticModel:
        """The QUBO of the augmented dual on ``box``; variable ``n*K + k`` is bit ``k`` of ``z_n``.

        Built with array operations only: ``W^T Q' W`` is the Kronecker product
        ``(Q' * width width^T) kron (w w^T)``.
        """
        if box.n_coefficients != self.n_coefficients:
            raise ValueError(
                f"the box encodes {box.n_coefficients} coefficients but the dual has "
                f"{self.n_coefficients}"
            )
        rho = self.penalty_scale * penalty
        Q = self._dense_hessian() + 2.0 * rho * np.outer(self.signs, self.signs)
        p = self._augmented_linear(penalty, multiplier)
        quadratic = np.kron(Q * np.outer(box.width, box.width), np.outer(box.weights, box.weights))
        quadratic *= 0.5
        linear = np.kron((Q @ box.lower + p) * box.width, box.weights)
        bqm = bqm_from_dense(linear, quadratic)
        constant = rho * self.target**2 - multiplier * self.target
        bqm.offset = float(0.5 * box.lower @ Q @ box.lower + p @ box.lower + constant)
        return bqm

    def _dense_hessian(self) -> NDArray[np.float64]:
        if self.hessian is None:
            raise ValueError(
                "this dual is described by kernel columns and has no Q; take dense(gram) or "
                "subproblem(...) first"
            )
        return self.hessian


def svr_dual(y: ArrayLike, *, C: float, epsilon: float, complementarity: float = 0.0) -> Dual:
    """QSVR's dual over ``[alpha; alpha*]``: ``s = [1; -1]``, ``p = [eps - y; eps + y]``.

    ``1/2 beta^T K beta + eps sum(alpha + alpha*) - y^T beta``, subject to
    ``sum beta = 0``, with ``beta = alpha - alpha*``.
    """
    y = _checked_targets(y)
    n = y.size
    index = np.arange(n)
    return Dual(
        points=np.concatenate([index, index]),
        signs=np.concatenate([np.ones(n), -np.ones(n)]),
        linear=np.concatenate([epsilon - y, epsilon + y]),
        C=float(C),
        penalty_scale=1.0,
        pairs=np.column_stack([index, index + n]),
        complementarity=float(complementarity),
    )


def svc_dual(y: ArrayLike, *, C: float) -> Dual:
    """QSVC's dual over ``alpha`` with labels ``y`` in {-1, +1}: ``s = y``, ``p = -1``.

    ``1/2 sum_nm alpha_n alpha_m y_n y_m K_nm - sum alpha`` subject to
    ``sum alpha y = 0``; the penalty is ``xi/2 (sum alpha y)**2``.
    """
    y = _checked_targets(y)
    if not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError(f"labels must be -1 or +1; got values {np.unique(y)}")
    return Dual(
        points=np.arange(y.size),
        signs=y.copy(),
        linear=-np.ones(y.size),
        C=float(C),
        penalty_scale=0.5,
    )


def _checked_targets(y: ArrayLike) -> NDArray[np.float64]:
    """Finite targets as a flat float vector (the Gram matrix is checked where it is formed)."""
    y = np.asarray(y, dtype=float).ravel()
    if not np.all(np.isfinite(y)):
        raise ValueError("y must be finite; got NaN or inf")
    return y
