# Two commands for a fresh machine: `make plan` and `make test`. Both create .venv and install the
# pinned dependencies themselves (re-installing only when pyproject.toml changes).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STACK ?= dev

.PHONY: plan test lint typecheck unit bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

plan: $(BIN)/.installed  ## Offline plan of the dev stack (STACK=prod for prod)
	$(BIN)/blueprint plan $(STACK)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.installed
	$(BIN)/mypy

unit: $(BIN)/.installed
	$(BIN)/pytest -q

test: lint typecheck unit  ## The whole suite: ruff, mypy, pytest (incl. the OpenBao tier)

bench: $(BIN)/.installed  ## Plan-scaling benchmark (1, 10, 50, 200 tenants)
	$(BIN)/python bench/plan_scaling.py

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
