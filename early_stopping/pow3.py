"""A parametric learning-curve baseline: the pow3 law fitted to each observed prefix.

Domhan, Springenberg & Hutter (IJCAI 2015) extrapolate learning curves with
a family of parametric laws; their ``pow3``, ``y(t) = c - a * t**(-alpha)``,
is the cheap baseline a user would pick first. For a fixed ``alpha`` the
model is linear in ``(c, a)``, so each curve is fitted by profiling: exact
least squares in ``(c, a)`` for every ``alpha`` of a grid, the best
``alpha`` kept. That runs for all curves at once in numpy, where scipy's
``curve_fit`` fits one curve at a time and does not converge on flat
prefixes; the grid's resolution is far finer than the noise of a curve.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: Exponents tried, log-spaced: from nearly flat (0.02) to fast saturation (4).
ALPHAS = np.geomspace(0.02, 4.0, 80)


def pow3_extrapolate(prefix: NDArray[np.float64], n_epochs: int) -> NDArray[np.float64]:
    """Predict the accuracy at epoch ``n_epochs`` from each row's observed epochs ``1..m``.

    Parameters
    ----------
    prefix : ndarray of shape (n_curves, m)
        Observed accuracy per epoch, ``m >= 2``.
    n_epochs : int
        The epoch to predict (the last one), ``> m``.

    Returns
    -------
    ndarray of shape (n_curves,)
        Extrapolated accuracies, clipped to ``[0, 1]``.

    Examples
    --------
    >>> t = np.arange(1, 11)
    >>> curve = 0.9 - 0.5 * t ** -0.7
    >>> float(np.round(pow3_extrapolate(curve[None, :], 40)[0], 3))  # the law's own value
    0.862
    """
    prefix = np.asarray(prefix, dtype=float)
    n_curves, m = prefix.shape
    if m < 2 or n_epochs <= m:
        raise ValueError(f"need at least 2 observed epochs before epoch {n_epochs}; got {m}")
    t = np.arange(1, m + 1, dtype=float)
    basis = -(t[None, :] ** -ALPHAS[:, None])  # (n_alpha, m): y = c + a * basis
    b_mean = basis.mean(axis=1, keepdims=True)
    b_centred = basis - b_mean
    y_mean = prefix.mean(axis=1, keepdims=True)
    y_centred = prefix - y_mean
    # Least squares of y on [1, basis] for every (curve, alpha) at once.
    slope = (y_centred @ b_centred.T) / (b_centred**2).sum(axis=1)  # (n_curves, n_alpha)
    slope = np.maximum(slope, 0.0)  # a >= 0: accuracy does not fall with training
    intercept = y_mean - slope * b_mean.T
    fitted = intercept[:, :, None] + slope[:, :, None] * basis[None, :, :]
    sse = ((fitted - prefix[:, None, :]) ** 2).sum(axis=2)
    best = sse.argmin(axis=1)
    rows = np.arange(n_curves)
    prediction = intercept[rows, best] - slope[rows, best] * float(n_epochs) ** -ALPHAS[best]
    return np.clip(prediction, 0.0, 1.0)
