# Two commands on a fresh clone: `make run` and `make test`. Each installs what it
# needs first (a virtualenv in .venv from pyproject.toml), then does its job.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test test-fast browser eval train bench soak lint format clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m pipeline run

# One BLAS thread: the classifier's training test shares two cores with brokers and
# workers; unbuffered so a CI log shows how far a run got.
test: $(STAMP) browser
	PYTHONUNBUFFERED=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(BIN)/python -m pytest

# The dashboard's browser test drives Debian's Chromium (not a downloaded browser).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@test -x $(CHROMIUM) || { echo "installing Debian's chromium for the browser test"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The fast tier: no broker, no browser.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not broker and not browser"

eval: $(STAMP)
	$(BIN)/python -m pipeline eval --cross-validate

train: $(STAMP)
	$(BIN)/python -m pipeline train

bench: $(STAMP)
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/classifier.py
	$(BIN)/python bench/stream.py

# Ten minutes at a steady rate with the worker's memory sampled (not part of make test).
soak: $(STAMP)
	$(BIN)/python bench/soak.py --minutes 10

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests bench scripts
	$(BIN)/ruff format --check pipeline tests bench scripts

format: $(STAMP)
	$(BIN)/ruff format pipeline tests bench scripts
	$(BIN)/ruff check --fix pipeline tests bench scripts

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis test-output bench-output
