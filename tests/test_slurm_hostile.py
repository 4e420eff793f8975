"""Hostile values for batch scripts: refused by format, quoted where they reach the shell.

Each case was a working injection before values were checked: the value
reached the generated script unquoted, newlines kept. The last test runs a
generated script with stub ``module`` and ``python`` commands on PATH and
checks that only what hqml meant to run ran.
"""

import os
import re
import stat
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from experiments.cli import main
from experiments.slurm import jobs
from experiments.slurm.experiment import ExperimentError, SlurmOptions, load_experiment
from experiments.slurm.profiles import ProfileError, load_profile
from experiments.slurm.rundir import RunDirectory
from experiments.slurm.scripts import array_script

EXPERIMENT = """
name = "mini"
[grid]
fractions = [0.5]
train_sizes = [10]
splits = 2
[slurm]
{slurm}
"""

PROFILE = """
name = {name}
account = {account}
cores_per_node = 4
environment = {environment}
[partitions]
cluster = {partition}
quantum = "quantum"
[time_limits]
batch = "01:00:00"
[modules]
stage = {stage}
load = {load}
"""

SAFE_PROFILE = {
    "name": '"site"',
    "account": '"proj1"',
    "environment": '""',
    "partition": '"batch"',
    "stage": '""',
    "load": "[]",
}


def _experiment(tmp_path, slurm='time = "00:05:00"\nmem = "500M"'):
    path = tmp_path / "mini.toml"
    path.write_text(EXPERIMENT.format(slurm=slurm))
    return path


def _profile(tmp_path, **values):
    path = tmp_path / "site.toml"
    path.write_text(PROFILE.format(**{**SAFE_PROFILE, **values}))
    return path


@pytest.mark.parametrize(
    ("slurm", "message"),
    [
        ('time = "00:05:00\\ntouch /tmp/x"\nmem = "1G"', r"slurm.time must be a Slurm time"),
        ('time = "$(touch /tmp/x)"\nmem = "1G"', r"slurm.time must be a Slurm time"),
        ('time = "00:05:00"\nmem = "1G\\ntouch /tmp/x"', r"slurm.mem must be a size with a unit"),
        ('time = "00:05:00"\nmem = "5"', r"slurm.mem must be a size with a unit"),
        ('time = "00:05:00"\nmem = "5M"', r"slurm.mem must be at least 64M; got '5M'"),
        ('partition = "batch\\ntouch /tmp/x"', r"slurm.partition must be letters, digits"),
        ("max_parallel = -5", r"slurm.max_parallel must be an integer >= 0; got -5"),
    ],
)
def test_hostile_experiment_values_are_refused(tmp_path, slurm, message):
    with pytest.raises(ExperimentError, match=message):
        load_experiment(_experiment(tmp_path, slurm))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", '"../../etc/evil"', r"name must be letters, digits"),
        ("name", '"site\\ntouch /tmp/x"', r"name must be letters, digits"),
        ("account", '"proj\\ntouch /tmp/x"', r"account must be an account name"),
        ("partition", '"batch; touch /tmp/x"', r"partitions.cluster must be letters"),
        ("stage", '"Stages/2025; touch /tmp/x"', r"modules.stage must be a module name"),
        ("load", '["GCC", "$(touch /tmp/x)"]', r"modules.load must be a module name"),
        ("environment", '"/venv$(touch /tmp/x)"', r"environment must be a path"),
        ("environment", '"/venv\\ntouch /tmp/x"', r"environment must be a path"),
        ("environment", '"/venv`touch /tmp/x`"', r"environment must be a path"),
    ],
)
def test_hostile_profile_values_are_refused(tmp_path, field, value, message):
    with pytest.raises(ProfileError, match=message):
        load_profile(str(_profile(tmp_path, **{field: value})))


def test_hostile_env_option_writes_nothing(tmp_path, capsys):
    run = tmp_path / "run"
    code = main(
        ["slurm", "generate", str(_experiment(tmp_path)), "--system", "local",
         "--run-dir", str(run), "--env", "/x$(touch /tmp/hqml-pwned)"]
    )  # fmt: skip
    assert code == 2
    assert "the environment (--env) must be a path" in capsys.readouterr().err
    assert not run.exists()


def test_a_newline_that_bypassed_loading_still_cannot_reach_the_script(tmp_path):
    experiment = load_experiment(_experiment(tmp_path))
    hostile = replace(experiment, slurm=SlurmOptions(time="00:05:00\ntouch /tmp/x"))
    with pytest.raises(ValueError, match=r"#SBATCH --time must be one line"):
        array_script(
            hostile,
            load_profile("local"),
            part="cluster",
            partition="batch",
            n_tasks=2,
            run=RunDirectory(tmp_path),
            environment="",
        )


