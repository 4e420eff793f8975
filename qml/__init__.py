"""Scikit-learn estimators trained by QUBO solvers: QSVR and QSVC."""

from qml._base import NoFreeSupportVectorWarning
from qml.svc import QSVC
from qml.svr import QSVR

__all__ = ["QSVC", "QSVR", "NoFreeSupportVectorWarning"]
