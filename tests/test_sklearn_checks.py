"""scikit-learn's estimator checks on every estimator: all pass, none is expected to fail.

The quantum-kernel QSVC once needed an exception for check_classifiers_train
(unscaled blobs span many periods of the feature map); its data-driven
bandwidth="scale" now adapts to the data's spread, and it passes.
"""

from conftest import FAST
from sklearn.utils.estimator_checks import parametrize_with_checks

from qml import QSVC, QSVR, PartitionEnsembleClassifier, PartitionEnsembleRegressor

# The checks fit a few hundred times: the shared fast settings, and three
# refinement rounds to exercise the warm-started path.
CHECKED = {**FAST, "max_iter": 3}


@parametrize_with_checks(
    [
        QSVR(**CHECKED),
        QSVC(**CHECKED),
        QSVR(kernel="quantum", reps=1, **CHECKED),
        QSVC(kernel="quantum", reps=1, **CHECKED),
        PartitionEnsembleRegressor(QSVR(**CHECKED), subset_size=40, random_state=0),
        PartitionEnsembleClassifier(QSVC(**CHECKED), subset_size=40, random_state=0),
    ],
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
