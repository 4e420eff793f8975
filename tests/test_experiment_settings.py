"""One settings type for a QSVR experiment, shared by bench, the Slurm grid and regression."""

import dataclasses

import pytest

from experiments import lc_benchmark as lc
from experiments import regression
from experiments.cli import main
from experiments.settings import QSVRSettings
from experiments.slurm.experiment import Experiment, Grid
from experiments.slurm.tasks import task_settings
from qml import QSVR


def test_defaults_are_qsvrs_own_not_a_copy():
    built = QSVRSettings().estimator(backend="sa", random_state=None).get_params()
    assert built == QSVR().get_params()


def test_every_experiment_builds_its_estimator_from_the_settings():
    assert lc.CurveBenchmark().qsvr == QSVRSettings()
    assert regression.RegressionBenchmark().qsvr == QSVRSettings(gamma=0.1)
    experiment = Experiment(name="x", grid=Grid(n_bits=(3,), penalty=(1.0,), base=(2.0,)))
    task = experiment.tasks()[0]
    qsvr = task_settings(experiment, task).qsvr
    assert (qsvr.n_bits, qsvr.penalty, qsvr.base) == (3, 1.0, 2.0)
    unchanged = {
        f: getattr(qsvr, f) for f in QSVRSettings.fields() if f not in Grid.__annotations__
    }
    assert unchanged == {f: getattr(QSVRSettings(), f) for f in unchanged}


def test_settings_report_invalid_values_in_scikit_learns_words():
    assert QSVRSettings().problems() == []
    [problem] = QSVRSettings(n_bits=0).problems()
    assert "The 'n_bits' parameter of QSVR must be an int in the range [1, inf)" in problem
    with pytest.raises(dataclasses.FrozenInstanceError):
        QSVRSettings().C = 2.0


def test_regression_command_runs_qsvr_against_svr_and_ols(capsys):
    assert main(["regression", "--splits", "1", "--jobs", "1", "--quiet"]) == 0
    table = capsys.readouterr().out
    rows = {line.split()[0]: line for line in table.splitlines()[2:]}
    assert set(rows) == {"QSVR", "SVR", "OLS"}
    # QSVR at SVR's hyperparameters converges to SVR's model: the same R^2 to 2 decimals
    qsvr = [float(x) for x in rows["QSVR"].split()[2::3]]
    svr = [float(x) for x in rows["SVR"].split()[1::3]]
    assert qsvr == pytest.approx(svr, abs=0.01)
