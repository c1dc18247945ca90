# The two commands of the quick start are `make run` and `make test`; both install first.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WHEELS := ../shared/wheels
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
INSTRUMENTS := src/brokerage/data/instruments.json
# The order book compiled by mypyc (scripts/build_native.py); plain Python when that fails.
BOOK := src/brokerage/venues/matching/book.py
NATIVE := $(VENV)/.native-book

.PHONY: install run test bench lint services clean

$(STAMP): pyproject.toml scripts/build_instruments.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet $(if $(wildcard $(WHEELS)),--find-links $(WHEELS)) -e '.[dev]'
	$(BIN)/python scripts/build_instruments.py
	@touch $(STAMP)

$(INSTRUMENTS): | $(STAMP)
	$(BIN)/python scripts/build_instruments.py

$(NATIVE): $(BOOK) scripts/build_native.py | $(STAMP)
	-$(BIN)/python scripts/build_native.py
	@touch $(NATIVE)

install: $(STAMP) $(INSTRUMENTS) $(NATIVE)

run: install
	$(BIN)/brokerage serve

# Start the local servers the suites talk to when they are stopped (never skip them).
services:
	@scripts/ensure_services.sh
	@scripts/ensure_chromium.sh

test: install services
	BROKERAGE_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/python -m pytest tests
	$(BIN)/ruff check src tests scripts
	$(BIN)/lint-imports

bench: install services
	BROKERAGE_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/python -m tests.bench

lint: install
	$(BIN)/ruff check src tests scripts
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	-test -x $(BIN)/python && $(BIN)/python scripts/build_native.py --clean
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
