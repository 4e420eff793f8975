"""scikit-learn's estimator checks on QSVR and QSVC: all pass, none is expected to fail."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from qml import QSVC, QSVR

# Small, fast solver settings: the checks fit a few hundred times.
FAST = {"num_reads": 10, "backend_options": {"num_sweeps": 200}, "random_state": 0}


@parametrize_with_checks([QSVR(**FAST), QSVC(**FAST)])
def test_sklearn_compatible(estimator, check):
    check(estimator)
