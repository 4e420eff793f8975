"""Support vector regression trained by solving a QUBO."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from qml._base import QuantumSVMBase
from qml._docs import (
    KERNEL_PARAMETERS,
    QUANTUM_KERNEL_PARAMETERS,
    ROUND_PARAMETERS,
    RUN_PARAMETERS,
    SOLVE_ATTRIBUTES,
    fill,
)
from qml._hygiene import fit_or_clean, numeric_targets
from qubo import Dual, split_svr_coefficients, svr_dual


class QSVR(RegressorMixin, QuantumSVMBase):
    __doc__ = fill(
        """Epsilon-support vector regression whose dual is solved as a QUBO.

    Each ``alpha_n`` and ``alpha*_n`` is encoded in ``n_bits`` bits
    (``p_k = C * base**k / sum_j base**j``, so the box is exactly ``[0, C]``),
    the dual plus the penalties ``penalty * (sum beta)**2`` and
    ``complementarity_penalty * sum alpha * alpha*`` becomes a QUBO of
    ``2 * n_samples * n_bits`` variables (Pasetto et al. 2022), and the
    backend's solutions are decoded and combined into one model. The
    intercept comes from the KKT conditions.

    Parameters
    ----------
{{kernel_parameters}}
{{quantum_kernel_parameters}}
    epsilon : float, default=0.1
        Half-width of the insensitive tube.
    base : float, default=2.0
        Base ``B`` of the precision vector; 1 gives the unary encoding.
    n_bits : int, default=2
        Bits ``K`` per coefficient, the same for QSVR and QSVC: refinement
        rounds reach the optimum with few bits, and on the tuning datasets 2
        bits (more, cheaper rounds) fitted faster than 3 at the same
        precision; more bits only enlarge each QUBO (QSVR's is
        ``2 * n_samples * n_bits`` variables) and shrink what fits on a QPU.
        The defaults (``n_bits=2``, ``penalty=0.3``, ``num_reads=5``,
        ``max_iter=100``, ``tol=1e-3``, ``combine="best"``, ``top_k=20``) were
        chosen on diabetes, a smooth 2-D function and breast_cancer, and
        verified on other data (experiments/benchmarks/exactness.py).
    penalty : float, default=0.3
        Strength ``xi`` of the penalty ``xi * (sum_n beta_n)**2``; with
        refinement rounds an augmented-Lagrangian multiplier enforces the
        constraint, so a moderate ``xi`` suffices and keeps the landscape
        the sampler sees well scaled.
    complementarity_penalty : float, default=0.0
        Strength ``mu`` of the penalty on ``sum_n alpha_n alpha*_n``.
{{round_parameters}}
    backend : str or dimod.Sampler, default="sa"
        QUBO solver: a name from :func:`backends.available_backends` or any
        ``dimod.Sampler``.
    num_reads : int, default=5
        Samples requested from the backend, where it takes ``num_reads``.
    backend_options : dict, default=None
        Further keyword arguments of the backend's ``sample`` call.
    combine : {"best", "mean", "boltzmann", "fit"}, default="best"
        How the ``top_k`` lowest-energy distinct solutions of the last
        refinement round become one model (earlier rounds only steer the
        boxes; the last round's samples, with the previous solution among
        them, lie on the finest grid);
        "fit" weights each by the inverse of its training mean squared error.
    top_k : int, default=20
        Number of distinct solutions of the last round kept.
    temperature : float, default=None
        Temperature of "boltzmann"; None uses the spread of the kept energies.
{{run_parameters}}

    Attributes
    ----------
    support_ : ndarray of shape (n_SV,)
        Indices of the support vectors.
    support_vectors_ : ndarray of shape (n_SV, n_features)
        The support vectors (empty for a precomputed kernel).
    dual_coef_ : ndarray of shape (1, n_SV)
        ``alpha - alpha*`` of the support vectors.
    intercept_ : ndarray of shape (1,)
        The bias.
    n_support_ : ndarray of shape (1,)
        Number of support vectors.
    n_features_in_ : int
        Number of features seen in ``fit``.
{{solve_attributes}}

    See Also
    --------
    sklearn.svm.SVR : The same model, solved by libsvm.
    QSVC : Classification with the same encoding and refinement.
    PartitionEnsembleRegressor : QSVR models on disjoint subsets, for data
        larger than one QUBO (a QPU clique) holds.

    Notes
    -----
    QSVR minimises the SVR dual of libsvm,
    ``1/2 beta^T K beta + epsilon sum(alpha + alpha*) - y^T beta`` over
    ``0 <= alpha, alpha* <= C`` with ``sum beta = 0``, ``beta = alpha - alpha*``.
    Each refinement round is one QUBO of ``2 * n_samples * n_bits`` binary
    variables, so the QUBO's size, not its precision, grows with the data.
    With the defaults most fits end when the active set of a round's best
    solution (which coefficients sit at 0, at C, in between) is libsvm's:
    the polish then solves the KKT system on it and the model is the exact
    optimum, :class:`sklearn.svm.SVR`'s up to libsvm's own ``tol``. Where
    the annealer does not find that set (ill-conditioned kernels at large
    C), the rounds alone converge to about 0.1 % of the dual objective
    (experiments/benchmarks/exactness.py). On a classical computer either
    costs far more than libsvm. The intercept comes from the
    KKT conditions: the mean over free support vectors, or the midpoint of
    the interval the bounded ones allow.

    References
    ----------
    .. [1] E. Pasetto, M. Riedel, F. Melgani, K. Michielsen and G. Cavallaro,
       "Quantum SVR for chlorophyll concentration estimation in water with
       remote sensing", IEEE Geosci. Remote Sens. Lett. 19 (2022).
    .. [2] C.-C. Chang and C.-J. Lin, "LIBSVM: A library for support vector
       machines", ACM TIST 2, 27 (2011).

    Examples
    --------
    >>> import numpy as np
    >>> from qml import QSVR
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(20, 2))
    >>> y = np.sin(2 * X[:, 0]) + X[:, 1]
    >>> model = QSVR(C=2.0, random_state=0).fit(X, y)
    >>> bool(model.score(X, y) > 0.8)
    True
    """,
        kernel_parameters=KERNEL_PARAMETERS,
        quantum_kernel_parameters=QUANTUM_KERNEL_PARAMETERS,
        round_parameters=ROUND_PARAMETERS,
        run_parameters=RUN_PARAMETERS,
        solve_attributes=SOLVE_ATTRIBUTES,
        duals="(1,)",
        coefficients="(n_kept, 2 * n_samples)",
        rows="``[alpha, alpha*]``",
    )

    _parameter_constraints: dict = {
        **QuantumSVMBase._parameter_constraints,
        "epsilon": [Interval(Real, 0.0, None, closed="left")],
        "complementarity_penalty": [Interval(Real, 0.0, None, closed="left")],
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
        epsilon=0.1,
        base=2.0,
        n_bits=2,
        penalty=0.3,
        complementarity_penalty=0.0,
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
        self.epsilon = epsilon
        self.base = base
        self.n_bits = n_bits
        self.penalty = penalty
        self.complementarity_penalty = complementarity_penalty
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
        self.fallback = fallback
        self.random_state = random_state

    def fit(self, X, y):
        """Build the QUBO from ``(X, y)``, solve it and decode the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, or the Gram matrix for ``kernel="precomputed"``.
        y : array-like of shape (n_samples,)
            Targets.

        Returns
        -------
        self : QSVR
        """
        return fit_or_clean(self, self._fit, X, y)

    def _fit(self, X, y):
        self._validate_params()
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        y = numeric_targets(y, "QSVR")
        self._check_n_samples(X.shape[0])
        self._resolve_kernel(X, y)
        self._diagnose_kernel(X)
        dual = svr_dual(
            y, C=self.C, epsilon=self.epsilon, complementarity=self.complementarity_penalty
        )
        solution = self._solve(dual, X, self._rng())
        loss = _training_mse(dual, solution.tolerances.resolution, self.epsilon)
        combined, intercept = self._combine(
            dual, solution, loss, ("QSVR's solution", "the combined QSVR solution")
        )
        alpha, star = split_svr_coefficients(combined.average)
        self._set_model(X, alpha - star, intercept)
        self._set_solutions([solution], [combined])
        return self

    def _set_model(self, X, beta, intercept: float) -> None:
        support = np.flatnonzero(beta)
        self._n_train = X.shape[0]
        self.support_ = support.astype(np.int32)
        self.support_vectors_ = (
            np.empty((0, 0)) if self.kernel == "precomputed" else X[support].copy()
        )
        self.dual_coef_ = beta[support][None, :]
        self.intercept_ = np.array([intercept])
        self.n_support_ = np.array([support.size], dtype=np.int32)

    def predict(self, X):
        """Predict targets: ``sum_n dual_coef_n k(x_n, x) + intercept``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points, or their Gram matrix against the training points for
            ``kernel="precomputed"``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        if self.support_.size == 0:
            return np.full(X.shape[0], self.intercept_[0])
        return self._in_blocks(X, lambda K: K @ self.dual_coef_[0] + self.intercept_[0])


def _training_mse(dual: Dual, resolution: float, epsilon: float):
    """Each solution's training mean squared error from its gradient, for ``combine="fit"``.

    For ``alpha_n`` the gradient is ``G_n = f_n - b + epsilon - y_n``, so the
    residual ``y_n - f_n`` is ``epsilon - G_n - b``: no kernel evaluation.
    """

    def loss(rows, gradients):
        intercepts, _ = dual.intercept(rows, gradients, resolution)
        residuals = epsilon - gradients[:, : rows.shape[1] // 2] - intercepts[:, None]
        return (residuals**2).mean(axis=1)

    return loss
