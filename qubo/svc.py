"""QUBO for support vector classification (Willsch et al., Comput. Phys. Commun. 248, 2020).

Variable ``n*K + k`` holds bit ``k`` of ``alpha_n``.
"""

from __future__ import annotations

import dimod
import numpy as np
from numpy.typing import ArrayLike, NDArray

from qubo._dense import bqm_from_dense, check_kernel_and_targets
from qubo.encoding import Encoding


def build_svc_qubo(
    kernel: ArrayLike,
    y: ArrayLike,
    encoding: Encoding,
    *,
    penalty: float = 1.0,
) -> tuple[dimod.BinaryQuadraticModel, Encoding]:
    """Build the QSVC QUBO.

    Energy::

        1/2 sum_nm alpha_n alpha_m y_n y_m (K_nm + xi) - sum_n alpha_n

    where the ``xi`` term is the penalty ``xi/2 (sum_n alpha_n y_n)**2`` on
    the equality constraint.

    Parameters
    ----------
    kernel : array-like of shape (N, N)
        Symmetric kernel matrix of the training points.
    y : array-like of shape (N,)
        Labels in ``{-1, +1}``.
    encoding : Encoding
        Bit encoding of every ``alpha_n``.
    penalty : float
        Strength ``xi`` of the equality-constraint penalty.

    Returns
    -------
    bqm : dimod.BinaryQuadraticModel
        Binary model with ``N*K`` integer-labelled variables.
    encoding : Encoding

    Examples
    --------
    >>> import numpy as np
    >>> bqm, enc = build_svc_qubo(np.eye(3), [1, -1, 1], Encoding(n_bits=2))
    >>> bqm.num_variables
    6
    """
    K, y = check_kernel_and_targets(kernel, y)
    if not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError(f"labels must be -1 or +1; got values {np.unique(y)}")
    p = encoding.p
    quadratic = 0.5 * np.kron(np.outer(y, y) * (K + penalty), np.outer(p, p))
    linear = -np.tile(p, y.size)
    return bqm_from_dense(linear, quadratic), encoding


def svc_dual_objective(
    kernel: ArrayLike,
    y: ArrayLike,
    alpha: ArrayLike,
    *,
    penalty: float = 0.0,
) -> NDArray[np.float64] | float:
    """SVC dual objective (to minimise) plus the QUBO's penalty, for one row or a stack."""
    K = np.asarray(kernel, dtype=float)
    y = np.asarray(y, dtype=float)
    ay = np.asarray(alpha, dtype=float) * y
    quad = 0.5 * np.einsum("...n,nm,...m->...", ay, K, ay)
    return quad - np.asarray(alpha).sum(-1) + 0.5 * penalty * ay.sum(-1) ** 2
