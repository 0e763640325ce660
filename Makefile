# tap-stripe developer commands. `make test` and `make demo` work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test lint unit demo demo-postgres schemas bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## test: lint, type-check and run the whole test suite (unit, emulator, end to end)
test: $(STAMP) lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check tap_stripe tests scripts benchmarks
	$(BIN)/mypy tap_stripe

## unit: the fast tests only
unit: $(STAMP)
	$(BIN)/pytest tests/unit

## demo: a realistic Stripe account on the emulator, loaded by Meltano into DuckDB and queried
demo: $(STAMP)
	$(BIN)/python scripts/demo.py

## demo-postgres: the same account loaded by Meltano into a throwaway local PostgreSQL
## (needs PostgreSQL installed; started as the postgres user when run as root)
demo-postgres: $(STAMP)
	$(BIN)/python -m scripts.demo_postgres

## schemas: regenerate tap_stripe/schemas from the installed stripe package
schemas: $(STAMP)
	$(BIN)/python -m tap_stripe.schema_gen

## bench: throughput, CPU, memory and request counts against the emulator, side by side with
## singer-io's and Airbyte's Stripe connectors (results in benchmarks/README.md)
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .meltano .pytest_cache .mypy_cache .ruff_cache output
