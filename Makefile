# Two entry points: `make demo` and `make test`. Each sets up (or refreshes) the
# local virtualenv first, so a fresh machine with Python 3.11, make and apt suffices.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench chaos setup system-packages clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || (apt-get update -qq && apt-get install -y -qq python3-venv)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip 2>&1 | { grep -v 'WARNING: Location' || true; }
	$(BIN)/python -m pip install -q -e '.[test]' 2>&1 | { grep -v 'WARNING: Location' || true; }
	touch $(STAMP)

# Debian's packages the tests use: chromium for the browser tests and the demo's screenshots
# (no browser download), postgresql for the integration tier's second pass and the backups (pg_dump).
system-packages:
	@command -v chromium >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium postgresql >/dev/null; }

demo: $(STAMP) system-packages
	$(BIN)/python -m demo

test: $(STAMP) system-packages
	$(BIN)/ruff check --no-cache .
	$(BIN)/lint-imports
	$(BIN)/mypy
	# On both cores (pytest-xdist; a module's tests on one worker: tests/conftest.py); the served stacks'
	# flow runs start warm (issue 8.8).
	MENTORSCHAP_TEST_WARM_START=1 $(BIN)/python -m pytest -q -n 2
	# The integration and flow tiers again with our database on PostgreSQL (issue 11.2: a throwaway
	# cluster of Debian's postgresql, tests/postgres.py); what does not touch our database runs once.
	MENTORSCHAP_TEST_WARM_START=1 $(BIN)/python -m pytest -q -n 2 tests/integration tests/flows --db=postgresql

lint: $(STAMP)
	$(BIN)/ruff check --no-cache .
	$(BIN)/lint-imports

# mypy over all non-test code, as configured in pyproject.toml ([tool.mypy]).
typecheck: $(STAMP)
	$(BIN)/mypy

# Every figure of issue 8.9, then the resume figures again with the warm start (suffix _warm).
bench: $(STAMP)
	$(BIN)/python -m benchmarks
	MENTORSCHAP_BENCH_WARM_START=1 $(BIN)/python -m benchmarks resume

# The demo cohort while its processes are SIGKILLed and restarted (issue 11.4); compared with the last
# `make demo` (var/demo), or with a demo without kills it runs first. Long; not part of `make test`.
chaos: $(STAMP) system-packages
	$(BIN)/python -m demo.chaos

clean:
	rm -rf $(VENV) var