def test_same_experiment_regenerates_into_its_own_run_directory(tmp_path):
    experiment = load_experiment(_experiment(tmp_path))
    profile = load_profile("local")
    jobs.generate(experiment, profile, tmp_path / "run", environment="")
    jobs.generate(experiment, profile, tmp_path / "run", environment="")  # no "different"


def _stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/bash\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_generated_script_runs_only_what_hqml_meant(tmp_path):
    """Quoted paths with spaces-free hostile-looking characters, $VAR expansion, stub commands."""
    stubs, marker = tmp_path / "bin", tmp_path / "calls.txt"
    stubs.mkdir()
    _stub(stubs, "python", f'echo "python $*" >> {marker}')
    _stub(stubs, "module", f'echo "module $*" >> {marker}')
    venv = tmp_path / "venvs" / "a+b@c" / "bin"
    venv.mkdir(parents=True)
    (venv / "activate").write_text(f'echo "activated" >> {marker}\n')
    profile = _profile(
        tmp_path,
        environment='"$HQML_TEST_VENVS/a+b@c"',
        stage='"Stages/2025"',
        load='["GCC/12.3.0", "Python"]',
    )
    run = tmp_path / "run%1:~x"
    code = main(
        ["slurm", "generate", str(_experiment(tmp_path)), "--system", str(profile),
         "--run-dir", str(run)]
    )  # fmt: skip
    assert code == 0
    # `module` is a shell function on clusters; a stub on PATH stands in for it here.
    environment = {
        **os.environ,
        "PATH": f"{stubs}:{os.environ['PATH']}",
        "HQML_TEST_VENVS": str(tmp_path / "venvs"),
        "SLURM_ARRAY_TASK_ID": "1",
    }
    done = subprocess.run(
        ["bash", str(run / "job-cluster.sh")], env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    calls = marker.read_text().splitlines()
    assert calls == [
        "module --force purge",
        "module load Stages/2025 GCC/12.3.0 Python",
        "activated",
        f"python -m experiments.cli slurm run-task {run.resolve()} --task 1",
    ]


def test_corrupt_or_foreign_results_are_named_and_redone(tmp_path):
    import json

    from experiments.slurm.tasks import collect, run_task

    experiment = load_experiment(_experiment(tmp_path))
    run = tmp_path / "run"
    jobs.generate(experiment, load_profile("local"), run, environment="")
    assert run_task(run, 0) is not None
    files = RunDirectory(run)
    good = files.result(0).read_text()
    files.result(1).write_text(good[: len(good) // 2])  # a truncated write
    assert files.missing_tasks() == [1]
    assert files.corrupt_results() == [str(files.result(1))]
    outcome = collect(run)
    assert outcome["finished"] == 1 and outcome["missing"] == [1]
    assert outcome["corrupt"] == [str(files.result(1))]
    foreign = json.loads(good)  # task 0's result filed under task 1
    files.result(1).write_text(json.dumps(foreign))
    assert files.missing_tasks() == [1]
    assert run_task(run, 1) is not None  # redone, not "already done"
    assert files.missing_tasks() == [] and files.corrupt_results() == []
    assert json.loads(files.result(1).read_text())["task"]["task"] == 1
    assert run_task(run, 1) is None  # now it is done


GRID = """
name = "mini"
{top}
[grid]
fractions = {fractions}
train_sizes = [10]
splits = {splits}
n_bits = {n_bits}
[model]
{model}
[slurm]
{slurm}
"""


def _grid(tmp_path, top="", fractions="[0.5]", splits="2", n_bits="[2]", model="", slurm=""):
    path = tmp_path / "grid.toml"
    path.write_text(
        GRID.format(
            top=top, fractions=fractions, splits=splits, n_bits=n_bits, model=model, slurm=slurm
        )
    )
    return path


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"model": "C = -1.0"}, r"The 'C' parameter of QSVR must be a float in the range"),
        ({"model": 'combine = "foo"'}, r"The 'combine' parameter of QSVR must be a str among"),
        ({"model": "num_reads = 0"}, r"The 'num_reads' parameter of QSVR must be an int"),
        ({"n_bits": "[true]"}, r"grid.n_bits must be a list of integers; got \[True\]"),
        ({"splits": '"3"'}, r"grid.splits must be an integer; got '3'"),
        ({"fractions": '["a"]'}, r"grid.fractions must be a list of numbers; got \['a'\]"),
        ({"model": 'gamma = "wide"'}, r"The 'gamma' parameter of QSVR must be .* Got 'wide'"),
        ({"model": "n_bits = 3"}, r"\[model\] \['n_bits'\] are swept by \[grid\]"),
        ({"top": 'curves = "/nonexistent/curves.csv.gz"'}, r"curve file .* does not exist"),
        (
            {"splits": "600", "slurm": "max_array_size = 500"},
            r"an array of 600 tasks; expected at most slurm.max_array_size=500",
        ),
        (  # counted from the dimensions: building this grid ran out of memory
            {"splits": "100000000"},
            r"an array of 100000000 tasks; expected at most slurm.max_array_size=1001",
        ),
    ],
)
def test_generate_validates_the_whole_experiment_before_writing(tmp_path, options, message):
    with pytest.raises(ExperimentError, match=message):
        load_experiment(_grid(tmp_path, **options))


