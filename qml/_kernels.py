"""One resolver from the estimators' kernel parameters to the fitted ``kernel_`` callable.

Every kind of kernel a user may give (a scikit-learn name, a callable,
``"precomputed"``, ``"quantum"``) becomes one callable ``kernel_(X, Y)``
returning the Gram matrix of shape ``(len(X), len(Y))``, fixed at fit time
(``gamma="scale"`` and the quantum bandwidth ``"scale"`` read the training
data once), so that fit and predict cannot disagree on it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import issparse
from sklearn.base import clone
from sklearn.metrics.pairwise import pairwise_kernels

from backends import check_memory
from training import TrainingData

KERNELS = ("linear", "poly", "rbf", "sigmoid", "precomputed")


def resolve_gamma(gamma: str | float, X: NDArray[np.float64]) -> float:
    """``"scale"`` and ``"auto"`` as in scikit-learn's SVC; a float passes through."""
    if gamma == "scale":
        variance = X.var() if X.size else 0.0
        return 1.0 / (X.shape[1] * variance) if variance > 0 else 1.0
    if gamma == "auto":
        return 1.0 / X.shape[1]
    return float(gamma)


@dataclass(frozen=True)
class PairwiseKernel:
    """A scikit-learn kernel by name, its parameters resolved.

    The RBF kernel is scikit-learn's ``exp(-gamma * ||x - y||**2)``, with the
    square that some public QSVR scripts dropped.
    """

    metric: str
    gamma: float
    degree: int
    coef0: float

    def __call__(self, X: NDArray[np.float64], Y: NDArray[np.float64]) -> NDArray[np.float64]:
        return pairwise_kernels(
            X,
            Y,
            metric=self.metric,
            filter_params=True,
            gamma=self.gamma,
            degree=self.degree,
            coef0=self.coef0,
        )


@dataclass(frozen=True)
class CallableKernel:
    """A user's kernel function ``k(X, Y)``, its result read as a float matrix."""

    function: Callable

    def __call__(self, X: NDArray[np.float64], Y: NDArray[np.float64]) -> NDArray[np.float64]:
        gram = self.function(X, Y)
        if issparse(gram):  # scikit-learn's SVR takes a sparse Gram block too
            gram = gram.toarray()
        return np.asarray(gram, dtype=float)


@dataclass(frozen=True)
class PrecomputedKernel:
    """``kernel="precomputed"``: the rows given are already the Gram matrix against ``Y``."""

    def __call__(self, X: NDArray[np.float64], Y=None) -> NDArray[np.float64]:
        return np.asarray(X, dtype=float)


#: Training Gram matrices up to this size get their eigenvalues checked (0.2 s at 1,000).
_EIGEN_CHECK_LIMIT = 3000


class NonPSDKernelWarning(UserWarning):
    """A precomputed Gram matrix has negative eigenvalues: the dual is not convex."""


def check_training_gram(K: NDArray[np.float64]) -> None:
    """A square, real, symmetric training Gram matrix; warn where it is not PSD."""
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(
            f"kernel='precomputed' expects a square training Gram matrix; got shape {K.shape}"
        )
    scale = float(np.abs(K).max(initial=0.0))
    asymmetry = float(np.abs(K - K.T).max(initial=0.0))
    if asymmetry > 1e-8 * max(scale, 1e-300):
        raise ValueError(
            f"kernel='precomputed' expects a symmetric Gram matrix; K - K.T reaches {asymmetry:.3g}"
        )
    if K.shape[0] <= _EIGEN_CHECK_LIMIT:
        smallest = float(np.linalg.eigvalsh(K)[0])
        if smallest < -1e-8 * max(scale, 1e-300) * K.shape[0]:
            warnings.warn(
                f"the precomputed Gram matrix has a negative eigenvalue ({smallest:.3g}): the "
                "dual is then not convex, and neither libsvm's optimum nor hqml's certificate "
                "of it is guaranteed. Use a positive semi-definite kernel, or repair it "
                "(backends.kernels.quantum.make_psd)",
                NonPSDKernelWarning,
                stacklevel=4,
            )


def samples_entries(kernel: Callable) -> bool:
    """Whether the fitted kernel samples its entries (a quantum kernel with ``shots``)."""
    return getattr(getattr(kernel, "function", kernel), "shots", None) is not None


def repaired_data(data: TrainingData, name: str) -> TrainingData:
    """A sampled kernel's training data as its repaired Gram matrix, whatever path reads it.

    Column by column (a decomposed fit) a sampled kernel would be read on
    its noisy cross path, which no column-wise step can make symmetric and
    PSD; so its repaired Gram matrix is formed once, under the memory
    budget, and every path reads that, as a precomputed kernel's.
    """
    n = data.n_points
    check_memory(
        3 * 8 * n * n,
        f"the repaired Gram matrix of a sampled (shots) kernel on {n} points",
        "fewer training points, or an exact kernel (shots=None) whose columns need no repair",
    )
    gram = data.gram_matrix()
    return TrainingData(PrecomputedKernel(), gram, name=name, precomputed=True)


def training_gram(kernel: Callable, X: NDArray[np.float64]) -> NDArray[np.float64]:
    """The Gram matrix a fit trains on, from the kernel's own training path.

    A kernel that samples its entries (a quantum kernel with ``shots``)
    gives a noisy, asymmetric, indefinite matrix for ``kernel(X, X)``; its
    training path ``kernel(X)`` mitigates it and repairs it to the nearest
    symmetric PSD matrix, once, before any solver sees it. Every other
    kernel's ``kernel(X, X)`` is its Gram matrix as it is.
    """
    function = getattr(kernel, "function", kernel)
    if getattr(function, "shots", None) is not None:
        return np.asarray(function(X), dtype=float)
    return kernel(X, X)


def needs_symmetry_check(kernel: Callable) -> bool:
    """Whether the fitted kernel is a user's callable whose symmetry nothing guarantees.

    A sampled quantum kernel (``shots``) is noisy by nature: its training
    Gram is repaired (:func:`training_gram`), not refused.
    """
    return isinstance(kernel, CallableKernel) and not samples_entries(kernel)


def resolve_kernel(
    kernel: str | Callable,
    X: NDArray[np.float64],
    y: NDArray | None = None,
    *,
    gamma: str | float,
    degree: int,
    coef0: float,
    quantum: Callable[[NDArray[np.float64], str], Callable] | None = None,
) -> Callable[[NDArray[np.float64], NDArray[np.float64]], NDArray[np.float64]]:
    """The fitted kernel callable for training data ``X`` (labels or targets ``y``).

    ``quantum(X, kind)`` builds the fidelity (``kind="quantum"``) or projected
    (``"projected"``) kernel from ``X``; its feature map and bandwidth are the
    estimator's business. A kernel object with a ``fit`` method (a projected
    or trainable kernel) is cloned and fitted on ``(X, y)``: the training
    data only, so a cross-validation's test fold never reaches it.
    """
    if kernel == "precomputed":
        check_training_gram(X)
        return PrecomputedKernel()
    if kernel in ("quantum", "projected"):
        if quantum is None:
            raise ValueError(f"kernel={kernel!r} needs a quantum kernel builder")
        return quantum(X, kernel)
    if callable(kernel) and hasattr(kernel, "fit"):
        return CallableKernel(clone(kernel).fit(X, y))
    if callable(kernel):
        return CallableKernel(kernel)
    return PairwiseKernel(kernel, resolve_gamma(gamma, X), degree, coef0)
