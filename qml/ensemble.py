"""Partition ensembles (Cavallaro et al., IGARSS 2020): one small QUBO model per data subset.

A QPU call holds a clique of about 180 logical variables, so QSVR with K
bits trains on about 180 / (2K) points at once. These ensembles split the
training set into disjoint subsets of at most ``subset_size`` points, fit a
copy of the base estimator on each (in parallel with joblib) and average
their decision functions.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from qml._hygiene import fit_or_clean, numeric_targets
from qml._versions import VersionedPickle
from qml.svc import QSVC
from qml.svr import QSVR


def _seeded(estimator, rng: np.random.RandomState):
    member = clone(estimator)
    if "random_state" in member.get_params():
        member.set_params(random_state=int(rng.randint(np.iinfo(np.int32).max)))
    return member


def _fit_member(member, X, y):
    return member.fit(X, y)


def _fit_members(template, X, y, subsets, rng, n_jobs):
    members = [_seeded(template, rng) for _ in subsets]
    return Parallel(n_jobs=n_jobs)(
        delayed(_fit_member)(member, X[idx], y[idx])
        for member, idx in zip(members, subsets, strict=True)
    )


class _PartitionEnsemble(VersionedPickle, BaseEstimator):
    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "subset_size": [Interval(Integral, 2, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def fit(self, X, y):
        """Fit one member per disjoint subset of ``(X, y)`` (per stage, for the regressor).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Targets (regressor) or class labels (classifier).

        Returns
        -------
        self : the fitted ensemble
        """
        return fit_or_clean(self, self._fit, X, y)

    def _n_subsets(self, n_samples: int) -> int:
        return int(np.ceil(n_samples / self.subset_size))


class PartitionEnsembleRegressor(RegressorMixin, _PartitionEnsemble):
    """Average of regressors fitted on disjoint subsets, optionally boosted in stages.

    Stage 1 is Cavallaro et al.'s ensemble: the mean prediction of one model
    per random disjoint subset of at most ``subset_size`` points. Each further
    stage draws a new partition and fits the residuals ``y - F(x)`` of the
    ensemble so far, adding ``learning_rate`` times the mean of the new
    members. Every QUBO stays at the size of one subset, while later stages
    recover the accuracy that small subsets lose; ``n_stages=1`` is the plain
    ensemble.

    Parameters
    ----------
    estimator : regressor, default=None
        Base model, cloned for every subset; None means ``QSVR()``.
    subset_size : int, default=20
        Largest number of points in one subset.
    n_stages : int, default=1
        Number of partitions fitted one after the other on the residuals.
    learning_rate : float, default=1.0
        Weight of every stage after the first.
    n_jobs : int, default=None
        Subsets fitted in parallel by joblib (-1: all cores).
    random_state : int, RandomState instance or None, default=None
        Draws the partitions and seeds the members.

    Attributes
    ----------
    estimators_ : list of list of estimators
        The fitted members, one list per stage.
    subsets_ : list of list of ndarray
        Training indices of every member, one list per stage.
    n_features_in_ : int

    See Also
    --------
    QSVR : The default member.
    PartitionEnsembleClassifier : The same for classification.

    References
    ----------
    .. [1] G. Cavallaro, D. Willsch, M. Willsch, K. Michielsen and M. Riedel,
       "Approaching remote sensing image classification with ensembles of
       support vector machines on the D-Wave quantum annealer", IGARSS 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from qml import QSVR, PartitionEnsembleRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(60, 2))
    >>> y = np.sin(2 * X[:, 0]) + X[:, 1]
    >>> model = PartitionEnsembleRegressor(QSVR(C=2.0, num_reads=20), subset_size=20,
    ...                                    random_state=0).fit(X, y)
    >>> len(model.estimators_[0])
    3
    """

    _parameter_constraints: dict = {
        **_PartitionEnsemble._parameter_constraints,
        "n_stages": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0.0, None, closed="neither")],
    }

    def __init__(
        self,
        estimator=None,
        *,
        subset_size=20,
        n_stages=1,
        learning_rate=1.0,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.subset_size = subset_size
        self.n_stages = n_stages
        self.learning_rate = learning_rate
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _fit(self, X, y):
        self._validate_params()
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        y = numeric_targets(y, type(self).__name__)
        template = QSVR() if self.estimator is None else self.estimator
        rng = check_random_state(self.random_state)
        residual, fitted = y.copy(), np.zeros_like(y)
        estimators, subsets = [], []
        for stage in range(self.n_stages):
            parts = np.array_split(rng.permutation(len(y)), self._n_subsets(len(y)))
            members = _fit_members(template, X, residual, parts, rng, self.n_jobs)
            estimators.append(members)
            subsets.append(parts)
            if stage + 1 < self.n_stages:
                fitted += self._stage_weight(stage) * self._stage_mean(members, X)
                residual = y - fitted
        self.estimators_ = estimators
        self.subsets_ = subsets
        return self

    def _stage_weight(self, stage: int) -> float:
        return 1.0 if stage == 0 else float(self.learning_rate)

    @staticmethod
    def _stage_mean(members, X):
        return np.mean([member.predict(X) for member in members], axis=0)

    def predict(self, X):
        """Sum over stages of the members' mean prediction.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points whose targets to predict.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return sum(
            self._stage_weight(stage) * self._stage_mean(members, X)
            for stage, members in enumerate(self.estimators_)
        )


