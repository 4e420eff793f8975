"""SVM duals as box-constrained quadratic programs with one equality, and their QUBOs.

Both duals have the form::

    minimise   1/2 a^T M a + c^T a
    subject to g^T a = t,  0 <= a <= C

(QSVR: ``a = [alpha; alpha*]``, ``g^T a = sum beta``; QSVC: ``a = alpha``,
``g^T a = sum alpha y``). The equality enters the QUBO as the augmented
Lagrangian ``rho h**2 + lambda h`` with ``h = g^T a - t`` (``t = 0`` for a
whole dual; a working set's subproblem has its own target). With ``a = l + W z``
(``W`` block-diagonal, :class:`~qubo.box.BoxEncoding`) the energy is the QUBO
``1/2 z^T (W^T M' W) z + (W^T (M' l + c'))^T z + const`` where ``M'`` and
``c'`` include the two penalty terms; the constant goes into the BQM's
offset, so ``bqm.energy(z)`` equals the augmented dual exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import dimod
import numpy as np
from numpy.typing import ArrayLike, NDArray

from qubo._dense import bqm_from_dense, check_gram_and_targets
from qubo.box import BoxEncoding


def without_common_part(
    coefficients: ArrayLike, pairs: NDArray[np.intp] | None
) -> NDArray[np.float64]:
    """A copy of ``coefficients`` (one row or a stack) with each pair's common part removed."""
    a = np.array(coefficients, dtype=float)
    if pairs is None:
        return a
    first, second = pairs[:, 0], pairs[:, 1]
    common = np.minimum(a[..., first], a[..., second])
    a[..., first] -= common
    a[..., second] -= common
    return a


@dataclass(frozen=True, eq=False)
class DualProgram:
    """``min 1/2 a^T M a + c^T a`` s.t. ``g^T a = t``, ``0 <= a <= C``.

    Parameters
    ----------
    hessian : ndarray of shape (n, n)
        ``M``, symmetric.
    linear : ndarray of shape (n,)
        ``c``.
    constraint : ndarray of shape (n,)
        ``g`` of the equality constraint.
    C : float
        Upper end of every coefficient's box.
    penalty_scale : float
        ``rho = penalty_scale * penalty``: the QSVR penalty is ``xi h**2``
        (scale 1), the QSVC one ``xi/2 h**2`` (scale 1/2), as in the papers.
    pairs : ndarray of int, shape (n_pairs, 2), optional
        SVR pairs ``(alpha_n, alpha*_n)`` among the coefficients: the dual
        depends on ``alpha - alpha*`` but for ``epsilon sum(alpha + alpha*)``,
        so the optimum keeps at most one of each pair above 0 (:meth:`canonical`).
    target : float
        ``t``, the equality's right-hand side: 0 for a whole dual.
    """

    hessian: NDArray[np.float64]
    linear: NDArray[np.float64]
    constraint: NDArray[np.float64]
    C: float
    penalty_scale: float = 1.0
    pairs: NDArray[np.intp] | None = None
    target: float = 0.0

    @property
    def n_coefficients(self) -> int:
        return int(self.linear.size)

    def objective(self, coefficients: ArrayLike) -> NDArray[np.float64] | float:
        """The dual objective (no penalties) of one row or a stack of rows."""
        a = np.asarray(coefficients, dtype=float)
        return 0.5 * np.einsum("...i,ij,...j->...", a, self.hessian, a) + a @ self.linear

    def canonical(self, coefficients: ArrayLike) -> NDArray[np.float64]:
        """The same model with each SVR pair's common part removed: ``alpha * alpha* = 0``.

        Lowering both coefficients of a pair by their minimum keeps ``beta``
        (the model, the kernel term and the constraint) and lowers the
        ``epsilon`` term; an annealer's sample often holds such a pair, which
        would mislead the active set read from it. Unpaired programs are
        returned as they are.

        Examples
        --------
        >>> program = svr_program(np.eye(2), [1.0, -1.0], C=1.0, epsilon=0.1)
        >>> program.canonical([0.5, 0.0, 0.2, 0.3]).tolist()
        [0.3, 0.0, 0.0, 0.3]
        """
        return without_common_part(coefficients, self.pairs)

    def augmented(
        self, coefficients: ArrayLike, *, penalty: float, multiplier: float = 0.0
    ) -> NDArray[np.float64] | float:
        """The augmented dual ``objective + rho h**2 + lambda h`` of one row or a stack of rows."""
        a = np.asarray(coefficients, dtype=float)
        h = self.violation(a)
        rho = self.penalty_scale * penalty
        return self.objective(a) + rho * h**2 + multiplier * h

    def violation(self, coefficients: ArrayLike) -> NDArray[np.float64] | float:
        """``h = g^T a - t`` of one row or a stack of rows."""
        return np.asarray(coefficients, dtype=float) @ self.constraint - self.target

    def _augmented_terms(
        self, penalty: float, multiplier: float
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``M' = M + 2 rho g g^T`` and ``c' = c + (lambda - 2 rho t) g``.

        The quadratic and linear terms of the dual plus ``rho h**2 + lambda h``
        (up to the constant ``rho t**2 - lambda t``), as the QUBO needs them;
        :meth:`augmented_product` applies ``M'`` without forming it, and
        :meth:`augmented` evaluates the sum.
        """
        rho = self.penalty_scale * penalty
        g = self.constraint
        return self.hessian + 2.0 * rho * np.outer(g, g), self._augmented_linear(
            penalty, multiplier
        )

    def _augmented_linear(self, penalty: float, multiplier: float) -> NDArray[np.float64]:
        rho = self.penalty_scale * penalty
        return self.linear + (multiplier - 2.0 * rho * self.target) * self.constraint

    def augmented_product(
        self, a: NDArray[np.float64], penalty: float, multiplier: float
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``M' a`` and ``c'`` without forming ``M'``: one ``n x n`` matrix fewer at large n."""
        rho = self.penalty_scale * penalty
        g = self.constraint
        product = self.hessian @ a + 2.0 * rho * np.multiply.outer(g, g @ a)
        return product, self._augmented_linear(penalty, multiplier)

    def gradient(
        self, coefficients: ArrayLike, *, penalty: float = 0.0, multiplier: float = 0.0
    ) -> NDArray[np.float64]:
        """The gradient ``M' a + c'`` of the augmented dual; ``M a + c + lambda g`` at no penalty.

        Examples
        --------
        >>> DualProgram(np.eye(2), np.array([-1.0, 0.0]), np.ones(2), C=1.0).gradient(
        ...     [0.5, 0.5], multiplier=2.0
        ... ).tolist()
        [1.5, 2.5]
        """
        product, c = self.augmented_product(
            np.asarray(coefficients, dtype=float), penalty, multiplier
        )
        return product + c

    def qubo(
        self, box: BoxEncoding, *, penalty: float, multiplier: float = 0.0
    ) -> dimod.BinaryQuadraticModel:
        """The QUBO of the augmented dual on ``box``; variable ``n*K + k`` is bit ``k`` of ``a_n``.

        Built with array operations only: ``W^T M W`` is the Kronecker product
        ``(M * width width^T) kron (w w^T)``.
        """
        if box.n_coefficients != self.n_coefficients:
            raise ValueError(
                f"the box encodes {box.n_coefficients} coefficients but the program has "
                f"{self.n_coefficients}"
            )
        M, c = self._augmented_terms(penalty, multiplier)
        gradient_at_lower = M @ box.lower + c
        quadratic = np.kron(M * np.outer(box.width, box.width), np.outer(box.weights, box.weights))
        quadratic *= 0.5
        linear = np.kron(gradient_at_lower * box.width, box.weights)
        bqm = bqm_from_dense(linear, quadratic)
        rho = self.penalty_scale * penalty
        constant = rho * self.target**2 - multiplier * self.target
        bqm.offset = float(0.5 * box.lower @ M @ box.lower + c @ box.lower + constant)
        return bqm


def active_set(
    coefficients: ArrayLike, C: float, atol: float
) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]:
    """Which coefficients sit at 0, at C, or strictly between (free), to within ``atol``.

    The split both the polish (:func:`training.polish.polish`) and the KKT
    intercepts read from a solution. Where ``atol`` reaches both ends
    (``atol >= C / 2``), a coefficient counts as at both.

    Examples
    --------
    >>> [m.tolist() for m in active_set([0.0, 0.5, 0.9999], C=1.0, atol=1e-3)]
    [[True, False, False], [False, False, True], [False, True, False]]
    """
    a = np.asarray(coefficients, dtype=float)
    at_zero, at_c = a <= atol, a >= C - atol
    return at_zero, at_c, ~(at_zero | at_c)


