"""An Optuna pruner: prune a trial predicted below a percentile of the finished ones.

Until ``min_curves`` trials have completed with ``max_resource`` reported
steps, the pruner defers to a base pruner of the user's choice. The
default prunes nothing (Optuna's NopPruner), as Swift-Hyperband trains
its first runs to the end: a base pruner that prunes most trials, such as
the MedianPruner, also keeps the predictor from ever seeing enough
finished curves. It reads the finished trials from the study's
storage at every decision, so trials may run in many processes and on
many nodes against one RDB or journal storage; each process's predictor
refits from what the storage holds.
"""

from __future__ import annotations

import copy

from early_stopping.predictor import CurvePredictor
from early_stopping.pruning import CurveRule, decision_steps, ordered_curve
from early_stopping.rule import DEFAULT_PERCENTILE, check_parameters

try:
    import optuna
    from optuna.pruners import BasePruner
    from optuna.trial import TrialState
except ImportError as error:  # pragma: no cover - exercised by the test of the message
    raise ImportError("the Optuna pruner needs Optuna: pip install 'hqml[hpo]'") from error

__all__ = ["CurvePruner"]


class CurvePruner(BasePruner):
    """Prune trials predicted below the ``percentile`` of completed trials' final values.

    Parameters
    ----------
    max_resource : int
        Steps (epochs) a completed trial reports; its last value is the final one.
    predictor : CurvePredictor or None
        The curve predictor; None uses ``CurvePredictor("qsvr")`` on simulated annealing.
    percentile : float in (0, 100), default=25
        Swift-Hyperband's rule: a trial goes on only if predicted above this percentile.
    base_pruner : optuna.pruners.BasePruner or None
        Decides until enough trials completed; None is ``NopPruner()``.
    min_step : int, default=2
        The first step a trial is judged at; then at twice that, and so on
        (:func:`early_stopping.pruning.decision_steps`).
        Steps a trial reports before this pruner judges it (at least 2 for the features).

    Examples
    --------
    >>> import optuna
    >>> pruner = CurvePruner(max_resource=20, predictor=CurvePredictor("ridge"))
    >>> study = optuna.create_study(direction="maximize", pruner=pruner)
    """

    def __init__(
        self,
        max_resource: int,
        predictor: CurvePredictor | None = None,
        *,
        percentile: float = DEFAULT_PERCENTILE,
        base_pruner: BasePruner | None = None,
        min_step: int = 2,
    ) -> None:
        check_parameters(
            "CurvePruner", max_resource=max_resource, percentile=percentile, min_step=min_step
        )
        self.max_resource, self.percentile, self.min_step = max_resource, percentile, min_step
        self.predictor = predictor if predictor is not None else CurvePredictor("qsvr")
        self.base_pruner = base_pruner if base_pruner is not None else optuna.pruners.NopPruner()
        self._rules: dict[str, CurveRule] = {}

    def prune(self, study: optuna.study.Study, trial: optuna.trial.FrozenTrial) -> bool:
        rule = self._rule(study)
        completed = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        curves = {t.number: ordered_curve(t.intermediate_values) for t in completed}
        rule.finished({k: c for k, c in curves.items() if c is not None})
        partial = ordered_curve(trial.intermediate_values)
        if not rule.ready() or partial is None:
            return self.base_pruner.prune(study, trial)
        return rule.should_stop(partial)

    @property
    def decisions(self) -> list:
        """Every decision this pruner took itself (not its base pruner's), in order."""
        return [d for rule in self._rules.values() for d in rule.decisions]

    def _rule(self, study: optuna.study.Study) -> CurveRule:
        """One rule and predictor per study (a pruner may serve several), in its direction."""
        if study.study_name not in self._rules:
            direction = "maximize" if study.direction.name == "MAXIMIZE" else "minimize"
            # each study learns from its own trials, in its own direction
            self._rules[study.study_name] = CurveRule(
                copy.deepcopy(self.predictor), max_resource=self.max_resource,
                percentile=self.percentile, direction=direction,
                steps=decision_steps(self.min_step, self.max_resource),
            )  # fmt: skip
        return self._rules[study.study_name]
