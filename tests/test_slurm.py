"""Slurm batch jobs: scripts, profiles, bad input; a real local Slurm where one can start."""

import json
import subprocess
import time
from pathlib import Path

import pytest
from conftest import RESULT_SET_FILES

from experiments.cli import main
from experiments.slurm import jobs
from experiments.slurm.experiment import ExperimentError, load_experiment
from experiments.slurm.profiles import ProfileError, available_systems, load_profile

SECRET = "hqml-slurm-secret-token"

MINI = """
name = "mini"
[grid]
fractions = [0.5]
train_sizes = [10]
splits = 10
backends = ["sa", "mock-qpu"]
n_bits = [3]
[model]
num_reads = 10
[slurm]
time = "00:05:00"
mem = "500M"
"""


@pytest.fixture
def experiment_file(tmp_path):
    path = tmp_path / "mini.toml"
    path.write_text(MINI)
    return path


def test_shipped_profiles_follow_lamec_defaults():
    assert {"juwels-cluster", "juwels-booster", "jureca-dc", "deep", "local"} <= set(
        available_systems()
    )
    booster = load_profile("juwels-booster")
    assert booster.gpus_by_partition["booster"] == 4
    assert booster.cpus_per_task("booster") == 48 // 4
    assert load_profile("jureca-dc").cpus_per_task("dc-gpu") == 128 // 4
    block = booster.module_block("hqml")
    assert block.startswith("# MODULES BEGIN juwels-booster hqml\n")
    assert block.endswith("# MODULES END")
    assert "module load Stages/2025" in block
    for name in available_systems():
        profile = load_profile(name)
        assert {"cluster", "quantum"} <= set(profile.partitions)


def test_user_profiles_are_found(tmp_path, monkeypatch):
    (tmp_path / "mysite.toml").write_text(
        'name = "mysite"\ncores_per_node = 8\n[partitions]\ncluster = "cpu"\nquantum = "qpu"\n'
    )
    monkeypatch.setenv("HQML_SLURM_PROFILES", str(tmp_path))
    assert load_profile("mysite").partition("quantum") == "qpu"


def test_generated_scripts(experiment_file, tmp_path, monkeypatch):
    monkeypatch.setenv("DWAVE_API_TOKEN", SECRET)
    run = tmp_path / "run"
    assert main(["slurm", "generate", str(experiment_file), "--system", "juwels-booster",
                 "--run-dir", str(run), "--env", "/p/venv"]) == 0  # fmt: skip
    cluster = (run / "job-cluster.sh").read_text()
    quantum = (run / "job-quantum.sh").read_text()
    assert "#SBATCH --partition=batch" in cluster and "#SBATCH --array=0-9" in cluster
    assert "#SBATCH --account=<your-project>" in cluster
    assert "# MODULES BEGIN juwels-booster hqml" in cluster and "# MODULES END" in cluster
    assert 'source "/p/venv/bin/activate"' in cluster
    assert "slurm run-task" in quantum and "tasks-quantum.txt" in quantum
    tasks = json.loads((run / "tasks.json").read_text())
    quantum_ids = [int(i) for i in (run / "tasks-quantum.txt").read_text().split()]
    assert {tasks[i]["backend"] for i in quantum_ids} == {"mock-qpu"}
    assert len(tasks) == 20
    assert "slurm collect" in (run / "aggregate.sh").read_text()
    for path in run.rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = 'x'\n[grid\n", r"is not valid TOML"),
        ("name = 'x'\n[grid]\nfractions = [1.5]\n", r"grid.fractions must lie in \(0, 1\)"),
        (
            "name = 'x'\n[grid]\nbackends = ['annealer']\n",
            r"grid.backends \['annealer'\] are unknown",
        ),
        ("name = 'x'\n[grid]\nsplits = 0\n", r"grid.splits must be a positive integer"),
        ("name = 'x'\n[grid]\nbits = [3]\n", r"unknown key\(s\) \['bits'\] in \[grid\]"),
        ("name = 'x'\ncolour = 1\n", r"unknown key\(s\) \['colour'\]"),
        ("name = 'a b'\n", r"name must be a word"),
    ],
)
def test_malformed_experiments(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ExperimentError, match=message):
        load_experiment(path)


def _no_submission(run: Path) -> None:
    assert not (run / "jobs.json").exists()


