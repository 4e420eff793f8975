"""Features of a learning curve's observed prefix: one code path for the benchmark and the pruners.

The learning-curve benchmark (``hqml bench``) and the early-stopping
methods (Swift-Hyperband, the Optuna pruner, the Ray Tune scheduler)
describe a partial curve the same way: ``n_points`` evenly spaced epochs of
the prefix (always its last) and, with ``differences``, their first
differences. Scaling is left to the model pipeline
(:func:`early_stopping.models.scaled`), fitted on training curves only.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["curve_features", "observed_epochs", "prefix_features"]


def observed_epochs(fraction: float, n_epochs: int) -> int:
    """Number of epochs seen at observed fraction ``fraction`` (at least 2)."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"the observed fraction must lie in (0, 1); got {fraction}")
    return max(2, round(fraction * n_epochs))


def prefix_features(
    prefixes: ArrayLike, *, n_points: int | None = 10, differences: bool = True
) -> NDArray[np.float64]:
    """Features of prefixes of one length: ``n_points`` spaced epochs, then their differences.

    Parameters
    ----------
    prefixes : array-like of shape (n_curves, m)
        The observed epochs ``1..m`` of each curve, ``m >= 2``.
    n_points : int or None
        Epochs kept, evenly spaced and always including the last; None keeps all.
    differences : bool
        Whether the first differences of the kept epochs are appended.

    Examples
    --------
    >>> prefix_features([[0.1, 0.2, 0.4, 0.5]], n_points=3).round(2).tolist()
    [[0.1, 0.4, 0.5, 0.3, 0.1]]
    """
    prefixes = np.asarray(prefixes, dtype=float)
    if prefixes.ndim != 2 or prefixes.shape[1] < 2:
        raise ValueError(
            f"prefixes must be a 2-D array of at least 2 epochs per curve; got shape "
            f"{prefixes.shape}"
        )
    observed = prefixes.shape[1]
    if n_points is not None and n_points < observed:
        keep = np.unique(np.round(np.linspace(0, observed - 1, n_points)).astype(int))
        prefixes = prefixes[:, keep]
    features = [prefixes]
    if differences:
        features.append(np.diff(prefixes, axis=1))
    return np.hstack(features)


def curve_features(
    accuracy: NDArray[np.float64],
    fraction: float,
    *,
    n_points: int | None = 10,
    differences: bool = True,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Features from the observed prefix of each curve, and the final accuracy as target.

    The prefix is the first ``round(fraction * n_epochs)`` epochs
    (:func:`observed_epochs`), described by :func:`prefix_features`.
    """
    n_epochs = accuracy.shape[1]
    observed = observed_epochs(fraction, n_epochs)
    if observed >= n_epochs:
        raise ValueError(
            f"fraction {fraction} of {n_epochs} epochs leaves no unobserved epoch to predict"
        )
    features = prefix_features(accuracy[:, :observed], n_points=n_points, differences=differences)
    return features, accuracy[:, -1].copy()
