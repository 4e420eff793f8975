"""What a search has paid for: every configuration's curve so far, the epochs spent, the incumbent.

Training is taken to resume from a checkpoint: extending a configuration
from epoch ``a`` to ``b`` costs ``b - a`` epochs, as in Hyperband and ASHA
implementations that keep checkpoints (Ray Tune, Optuna with a resumable
objective). Every method of the replay benchmark is charged by the same
ledger, so their epochs compare.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["Ledger", "NoMoreConfigurations", "SearchResult", "Train"]


class NoMoreConfigurations(ValueError):
    """A sampler has no configuration left to draw (a finite pool, all drawn).

    ASHA then only promotes; the synchronous searches, which need their
    configurations, stop with this error.
    """


#: "Train this configuration to epoch t and report its curve": the curve's
#: values for epochs 1..t (a resumable trainer continues from its checkpoint).
Train = Callable[[Hashable, int], "NDArray[np.float64]"]


@dataclass
class SearchResult:
    """What a search picked and paid.

    ``best`` is the configuration with the best value at ``max_epochs``
    among those trained that far (None if none was); ``trajectory`` holds
    ``(epochs spent, incumbent)`` after each configuration that reached
    ``max_epochs``; ``decisions`` the predictor's prune decisions.
    """

    best: Hashable | None
    best_value: float
    epochs: int
    n_configs: int
    trajectory: list[tuple[int, Hashable]] = field(default_factory=list)
    decisions: list = field(default_factory=list)


class Ledger:
    """Runs the trainer, charges the epochs it adds, and keeps the incumbent at ``max_epochs``."""

    def __init__(self, train: Train, max_epochs: int) -> None:
        if max_epochs < 1:
            raise ValueError(f"max_epochs must be at least 1; got {max_epochs}")
        self.train, self.max_epochs = train, max_epochs
        self.curves: dict[Hashable, NDArray[np.float64]] = {}
        self.spent = 0
        self.best: Hashable | None = None
        self.best_value = -np.inf
        self.trajectory: list[tuple[int, Hashable]] = []

    def run(self, config: Hashable, epochs: int) -> NDArray[np.float64]:
        """``config``'s curve to epoch ``epochs``, training it further if it is not there yet."""
        epochs = min(int(epochs), self.max_epochs)
        have = self.curves.get(config, np.empty(0))
        if have.size < epochs:
            curve = np.asarray(self.train(config, epochs), dtype=float)
            if curve.shape != (epochs,) or not np.all(np.isfinite(curve)):
                raise ValueError(
                    f"the trainer must return the {epochs} finite values of epochs 1..{epochs} "
                    f"for configuration {config!r}; got shape {curve.shape}"
                    + (" with NaN or infinite values" if curve.size else "")
                )
            self.spent += epochs - have.size
            self.curves[config] = have = curve
            if epochs == self.max_epochs:
                self._finished(config, float(curve[-1]))
        return have[:epochs]

    def _finished(self, config: Hashable, value: float) -> None:
        if value > self.best_value:
            self.best, self.best_value = config, value
        self.trajectory.append((self.spent, self.best))

    def value(self, config: Hashable, epochs: int) -> float:
        """The value ``config`` reached at ``epochs`` (it must have been trained that far)."""
        return float(self.curves[config][epochs - 1])

    def reached(self, epochs: int) -> NDArray[np.float64]:
        """The values at ``epochs`` of every configuration trained at least that far."""
        return np.array([c[epochs - 1] for c in self.curves.values() if c.size >= epochs])

    def result(self, decisions: list | None = None) -> SearchResult:
        return SearchResult(
            best=self.best,
            best_value=float(self.best_value),
            epochs=self.spent,
            n_configs=len(self.curves),
            trajectory=list(self.trajectory),
            decisions=decisions or [],
        )