class PartitionEnsembleClassifier(ClassifierMixin, _PartitionEnsemble):
    """Mean decision function of classifiers fitted on disjoint stratified subsets.

    The training set is split by stratified folds into subsets of at most
    ``subset_size`` points, so that every subset holds every class; the
    members' decision functions (SVC's "ovr" shape for several classes) are
    averaged.

    Parameters
    ----------
    estimator : classifier with ``decision_function``, default=None
        Base model, cloned for every subset; None means ``QSVC()``.
    subset_size : int, default=20
        Largest number of points in one subset.
    n_jobs : int, default=None
        Subsets fitted in parallel by joblib (-1: all cores).
    random_state : int, RandomState instance or None, default=None
        Draws the partition and seeds the members.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    estimators_ : list of estimators
    subsets_ : list of ndarray
    n_features_in_ : int

    See Also
    --------
    QSVC : The default member.
    PartitionEnsembleRegressor : The same for regression, with boosting
        stages, and the reference (Cavallaro et al. 2020).

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from qml import QSVC, PartitionEnsembleClassifier
    >>> X, y = make_blobs(n_samples=60, centers=2, cluster_std=0.5, random_state=0)
    >>> clf = PartitionEnsembleClassifier(QSVC(num_reads=20), random_state=0).fit(X, y)
    >>> len(clf.estimators_), bool(clf.score(X, y) > 0.9)
    (3, True)
    """

    _parameter_constraints: dict = {
        **_PartitionEnsemble._parameter_constraints,
        "estimator": [HasMethods(["fit", "decision_function"]), None],
    }

    def __init__(self, estimator=None, *, subset_size=20, n_jobs=None, random_state=None):
        self.estimator = estimator
        self.subset_size = subset_size
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _fit(self, X, y):
        self._validate_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        classes, counts = np.unique(y, return_counts=True)
        if classes.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; got 1 class"
            )
        rng = check_random_state(self.random_state)
        parts = self._stratified_subsets(y, classes, counts, rng)
        template = QSVC() if self.estimator is None else self.estimator
        self.estimators_ = _fit_members(template, X, y, parts, rng, self.n_jobs)
        self.subsets_ = parts
        self.classes_ = classes
        return self

    def _stratified_subsets(self, y, classes, counts, rng) -> list[np.ndarray]:
        n_subsets = self._n_subsets(len(y))
        if n_subsets == 1:
            return [rng.permutation(len(y))]
        if counts.min() < n_subsets:
            rare = classes[counts.argmin()].tolist()
            raise ValueError(
                f"subset_size={self.subset_size} splits {len(y)} samples into {n_subsets} "
                f"subsets, but class {rare!r} has only {counts.min()} samples and every subset "
                f"needs each class; use subset_size >= {int(np.ceil(len(y) / counts.min()))}"
            )
        folds = StratifiedKFold(n_splits=n_subsets, shuffle=True, random_state=rng.randint(2**31))
        return [test for _, test in folds.split(np.zeros(len(y)), y)]

    def decision_function(self, X):
        """Mean of the members' decision functions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points to evaluate.

        Returns
        -------
        decision : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return np.mean([member.decision_function(X) for member in self.estimators_], axis=0)

    def predict(self, X):
        """Class with the largest mean decision value.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points to classify.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        decision = self.decision_function(X)
        if decision.ndim == 1:
            return self.classes_[(decision > 0).astype(int)]
        return self.classes_[np.argmax(decision, axis=1)]
