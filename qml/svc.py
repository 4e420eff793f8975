"""Support vector classification trained by solving QUBOs."""

from __future__ import annotations

from functools import cache
from itertools import combinations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.multiclass import _ovr_decision_function, check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from backends import memory_limit
from qml._base import QuantumSVMBase
from qml._docs import (
    KERNEL_PARAMETERS,
    QUANTUM_KERNEL_PARAMETERS,
    ROUND_PARAMETERS,
    RUN_PARAMETERS,
    SOLVE_ATTRIBUTES,
    fill,
)
from qml._hygiene import fit_or_clean
from qml._kernels import training_gram
from qubo import Dual, svc_dual


class QSVC(ClassifierMixin, QuantumSVMBase):
    __doc__ = fill(
        """Support vector classifier whose dual is solved as a QUBO (Willsch et al. 2020).

    Each ``alpha_n`` is encoded in ``n_bits`` bits with
    ``p_k = C * base**k / sum_j base**j``; the dual plus the penalty
    ``penalty/2 * (sum_n alpha_n y_n)**2`` is a QUBO of ``n_samples * n_bits``
    variables. Multiclass problems are split one-vs-one, as
    :class:`sklearn.svm.SVC` does, with one QUBO per pair of classes, and the
    fitted attributes follow SVC's layout.

    Parameters
    ----------
{{kernel_parameters}}
{{quantum_kernel_parameters}}
    base : float, default=2.0
        Base ``B`` of the precision vector; 1 gives the unary encoding.
    n_bits : int, default=2
        Bits ``K`` per coefficient, the same as QSVR's.
        The defaults (``n_bits=2``, ``penalty=0.3``, ``num_reads=5``,
        ``max_iter=100``, ``tol=1e-3``, ``combine="best"``, ``top_k=20``) were
        chosen on diabetes, a smooth 2-D function and breast_cancer, and
        verified on other data (experiments/benchmarks/exactness.py).
    penalty : float, default=0.3
        Strength ``xi`` of the penalty ``xi/2 * (sum_n alpha_n y_n)**2``;
        with refinement rounds an augmented-Lagrangian multiplier enforces
        the constraint, so a moderate ``xi`` suffices.
{{round_parameters}}
    backend : str or dimod.Sampler, default="sa"
        QUBO solver name or any ``dimod.Sampler``.
    num_reads : int, default=5
        Samples requested from the backend, where it takes ``num_reads``.
    backend_options : dict, default=None
        Further keyword arguments of the backend's ``sample`` call.
    combine : {"best", "mean", "boltzmann", "fit"}, default="best"
        How the ``top_k`` lowest-energy distinct solutions of the last
        refinement round become one model (earlier rounds only steer the
        boxes; the last round's samples, with the previous solution among
        them, lie on the finest grid);
        "fit" weights each by the inverse of its mean training hinge loss.
    top_k : int, default=20
        Number of distinct solutions of the last round kept per pair of classes.
    temperature : float, default=None
        Temperature of "boltzmann"; None uses the spread of the kept energies.
    decision_function_shape : {"ovr", "ovo"}, default="ovr"
        Shape of the multiclass decision function, as in SVC.
{{run_parameters}}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    support_ : ndarray of shape (n_SV,)
        Indices of the support vectors, grouped by class.
    support_vectors_ : ndarray of shape (n_SV, n_features)
    n_support_ : ndarray of shape (n_classes,)
    dual_coef_ : ndarray of shape (n_classes - 1, n_SV)
        ``y_n alpha_n`` in SVC's one-vs-one layout.
    intercept_ : ndarray of shape (n_classes * (n_classes - 1) / 2,)
    n_features_in_ : int
{{solve_attributes}}

    See Also
    --------
    sklearn.svm.SVC : The same model, solved by libsvm.
    QSVR : Regression with the same encoding and refinement.
    PartitionEnsembleClassifier : QSVC models on disjoint subsets, for data
        larger than one QUBO (a QPU clique) holds.

    Notes
    -----
    QSVC minimises the SVC dual ``1/2 sum_nm alpha_n alpha_m y_n y_m K_nm -
    sum alpha`` over ``0 <= alpha <= C`` with ``sum alpha y = 0``. Each
    refinement round is one QUBO of ``n_samples * n_bits`` binary variables
    per pair of classes. ``n_bits`` defaults to 2 as in QSVR: refinement
    rounds, not bits, bring the precision. As in QSVR, a fit ends on the
    exact optimum once a round's best solution names libsvm's active set
    (``polish``).

    References
    ----------
    .. [1] D. Willsch, M. Willsch, H. De Raedt and K. Michielsen, "Support
       vector machines on the D-Wave quantum annealer", Comput. Phys. Commun.
       248, 107006 (2020).
    .. [2] G. Cavallaro, D. Willsch, M. Willsch, K. Michielsen and M. Riedel,
       "Approaching remote sensing image classification with ensembles of
       support vector machines on the D-Wave quantum annealer", IGARSS 2020.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from qml import QSVC
    >>> X, y = make_blobs(n_samples=30, centers=2, cluster_std=0.5, random_state=0)
    >>> clf = QSVC(random_state=0).fit(X, y)
    >>> bool(clf.score(X, y) > 0.9)
    True
    """,
        kernel_parameters=KERNEL_PARAMETERS,
        quantum_kernel_parameters=QUANTUM_KERNEL_PARAMETERS,
        round_parameters=ROUND_PARAMETERS,
        run_parameters=RUN_PARAMETERS,
        solve_attributes=SOLVE_ATTRIBUTES,
        duals="(n_classes * (n_classes - 1) // 2,)",
        coefficients="(n_kept, n_samples_in_pair)",
        rows="``alpha``",
    )

    _parameter_constraints: dict = {
        **QuantumSVMBase._parameter_constraints,
        "decision_function_shape": [StrOptions({"ovr", "ovo"})],
    }

    def __init__(
        self,
        *,
        kernel="rbf",
        gamma="scale",
        feature_map="zz",
        reps=2,
        entanglement="full",
        bandwidth="scale",
        degree=3,
        coef0=0.0,
        C=1.0,
        base=2.0,
        n_bits=2,
        penalty=0.3,
        max_iter=100,
        tol=1e-3,
        polish=True,
        working_set_size="auto",
        cache_size=200.0,
        backend="sa",
        num_reads=5,
        backend_options=None,
        combine="best",
        top_k=20,
        temperature=None,
        decision_function_shape="ovr",
        fallback=None,
        random_state=None,
    ):
        self.kernel = kernel
        self.gamma = gamma
        self.feature_map = feature_map
        self.reps = reps
        self.entanglement = entanglement
        self.bandwidth = bandwidth
        self.degree = degree
        self.coef0 = coef0
        self.C = C
        self.base = base
        self.n_bits = n_bits
        self.penalty = penalty
        self.max_iter = max_iter
        self.tol = tol
        self.polish = polish
        self.working_set_size = working_set_size
        self.cache_size = cache_size
        self.backend = backend
        self.num_reads = num_reads
        self.backend_options = backend_options
        self.combine = combine
        self.top_k = top_k
        self.temperature = temperature
        self.decision_function_shape = decision_function_shape
        self.fallback = fallback
        self.random_state = random_state

    def fit(self, X, y):
        """Solve one QUBO per pair of classes and assemble the classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, or the Gram matrix for ``kernel="precomputed"``.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : QSVC
        """
        return fit_or_clean(self, self._fit, X, y)

    def _fit(self, X, y):
        self._validate_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self._check_n_samples(X.shape[0])
        classes, y_index = np.unique(y, return_inverse=True)
        if classes.size < 2:
            raise ValueError(
                f"QSVC needs samples of at least 2 classes; got 1 class ({classes[0].tolist()!r})"
            )
        self._resolve_kernel(X, y)
        self._diagnose_kernel(X)
        rng = self._rng()
        n_classes = classes.size
        coef_rows = np.zeros((n_classes - 1, X.shape[0]))
        intercepts, solutions, combined = [], [], []
        binary = n_classes == 2
        full_gram = cache(lambda: training_gram(self.kernel_, X))  # once for all pairs
        # Shared only while the whole N x N matrix (and its slice) fits the budget; else
        # each pair solved whole computes its own block.
        shared = binary or self.kernel == "precomputed" or not _fits(3 * 8 * X.shape[0] ** 2)
        for i, j in combinations(range(n_classes), 2):
            rows = np.flatnonzero((y_index == i) | (y_index == j))
            signs = np.where(y_index[rows] == j, 1.0, -1.0)
            pair_X = X[np.ix_(rows, rows)] if self.kernel == "precomputed" else X[rows]
            gram = None if shared else (lambda rows=rows: full_gram()[np.ix_(rows, rows)])
            coef, intercept, (solution, kept) = self._fit_pair(pair_X, signs, rng, gram)
            # SVC's layout: class i's points in row j-1, class j's in row i, with
            # libsvm's sign (positive towards class i) except in the binary case.
            sign = 1.0 if binary else -1.0
            in_i = y_index[rows] == i
            coef_rows[j - 1, rows[in_i]] = sign * coef[in_i]
            coef_rows[i, rows[~in_i]] = sign * coef[~in_i]
            intercepts.append(sign * intercept)
            solutions.append(solution)
            combined.append(kept)
        self._set_model(X, y_index, classes, coef_rows, np.array(intercepts))
        self._set_solutions(solutions, combined)
        return self

    def _fit_pair(self, X, signs, rng, gram=None):
        """One pair of classes (labels ``signs`` in {-1, +1}): coefficients, intercept, solution.

        ``gram()`` gives the pair's Gram matrix as a slice of the one computed
        for all classes: a quantum kernel then simulates each point once, not
        once per pair it belongs to.
        """
        dual = svc_dual(signs, C=self.C)
        solution = self._solve(dual, X, rng, gram)
        loss = _training_hinge(dual, solution.tolerances.resolution)
        combined, intercept = self._combine(
            dual, solution, loss, ("a QSVC solution", "a QSVC solution")
        )
        return combined.average * signs, intercept, (solution, combined)

    def _set_model(self, X, y_index, classes, coef_rows, intercepts) -> None:
        is_support = np.any(coef_rows != 0, axis=0)
        order = np.lexsort((np.arange(X.shape[0]), y_index))
        support = order[is_support[order]]
        self._n_train = X.shape[0]
        self.classes_ = classes
        self.support_ = support.astype(np.int32)
        self.support_vectors_ = (
            np.empty((0, 0)) if self.kernel == "precomputed" else X[support].copy()
        )
        self.n_support_ = np.bincount(y_index[support], minlength=classes.size).astype(np.int32)
        self.dual_coef_ = coef_rows[:, support]
        self.intercept_ = intercepts

    def _pairwise_decision(self, X):
        """SVC's one-vs-one decision values (positive towards the first class of a pair)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self._in_blocks(X, self._decisions_of)

    def _decisions_of(self, kernel):
        """The one-vs-one decision values of the points whose test kernel is ``kernel``."""
        n_classes = self.classes_.size
        starts = np.concatenate([[0], np.cumsum(self.n_support_)])
        columns = []
        for pair, (i, j) in enumerate(combinations(range(n_classes), 2)):
            sv_i = slice(starts[i], starts[i + 1])
            sv_j = slice(starts[j], starts[j + 1])
            value = kernel[:, sv_i] @ self.dual_coef_[j - 1, sv_i]
            value = value + kernel[:, sv_j] @ self.dual_coef_[i, sv_j]
            columns.append(value + self.intercept_[pair])
        return np.column_stack(columns)

    def decision_function(self, X):
        """Signed distance to the separating surfaces, as in SVC.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points, or their Gram matrix against the training points for
            ``kernel="precomputed"``.

        Returns
        -------
        decision : ndarray of shape (n_samples,) for two classes, else
            (n_samples, n_classes) for "ovr" or (n_samples, n_pairs) for "ovo".
        """
        decision = self._pairwise_decision(X)
        if self.classes_.size == 2:
            return decision[:, 0]
        if self.decision_function_shape == "ovo":
            return decision
        return _ovr_decision_function(decision < 0, -decision, self.classes_.size)

    def predict(self, X):
        """Class labels of ``X``: the sign of the decision, or the one-vs-one vote.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points to classify (their Gram matrix against the training points
            for ``kernel="precomputed"``).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        decision = self._pairwise_decision(X)
        if self.classes_.size == 2:
            return self.classes_[(decision[:, 0] > 0).astype(int)]
        votes = _ovr_decision_function(decision < 0, -decision, self.classes_.size)
        return self.classes_[np.argmax(votes, axis=1)]


def _fits(n_bytes: int) -> bool:
    """Whether ``n_bytes`` fit in hqml's memory budget (:func:`backends.memory_limit`)."""
    return n_bytes <= memory_limit()


def _training_hinge(dual: Dual, resolution: float):
    """Each solution's mean training hinge loss from its gradient, for ``combine="fit"``.

    The gradient is ``G_n = y_n (f_n - b) - 1``, so the margin ``y_n f_n`` is
    ``G_n + 1 + y_n b``: no kernel evaluation.
    """

    def loss(rows, gradients):
        intercepts, _ = dual.intercept(rows, gradients, resolution)
        margins = gradients + 1.0 + dual.signs * intercepts[:, None]
        return np.maximum(0.0, 1.0 - margins).mean(axis=1)

    return loss
