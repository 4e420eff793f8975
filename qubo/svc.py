"""QUBO for support vector classification (Willsch et al., Comput. Phys. Commun. 248, 2020).

Variable ``n*K + k`` holds bit ``k`` of ``alpha_n``.
"""

from __future__ import annotations

import dimod
from numpy.typing import ArrayLike

from qubo._dense import check_gram_and_targets
from qubo.box import BoxEncoding
from qubo.encoding import Encoding
from qubo.program import svc_program


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
    program = svc_program(K, y, C=float(box.upper.max()))
    return program.qubo(box, penalty=penalty, multiplier=multiplier)
