# The two commands: `make demo` (run the simulated city) and `make test` (the whole suite).
# Both set themselves up on a fresh Debian machine (root, Python 3.11).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint services browser bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cityops demo

browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

services:
	@bash .ci/services

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: $(STAMP) browser services lint
	$(BIN)/pytest

bench: $(STAMP) services
	$(BIN)/python -m bench.ingest --size S --db both --runs 5

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
