"""Execute the notebooks in ``notebooks/`` and store them with their outputs (``make notebooks``).

Someone browsing the repository then sees each notebook's R² tables and
plots. The notebooks run in their own folder with the repository's
packages, through nbclient, and a notebook is replaced only once it has run
to the end without an error.

    python -m experiments.notebooks [NOTEBOOK ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from experiments.atomic import write_atomically

FOLDER = Path(__file__).resolve().parent.parent / "notebooks"


def execute(path: Path, timeout: int = 600) -> nbformat.NotebookNode:
    """Run ``path`` top to bottom; raise if a cell fails."""
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    errors = [
        o for cell in notebook.cells for o in cell.get("outputs", []) if o["output_type"] == "error"
    ]
    if errors:
        raise RuntimeError(f"{path.name}: a cell failed: {errors[0].get('ename')}")
    return notebook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(FOLDER.glob("*.ipynb"))
    for path in paths:
        notebook = execute(path)
        write_atomically(path, lambda t, nb=notebook: nbformat.write(nb, str(t)))
        print(f"executed and stored {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
