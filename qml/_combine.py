"""Combine the many solutions an annealer returns into one coefficient vector."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

COMBINE_METHODS = ("best", "mean", "boltzmann", "fit")


def unique_lowest(
    coefficients: NDArray[np.float64], energies: NDArray[np.float64], top_k: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Distinct coefficient rows, sorted by energy, at most ``top_k`` of them.

    Deduplication works on decoded coefficients, not on bits: with base 1
    (unary) or an explicit precision vector, different bit strings can stand
    for the same coefficients, and averaging those twice would bias the mean.
    """
    order = np.argsort(energies, kind="stable")
    coefficients, energies = coefficients[order], energies[order]
    _, first = np.unique(coefficients, axis=0, return_index=True)
    keep = np.sort(first)[:top_k]
    return coefficients[keep], energies[keep]


def solution_weights(
    method: str,
    energies: NDArray[np.float64],
    *,
    fit_losses: NDArray[np.float64] | None = None,
    temperature: float | None = None,
) -> NDArray[np.float64]:
    """Normalised weights of the kept solutions (sorted by energy, lowest first).

    - ``"best"``: all weight on the lowest-energy solution.
    - ``"mean"``: equal weights (Willsch et al. 2020).
    - ``"boltzmann"``: ``exp(-(E_i - E_min) / T)``; ``T`` defaults to the
      standard deviation of the kept energies.
    - ``"fit"``: ``1 / loss_i`` for a training loss of each solution
      (Pasetto et al. use ``1 / MSE``).
    """
    k = energies.size
    if method == "best":
        weights = np.zeros(k)
        weights[0] = 1.0
    elif method == "mean":
        weights = np.ones(k)
    elif method == "boltzmann":
        spread = temperature if temperature is not None else float(np.std(energies))
        if spread <= 0:
            weights = np.ones(k)
        else:
            weights = np.exp(-(energies - energies.min()) / spread)
    elif method == "fit":
        if fit_losses is None:
            raise ValueError("combine='fit' needs the training loss of every solution")
        # A perfect fit (zero loss) takes all the weight rather than dividing by 0.
        perfect = fit_losses <= np.finfo(float).tiny
        weights = perfect.astype(float) if perfect.any() else 1.0 / fit_losses
    else:
        raise ValueError(f"unknown combine method {method!r}; expected one of {COMBINE_METHODS}")
    return weights / weights.sum()
