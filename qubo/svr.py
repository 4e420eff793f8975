"""QUBO for support vector regression (Pasetto et al., IEEE GRSL 19, 2022).

Variables ``0 .. N*K-1`` hold the bits of ``alpha`` (point ``n``, bit ``k``
at ``n*K + k``); variables ``N*K .. 2*N*K-1`` hold those of ``alpha*``.
"""

from __future__ import annotations

import dimod
import numpy as np
from numpy.typing import ArrayLike, NDArray

from qubo._dense import bqm_from_dense, check_kernel_and_targets
from qubo.encoding import Encoding


def build_svr_qubo(
    kernel: ArrayLike,
    y: ArrayLike,
    encoding: Encoding,
    *,
    epsilon: float = 0.1,
    penalty: float = 1.0,
    complementarity: float = 0.0,
) -> tuple[dimod.BinaryQuadraticModel, Encoding]:
    """Build the QSVR QUBO.

    Energy, with ``beta = alpha - alpha*``::

        1/2 beta^T K beta + eps sum(alpha + alpha*) - y^T beta
            + penalty * (sum beta)^2 + complementarity * sum(alpha * alpha*)

    Parameters
    ----------
    kernel : array-like of shape (N, N)
        Symmetric kernel matrix of the training points.
    y : array-like of shape (N,)
        Regression targets.
    encoding : Encoding
        Bit encoding shared by every ``alpha_n`` and ``alpha*_n``.
    epsilon : float
        Width of the insensitive tube.
    penalty : float
        Strength ``xi`` of the penalty on the equality constraint.
    complementarity : float
        Strength ``mu`` of the penalty on ``alpha_n * alpha*_n``.

    Returns
    -------
    bqm : dimod.BinaryQuadraticModel
        Binary model with ``2*N*K`` integer-labelled variables.
    encoding : Encoding

    Examples
    --------
    >>> import numpy as np
    >>> bqm, enc = build_svr_qubo(np.eye(2), [0.5, -0.5], Encoding(n_bits=2))
    >>> bqm.num_variables
    8
    """
    K, y = check_kernel_and_targets(kernel, y)
    p = encoding.p
    n = y.size
    # D = [P, -P] with P = I_N kron p^T, so D^T (K + 2 xi 11^T) D has the
    # block structure [[H, -H], [-H, H]] with H = (K + 2 xi) kron p p^T.
    H = np.kron(K + 2.0 * penalty, np.outer(p, p))
    quadratic = 0.5 * np.block([[H, -H], [-H, H]])
    if complementarity:
        # Split evenly over the two off-diagonal blocks to keep the matrix symmetric.
        mu_block = 0.5 * complementarity * np.kron(np.eye(n), np.outer(p, p))
        quadratic[: n * p.size, n * p.size :] += mu_block
        quadratic[n * p.size :, : n * p.size] += mu_block
    p_rows = np.tile(p, n)
    y_rows = np.repeat(y, p.size)
    linear = np.concatenate([(epsilon - y_rows) * p_rows, (epsilon + y_rows) * p_rows])
    return bqm_from_dense(linear, quadratic), encoding


def split_svr_coefficients(
    coefficients: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Split decoded rows ``[alpha, alpha*]`` of length ``2N`` into ``alpha`` and ``alpha*``."""
    n = coefficients.shape[-1] // 2
    return coefficients[..., :n], coefficients[..., n:]


def svr_dual_objective(
    kernel: ArrayLike,
    y: ArrayLike,
    alpha: ArrayLike,
    alpha_star: ArrayLike,
    *,
    epsilon: float,
    penalty: float = 0.0,
    complementarity: float = 0.0,
) -> NDArray[np.float64] | float:
    """SVR dual objective (to minimise) plus the QUBO's penalty terms.

    Accepts one coefficient vector or a stack of rows (shape ``(S, N)``).
    With both penalties zero this is libsvm's dual objective.
    """
    K = np.asarray(kernel, dtype=float)
    y = np.asarray(y, dtype=float)
    alpha = np.asarray(alpha, dtype=float)
    alpha_star = np.asarray(alpha_star, dtype=float)
    beta = alpha - alpha_star
    quad = 0.5 * np.einsum("...n,nm,...m->...", beta, K, beta)
    value = quad + epsilon * (alpha + alpha_star).sum(-1) - beta @ y
    value = value + penalty * beta.sum(-1) ** 2
    return value + complementarity * (alpha * alpha_star).sum(-1)
