"""The prune rule every method shares: stop a run predicted below a percentile of finished ones.

Swift-Hyperband (Wulff et al., 2024) finishes a partial run only if its
predicted value beats the 25th percentile of the finished runs' values at
the same epoch; the Optuna pruner and the Ray Tune scheduler apply the same
rule to the final value.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from numpy.typing import NDArray
from sklearn.utils._param_validation import Interval, validate_parameter_constraints

__all__ = ["DEFAULT_PERCENTILE", "Decision", "below_percentile", "check_parameters"]

#: The published rule's percentile (Swift-Hyperband).
DEFAULT_PERCENTILE = 25.0

#: Parameter constraints shared by the searches, the pruner and the scheduler.
PERCENTILE = [Interval(Real, 0.0, 100.0, closed="neither")]
EPOCHS = [Interval(Integral, 1, None, closed="left")]
ETA = [Interval(Integral, 2, None, closed="left")]


@dataclass(frozen=True)
class Decision:
    """One prune decision: at prefix length ``observed``, for the value at ``target``.

    ``predicted`` holds the predictor's values of the partial runs,
    ``threshold`` the percentile of the finished runs, ``reference`` the
    paired SVR's predictions where the predictor is QSVR (else None).
    """

    observed: int
    target: int
    predicted: NDArray[np.float64]
    threshold: float
    reference: NDArray[np.float64] | None = None

    @property
    def stopped(self) -> NDArray[np.bool_]:
        return self.predicted < self.threshold

    def agreement(self) -> NDArray[np.bool_] | None:
        """Per run, whether the reference makes the same decision (None without one)."""
        if self.reference is None:
            return None
        return (self.reference < self.threshold) == self.stopped


def below_percentile(
    predicted: NDArray[np.float64], finished: NDArray[np.float64], percentile: float
) -> tuple[NDArray[np.bool_], float]:
    """Which predictions fall below the ``percentile`` of the finished values, and that value."""
    threshold = float(np.percentile(finished, percentile))
    return np.asarray(predicted) < threshold, threshold


#: The constraint of every parameter the pruner and the scheduler share.
_CONSTRAINTS = {
    "max_resource": EPOCHS,
    "max_t": EPOCHS,
    "percentile": PERCENTILE,
    "min_step": EPOCHS,
}


def check_parameters(caller: str, **values) -> None:
    """scikit-learn's parameter errors, naming the parameter, what it must be and what came.

    Examples
    --------
    >>> check_parameters("CurvePruner", percentile=0.0)
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: The 'percentile' parameter of \
CurvePruner must be a float in the range (0.0, 100.0). Got 0.0 instead.
    """
    constraints = {name: _CONSTRAINTS[name] for name in values}
    validate_parameter_constraints(constraints, values, caller_name=caller)
