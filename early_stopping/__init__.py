"""Learning-curve early stopping for hyperparameter searches.

A curve predictor (QSVR on any backend, SVR, ridge or the pow3 law) learns
from the finished runs of a search to predict a partial run's later value;
Swift-Hyperband, its asynchronous (ASHA-style) variant, an Optuna pruner and
a Ray Tune scheduler stop the runs predicted to lose. The features of a
partial curve and the predictors' cross-validated hyperparameters are those
of the learning-curve benchmark (``hqml bench``): one code path.
"""

from early_stopping.asha import asha, asha_rungs
from early_stopping.baselines import random_search, top_k
from early_stopping.features import curve_features, observed_epochs, prefix_features
from early_stopping.hyperband import brackets, hyperband, successive_halving
from early_stopping.ledger import Ledger, NoMoreConfigurations, SearchResult, Train
from early_stopping.models import (
    CV_GRID,
    RIDGE_ALPHAS,
    best_svr_parameters,
    scaled,
    scaled_regressor,
    svr_search,
)
from early_stopping.pow3 import pow3_extrapolate
from early_stopping.predictor import MODELS, CurvePredictor
from early_stopping.pruning import CurveRule, decision_steps, ordered_curve
from early_stopping.replay import Replay
from early_stopping.rule import DEFAULT_PERCENTILE, Decision, below_percentile

__all__ = [
    "CV_GRID",
    "CurvePruner",
    "CurveRule",
    "CurveScheduler",
    "Replay",
    "asha",
    "asha_rungs",
    "brackets",
    "hyperband",
    "ordered_curve",
    "random_search",
    "successive_halving",
    "top_k",
    "DEFAULT_PERCENTILE",
    "MODELS",
    "RIDGE_ALPHAS",
    "CurvePredictor",
    "Decision",
    "Ledger",
    "NoMoreConfigurations",
    "SearchResult",
    "Train",
    "below_percentile",
    "best_svr_parameters",
    "curve_features",
    "decision_steps",
    "observed_epochs",
    "pow3_extrapolate",
    "prefix_features",
    "scaled",
    "scaled_regressor",
    "svr_search",
]


def __getattr__(name: str):
    """The Optuna pruner and the Ray Tune scheduler, imported on first use (optional extras)."""
    if name == "CurvePruner":
        from early_stopping.optuna_pruner import CurvePruner

        return CurvePruner
    if name == "CurveScheduler":
        from early_stopping.ray_scheduler import CurveScheduler

        return CurveScheduler
    raise AttributeError(f"module 'early_stopping' has no attribute {name!r}")
