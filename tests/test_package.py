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
