# The README's commands. `make drill`: set up and run the default failover drill on the local cloud.
# `make test`: set up, then lint, types, template and ASL validation, sam build, and every test.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
export SAM_CLI_TELEMETRY := 0

.PHONY: setup drill test lint types validate build pytest clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

drill: setup
	$(BIN)/evac drill

test: setup lint types validate build pytest

lint: setup
	$(BIN)/ruff check .

types: setup
	$(BIN)/mypy

validate: setup
	$(BIN)/sam validate --lint

build: setup
	$(BIN)/sam build --cached --parallel

pytest: setup
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .aws-sam .mypy_cache .ruff_cache .pytest_cache