def svr_program(
    gram: ArrayLike,
    y: ArrayLike,
    *,
    C: float,
    epsilon: float,
    complementarity: float = 0.0,
) -> DualProgram:
    """The SVR dual over ``a = [alpha; alpha*]``, with ``beta = alpha - alpha*``.

    ``1/2 beta^T K beta + eps sum(alpha + alpha*) - y^T beta
    + complementarity * sum(alpha * alpha*)``, subject to ``sum beta = 0``.
    """
    K, y = check_gram_and_targets(gram, y)
    n = y.size
    hessian = np.block([[K, -K], [-K, K]])
    if complementarity:
        hessian[:n, n:] += complementarity * np.eye(n)
        hessian[n:, :n] += complementarity * np.eye(n)
    linear = np.concatenate([epsilon - y, epsilon + y])
    constraint = np.concatenate([np.ones(n), -np.ones(n)])
    index = np.arange(n)
    pairs = np.column_stack([index, index + n])
    return DualProgram(hessian, linear, constraint, float(C), penalty_scale=1.0, pairs=pairs)


def svc_program(gram: ArrayLike, y: ArrayLike, *, C: float) -> DualProgram:
    """The SVC dual ``1/2 sum_nm alpha_n alpha_m y_n y_m K_nm - sum alpha``.

    Subject to ``sum alpha y = 0``; the penalty is ``xi/2 (sum alpha y)**2``.
    """
    K, y = check_gram_and_targets(gram, y)
    if not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError(f"labels must be -1 or +1; got values {np.unique(y)}")
    return DualProgram(np.outer(y, y) * K, -np.ones(y.size), y.copy(), float(C), 0.5)