@pytest.mark.parametrize("command", ["status", "collect", "run-task", "resubmit"])
def test_a_folder_that_is_no_run_directory_is_named(tmp_path, capsys, command):
    extra = {"run-task": ["--task", "0"], "resubmit": ["--failed"]}.get(command, [])
    assert main(["slurm", command, str(tmp_path), *extra]) == 2
    assert f"{tmp_path} is not a run directory" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing written into it


# ------------------------------------------------------------ second pass (issue 17)
def _generate(tmp_path, run, *extra):
    return main(
        ["slurm", "generate", str(_experiment(tmp_path)), "--system", "local",
         "--run-dir", str(run), *extra]
    )  # fmt: skip


def test_a_percent_in_the_run_directory_reaches_slurm_escaped(tmp_path):
    run = tmp_path / "rdq%u%j"
    assert _generate(tmp_path, run) == 0
    script = (run / "job-cluster.sh").read_text()
    assert f"#SBATCH --output={run}/logs/%x-%A_%a.out".replace("rdq%u%j", "rdq%%u%%j") in script
    assert f"--output={run}/logs" not in script  # the unescaped pattern never appears
    assert "rdq%%u%%j/logs/%x-%j.out" in (run / "aggregate.sh").read_text()


@pytest.mark.parametrize("env", ["${VIRTUAL_ENV", "/opt/${X/venv", "$"])
def test_an_unbalanced_variable_reference_is_refused(tmp_path, capsys, env):
    run = tmp_path / "run"
    assert _generate(tmp_path, run, "--env", env) == 2
    assert "must be a path" in capsys.readouterr().err
    assert not run.exists()


def test_a_leading_tilde_is_expanded_at_generate_time(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    profile = _profile(tmp_path, environment='"~/venv"')
    run = tmp_path / "run"
    code = main(["slurm", "generate", str(_experiment(tmp_path)), "--system", str(profile),
                 "--run-dir", str(run)])  # fmt: skip
    assert code == 0
    script = (run / "job-cluster.sh").read_text()
    assert f'source "{tmp_path}/home/venv/bin/activate"' in script
    assert '"~' not in script
    subprocess.run(["bash", "-n", str(run / "job-cluster.sh")], check=True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('partitions = "x"', r"partitions must be a table; got 'x'"),
        ('modules = "x"', r"modules must be a table; got 'x'"),
        ('time_limits = ["01:00:00"]', r"time_limits must be a table"),
        ('[modules]\nload = "GCC"', r"modules.load must be a list of strings; got 'GCC'"),
        ("cores_per_node = 0", r"cores_per_node must be >= 1"),
        ('cores_per_node = "4"', r"cores_per_node must be an integer; got '4'"),
        ("[partitions]\ncluster = 3", r"partitions.cluster must be a string; got 3"),
    ],
)
def test_profiles_are_typed(tmp_path, text, message):
    fields = {"name": '"site"', "cores_per_node": "4", "partitions": '{cluster = "batch"}'}
    for line in text.split("\n")[:1]:
        key = line.split("=")[0].strip().strip("[]")
        fields.pop(key, None)
    body = "".join(f"{k} = {v}\n" for k, v in fields.items()) + text + "\n"
    path = tmp_path / "typed.toml"
    path.write_text(body)
    with pytest.raises(ProfileError, match=message):
        load_profile(str(path))


def test_one_broken_user_profile_does_not_break_the_listing(tmp_path, monkeypatch, capsys):
    (tmp_path / "broken.toml").write_text('name = "broken"\npartitions = "x"\ncores_per_node = 1')
    monkeypatch.setenv("HQML_SLURM_PROFILES", str(tmp_path))
    assert main(["slurm", "systems"]) == 0
    out = capsys.readouterr().out
    assert "juwels-booster" in out
    assert re.search(r"broken\s+BROKEN: profile .* partitions must be a table", out)


