"""The QSVR/QSVC dual objectives written out term by term, as the tests' independent reference.

They restate the papers' energies directly from ``K``, ``y`` and the
coefficients, sharing no code with ``qubo.program`` or the QUBO builders,
so a test that compares a QUBO's energies with them checks the builders.
"""

import numpy as np


def svc_dual_objective(K, y, alpha, *, penalty=0.0, multiplier=0.0):
    """SVC dual objective (to minimise) plus the QUBO's penalty and multiplier terms."""
    K = np.asarray(K, dtype=float)
    y = np.asarray(y, dtype=float)
    ay = np.asarray(alpha, dtype=float) * y
    quad = 0.5 * np.einsum("...n,nm,...m->...", ay, K, ay)
    h = ay.sum(-1)
    return quad - np.asarray(alpha).sum(-1) + 0.5 * penalty * h**2 + multiplier * h


def svr_dual_objective(
    K, y, alpha, alpha_star, *, epsilon, penalty=0.0, complementarity=0.0, multiplier=0.0
):
    """SVR dual objective (to minimise) plus the QUBO's penalty and multiplier terms.

    Accepts one coefficient vector or a stack of rows (shape ``(S, N)``).
    With both penalties zero this is libsvm's dual objective.
    """
    K = np.asarray(K, dtype=float)
    y = np.asarray(y, dtype=float)
    alpha = np.asarray(alpha, dtype=float)
    alpha_star = np.asarray(alpha_star, dtype=float)
    beta = alpha - alpha_star
    quad = 0.5 * np.einsum("...n,nm,...m->...", beta, K, beta)
    value = quad + epsilon * (alpha + alpha_star).sum(-1) - beta @ y
    value = value + penalty * beta.sum(-1) ** 2 + multiplier * beta.sum(-1)
    return value + complementarity * (alpha * alpha_star).sum(-1)
