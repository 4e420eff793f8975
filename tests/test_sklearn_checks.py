"""scikit-learn's estimator checks on every estimator: all pass, none is expected to fail."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from qml import QSVC, QSVR, PartitionEnsembleClassifier, PartitionEnsembleRegressor

# Small, fast solver settings: the checks fit a few hundred times.
FAST = {"num_reads": 10, "backend_options": {"num_sweeps": 200}, "random_state": 0}


@parametrize_with_checks(
    [
        QSVR(**FAST),
        QSVC(**FAST),
        PartitionEnsembleRegressor(QSVR(**FAST), subset_size=40, random_state=0),
        PartitionEnsembleClassifier(QSVC(**FAST), subset_size=40, random_state=0),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
