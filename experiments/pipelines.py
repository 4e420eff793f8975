"""The preprocessing every benchmark wraps its regressors in."""

from __future__ import annotations

from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def scaled_regressor(model, feature_scaler=None) -> TransformedTargetRegressor:
    """Scale features (StandardScaler unless given) and standardise the target.

    Both scalers are fitted on the training data only, so that C, epsilon
    and gamma mean the same at every training size and on every split.
    """
    features = feature_scaler if feature_scaler is not None else StandardScaler()
    return TransformedTargetRegressor(
        regressor=make_pipeline(features, model), transformer=StandardScaler()
    )
