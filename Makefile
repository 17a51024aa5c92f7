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

# Chromium for the browser tests and the PDF renderer; Debian's Noto and DejaVu fonts (full
# Vietnamese coverage, used by local family name in print mode); pdftoppm for the PDF tests.
BROWSER_PACKAGES := chromium chromium-driver fonts-noto-core fonts-dejavu-core poppler-utils

browser:
	@missing=$$(for p in $(BROWSER_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

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
