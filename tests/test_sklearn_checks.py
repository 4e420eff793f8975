"""scikit-learn's estimator checks on every estimator: all pass, none is expected to fail.

The quantum-kernel QSVC once needed an exception for check_classifiers_train
(unscaled blobs span many periods of the feature map); its data-driven
bandwidth="scale" now adapts to the data's spread, and it passes.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from qml import QSVC, QSVR, PartitionEnsembleClassifier, PartitionEnsembleRegressor

# Small, fast solver settings: the checks fit a few hundred times. Three
# refinement rounds exercise the warm-started path; exactness is tested elsewhere.
FAST = {
    "num_reads": 10,
    "max_iter": 3,
    "backend_options": {"num_sweeps": 200},
    "random_state": 0,
}


@parametrize_with_checks(
    [
        QSVR(**FAST),
        QSVC(**FAST),
        QSVR(kernel="quantum", reps=1, **FAST),
        QSVC(kernel="quantum", reps=1, **FAST),
        PartitionEnsembleRegressor(QSVR(**FAST), subset_size=40, random_state=0),
        PartitionEnsembleClassifier(QSVC(**FAST), subset_size=40, random_state=0),
    ],
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
