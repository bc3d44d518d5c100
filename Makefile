# The two README commands: `make demo` and `make test`. Everything else is a helper.
.PHONY: demo test lint typecheck pytest bench-recbole

VENV := .venv
BIN := $(VENV)/bin

demo:
	@scripts/bootstrap.sh demo
	$(BIN)/recpilot demo

test:
	@scripts/bootstrap.sh test
	$(MAKE) --no-print-directory lint typecheck pytest

lint:
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest
