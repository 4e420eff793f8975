"""The Optuna pruner and the Ray Tune scheduler, with the libraries themselves.

Optuna studies run in-process and, for shared storages, in 4 processes on
one journal file; Ray Tune runs on a real local Ray cluster (a head and a
worker started with ``ray start``) and from the job script ``hqml slurm
ray`` writes, on the local Slurm.
"""

import importlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError
from test_early_stopping import saturating_curves

from early_stopping import CurvePredictor, CurveRule, ordered_curve

optuna = pytest.importorskip("optuna", reason="the hpo extra (optuna) is not installed")

ROOT = Path(__file__).resolve().parents[1]


def _objective(curves, pruned_at=None):
    """A replayed objective: trial i reports curve i epoch by epoch, pruning when told."""

    def objective(trial):
        curve = curves[trial.number % len(curves)]
        for epoch, value in enumerate(curve, start=1):
            trial.report(float(value), epoch)
            if trial.should_prune():
                if pruned_at is not None:
                    pruned_at[trial.number] = epoch
                raise optuna.TrialPruned()
        return float(curve[-1])

    return objective


class _CountingPruner(optuna.pruners.BasePruner):
    def __init__(self):
        self.calls = 0

    def prune(self, study, trial):
        self.calls += 1
        return False


def test_the_pruner_defers_to_its_base_until_enough_trials_finished_then_prunes_the_weak():
    from early_stopping import CurvePruner

    curves = saturating_curves(60, 12, seed=3)
    base = _CountingPruner()
    pruner = CurvePruner(12, CurvePredictor("ridge", min_curves=10), base_pruner=base)
    study = optuna.create_study(direction="maximize", pruner=pruner)
    pruned_at = {}
    study.optimize(_objective(curves, pruned_at), n_trials=60)
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert base.calls >= 10 * 12 and all(n >= 10 for n in pruned_at)
    assert pruned_at, "no trial was pruned"
    # every pruned trial's final value is below the 25th percentile of those finished before it
    for number in pruned_at:
        finished = [curves[t.number, -1] for t in complete if t.number < number]
        assert curves[number, -1] < np.percentile(finished, 50)
    best = max(complete, key=lambda t: t.value).number
    assert curves[best, -1] >= np.sort(curves[:, -1])[-3]


def test_minimising_a_loss_prunes_the_same_trials_as_maximising_the_accuracy():
    from early_stopping import CurvePruner

    curves = saturating_curves(40, 10, seed=8)
    decisions = {}
    for direction, values in (("maximize", curves), ("minimize", 1.0 - curves)):
        pruned = {}
        pruner = CurvePruner(10, CurvePredictor("ridge", min_curves=8), min_step=3)
        study = optuna.create_study(direction=direction, pruner=pruner)
        study.optimize(_objective(values, pruned), n_trials=40)
        decisions[direction] = pruned
    assert decisions["maximize"] == decisions["minimize"] and decisions["maximize"]


def test_a_step_reported_twice_or_after_pruning_does_not_corrupt_the_predictor():
    from early_stopping import CurvePruner

    curves = saturating_curves(30, 8, seed=9)
    pruner = CurvePruner(8, CurvePredictor("ridge", min_curves=6))
    study = optuna.create_study(direction="maximize", pruner=pruner)

    def objective(trial):
        curve = curves[trial.number]
        for epoch, value in enumerate(curve, start=1):
            trial.report(float(value), epoch)
            with pytest.warns(UserWarning, match="already reported"):
                trial.report(0.0, epoch)  # ignored by Optuna: the first report stands
            if trial.should_prune():
                raise optuna.TrialPruned()
        return float(curve[-1])

    study.optimize(objective, n_trials=30)
    rule = pruner._rules[study.study_name]
    learned = rule.predictor.training_set(8)
    complete = [t.number for t in study.trials if t.state.name == "COMPLETE"]
    assert np.allclose(np.sort(learned[:, -1]), np.sort(curves[complete, -1]))


