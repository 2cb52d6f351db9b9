# detente: two commands do all set-up on a fresh machine (see README.md).
#   make run    create the environment, install detente, create the database, load the real data, serve the API and UI
#   make test   create the environment with the test tools and run the whole test suite
# Both need Python >= 3.11 with venv and npm (for the web assets); everything else comes from PyPI and npm.

PYTHON ?= python3
# Real data: a mirror laid out <dir>/<source>/<file> (../shared/datasets next to a checkout), else download.
MIRROR ?= $(wildcard ../shared/datasets)
VENV   ?= .venv
BIN     = $(VENV)/bin
GEOMETRY = src/detente/web/data/countries-110m.json

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(GEOMETRY) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Web assets from the npm registry through the committed lock file (never committed themselves): the map
# geometry (world-atlas, Natural Earth) goes into the package's data folder; axe-core stays in node_modules
# for the browser tests.
$(GEOMETRY): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(dir $@)
	cp node_modules/world-atlas/countries-110m.json $@

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
	$(BIN)/python benchmarks/web.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis node_modules $(GEOMETRY) test-artifacts
