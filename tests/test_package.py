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


def _functions(folder: str):
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for path in sorted((root / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield path.relative_to(root), node


def test_no_function_in_experiments_is_longer_than_50_lines():
    long = [
        f"{path}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path, node in _functions("experiments")
        if node.end_lineno - node.lineno + 1 > 50
    ]
    assert long == []


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("qubo", ("qml", "backends", "experiments")), ("backends", ("qml", "experiments")),
     ("qml", ("experiments",))],
)  # fmt: skip
def test_knowledge_flows_one_way(package, forbidden):
    """experiments -> qml -> {backends, qubo}: no package imports one above it."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    offending = []
    for path in sorted((root / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offending += [f"{path.name}: {n}" for n in names if n.split(".")[0] in forbidden]
    assert offending == []
