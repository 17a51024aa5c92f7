# The two commands: `make demo` (run the simulated city) and `make test` (the whole suite).
# Both set themselves up on a fresh Debian machine (root, Python 3.11).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint services browser bench clean

# The install steps live in deploy/setup.sh, which deploy/Containerfile runs too.
$(STAMP): pyproject.toml deploy/setup.sh
	PYTHON=$(PYTHON) bash deploy/setup.sh python $(VENV) test,bench
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cityops demo

# Chromium for the browser tests and the PDF renderer, its driver, Debian's Noto and DejaVu
# fonts (full Vietnamese coverage, used by local family name in print mode), pdftoppm.
browser:
	@bash deploy/setup.sh system --test

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