def test_bad_input_submits_nothing(experiment_file, tmp_path, capsys, monkeypatch):
    run = tmp_path / "run"
    assert main(["slurm", "generate", str(experiment_file), "--system", "jupiter",
                 "--run-dir", str(run)]) == 2  # fmt: skip
    assert "unknown system 'jupiter'" in capsys.readouterr().err
    assert not run.exists()
    with pytest.raises(ProfileError, match=r"unknown system"):
        load_profile("nowhere")
    experiment_file.write_text(MINI.replace('mem = "500M"', 'mem = "500M"\npartition = "gpu"'))
    assert main(["slurm", "generate", str(experiment_file), "--system", "local",
                 "--run-dir", str(run)]) == 2  # fmt: skip
    assert "partition 'gpu' is not part of system 'local'" in capsys.readouterr().err
    assert not run.exists()
    experiment_file.write_text(MINI)
    assert main(["slurm", "generate", str(experiment_file), "--system", "local",
                 "--run-dir", str(run)]) == 0  # fmt: skip
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert main(["slurm", "submit", str(run)]) == 2
    assert "`sbatch` was not found on PATH" in capsys.readouterr().err
    _no_submission(run)


def test_a_run_directory_never_mixes_experiments(experiment_file, tmp_path):
    run = tmp_path / "run"
    jobs.generate(load_experiment(experiment_file), load_profile("local"), run)
    experiment_file.write_text(MINI.replace("splits = 10", "splits = 3"))
    with pytest.raises(ValueError, match=r"already holds a different experiment"):
        jobs.generate(load_experiment(experiment_file), load_profile("local"), run)


def test_tasks_skip_finished_work_and_collect_lists_missing(experiment_file, tmp_path):
    from experiments.slurm.tasks import collect, run_task

    run = tmp_path / "run"
    jobs.generate(load_experiment(experiment_file), load_profile("local"), run)
    first = run_task(run, 0)
    content = first.read_bytes()
    assert run_task(run, 0) is None  # already done
    assert first.read_bytes() == content
    run_task(run, 10)
    outcome = collect(run)
    assert outcome["finished"] == 2
    assert outcome["missing"] == [i for i in range(20) if i not in (0, 10)]
    payload = json.loads((run / "collected" / "results.json").read_text())
    assert payload["missing"] == outcome["missing"]
    # one result-set writer: the same files as `hqml bench` writes
    assert sorted(p.name for p in (run / "collected").iterdir()) == RESULT_SET_FILES
    # --output into a user's folder: hqml adds its files and deletes none of theirs
    project = tmp_path / "myproject"
    (project / "src").mkdir(parents=True)
    (project / "thesis.tex").write_text("chapter one")
    (project / "src" / "main.py").write_text("print(1)")
    collect(run, project)
    assert (project / "thesis.tex").read_text() == "chapter one"
    assert (project / "src" / "main.py").read_text() == "print(1)"
    assert sorted(p.name for p in project.iterdir()) == sorted(
        [*RESULT_SET_FILES, "src", "thesis.tex"]
    )


# ------------------------------------------------------------ real local Slurm
def _wait_for_queue(run: Path, timeout: float = 240) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not jobs.status(run)["queue"]:
            return
        time.sleep(1)
    raise AssertionError(f"jobs of {run} still queued after {timeout} s")


@pytest.mark.slow
def test_array_cancel_resubmit_and_aggregate_on_a_real_slurm(
    local_slurm, experiment_file, tmp_path, capsys
):
    run = tmp_path / "run%u%j"  # Slurm expands % in --output: hqml escapes it
    start = time.time()
    assert main(["slurm", "generate", str(experiment_file), "--system", "local",
                 "--run-dir", str(run)]) == 0  # fmt: skip
    assert main(["slurm", "submit", str(run)]) == 0
    submitted = json.loads((run / "jobs.json").read_text())
    cluster_job = next(e["job"] for e in submitted if e["part"] == "cluster")
    subprocess.run(["scancel", f"{cluster_job}_9"], check=True)  # never finishes
    cancelled = int((run / "tasks-cluster.txt").read_text().split()[9])
    _wait_for_queue(run)
    elapsed = time.time() - start
    assert main(["slurm", "collect", str(run)]) == 3
    out = capsys.readouterr().out
    assert f"MISSING tasks (1): [{cancelled}]" in out
    finished = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (run / "results").iterdir()}
    assert len(finished) == 19
    assert main(["slurm", "resubmit", str(run), "--failed"]) == 0
    assert "resubmitted cluster" in capsys.readouterr().out
    _wait_for_queue(run)
    assert main(["slurm", "collect", str(run)]) == 0
    out = capsys.readouterr().out
    assert "20 tasks finished" in out and "QSVR (mock-qpu)" in out and "QSVR (sa)" in out
    for name, (content, mtime) in finished.items():  # the cancelled task cost nothing else
        path = run / "results" / name
        assert path.read_bytes() == content and path.stat().st_mtime_ns == mtime
    assert (run / "collected" / "r2_by_method.png").is_file()
    logs = sorted(p.name for p in (run / "logs").iterdir())
    assert any(name.startswith("hqml-mini-quantum") for name in logs)
    print(f"20-task array completed and aggregated in {elapsed:.0f} s")
    assert elapsed < 120
