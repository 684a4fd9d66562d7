# The README's two commands are `make run` and `make test`; both call `setup` first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The extras installed: `dev` by default; CI adds `spark` (CSPULSE_EXTRAS=dev,spark) for the Spark tests.
CSPULSE_EXTRAS ?= dev
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(CSPULSE_EXTRAS))

.PHONY: setup run test check bench clean

setup: $(STAMP)

# Reinstall only when the project's dependencies change: `make setup` is quick when nothing did.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(CSPULSE_EXTRAS)]'
	@touch $(STAMP)

run: setup
	$(BIN)/cspulse demo
	$(BIN)/cspulse dashboard --port 8501

test: setup
	$(BIN)/python -m pytest

check: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/cspulse bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
