# The README's commands. `make drill`: set up and run the default failover drill on the local cloud.
# `make test`: set up, then lint, types, template and ASL validation, sam build, and every test.
# `make bench`: set up, then the bench: RTO against its floor with 1 to 100 endpoints over 20 seeds, and cold starts.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
export SAM_CLI_TELEMETRY := 0

.PHONY: setup drill bench chaos test lint imports types validate build pytest clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

drill: setup
	$(BIN)/evac drill

bench: setup
	$(BIN)/evac bench --json bench.json
# The whole fault matrix and its negative controls (`make test` runs a representative subset and every control): two
# drills at a time, JSON in chaos.json.
chaos: setup
	$(BIN)/evac chaos --jobs 2 --json chaos.json

# The static checks two at a time (mypy's CPU beside sam build's disk), each one's output printed whole; then the tests.
test: setup
	$(MAKE) --no-print-directory --output-sync=target -j2 lint imports types validate build
	$(MAKE) --no-print-directory pytest

lint: setup
	$(BIN)/ruff check .

# The import rules in pyproject.toml ([tool.importlinter]): domain pure, deployed code free of operator tooling.
imports: setup
	$(BIN)/lint-imports

types: setup
	$(BIN)/mypy

validate: setup
	$(BIN)/sam validate --lint

build: setup
	$(BIN)/sam build --cached --parallel

# One worker per core, each test file on one worker (the drills a file's tests share are played once there), the
# files in the order tests/conftest.py gives them (the longest first).
pytest: setup
	$(BIN)/pytest -n auto --dist loadfile --no-loadscope-reorder

clean:
	rm -rf $(VENV) .aws-sam .mypy_cache .ruff_cache .pytest_cache
