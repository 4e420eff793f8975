"""The rule on a stream of reported values: what the Optuna pruner and the Ray Tune scheduler share.

Both see runs report one value per step (epoch) and learn of finished
runs; both stop a run whose predicted final value falls below the
``percentile`` of the finished runs' final values, in the direction of the
study (``maximize`` or ``minimize``). Reports are keyed by step, so a step
reported twice replaces itself, and only runs that reached ``max_resource``
steps teach the predictor: a run reporting after it was stopped cannot
corrupt what the predictor learns from.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np
from numpy.typing import NDArray

from early_stopping.predictor import CurvePredictor
from early_stopping.rule import Decision, below_percentile

__all__ = ["CurveRule", "decision_steps", "ordered_curve"]


def decision_steps(min_step: int, max_resource: int) -> tuple[int, ...]:
    """The steps a run is judged at: ``min_step`` doubling, below ``max_resource``.

    One model per step is fitted and refitted, so the rule decides on a
    ladder, as Hyperband's rungs do, not on every report: judging every
    step would cost one QSVR per step for little more saving.

    Examples
    --------
    >>> decision_steps(2, 50)
    (2, 4, 8, 16, 32)
    """
    steps, step = [], max(2, min_step)
    while step < max_resource:
        steps.append(step)
        step *= 2
    return tuple(steps)


def ordered_curve(values: Mapping[int, float]) -> NDArray[np.float64] | None:
    """The values of consecutive steps in step order, or None if steps are missing or not finite."""
    if not values:
        return None
    steps = sorted(values)
    curve = np.array([values[s] for s in steps], dtype=float)
    if steps[-1] - steps[0] + 1 != len(steps) or not np.all(np.isfinite(curve)):
        return None
    return curve


class CurveRule:
    """Decides on a partial run from the finished ones (maximising; minimising flips the sign)."""

    def __init__(
        self,
        predictor: CurvePredictor,
        *,
        max_resource: int,
        percentile: float,
        direction: str = "maximize",
        steps: tuple[int, ...] | None = None,
    ) -> None:
        if direction not in ("maximize", "minimize"):
            raise ValueError(f"direction must be 'maximize' or 'minimize'; got {direction!r}")
        self.predictor, self.max_resource = predictor, max_resource
        self.percentile, self.sign = percentile, 1.0 if direction == "maximize" else -1.0
        self.steps = frozenset(steps if steps is not None else decision_steps(2, max_resource))
        self.decisions: list[Decision] = []

    def finished(self, curves: Mapping[Hashable, NDArray[np.float64]]) -> None:
        """Runs that finished: those that reached ``max_resource`` steps teach the predictor."""
        keep = {k: c[: self.max_resource] for k, c in curves.items() if c.size >= self.max_resource}
        if keep:
            self.predictor.add([self.sign * c for c in keep.values()], keys=list(keep))

    def ready(self) -> bool:
        return self.predictor.ready(self.max_resource)

    def should_stop(self, partial: NDArray[np.float64]) -> bool:
        """Whether the run with values ``partial`` (steps so far) is predicted to lose."""
        m = partial.size
        if m not in self.steps or m >= self.max_resource or not self.ready():
            return False
        predicted = self.predictor.predict(self.sign * partial[None, :], self.max_resource)
        finals = self.predictor.training_set(self.max_resource)[:, -1]
        stopped, threshold = below_percentile(predicted, finals, self.percentile)
        self.decisions.append(Decision(m, self.max_resource, predicted, threshold))
        return bool(stopped[0])
