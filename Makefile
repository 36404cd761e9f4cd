# Scribe: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint check-infra bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,torch]'
	scripts/install_system_packages.sh
	touch $(STAMP)

run: install
	$(BIN)/scribe up

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# Offline checks of deploy/ and infra/: terraform fmt, checkov, docker-compose config, wiring tests.
check-infra:
	scripts/check_infra.sh

test: install lint check-infra
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/pipeline_overhead.py

clean:
	rm -rf $(VENV) .venv-infra .venv-checkov var .pytest_cache .mypy_cache .ruff_cache
