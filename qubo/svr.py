"""QUBO for support vector regression (Pasetto et al., IEEE GRSL 19, 2022).

Variables ``0 .. N*K-1`` hold the bits of ``alpha`` (point ``n``, bit ``k``
at ``n*K + k``); variables ``N*K .. 2*N*K-1`` hold those of ``alpha*``.
"""

from __future__ import annotations

import dimod
import numpy as np
from numpy.typing import ArrayLike, NDArray

from qubo._dense import check_gram_and_targets
from qubo.box import BoxEncoding
from qubo.encoding import Encoding
from qubo.program import svr_program


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
    program = svr_program(
        K, y, C=float(box.upper.max()), epsilon=epsilon, complementarity=complementarity
    )
    return program.qubo(box, penalty=penalty, multiplier=multiplier)


def split_svr_coefficients(
    coefficients: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Split decoded rows ``[alpha, alpha*]`` of length ``2N`` into ``alpha`` and ``alpha*``."""
    n = coefficients.shape[-1] // 2
    return coefficients[..., :n], coefficients[..., n:]
