# Two entry points for a fresh machine (see README.md): `make bench` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install bench test lint notebooks

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,qpu,quantum,hpo]"
	touch $@

install: $(VENV)/.installed

bench: install
	$(BIN)/hqml bench

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest

# Run every notebook and store it with its outputs (tables and plots).
notebooks: install
	$(BIN)/python -m experiments.notebooks
