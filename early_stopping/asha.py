"""ASHA (Li et al., MLSys 2020) and its Swift variant: asynchronous successive halving.

Rungs at ``min_epochs * eta**k`` up to ``max_epochs``. Whenever a worker
is free it takes the highest rung's configuration that is in the top
``1/eta`` of the results there and not yet promoted, and trains it to the
next rung; if there is none it starts a new configuration. Workers are
simulated in time measured in epochs, so the replay charges ASHA exactly
what its asynchronous schedule trains. With a ``predictor`` (the Swift
variant) a promoted run first trains to the middle of its next rung, and
goes on only if its predicted value at the rung beats the ``percentile``
of the runs that reached it (once ``min_curves`` did): the rule of
:mod:`early_stopping.hyperband`, applied per job instead of per rung.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np
from sklearn.utils._param_validation import validate_params

from early_stopping.hyperband import MIN_SWIFT_EPOCHS, Sample, swift_decision, swift_ready
from early_stopping.ledger import Ledger, NoMoreConfigurations, SearchResult, Train
from early_stopping.predictor import CurvePredictor
from early_stopping.rule import EPOCHS, ETA, PERCENTILE, Decision

__all__ = ["asha", "asha_rungs"]


def asha_rungs(max_epochs: int, eta: int = 3, min_epochs: int = 1) -> list[int]:
    """The rungs' epochs: ``min_epochs * eta**k`` below ``max_epochs``, then ``max_epochs``.

    Examples
    --------
    >>> asha_rungs(50, 3)
    [1, 3, 9, 27, 50]
    """
    count = math.floor(math.log(max_epochs / min_epochs, eta) + 1e-9)
    rungs = [min_epochs * eta**k for k in range(count + 1) if min_epochs * eta**k < max_epochs]
    return [*rungs, max_epochs]


@dataclass(order=True)
class _Job:
    """A job on a worker: ends at ``time``, trains ``config`` to ``epochs`` (rung ``rung``)."""

    time: float
    order: int
    config: Hashable = field(compare=False)
    rung: int = field(compare=False)
    epochs: int = field(compare=False)
    partial: bool = field(compare=False, default=False)


@validate_params(
    {
        "train": [callable],
        "sample": [callable],
        "max_epochs": EPOCHS,
        "budget": EPOCHS,
        "eta": ETA,
        "min_epochs": EPOCHS,
        "n_workers": EPOCHS,
        "predictor": [CurvePredictor, None],
        "percentile": PERCENTILE,
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def asha(
    train: Train,
    sample: Sample,
    *,
    max_epochs: int,
    budget: int,
    eta: int = 3,
    min_epochs: int = 1,
    n_workers: int = 4,
    predictor: CurvePredictor | None = None,
    percentile: float = 25.0,
    random_state=None,
) -> SearchResult:
    """ASHA until ``budget`` epochs are spent (jobs under way finish); Swift-ASHA with a predictor.

    Examples
    --------
    >>> curves = {i: 1 - (1 - i / 100) * np.exp(-np.arange(1, 28) / 5) for i in range(100)}
    >>> result = asha(lambda c, t: curves[c][:t], lambda rng: int(rng.integers(100)),
    ...               max_epochs=27, budget=300, random_state=0)
    >>> result.epochs >= 300 and result.best_value > 0.9
    True
    """
    state = _Asha(Ledger(train, max_epochs), asha_rungs(max_epochs, eta, min_epochs), eta)
    rng = np.random.default_rng(random_state)
    running: list[_Job] = []
    for _ in range(n_workers):
        state.start(running, 0.0, sample, rng, predictor)
    while running:
        job = heapq.heappop(running)
        rest = state.complete(job, predictor, percentile)
        if rest is not None:  # the partial run goes on: same worker, the rest of its rung
            heapq.heappush(running, rest)
        elif state.ledger.spent < budget:
            state.start(running, job.time, sample, rng, predictor)
    return state.ledger.result(state.decisions)


class _Asha:
    """ASHA's bookkeeping: every rung's results, what was promoted, what is under way."""

    def __init__(self, ledger: Ledger, rungs: list[int], eta: int) -> None:
        self.ledger, self.rungs, self.eta = ledger, rungs, eta
        self.results: list[dict[Hashable, float]] = [{} for _ in rungs]
        self.promoted: list[set] = [set() for _ in rungs]
        self.decisions: list[Decision] = []
        self._order = 0

    def start(self, running: list, now: float, sample: Sample, rng, predictor) -> None:
        """Give a free worker its next job; it stays idle once nothing is left to train."""
        try:
            heapq.heappush(running, self.next_job(now, sample, rng, predictor))
        except NoMoreConfigurations:
            pass

    def next_job(self, now: float, sample: Sample, rng, predictor) -> _Job:
        for k in range(len(self.rungs) - 2, -1, -1):
            config = self._promotable(k)
            if config is not None:
                self.promoted[k].add(config)
                return self._job(now, config, k + 1, predictor)
        return self._job(now, sample(rng), 0, predictor)

    def _promotable(self, k: int) -> Hashable | None:
        results = self.results[k]
        top = sorted(results, key=results.__getitem__, reverse=True)[: len(results) // self.eta]
        return next((c for c in top if c not in self.promoted[k]), None)

    def _job(self, now: float, config: Hashable, rung: int, predictor) -> _Job:
        epochs = self.rungs[rung]
        have = self.ledger.curves.get(config, np.empty(0)).size
        partial = predictor is not None and epochs >= MIN_SWIFT_EPOCHS and rung > 0
        target = max(have, epochs // 2) if partial else epochs
        self._order += 1
        return _Job(now + target - have, self._order, config, rung, target, partial)

    def complete(self, job: _Job, predictor, percentile: float) -> _Job | None:
        """Charge a finished job; a partial one is stopped, or returns its continuation."""
        self.ledger.run(job.config, job.epochs)
        epochs = self.rungs[job.rung]
        if job.partial:
            if self._stop(job, predictor, percentile):
                return None
            self._order += 1
            return _Job(job.time + epochs - job.epochs, self._order, job.config, job.rung, epochs)
        self.results[job.rung][job.config] = self.ledger.value(job.config, epochs)
        return None

    def _stop(self, job: _Job, predictor: CurvePredictor, percentile: float) -> bool:
        epochs = self.rungs[job.rung]
        if not swift_ready(self.ledger, predictor, epochs):
            return False
        prefix = self.ledger.run(job.config, job.epochs)[None, :]
        decision = swift_decision(self.ledger, predictor, prefix, epochs, percentile)
        self.decisions.append(decision)
        return bool(decision.stopped[0])
