import subprocess
import sys

import pytest


def test_import_qml_pulls_in_no_quantum_sdk():
    code = (
        "import sys, qml, qubo, backends; "
        "heavy = [m for m in sys.modules if m.startswith("
        "('qiskit', 'dwave.system', 'dwave.cloud', 'dwave.samplers'))]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_cli_rejects_zero_splits(capsys):
    from experiments.cli import main

    with pytest.raises(SystemExit):
        main(["bench", "--splits", "0"])
    assert "must be at least 1; got 0" in capsys.readouterr().err


def test_the_wheel_builds_without_setuptools_warnings(tmp_path):
    """Every package and data folder is declared: nothing "would be ignored"."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(root), "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path), "-v"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-2000:]
    assert "would be ignored" not in output
    assert "BuildBackendWarning" not in output
    import zipfile

    (wheel,) = tmp_path.glob("hqml-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "experiments/data/learning_curves_digits.csv.gz" in names
    assert "experiments/slurm/profiles/juwels-booster.toml" in names
