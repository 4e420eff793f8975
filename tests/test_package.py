import subprocess
import sys

import pytest


def test_import_qml_pulls_in_no_quantum_sdk():
    code = (
        "import sys, qml, training, qubo, backends; "
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
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield path.relative_to(root), node, source.splitlines()


def _code_lines(node, lines: list[str]) -> int:
    """Lines of code of a function: no docstring, no blank or comment-only line."""
    import ast

    first = node.body[0]
    docstring = (
        (first.lineno, first.end_lineno)
        if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant)
        else (0, -1)
    )
    return sum(
        1
        for number in range(node.lineno, node.end_lineno + 1)
        if not docstring[0] <= number <= docstring[1]
        and lines[number - 1].strip()
        and not lines[number - 1].strip().startswith("#")
    )


@pytest.mark.parametrize(
    "package", ["experiments", "early_stopping", "qml", "training", "qubo", "backends"]
)
def test_no_function_has_more_than_50_lines_of_code(package):
    """Short functions; estimators' ``__init__`` are exempt: scikit-learn wants one keyword
    argument per parameter, stored as it is (QSVR has 27)."""
    long = [
        f"{path}:{node.lineno} {node.name} ({_code_lines(node, lines)} lines)"
        for path, node, lines in _functions(package)
        if _code_lines(node, lines) > 50 and not (node.name == "__init__" and "qml" in str(path))
    ]
    assert long == []


def test_the_training_algorithm_lives_in_one_package():
    """Rounds, trust region, polish, searches, working sets: in ``training``, not in qubo."""
    names = {"refine", "polish", "next_box", "line_search", "subspace_search", "decompose"}
    found = {
        f"{path}: {node.name}"
        for package in ("qml", "qubo", "backends", "experiments", "early_stopping")
        for path, node, _ in _functions(package)
        if node.name in names
    }
    assert found == set()
    assert {node.name for _, node, _ in _functions("training")} >= names


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("qubo", ("qml", "training", "backends", "experiments", "early_stopping")),
     ("backends", ("qml", "training", "experiments", "early_stopping")),
     ("training", ("qml", "experiments", "early_stopping")),
     ("qml", ("experiments", "early_stopping")),
     ("early_stopping", ("experiments",))],
)  # fmt: skip
def test_knowledge_flows_one_way(package, forbidden):
    """experiments -> early_stopping -> qml -> training -> {backends, qubo}: never upwards."""
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


_PACKAGES = ("qml", "training", "qubo", "backends", "early_stopping", "experiments")

#: The packages above each one: it may neither import them nor name them in a string.
_ABOVE = {
    "qubo": ("qml", "training", "backends", "experiments", "early_stopping"),
    "backends": ("qml", "training", "experiments", "early_stopping"),
    "training": ("qml", "experiments", "early_stopping"),
    "qml": ("experiments", "early_stopping"),
    "early_stopping": ("experiments",),
    "experiments": (),
}


def _faces() -> dict[str, set[str]]:
    """Every package face (a folder with ``__init__.py``) and the names its ``__all__`` exports."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    faces = {}
    for package in _PACKAGES:
        for init in (root / package).rglob("__init__.py"):
            exported = set()
            for node in ast.walk(ast.parse(init.read_text())):
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
                ):
                    exported = {e.value for e in node.value.elts}
            folder = init.parent.relative_to(root).parts
            faces[".".join(folder)] = exported | {
                p.name for p in init.parent.iterdir() if (p / "__init__.py").exists()
            }
    return faces


def _cross_package_imports(package: str):
    """``(file, line, module, names)`` of every absolute import from another hqml package."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for path in sorted((root / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found = [(alias.name, []) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found = [(node.module, [alias.name for alias in node.names])]
            else:
                continue
            for module, names in found:
                if module.split(".")[0] in _PACKAGES and module.split(".")[0] != package:
                    yield path.relative_to(root), node.lineno, module, names


@pytest.mark.parametrize("package", _PACKAGES)
def test_no_package_imports_another_ones_private_modules(package):
    """Across packages only package faces, and only what their ``__all__`` exports."""
    faces = _faces()
    offending = [
        f"{path}:{line} {module} {names}"
        for path, line, module, names in _cross_package_imports(package)
        if module not in faces
        or any(name.startswith("_") or name not in faces[module] for name in names)
    ]
    assert offending == []


def test_training_reaches_the_samplers_only_through_the_backends_face():
    offending = [
        f"{path}:{line} {module}"
        for path, line, module, _ in _cross_package_imports("training")
        if module.startswith("backends.samplers")
    ]
    assert offending == []


@pytest.mark.parametrize("package", [p for p in _PACKAGES if _ABOVE[p]])
def test_no_package_names_an_upper_package_in_a_string(package):
    """No ``"qml.x"`` in training, no ``importlib.import_module("training...")`` in qubo, ...

    Docstrings may cite where a figure was measured (``python -m
    experiments.benchmarks...``); every other string literal counts.
    """
    import ast
    import re
    from pathlib import Path

    pattern = re.compile(rf"\b({'|'.join(_ABOVE[package])})\.[A-Za-z_]")
    root = Path(__file__).resolve().parents[1]
    offending = []
    for path in sorted((root / package).rglob("*.py")):
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        offending += [
            f"{path.relative_to(root)}:{node.lineno} {node.value[:60]!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and pattern.search(node.value)
        ]
    assert offending == []


def test_the_architecture_checks_can_fail(tmp_path, monkeypatch):
    """The three rules above flag a private import, a sampler module and an upper name."""
    import ast

    source = (
        "from training._warnings import warn_at_caller\n"
        "from backends.samplers.exact import BoundedExactSolver\n"
        "HINT = 'see qml.QSVR'\n"
    )
    tree = ast.parse(source)
    imports = [(n.module, [a.name for a in n.names]) for n in tree.body[:2]]
    faces = _faces()
    assert all(module not in faces for module, _ in imports)
    assert imports[1][0].startswith("backends.samplers")
    import re

    pattern = re.compile(rf"\b({'|'.join(_ABOVE['training'])})\.[A-Za-z_]")
    assert pattern.search(tree.body[2].value.value)
