# Two commands for a fresh machine: `make plan` and `make test`. Both create .venv and install the
# pinned dependencies themselves (re-installing only when pyproject.toml changes). `make test` also
# builds the real-engine tier (`make engine`: the Pulumi CLI from its Go module, Go >= 1.26).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STACK ?= dev
# pytest-xdist workers for `make test` (tests sharing servers or a deployed state stay in one worker).
TEST_WORKERS ?= 2
# The Pulumi CLI built by `make engine`. The Python SDK is pinned at 3.272.0 in pyproject.toml; the
# Go module proxy serves pkg/v3 from 3.274.0 on, and a newer CLI runs older SDKs.
PULUMI_VERSION := 3.274.1
TOOLS := .tools/bin
PACK_VENV := policy_pack/venv

.PHONY: plan test lint typecheck unit fast engine browser servers preview-real up-real bench clean

$(BIN)/.installed: pyproject.toml requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e '.[dev]'
	touch $@

plan: $(BIN)/.installed  ## Offline plan of the dev stack (STACK=prod for prod)
	$(BIN)/blueprint plan $(STACK)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy's incremental cache lives beside the Go build cache, outside the checkout: a fresh clone on a
# machine that checked before takes seconds instead of minutes (mypy revalidates every module by its
# hash, so a stale entry is rechecked, never trusted). MYPY_CACHE_DIR overrides it.
MYPY_CACHE_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/fintech-blueprint/mypy
typecheck: $(BIN)/.installed
	$(BIN)/mypy --cache-dir "$(MYPY_CACHE_DIR)"

# The real-engine tier: CLI + language host into .tools/bin (skipped when already built), and the
# policy pack's own virtualenv, installed the way the CLI does it (`pulumi install` in the pack).
engine: $(BIN)/.installed
	bash engine/build.sh $(PULUMI_VERSION) $(TOOLS)
	@if [ ! -x $(PACK_VENV)/bin/python ] || [ policy_pack/requirements.txt -nt $(PACK_VENV)/.installed ]; then \
	  cd policy_pack && PATH=$(CURDIR)/$(TOOLS):$$PATH PULUMI_HOME=$(CURDIR)/.tools/pulumi-home PULUMI_SKIP_UPDATE_CHECK=true \
	    $(CURDIR)/$(TOOLS)/pulumi install --non-interactive >/dev/null && touch venv/.installed; fi

# The FinOps HTML report is rendered by Debian's headless Chromium in the tests (tests/blueprint/test_finops.py).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium (apt-get) for the HTML report test"; \
	  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }

# The realserver tier (tests/realserver) starts Debian's PostgreSQL, PgBouncer and Prometheus on
# loopback; the alert rules are checked and unit-tested by promtool (Debian's prometheus package), the
# Alertmanager configuration by amtool (prometheus-alertmanager).
servers:
	@if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || ! command -v pgbouncer >/dev/null 2>&1 \
	    || ! command -v promtool >/dev/null 2>&1 || ! command -v amtool >/dev/null 2>&1; then \
	  echo "installing Debian's postgresql, pgbouncer, prometheus and prometheus-alertmanager (apt-get) for the realserver tier, promtool and amtool"; \
	  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql pgbouncer prometheus prometheus-alertmanager >/dev/null; fi

unit: $(BIN)/.installed engine browser servers
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadgroup --durations=25

# One component at a time, in seconds: everything but the whole-program plans and the server tiers.
fast: $(BIN)/.installed
	$(BIN)/pytest -q -m "not plan and not engine and not realserver and not openbao"

test: lint typecheck unit  ## The whole suite: ruff, mypy, pytest (incl. the OpenBao and real-engine tiers)

preview-real: engine  ## Real `pulumi preview` of STACK with the pack (stand-in providers, throw-away state)
	$(BIN)/python -m blueprint.realengine preview $(STACK)

up-real: engine  ## Real `pulumi up` of STACK into a throw-away state (stand-in providers)
	$(BIN)/python -m blueprint.realengine up $(STACK)

bench: $(BIN)/.installed  ## Plan-scaling benchmark (1, 10, 50, 200 tenants)
	$(BIN)/python bench/plan_scaling.py

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