def test_the_pruner_refuses_bad_parameters():
    from early_stopping import CurvePruner

    with pytest.raises(InvalidParameterError, match=r"'percentile' parameter of CurvePruner"):
        CurvePruner(10, percentile=0)
    with pytest.raises(InvalidParameterError, match=r"'max_resource' parameter of CurvePruner"):
        CurvePruner(0)


def test_a_missing_extra_is_named(monkeypatch):
    import early_stopping

    for module, extra in (("optuna", "optuna_pruner"), ("ray", "ray_scheduler")):
        # the package and every submodule already imported (ray.tune.schedulers, ...)
        for name in [m for m in sys.modules if m == module or m.startswith(f"{module}.")]:
            monkeypatch.setitem(sys.modules, name, None)
        monkeypatch.delitem(sys.modules, f"early_stopping.{extra}", raising=False)
        with pytest.raises(ImportError, match=r"pip install 'hqml\[hpo\]'"):
            importlib.import_module(f"early_stopping.{extra}")
    monkeypatch.undo()
    assert early_stopping.CurvePruner.__name__ == "CurvePruner"


@pytest.mark.slow
def test_a_200_trial_study_in_4_processes_on_one_journal_file_loses_no_trial(tmp_path):
    """4 processes x 50 trials, one JournalFileBackend: 200 trials, none lost.

    The predictor is ridge: what is tested is the storage, which every model
    reads the same way (QSVR's decisions are tested against SVR's elsewhere).
    """
    storage = tmp_path / "journal.log"
    script = textwrap.dedent(f"""
        import sys, numpy as np, optuna
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend
        sys.path.insert(0, {str(ROOT / "tests")!r})
        from test_early_stopping import saturating_curves
        from early_stopping import CurvePredictor, CurvePruner
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        curves = saturating_curves(400, 10, seed=11)
        storage = JournalStorage(JournalFileBackend({str(storage)!r}))
        pruner = CurvePruner(10, CurvePredictor("ridge", min_curves=15))
        study = optuna.load_study(study_name="shared", storage=storage, pruner=pruner)
        def objective(trial):
            run = trial.suggest_int("run", 0, 399)
            for epoch, value in enumerate(curves[run], start=1):
                trial.report(float(value), epoch)
                if trial.should_prune():
                    raise optuna.TrialPruned()
            return float(curves[run, -1])
        study.optimize(objective, n_trials=50)
    """)
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    shared = JournalStorage(JournalFileBackend(str(storage)))
    optuna.create_study(study_name="shared", storage=shared, direction="maximize")
    workers = [
        subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    errors = [w.communicate(timeout=600)[1] for w in workers]
    assert [w.returncode for w in workers] == [0] * 4, errors
    trials = optuna.load_study(study_name="shared", storage=shared).trials
    states = {t.state.name for t in trials}
    assert len(trials) == 200 and len({t.number for t in trials}) == 200
    assert states <= {"COMPLETE", "PRUNED"} and "PRUNED" in states


# ---------------------------------------------------------------- Ray Tune
ray = pytest.importorskip("ray", reason="the hpo extra (ray[tune]) is not installed")


class _Trial:
    def __init__(self, trial_id):
        self.trial_id = trial_id


def test_the_scheduler_ignores_reports_after_a_stop_and_duplicate_steps():
    from ray.tune.schedulers import TrialScheduler

    from early_stopping import CurveScheduler

    curves = saturating_curves(30, 8, seed=12)
    scheduler = CurveScheduler(8, metric="acc", mode="max",
                               predictor=CurvePredictor("ridge", min_curves=10))  # fmt: skip
    for i in range(10):  # finished trials, each step reported twice (the second replaces)
        trial = _Trial(f"done{i}")
        for epoch, value in enumerate(curves[i], start=1):
            scheduler.on_trial_result(None, trial, {"acc": 0.0, "training_iteration": epoch})
            scheduler.on_trial_result(None, trial, {"acc": value, "training_iteration": epoch})
        scheduler.on_trial_complete(None, trial, {"acc": curves[i, -1], "training_iteration": 8})
    assert np.allclose(scheduler.rule.predictor.training_set(8), curves[:10])
    weakest = _Trial("weak")
    weak = curves[10:][np.argmin(curves[10:, -1])]
    decision = [
        scheduler.on_trial_result(None, weakest, {"acc": v, "training_iteration": e})
        for e, v in enumerate(weak[:4], start=1)
    ]
    assert decision[-1] == TrialScheduler.STOP and "weak" in scheduler.stopped
    late = scheduler.on_trial_result(None, weakest, {"acc": 1.0, "training_iteration": 5})
    assert late == TrialScheduler.STOP
    scheduler.on_trial_complete(None, weakest, {"acc": 1.0, "training_iteration": 8})
    assert scheduler.rule.predictor.n_curves == 10


def test_the_scheduler_takes_the_tuners_metric_and_mode():
    from early_stopping import CurveScheduler

    scheduler = CurveScheduler(8, predictor=CurvePredictor("ridge"))
    assert scheduler.set_search_properties("loss", "min")
    assert scheduler.rule.sign == -1.0
    fixed = CurveScheduler(8, metric="acc", mode="max", predictor=CurvePredictor("ridge"))
    assert not fixed.set_search_properties("loss", "min")
    with pytest.raises(InvalidParameterError, match="'max_t' parameter of CurveScheduler"):
        CurveScheduler(0)


def test_ordered_curves_need_consecutive_finite_steps():
    assert ordered_curve({2: 0.2, 1: 0.1, 3: 0.3}).tolist() == [0.1, 0.2, 0.3]
    assert ordered_curve({1: 0.1, 3: 0.3}) is None
    assert ordered_curve({1: float("nan")}) is None
    with pytest.raises(ValueError, match="direction must be"):
        CurveRule(CurvePredictor("ridge"), max_resource=5, percentile=25, direction="up")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ray(*args, env=None):
    ray_bin = Path(sys.executable).with_name("ray")
    return subprocess.run([str(ray_bin), *args], capture_output=True, text=True, env=env,
                          timeout=120)  # fmt: skip


@pytest.mark.slow
def test_the_scheduler_runs_on_a_real_local_ray_cluster(tmp_path):
    """A head (no CPUs: it schedules) and a worker process, started with ``ray start``.

    Where the local Slurm can start, the Slurm test below starts the same
    cluster (head and worker) from the job script and runs the same search on
    it, so this one runs only where Slurm cannot: the suite pays for one Ray
    cluster, not two.
    """
    import slurm_cluster

    if slurm_cluster.unavailable_reason() is None:
        pytest.skip("the Ray job on the local Slurm starts this cluster and runs this search")
    # Ray's socket paths must fit AF_UNIX's 107 bytes: a short folder, not pytest's tmp_path
    port, temp = _free_port(), Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    head = _ray("start", "--head", f"--port={port}", "--num-cpus=0", "--include-dashboard=false",
                f"--temp-dir={temp}", "--object-store-memory=100000000", env=env)  # fmt: skip
    assert head.returncode == 0, head.stderr
    try:
        worker = _ray("start", f"--address=127.0.0.1:{port}", "--num-cpus=2",
                      "--object-store-memory=100000000", env=env)  # fmt: skip
        assert worker.returncode == 0, worker.stderr
        out = tmp_path / "search.json"
        search = subprocess.run(
            [sys.executable, "-m", "experiments.ray_search", "--curves", "mnist1d", "--trials",
             "10", "--predictor", "ridge", "--min-curves", "4", "--address", f"127.0.0.1:{port}",
             "--output", str(out)],
            capture_output=True, text=True, timeout=600, cwd=ROOT, env=env,
        )  # fmt: skip
        assert search.returncode == 0, search.stderr[-3000:]
    finally:
        _ray("stop", "--force", env=env)
        shutil.rmtree(temp, ignore_errors=True)
    summary = json.loads(out.read_text())
    assert summary["nodes"] == 2 and summary["trials"] == 10 and summary["errors"] == 0
    assert summary["stopped"] > 0 and summary["epochs"] < summary["full_epochs"]


@pytest.mark.slow
def test_the_ray_job_script_runs_a_search_on_the_local_slurm(local_slurm, tmp_path):
    from experiments.cli import main

    out, script = tmp_path / "search.json", tmp_path / "ray job.sh"
    environment = str(Path(sys.executable).parents[1])
    assert main([
        "slurm", "ray", "--system", "local", "--script", str(script), "--time", "00:10:00",
        "--env", environment, "--log", str(tmp_path / "ray-%j.out"), "--port", str(_free_port()),
        "--", "python", "-m", "experiments.ray_search", "--curves", "mnist1d", "--trials", "10",
        "--predictor", "ridge", "--min-curves", "4", "--output", str(out),
    ]) == 0  # fmt: skip
    started = time.time()
    job = subprocess.run(["sbatch", "--wait", "--chdir", str(ROOT), str(script)],
                         capture_output=True, text=True, timeout=900)  # fmt: skip
    logs = "".join(p.read_text() for p in tmp_path.glob("ray-*.out"))
    assert job.returncode == 0, logs[-4000:]
    summary = json.loads(out.read_text())
    assert summary["nodes"] == 2 and summary["trials"] == 10 and summary["errors"] == 0
    assert summary["stopped"] > 0 and summary["epochs"] < summary["full_epochs"]
    print(f"Ray search on Slurm: {time.time() - started:.0f} s")
    shutil.rmtree(tmp_path / "ray_results", ignore_errors=True)


def test_the_ray_job_script_refuses_hostile_values_and_foreign_files(tmp_path, capsys):
    from experiments.cli import main

    foreign = tmp_path / "job.sh"
    foreign.write_text("#!/bin/bash\necho mine\n")
    base = ["slurm", "ray", "--system", "local"]
    assert main([*base, "--script", str(foreign), "--", "python", "s.py"]) == 2
    assert "not a script `hqml slurm ray` generated" in capsys.readouterr().err
    assert foreign.read_text() == "#!/bin/bash\necho mine\n"
    ours = tmp_path / "ours.sh"
    assert main([*base, "--script", str(ours), "--time", "1;reboot", "--", "python"]) == 2
    assert "time must be a Slurm time" in capsys.readouterr().err and not ours.exists()
    assert main([*base, "--script", str(ours), "--env", "$(reboot)", "--", "python"]) == 2
    assert "environment must be a path" in capsys.readouterr().err
    assert main([*base, "--script", str(ours), "--", "python", "x; reboot", "$(id)"]) == 0
    text = ours.read_text()
    assert "python 'x; reboot' '$(id)'" in text
    assert main([*base, "--script", str(ours), "--nodes", "2", "--", "python", "y"]) == 0
    assert "#SBATCH --nodes=2" in ours.read_text()  # its own script is replaced
    assert main([*base, "--script", str(tmp_path / "e.sh")]) == 2
    assert "search command is empty" in capsys.readouterr().err


def test_the_pruner_cost_benchmark_times_every_storage_side_by_side(capsys):
    from experiments.benchmarks import pruner_cost

    assert pruner_cost.main(["--curves", "mnist1d", "--finished", "12", "--decisions", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split() for line in lines[2:]]
    assert [(r[0], r[-1]) for r in rows if r[1] == "hqml"] == [
        ("memory", "8"), ("memory", "8"), ("sqlite", "8"), ("sqlite", "8"),
        ("journal", "8"), ("journal", "8"),
    ]  # fmt: skip  # 2 trials x 4 decision steps (2, 4, 8, 16 of 27)
    assert sum(r[1] == "Optuna" for r in rows) == 3
