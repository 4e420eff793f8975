"""Combine the many solutions an annealer returns into one coefficient vector.

All of it happens here, once per dual program: deduplication, the ``top_k``
lowest, their weights and the weighted average (:func:`combine_solutions`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

COMBINE_METHODS = ("best", "mean", "boltzmann", "fit")


def unique_lowest(
    coefficients: NDArray[np.float64], energies: NDArray[np.float64], top_k: int
) -> NDArray[np.intp]:
    """The rows of the distinct coefficient vectors, lowest energy first, at most ``top_k``.

    Deduplication works on decoded coefficients, not on bits: with base 1
    (unary) or an explicit precision vector, different bit strings can stand
    for the same coefficients, and averaging those twice would bias the mean.
    """
    order = np.argsort(energies, kind="stable")
    _, first = np.unique(coefficients[order], axis=0, return_index=True)
    return order[np.sort(first)[:top_k]]


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


@dataclass(frozen=True)
class Combined:
    """The kept distinct solutions (lowest energy first), their weights, their average.

    ``gradient`` is the average's dual gradient: the gradient is linear in
    the coefficients, so the weighted average of the kept rows' gradients
    is exact, and the average's intercept needs no kernel evaluation.
    """

    coefficients: NDArray[np.float64]
    energies: NDArray[np.float64]
    weights: NDArray[np.float64]
    average: NDArray[np.float64]
    gradient: NDArray[np.float64]


#: A training loss of solutions from their coefficient rows and gradients.
Loss = Callable[[NDArray[np.float64], NDArray[np.float64]], NDArray[np.float64]]


def combine_solutions(
    coefficients: NDArray[np.float64],
    energies: NDArray[np.float64],
    gradients: NDArray[np.float64],
    *,
    method: str,
    top_k: int,
    temperature: float | None = None,
    loss: Loss | None = None,
) -> Combined:
    """Deduplicate, keep the ``top_k`` lowest, weigh them by ``method`` and average.

    ``gradients`` are the rows' dual gradients; ``loss(rows, gradients)``
    gives each kept row's training loss; it is called only for ``method="fit"``.

    Examples
    --------
    >>> rows = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    >>> combine_solutions(rows, np.array([2.0, 1.0, 0.5]), rows, method="mean", top_k=5
    ...                   ).average.tolist()
    [0.5, 0.5]
    """
    coefficients, gradients = np.asarray(coefficients), np.asarray(gradients)
    keep = unique_lowest(coefficients, np.asarray(energies), top_k)
    kept, kept_gradients = coefficients[keep], gradients[keep]
    losses = loss(kept, kept_gradients) if method == "fit" and loss is not None else None
    kept_energies = np.asarray(energies)[keep]
    weights = solution_weights(method, kept_energies, fit_losses=losses, temperature=temperature)
    return Combined(kept, kept_energies, weights, weights @ kept, weights @ kept_gradients)
