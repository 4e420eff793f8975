"""One settings type for a QSVR experiment: ``hqml bench``, the Slurm grid and ``hqml regression``.

Its defaults are QSVR's own, read from the estimator rather than copied,
so that a benchmark runs what a user gets from ``QSVR()``. It builds the
estimator; every experiment that varies a setting does so with
:meth:`QSVRSettings.replace`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from qml import QSVR

_DEFAULTS = QSVR().get_params()


@dataclass(frozen=True)
class QSVRSettings:
    """The QSVR hyperparameters an experiment sets (the rest keep QSVR's defaults).

    Examples
    --------
    >>> settings = QSVRSettings(C=10.0).replace(n_bits=3)
    >>> settings.estimator(backend="sa", random_state=0).get_params()["n_bits"]
    3
    """

    C: float = _DEFAULTS["C"]
    epsilon: float = _DEFAULTS["epsilon"]
    gamma: float | str = _DEFAULTS["gamma"]
    n_bits: int = _DEFAULTS["n_bits"]
    base: float = _DEFAULTS["base"]
    penalty: float = _DEFAULTS["penalty"]
    num_reads: int = _DEFAULTS["num_reads"]
    combine: str = _DEFAULTS["combine"]
    top_k: int = _DEFAULTS["top_k"]
    max_iter: int = _DEFAULTS["max_iter"]
    tol: float = _DEFAULTS["tol"]
    polish: bool = _DEFAULTS["polish"]

    @classmethod
    def fields(cls) -> tuple[str, ...]:
        """The names of the settings, in order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    def replace(self, **changes) -> QSVRSettings:
        """A copy with some settings changed."""
        return dataclasses.replace(self, **changes)

    def estimator(self, *, backend: str = "sa", random_state: int | None = None) -> QSVR:
        """The QSVR these settings describe, on ``backend``."""
        return QSVR(**dataclasses.asdict(self), backend=backend, random_state=random_state)

    def problems(self, backend: str = "sa") -> list[str]:
        """What scikit-learn's parameter validation finds wrong with these settings."""
        from sklearn.utils._param_validation import InvalidParameterError

        try:
            self.estimator(backend=backend)._validate_params()
        except InvalidParameterError as error:
            return [str(error)]
        return []
