"""The papers' single-shot QUBOs, for users who bring their own QUBO solver.

QSVR: Pasetto et al., IEEE GRSL 19 (2022); variables ``0 .. N*K-1`` hold the
bits of ``alpha`` (point ``n``, bit ``k`` at ``n*K + k``), variables
``N*K .. 2*N*K-1`` those of ``alpha*``. QSVC: Willsch et al., Comput. Phys.
Commun. 248 (2020); variable ``n*K + k`` holds bit ``k`` of ``alpha_n``.
hqml's own training refines the same duals (:mod:`qubo.dual`) over many
rounds instead of solving one of these.
"""

from __future__ import annotations

import dimod
import numpy as np
from numpy.typing import ArrayLike, NDArray

from qubo._dense import check_gram_and_targets
from qubo.box import BoxEncoding
from qubo.dual import svc_dual, svr_dual
from qubo.encoding import Encoding

__all__ = ["build_svc_qubo", "build_svr_qubo", "split_svr_coefficients"]


def build_svr_qubo(
    gram: ArrayLike,
    y: ArrayLike,
    encoding: Encoding | BoxEncoding,
    *,
    epsilon: float = 0.1,
    penalty: float = 1.0,
    complementarity: float = 0.0,
    multiplier: float = 0.0,
) -> dimod.BinaryQuadraticModel:
    """Build the QSVR QUBO.

    Energy, with ``beta = alpha - alpha*``::

        1/2 beta^T K beta + eps sum(alpha + alpha*) - y^T beta
            + penalty * (sum beta)**2 + multiplier * sum beta
            + complementarity * sum(alpha * alpha*)

    Parameters
    ----------
    gram : array-like of shape (N, N)
        Symmetric Gram (kernel) matrix of the training points.
    y : array-like of shape (N,)
        Regression targets.
    encoding : Encoding or BoxEncoding
        Bit encoding shared by every ``alpha_n`` and ``alpha*_n`` (the box
        ``[0, C]``), or one box per coefficient (``2N`` of them) for a
        refinement round.
    epsilon : float
        Width of the insensitive tube.
    penalty : float
        Strength ``xi`` of the penalty on the equality constraint.
    complementarity : float
        Strength ``mu`` of the penalty on ``alpha_n * alpha*_n``.
    multiplier : float
        Augmented-Lagrangian multiplier ``lambda`` of ``sum beta``.

    Returns
    -------
    bqm : dimod.BinaryQuadraticModel
        Binary model with ``2*N*K`` integer-labelled variables.

    Examples
    --------
    >>> import numpy as np
    >>> bqm = build_svr_qubo(np.eye(2), [0.5, -0.5], Encoding(n_bits=2))
    >>> bqm.num_variables
    8
    """
    K, y = check_gram_and_targets(gram, y)
    box = encoding.boxes(2 * y.size)
    dual = svr_dual(y, C=float(box.upper.max()), epsilon=epsilon, complementarity=complementarity)
    return dual.dense(K).qubo(box, penalty=penalty, multiplier=multiplier)


def split_svr_coefficients(
    coefficients: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Split decoded rows ``[alpha, alpha*]`` of length ``2N`` into ``alpha`` and ``alpha*``."""
    n = coefficients.shape[-1] // 2
    return coefficients[..., :n], coefficients[..., n:]


def build_svc_qubo(
    gram: ArrayLike,
    y: ArrayLike,
    encoding: Encoding | BoxEncoding,
    *,
    penalty: float = 1.0,
    multiplier: float = 0.0,
) -> dimod.BinaryQuadraticModel:
    """Build the QSVC QUBO.

    Energy::

        1/2 sum_nm alpha_n alpha_m y_n y_m (K_nm + xi) - sum_n alpha_n
            + multiplier * sum_n alpha_n y_n

    where the ``xi`` term is the penalty ``xi/2 (sum_n alpha_n y_n)**2`` on
    the equality constraint and ``multiplier`` its augmented-Lagrangian
    multiplier.

    Parameters
    ----------
    gram : array-like of shape (N, N)
        Symmetric Gram (kernel) matrix of the training points.
    y : array-like of shape (N,)
        Labels in ``{-1, +1}``.
    encoding : Encoding or BoxEncoding
        Bit encoding of every ``alpha_n`` (the box ``[0, C]``), or one box
        per coefficient for a refinement round.
    penalty : float
        Strength ``xi`` of the equality-constraint penalty.
    multiplier : float
        Augmented-Lagrangian multiplier ``lambda`` of ``sum alpha y``.

    Returns
    -------
    bqm : dimod.BinaryQuadraticModel
        Binary model with ``N*K`` integer-labelled variables.

    Examples
    --------
    >>> import numpy as np
    >>> bqm = build_svc_qubo(np.eye(3), [1, -1, 1], Encoding(n_bits=2))
    >>> bqm.num_variables
    6
    """
    K, y = check_gram_and_targets(gram, y)
    box = encoding.boxes(y.size)
    return (
        svc_dual(y, C=float(box.upper.max()))
        .dense(K)
        .qubo(box, penalty=penalty, multiplier=multiplier)
    )
