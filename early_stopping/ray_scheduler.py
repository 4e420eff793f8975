"""A Ray Tune scheduler: stop a trial predicted below a percentile of the finished ones.

The rule of the Optuna pruner (:mod:`early_stopping.pruning`) as a Ray Tune
``TrialScheduler``: every reported result extends its trial's curve (keyed
by ``time_attr``, so a step reported twice replaces itself); a trial that
completes with ``max_t`` steps teaches the predictor; until ``min_curves``
trials did, every trial continues (or the base scheduler decides). Ray
runs the scheduler in the driver, so one predictor sees every trial of the
search, whichever node ran it.
"""

from __future__ import annotations

from early_stopping.predictor import CurvePredictor
from early_stopping.pruning import CurveRule, ordered_curve
from early_stopping.rule import DEFAULT_PERCENTILE, check_parameters

try:
    from ray.tune.schedulers import FIFOScheduler, TrialScheduler
except ImportError as error:  # pragma: no cover - exercised by the test of the message
    raise ImportError("the Ray Tune scheduler needs Ray Tune: pip install 'hqml[hpo]'") from error

__all__ = ["CurveScheduler"]


class CurveScheduler(FIFOScheduler):
    """Ray Tune's FIFO scheduling, with trials predicted to lose stopped early.

    Parameters
    ----------
    metric : str
        The reported value whose final value is predicted.
    max_t : int
        Steps (``time_attr`` units) of a finished trial.
    mode : {"max", "min"}, default="max"
    predictor : CurvePredictor or None
        None uses ``CurvePredictor("qsvr")`` on simulated annealing.
    percentile : float in (0, 100), default=25
    time_attr : str, default="training_iteration"
    min_step : int, default=2

    Examples
    --------
    >>> scheduler = CurveScheduler(metric="accuracy", max_t=20, predictor=CurvePredictor("ridge"))
    """

    def __init__(
        self,
        metric: str,
        max_t: int,
        *,
        mode: str = "max",
        predictor: CurvePredictor | None = None,
        percentile: float = DEFAULT_PERCENTILE,
        time_attr: str = "training_iteration",
        min_step: int = 2,
    ) -> None:
        check_parameters("CurveScheduler", max_t=max_t, percentile=percentile, min_step=min_step)
        if mode not in ("max", "min"):
            raise ValueError(f"mode must be 'max' or 'min'; got {mode!r}")
        super().__init__()
        self._metric, self._mode = metric, mode
        self.max_t, self.time_attr, self.min_step = max_t, time_attr, min_step
        self.rule = CurveRule(
            predictor if predictor is not None else CurvePredictor("qsvr"),
            max_resource=max_t, percentile=percentile,
            direction="maximize" if mode == "max" else "minimize",
        )  # fmt: skip
        self._reports: dict[str, dict[int, float]] = {}
        self._stopped: set[str] = set()

    def on_trial_result(self, tune_controller, trial, result: dict) -> str:
        if trial.trial_id in self._stopped:  # reported after it was stopped: not recorded
            return TrialScheduler.STOP
        if self._metric not in result or self.time_attr not in result:
            return TrialScheduler.CONTINUE
        reports = self._reports.setdefault(trial.trial_id, {})
        reports[int(result[self.time_attr])] = float(result[self._metric])
        partial = ordered_curve(reports)
        if partial is None or partial.size < self.min_step:
            return TrialScheduler.CONTINUE
        if self.rule.should_stop(partial):
            self._stopped.add(trial.trial_id)
            return TrialScheduler.STOP
        return TrialScheduler.CONTINUE

    def on_trial_complete(self, tune_controller, trial, result: dict) -> None:
        reports = self._reports.pop(trial.trial_id, {})
        if result and self._metric in result and self.time_attr in result:
            reports[int(result[self.time_attr])] = float(result[self._metric])
        curve = ordered_curve(reports)
        if trial.trial_id not in self._stopped and curve is not None:
            self.rule.finished({trial.trial_id: curve})

    def on_trial_remove(self, tune_controller, trial) -> None:
        self._reports.pop(trial.trial_id, None)

    @property
    def decisions(self) -> list:
        return self.rule.decisions

    def debug_string(self) -> str:
        return (
            f"CurveScheduler: {self.rule.predictor.n_curves} finished curves, "
            f"{len(self._stopped)} trials stopped"
        )
