"""A curve predictor: a partial curve's value at a later epoch, learned from finished curves.

Any of hqml's curve regressors serves (:data:`MODELS`): QSVR on any
backend, SVR, ridge, or the pow3 law fitted to each curve alone. The
learned ones see the prefix features of :func:`early_stopping.features.prefix_features`
and take C, epsilon and gamma from the same cross-validation as
``hqml bench`` (:func:`early_stopping.models.svr_search`), so the benchmark
and the early stopping share one code path.

One model is kept per (prefix length, target epoch): one per rung of a
Hyperband bracket, or one per decision step of an Optuna trial. A model is
refitted only when new finished curves arrived, and then only once they
add ``refit_growth`` of the curves it was fitted on (at least one curve);
its C, epsilon and gamma are searched again only once the curves grew by
``search_growth``, and it learns from the latest ``max_curves`` finished
curves: a study with hundreds of finished trials neither refits nor
searches on every trial, and QSVR's QUBO stays the size of a few dozen
curves (the QPU's scale), whatever the study's length.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import RidgeCV
from sklearn.svm import SVR

from early_stopping.features import prefix_features
from early_stopping.models import RIDGE_ALPHAS, best_svr_parameters, scaled, svr_search
from early_stopping.pow3 import pow3_extrapolate

__all__ = ["MODELS", "CurvePredictor"]

#: The predictors by name; "qsvr" runs on the predictor's ``backend``.
MODELS = ("qsvr", "svr", "ridge", "pow3")


@dataclass
class _Fitted:
    """A fitted model of one (prefix length, target epoch) and how many curves it saw."""

    n_curves: int
    model: object
    reference: object = None
    searched: int = 0
    hyperparameters: dict | None = None


class CurvePredictor:
    """Predict the value of partial curves at a target epoch from finished curves seen so far.

    Parameters
    ----------
    model : {"qsvr", "svr", "ridge", "pow3"} or scikit-learn regressor, default="qsvr"
        The regressor. A scikit-learn regressor is cloned and fitted on the
        scaled prefix features as it is (no search).
    backend : str or dimod.Sampler, default="sa"
        QSVR's backend.
    n_points : int, default=8
        Epochs of a prefix kept as features (evenly spaced, the last included).
    differences : bool, default=True
        Whether the kept epochs' first differences are features too.
    min_curves : int, default=15
        Finished curves needed before the learned models predict (Swift-Hyperband's 15).
    refit_growth : float, default=0.1
        A model is refitted once the finished curves grew by this share of
        those it saw (and by at least one).
    search_growth : float, default=0.5
        SVR's and QSVR's C, epsilon and gamma are searched by CV again once
        the curves grew by this share since the last search; refits between
        keep them.
    max_curves : int or None, default=60
        The latest finished curves a model learns from (None: all).
    random_state : int, default=0
        Seeds the cross-validation folds and QSVR's sampler.
    pair_with_svr : bool, default=False
        With QSVR, also fit SVR with the same C, epsilon and gamma at every
        refit, so that :meth:`reference_predict` gives the paired decision.

    Examples
    --------
    >>> t = np.arange(1, 21)
    >>> rates = np.linspace(0.2, 1.0, 30)[:, None]
    >>> curves = 0.9 - 0.5 * np.exp(-rates * t)
    >>> predictor = CurvePredictor("ridge").add(curves)
    >>> bool(np.abs(predictor.predict(curves[:3, :6], 20) - curves[:3, -1]).max() < 0.02)
    True
    """

    def __init__(
        self,
        model="qsvr",
        *,
        backend="sa",
        n_points: int = 8,
        differences: bool = True,
        min_curves: int = 15,
        refit_growth: float = 0.1,
        search_growth: float = 0.5,
        max_curves: int | None = 60,
        random_state: int = 0,
        pair_with_svr: bool = False,
    ) -> None:
        if isinstance(model, str) and model not in MODELS:
            raise ValueError(f"model must be one of {MODELS} or a regressor; got {model!r}")
        if min_curves < 4:
            raise ValueError(f"min_curves must be at least 4 (two folds of 2); got {min_curves}")
        for name, growth in (("refit_growth", refit_growth), ("search_growth", search_growth)):
            if not (np.isfinite(growth) and growth >= 0):
                raise ValueError(f"{name} must be finite and >= 0; got {growth}")
        if max_curves is not None and max_curves < min_curves:
            raise ValueError(f"max_curves={max_curves} is below min_curves={min_curves}")
        self.model, self.backend = model, backend
        self.n_points, self.differences = n_points, differences
        self.min_curves, self.refit_growth = min_curves, refit_growth
        self.search_growth, self.max_curves = search_growth, max_curves
        self.random_state, self.pair_with_svr = random_state, pair_with_svr
        self._curves: dict = {}
        self._unnamed = 0
        self._fitted: dict[tuple[int, int], _Fitted] = {}
        self.n_fits = 0

    # ---------------------------------------------------------------- data
    def add(self, curves: ArrayLike | list, keys: list | None = None) -> CurvePredictor:
        """Add finished curves (rows, or 1-D curves of any lengths, without NaN).

        ``keys`` name the runs: a curve added again under its key (the same
        run trained further, or reported twice) replaces the earlier one
        instead of counting twice.
        """
        rows = list(curves)
        if rows and np.isscalar(rows[0]):  # one curve, not a list of curves
            rows = [curves]
        if keys is None:  # unnamed curves never replace one another
            keys = [("unnamed", self._unnamed + i) for i in range(len(rows))]
            self._unnamed += len(rows)
        if len(keys) != len(rows):
            raise ValueError(f"{len(rows)} curves need as many keys; got {len(keys)}")
        for key, row in zip(keys, rows, strict=True):
            curve = np.asarray(row, dtype=float)
            if curve.ndim != 1 or not np.all(np.isfinite(curve)):
                raise ValueError(
                    f"finished curve {key!r} must be a 1-D array of finite values; got "
                    f"{curve.shape} with {int(np.sum(~np.isfinite(curve)))} non-finite entries"
                )
            self._curves[key] = curve
        return self

    @property
    def n_curves(self) -> int:
        """Finished curves seen so far."""
        return len(self._curves)

    def training_set(self, target: int) -> NDArray[np.float64]:
        """The latest ``max_curves`` finished curves that reached ``target``, cut at it."""
        rows = [c[:target] for c in self._curves.values() if c.size >= target]
        rows = rows[-self.max_curves :] if self.max_curves else rows
        return np.array(rows).reshape(len(rows), target)

    def _n_reaching(self, target: int) -> int:
        """All finished curves that reached ``target`` (before the ``max_curves`` cut)."""
        return sum(c.size >= target for c in self._curves.values())

    def ready(self, target: int) -> bool:
        """Whether enough finished curves reach ``target`` for a prediction."""
        return self.model == "pow3" or self.training_set(target).shape[0] >= self.min_curves

    # ---------------------------------------------------------------- prediction
    def predict(self, prefixes: ArrayLike, target: int) -> NDArray[np.float64]:
        """The value at epoch ``target`` of each prefix (rows of one length ``m < target``)."""
        prefixes = np.atleast_2d(np.asarray(prefixes, dtype=float))
        m = prefixes.shape[1]
        if not 2 <= m < target:
            raise ValueError(f"prefixes need 2 <= length < target={target}; got length {m}")
        if not np.all(np.isfinite(prefixes)):
            raise ValueError("prefixes contain NaN or infinite values")
        if self.model == "pow3":
            return pow3_extrapolate(prefixes, target)
        features = prefix_features(prefixes, n_points=self.n_points, differences=self.differences)
        return np.asarray(self._model(m, target).model.predict(features), dtype=float)

    def reference_predict(self, prefixes: ArrayLike, target: int) -> NDArray[np.float64]:
        """The paired SVR's values (QSVR's C, epsilon, gamma), for ``pair_with_svr`` predictors."""
        prefixes = np.atleast_2d(np.asarray(prefixes, dtype=float))
        fitted = self._model(prefixes.shape[1], target)
        if fitted.reference is None:
            raise ValueError("reference_predict needs model='qsvr' and pair_with_svr=True")
        features = prefix_features(prefixes, n_points=self.n_points, differences=self.differences)
        return np.asarray(fitted.reference.predict(features), dtype=float)

    def _model(self, m: int, target: int) -> _Fitted:
        curves = self.training_set(target)
        if curves.shape[0] < self.min_curves:
            raise ValueError(
                f"{curves.shape[0]} finished curves reach epoch {target}; the predictor needs "
                f"min_curves={self.min_curves}"
            )
        fitted = self._fitted.get((m, target))
        reaching = self._n_reaching(target)
        if fitted is None or _grew(fitted.n_curves, reaching, self.refit_growth):
            X = prefix_features(curves[:, :m], n_points=self.n_points, differences=self.differences)
            fitted = self._fit(X, curves[:, -1], reaching, fitted)
            self._fitted[(m, target)] = fitted
            self.n_fits += 1
        return fitted

    def _fit(
        self, X: NDArray[np.float64], y: NDArray[np.float64], reaching: int, last: _Fitted | None
    ) -> _Fitted:
        """The model at (X, y); for a paired QSVR also the SVR of the same hyperparameters."""
        if not isinstance(self.model, str):
            return _Fitted(reaching, scaled(clone(self.model)).fit(X, y))
        if self.model == "ridge":
            return _Fitted(reaching, scaled(RidgeCV(alphas=RIDGE_ALPHAS)).fit(X, y))
        searched, hyper = (last.searched, last.hyperparameters) if last else (0, None)
        if hyper is None or _grew(searched, reaching, self.search_growth):
            search = svr_search(len(y), self.random_state).fit(X, y)
            searched, hyper = reaching, best_svr_parameters(search)
        svr = scaled(SVR(**hyper)).fit(X, y)
        if self.model == "svr":
            return _Fitted(reaching, svr, None, searched, hyper)
        reference = svr if self.pair_with_svr else None
        return _Fitted(reaching, scaled(self.qsvr(hyper)).fit(X, y), reference, searched, hyper)

    def qsvr(self, hyperparameters: dict):
        """QSVR with the searched C, epsilon, gamma on the predictor's backend (quiet about tol)."""
        from qml import QSVR

        return _Quiet(QSVR(**hyperparameters, backend=self.backend, random_state=self.random_state))


def _grew(seen: int, now: int, growth: float) -> bool:
    """Whether ``now`` curves are at least ``growth`` (and one) more than ``seen``."""
    return now - seen >= max(1, int(np.ceil(growth * seen)))


class _Quiet(RegressorMixin, BaseEstimator):
    """A regressor whose fit records, rather than prints, scikit-learn's ConvergenceWarning.

    A predictor refits inside a search loop; a warning per refit would bury
    the search's own output. ``warned_`` keeps what was said.
    """

    def __init__(self, estimator) -> None:
        self.estimator = estimator

    def fit(self, X, y) -> _Quiet:
        self.estimator_ = clone(self.estimator)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            self.estimator_.fit(X, y)
        self.warned_ = [str(w.message) for w in caught if w.category is ConvergenceWarning]
        return self

    def predict(self, X):
        return self.estimator_.predict(X)
