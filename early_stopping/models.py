"""The curve regressors and their cross-validated hyperparameters, shared with ``hqml bench``.

Every learned predictor of a final value sees min-max scaled prefix
features and a standardised target, both fitted on the training curves
only (:func:`scaled`), so that C, epsilon and gamma mean the same at every
number of curves. SVR's C, epsilon and gamma come from a grid search by
K-fold cross-validation on the training curves (:func:`svr_search`); QSVR
takes the same three values with its own encoding defaults.
"""

from __future__ import annotations

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import SVR

__all__ = [
    "CV_GRID",
    "RIDGE_ALPHAS",
    "best_svr_parameters",
    "scaled",
    "scaled_regressor",
    "svr_search",
]

#: SVR's hyperparameters searched on every training set of curves.
CV_GRID = {
    "C": [0.3, 1.0, 3.0, 10.0],
    "epsilon": [0.01, 0.05, 0.1],
    "gamma": [0.03, 0.1, 0.3, 1.0],
}

#: Regularisation strengths searched by RidgeCV (leave-one-out, closed form).
RIDGE_ALPHAS = tuple(np.logspace(-3, 3, 13))


def scaled_regressor(model, feature_scaler=None) -> TransformedTargetRegressor:
    """Scale features (StandardScaler unless given) and standardise the target.

    Both scalers are fitted on the training data only, so that C, epsilon
    and gamma mean the same at every training size and on every split.
    """
    features = feature_scaler if feature_scaler is not None else StandardScaler()
    return TransformedTargetRegressor(
        regressor=make_pipeline(features, model), transformer=StandardScaler()
    )


def scaled(model) -> TransformedTargetRegressor:
    """Min-max scale the prefix features and standardise the target, on training curves only."""
    return scaled_regressor(model, MinMaxScaler())


def svr_search(
    n_train: int, seed: int, *, grid: dict | None = None, grouped: bool = False
) -> GridSearchCV:
    """SVR with C, epsilon and gamma chosen by K-fold CV (``min(5, n_train // 4)`` folds).

    Folds by run where a run has several rows (``grouped``), so that no run is
    in a fold and its complement.
    """
    grid = {f"regressor__svr__{k}": v for k, v in (grid or CV_GRID).items()}
    folds = max(2, min(5, n_train // 4))
    split = GroupKFold if grouped else KFold
    return GridSearchCV(scaled(SVR()), grid, cv=split(folds, shuffle=True, random_state=seed))


def best_svr_parameters(search: GridSearchCV) -> dict:
    """The searched C, epsilon and gamma, by their SVR names."""
    prefix = "regressor__svr__"
    return {k.removeprefix(prefix): v for k, v in search.best_params_.items()}