def test_a_deeply_nested_toml_is_refused_clearly(tmp_path, capsys):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 10000 + "]" * 10000 + "\n")
    assert main(["slurm", "generate", str(path), "--system", "local",
                 "--run-dir", str(tmp_path / "run")]) == 2  # fmt: skip
    assert "is not valid TOML" in capsys.readouterr().err
    profile = tmp_path / "deep-profile.toml"
    profile.write_text(path.read_text())
    with pytest.raises(ProfileError, match=r"is not valid TOML"):
        load_profile(str(profile))


def test_resubmit_keeps_the_array_throttle(tmp_path, monkeypatch):
    experiment = _experiment(tmp_path, 'time = "00:05:00"\nmem = "500M"\nmax_parallel = 1')
    run = tmp_path / "run"
    jobs.generate(load_experiment(experiment), load_profile("local"), run)
    submitted = []

    def fake_sbatch(script, *options):
        submitted.append((Path(script).name, options))
        return str(100 + len(submitted))

    monkeypatch.setattr(jobs, "_sbatch", fake_sbatch)
    monkeypatch.setattr(jobs, "_active_tasks", lambda run: set())
    jobs.resubmit_failed(run)
    array = next(options for name, options in submitted if name == "job-cluster.sh")
    assert array == ("--array=0,1%1",)


def test_a_run_directory_that_is_a_file_is_refused(tmp_path, capsys):
    run = tmp_path / "run"
    run.write_text("mine")
    assert _generate(tmp_path, run) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
    assert run.read_text() == "mine"


def test_a_symlinked_run_directory_is_never_followed(tmp_path, capsys):
    target = tmp_path / "system"
    target.mkdir()
    link = tmp_path / "run"
    link.symlink_to(target)
    assert _generate(tmp_path, link) == 2
    assert "goes through the symbolic link" in capsys.readouterr().err
    assert list(target.iterdir()) == []


def test_a_users_folder_is_not_a_run_directory_to_overwrite(tmp_path, capsys):
    run = tmp_path / "project"
    run.mkdir()
    (run / "tasks.json").write_text("my own tasks")
    (run / "aggregate.sh").write_text("my own script")
    assert _generate(tmp_path, run) == 2
    assert "holds files hqml did not write" in capsys.readouterr().err
    assert (run / "tasks.json").read_text() == "my own tasks"
    assert (run / "aggregate.sh").read_text() == "my own script"


def test_a_jobs_file_entry_without_a_job_is_named(tmp_path, capsys):
    run = tmp_path / "run"
    assert _generate(tmp_path, run) == 0
    (run / "jobs.json").write_text('[{"part": "cluster"}]')
    assert main(["slurm", "status", str(run)]) == 2
    assert 'jobs.json must hold a list of {"part": ..., "job": "<digits>"} entries' in (
        capsys.readouterr().err
    )


def _tampered(text: str, change) -> str:
    import json

    result = json.loads(text)
    change(result)
    return json.dumps(result)


def _set_row(key, value):
    def change(result):
        result["rows"][0][key] = value

    return change


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r["rows"][0].pop("r2"),  # a missing key
        lambda r: r["rows"].append("not a row"),  # a non-dict row
        _set_row("r2", "0.9"),  # a string where a number belongs
        _set_row("mae", [0.1]),  # a list where a number belongs
        _set_row("r2", 10**400),  # an integer no float holds
        _set_row("r2", float("nan")),  # NaN (Python's json writes it)
        _set_row("r2", float("inf")),  # 1e999
        _set_row("rounds", "8"),
        _set_row("split", 7),  # a row of another cell
        lambda r: r["detail"]["predictions"].update(x=[0.1]),  # a detail of the wrong length
    ],
)
def test_collect_validates_every_row_and_counts_bad_files_as_missing(tmp_path, change):
    import json

    from experiments.slurm.tasks import collect, run_task

    run = tmp_path / "run"
    jobs.generate(load_experiment(_experiment(tmp_path)), load_profile("local"), run)
    run_task(run, 0)
    files = RunDirectory(run)
    files.result(1).write_text(_tampered(files.result(0).read_text(), change).replace(
        '"task": 0', '"task": 1'))  # fmt: skip
    tampered = json.loads(files.result(1).read_text().replace("NaN", "0").replace("Infinity", "0"))
    assert tampered["task"]["task"] == 1  # the file claims the right task
    assert jobs.status(run)["finished"] == 1
    outcome = collect(run)
    assert outcome["finished"] == 1 and outcome["corrupt"] == [str(files.result(1))]
    text = (run / "collected" / "results.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in results.json"))


def test_results_json_is_strict_json(tmp_path):
    import json

    from experiments.report import write_json

    write_json(tmp_path / "r.json", {"a": float("nan"), "b": [np.float64("inf"), 1.5]})
    assert json.loads((tmp_path / "r.json").read_text()) == {"a": None, "b": [None, 1.5]}
