# Every target sets itself up on a fresh machine: a .venv, torch from constraints.txt
# first (a pinned CPU wheel; an unpinned torch would pull a multi-GB CUDA build), then
# the package with its dev extras. The stamp skips reinstalling until pyproject.toml or
# constraints.txt change.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.tradegym-installed

.PHONY: demo test bench

demo: $(STAMP)
	$(BIN)/tradegym demo

# mypy checks layer 1 (tradegym/, settings in pyproject.toml), then the suite runs.
test: $(STAMP)
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -q

# The benchmark suite (a few minutes; installs its peers into benchmarks/.peers once).
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -c constraints.txt torch
	$(BIN)/python -m pip install -c constraints.txt -e ".[dev]"
	touch $@
