# detente: two commands do all set-up on a fresh machine (see README.md).
#   make run    create the environment, install detente, create the database, load the real data, serve the API
#   make test   create the environment with the test tools and run the whole test suite
# Both need only Python >= 3.11 with venv; everything else comes from PyPI.

PYTHON ?= python3
# Real data: a mirror laid out <dir>/<source>/<file> (../shared/datasets next to a checkout), else download.
MIRROR ?= $(wildcard ../shared/datasets)
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/detente init
	$(BIN)/detente sources load --all $(if $(MIRROR),--mirror $(MIRROR),--download)
	$(BIN)/detente status
	$(BIN)/detente serve

test: $(VENV)/.installed
	$(BIN)/python -m pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/audit.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
