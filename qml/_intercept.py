"""Bias terms from the KKT conditions, for one coefficient row or many at once.

Each function returns the intercepts and, per row, whether a free support
vector existed; rows without one get the midpoint of the feasible interval
(as libsvm does) and the caller warns. There is no loop that raises C until
support vectors appear: that never ends when every coefficient is 0.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from qubo import active_set


def _bounds(
    alpha: NDArray[np.float64], C: float, atol: float | None
) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]:
    """Which coefficients sit at 0, at C, or strictly between (free), to within ``atol``.

    ``atol`` is the precision of the coefficients (default ``1e-9 C``): a
    refined solution resolves them to about ``tol * C``, and one that lies
    that close to a bound is at it. Counting it as free would take its KKT
    inequality for an equality and shift the intercept.
    """
    return active_set(alpha, C, 1e-9 * C if atol is None else atol)


def _midpoint(
    lower: NDArray[np.float64],
    lower_mask: NDArray[np.bool_],
    upper: NDArray[np.float64],
    upper_mask: NDArray[np.bool_],
) -> NDArray[np.float64]:
    lb = np.where(lower_mask, lower, -np.inf).max(axis=-1)
    ub = np.where(upper_mask, upper, np.inf).min(axis=-1)
    with np.errstate(invalid="ignore"):  # -inf + inf where both sides are open
        mid = 0.5 * (lb + ub)
    # An interval open on one side has no midpoint: take its finite end.
    mid = np.where(np.isfinite(lb) & ~np.isfinite(ub), lb, mid)
    mid = np.where(~np.isfinite(lb) & np.isfinite(ub), ub, mid)
    return np.where(np.isfinite(lb) | np.isfinite(ub), mid, 0.0)


def svr_intercepts(
    kernel: NDArray[np.float64],
    y: NDArray[np.float64],
    alpha: NDArray[np.float64],
    alpha_star: NDArray[np.float64],
    *,
    C: float,
    epsilon: float,
    atol: float | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """SVR bias for rows of ``alpha``, ``alpha*`` (shape ``(S, N)``).

    For a free ``alpha_n``: ``b = y_n - eps - sum_m beta_m K_nm``; for a free
    ``alpha*_n``: ``b = y_n + eps - sum_m beta_m K_nm`` (note the sign).
    """
    alpha, alpha_star = np.atleast_2d(alpha), np.atleast_2d(alpha_star)
    f0 = (alpha - alpha_star) @ kernel
    from_alpha = y - epsilon - f0
    from_star = y + epsilon - f0
    at_zero_a, at_c_a, free_a = _bounds(alpha, C, atol)
    at_zero_s, at_c_s, free_s = _bounds(alpha_star, C, atol)
    n_free = free_a.sum(-1) + free_s.sum(-1)
    total = np.where(free_a, from_alpha, 0).sum(-1) + np.where(free_s, from_star, 0).sum(-1)
    # alpha_n = 0 means y_n - f_n <= eps; alpha_n = C means >= eps; mirrored for alpha*.
    lower = np.concatenate([from_alpha, from_star], axis=-1)
    lower_mask = np.concatenate([at_zero_a, at_c_s], axis=-1)
    upper_mask = np.concatenate([at_c_a, at_zero_s], axis=-1)
    mid = _midpoint(lower, lower_mask, lower, upper_mask)
    has_free = n_free > 0
    return np.where(has_free, total / np.maximum(n_free, 1), mid), has_free


def svc_intercepts(
    kernel: NDArray[np.float64],
    y: NDArray[np.float64],
    alpha: NDArray[np.float64],
    *,
    C: float,
    atol: float | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """SVC bias for rows of ``alpha`` (shape ``(S, N)``), labels ``y`` in {-1, +1}.

    Willsch et al.'s weighting towards free support vectors::

        b = sum_n alpha_n (C - alpha_n) [y_n - sum_m alpha_m y_m K_mn]
            / sum_n alpha_n (C - alpha_n)
    """
    alpha = np.atleast_2d(alpha)
    residual = y - (alpha * y) @ kernel
    at_zero, at_c, free = _bounds(alpha, C, atol)
    weight = np.where(free, alpha * (C - alpha), 0.0)
    denominator = weight.sum(-1)
    has_free = denominator > 0
    weighted = (weight * residual).sum(-1) / np.where(has_free, denominator, 1.0)
    positive = y > 0
    # alpha_n = 0 means y_n f_n >= 1, alpha_n = C means y_n f_n <= 1.
    lower_mask = (at_zero & positive) | (at_c & ~positive)
    upper_mask = (at_zero & ~positive) | (at_c & positive)
    residual_rows = np.broadcast_to(residual, alpha.shape)
    mid = _midpoint(residual_rows, lower_mask, residual_rows, upper_mask)
    return np.where(has_free, weighted, mid), has_free


def gradient_intercept(
    gradient: NDArray[np.float64],
    coefficients: NDArray[np.float64],
    signs: NDArray[np.float64],
    *,
    C: float,
    atol: float,
) -> tuple[float, bool]:
    """The bias of a dual in libsvm's form from its gradient ``G = Q z + p``, in O(n).

    With ``v = -s * G``, a free coefficient's KKT condition says ``b = v_t``
    (for QSVR that is ``y_n - eps - f_n`` for ``alpha_n`` and
    ``y_n + eps - f_n`` for ``alpha*_n``, for QSVC ``y_n - f_n``): the mean
    over the free coefficients, as libsvm takes. With none free, the
    midpoint of ``[max_{I_up} v, min_{I_low} v]``, the interval the bounded
    ones allow. A decomposed fit keeps ``G`` up to date, so this needs no
    kernel evaluation.

    Examples
    --------
    >>> gradient_intercept(np.array([-0.5, 0.5]), np.array([0.3, 0.3]),
    ...                    np.array([1.0, -1.0]), C=1.0, atol=1e-6)
    (0.5, True)
    """
    v = -signs * gradient
    at_zero, at_c, free = active_set(coefficients, C, atol)
    if free.any():
        return float(v[free].mean()), True
    positive = signs > 0
    up = (positive & ~at_c) | (~positive & ~at_zero)
    low = (positive & ~at_zero) | (~positive & ~at_c)
    lower = v[up].max(initial=-np.inf)
    upper = v[low].min(initial=np.inf)
    finite = [x for x in (lower, upper) if np.isfinite(x)]
    return (float(np.mean(finite)) if finite else 0.0), False
