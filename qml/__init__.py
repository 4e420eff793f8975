"""Scikit-learn estimators trained by QUBO solvers: QSVR and QSVC."""

from qml._base import BackendFallbackWarning, NoFreeSupportVectorWarning
from qml._versions import HQML_VERSION, HqmlVersionWarning
from qml.ensemble import PartitionEnsembleClassifier, PartitionEnsembleRegressor
from qml.svc import QSVC
from qml.svr import QSVR

__all__ = [
    "QSVC",
    "QSVR",
    "HQML_VERSION",
    "BackendFallbackWarning",
    "HqmlVersionWarning",
    "NoFreeSupportVectorWarning",
    "PartitionEnsembleClassifier",
    "PartitionEnsembleRegressor",
]
