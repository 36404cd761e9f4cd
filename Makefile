# Scribe: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint check-infra bench clean lock images stack-test

install: $(STAMP)

# Installs exactly the lock (requirements/dev.txt: every package pinned with its hashes), then
# the project itself without resolving anything again.
$(STAMP): pyproject.toml requirements/dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	# The PyTorch engine's extra (pinned, outside the hash lock: see pyproject.toml).
	$(BIN)/python -m pip install --quiet 'torch==2.13.0' 'transformers==5.24.0'
	scripts/install_system_packages.sh
	touch $(STAMP)

# Re-resolve pyproject.toml into requirements/{base,gpu,dev}.txt (pinned, with hashes).
lock:
	scripts/lock.sh

run: install
	$(BIN)/scribe up

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# Offline checks of deploy/ and infra/: terraform fmt, checkov, docker-compose config, wiring tests.
check-infra:
	scripts/check_infra.sh

# Container images and the container stack, for real (a Docker daemon needed; never part of
# `make test`, which keeps the offline checks above): docs/operations/deploy.md, "Building
# and testing the images locally".
images:
	scripts/build_images.sh

stack-test:
	scripts/stack_test.sh

test: install lint check-infra
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/pipeline_overhead.py

clean:
	rm -rf $(VENV) .venv-infra .venv-checkov .venv-lock var .pytest_cache .mypy_cache .ruff_cache
