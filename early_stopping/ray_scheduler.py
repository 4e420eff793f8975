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
from early_stopping.pruning import CurveRule, decision_steps, ordered_curve
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
    max_t : int
        Steps (``time_attr`` units) of a finished trial.
    metric : str or None
        The reported value whose final value is predicted; None takes the
        Tuner's ``TuneConfig(metric=...)``.
    mode : {"max", "min"} or None
        None takes the Tuner's ``mode``.
    predictor : CurvePredictor or None
        None uses ``CurvePredictor("qsvr")`` on simulated annealing.
    percentile : float in (0, 100), default=25
    time_attr : str, default="training_iteration"
    min_step : int, default=2
        The first step a trial is judged at; then at twice that, and so on
        (:func:`early_stopping.pruning.decision_steps`).

    Examples
    --------
    >>> scheduler = CurveScheduler(20, metric="accuracy", predictor=CurvePredictor("ridge"))
    """

    def __init__(
        self,
        max_t: int,
        *,
        metric: str | None = None,
        mode: str | None = None,
        predictor: CurvePredictor | None = None,
        percentile: float = DEFAULT_PERCENTILE,
        time_attr: str = "training_iteration",
        min_step: int = 2,
    ) -> None:
        check_parameters("CurveScheduler", max_t=max_t, percentile=percentile, min_step=min_step)
        if mode not in ("max", "min", None):
            raise ValueError(f"mode must be 'max', 'min' or None; got {mode!r}")
        super().__init__()
        self._metric, self._mode = metric, mode
        self.max_t, self.time_attr, self.min_step = max_t, time_attr, min_step
        self.predictor = predictor if predictor is not None else CurvePredictor("qsvr")
        self.percentile = percentile
        self._rule: CurveRule | None = None
        self._reports: dict[str, dict[int, float]] = {}
        self._stopped: set[str] = set()

    def set_search_properties(self, metric: str | None, mode: str | None, **spec) -> bool:
        """Take the Tuner's metric and mode where the scheduler was given none (Ray's protocol)."""
        if (self._metric and metric) or (self._mode and mode):
            return False
        self._metric, self._mode = self._metric or metric, self._mode or mode
        return True

    @property
    def rule(self) -> CurveRule:
        """The prune rule, in the search's direction (fixed at the first result)."""
        if self._rule is None:
            self._rule = CurveRule(
                self.predictor, max_resource=self.max_t, percentile=self.percentile,
                direction="minimize" if self._mode == "min" else "maximize",
                steps=decision_steps(self.min_step, self.max_t),
            )  # fmt: skip
        return self._rule

    def on_trial_result(self, tune_controller, trial, result: dict) -> str:
        if trial.trial_id in self._stopped:  # reported after it was stopped: not recorded
            return TrialScheduler.STOP
        if self._metric not in result or self.time_attr not in result:
            return TrialScheduler.CONTINUE
        reports = self._reports.setdefault(trial.trial_id, {})
        reports[int(result[self.time_attr])] = float(result[self._metric])
        partial = ordered_curve(reports)
        if partial is None:
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
    def stopped(self) -> frozenset:
        """The ids of the trials this scheduler stopped."""
        return frozenset(self._stopped)

    @property
    def decisions(self) -> list:
        return self.rule.decisions

    def debug_string(self) -> str:
        return (
            f"CurveScheduler: {self.predictor.n_curves} finished curves, "
            f"{len(self._stopped)} trials stopped"
        )
