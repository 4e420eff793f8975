"""Recorded learning curves replayed as a search's trainer: exact epochs, exact regret.

Each configuration's whole curve is known in advance, so a method sees
only the epochs it pays for (:class:`early_stopping.ledger.Ledger`), and
the regret of the configuration it picks is exact: the best final value
of the whole recorded set minus the picked one's.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from early_stopping.ledger import NoMoreConfigurations

__all__ = ["Replay"]


class Replay:
    """Curves ``accuracy[run, epoch]`` as a trainer, a sampler without replacement, and a regret.

    Examples
    --------
    >>> replay = Replay([[0.1, 0.5, 0.6], [0.2, 0.3, 0.9]])
    >>> replay.train(1, 2).tolist(), replay.regret(0)
    ([0.2, 0.3], 0.30000000000000004)
    """

    def __init__(self, accuracy: ArrayLike, source: str = "curves") -> None:
        accuracy = np.asarray(accuracy, dtype=float)
        if accuracy.ndim != 2 or accuracy.shape[1] < 2:
            raise ValueError(
                f"{source}: expected curves of shape (runs, epochs >= 2); got {accuracy.shape}"
            )
        bad = np.argwhere(~np.isfinite(accuracy))
        if bad.size:
            run, epoch = bad[0]
            raise ValueError(
                f"{source}: row {run} has a NaN or infinite value at epoch {epoch + 1}; "
                "replayed curves must be complete"
            )
        self.accuracy, self.source = accuracy, source

    @property
    def n_runs(self) -> int:
        return self.accuracy.shape[0]

    @property
    def max_epochs(self) -> int:
        return self.accuracy.shape[1]

    def train(self, config: Hashable, epochs: int) -> NDArray[np.float64]:
        """The recorded curve of run ``config`` to ``epochs``."""
        return self.accuracy[int(config), :epochs].copy()

    def sampler(self):
        """A sampler of distinct runs (each search draws without replacement from the set)."""
        drawn: set[int] = set()

        def sample(rng: np.random.Generator) -> int:
            if len(drawn) == self.n_runs:
                raise NoMoreConfigurations(f"{self.source}: all {self.n_runs} runs were drawn")
            while True:
                run = int(rng.integers(self.n_runs))
                if run not in drawn:
                    drawn.add(run)
                    return run

        return sample

    def regret(self, config: Hashable | None) -> float:
        """Best final value of the whole set minus ``config``'s (the worst run's, if None)."""
        finals = self.accuracy[:, -1]
        picked = finals.min() if config is None else finals[int(config)]
        return float(finals.max() - picked)
