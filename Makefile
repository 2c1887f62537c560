# Two commands on a fresh clone: `make run` and `make test`. Each installs what it
# needs first (a virtualenv in .venv from pyproject.toml), then does its job: `make run`
# the runtime only, `make test` (and the other developer targets) the dev extras too
# (browser driver, schema fuzzers, k8s validators, linters) a newsroom does not need.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.installed-runtime
STAMP  := $(VENV)/.installed-stamp

.PHONY: install kafka run test test-fast browser eval train bench soak lint format clean

install: $(STAMP)

$(RUNTIME_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME_STAMP)

$(STAMP): pyproject.toml $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The embedded broker is Apache Kafka: its jars are fetched from Maven Central once into
# a cache outside the repository (deploy/kafka/pom.xml pins the version). The stamp
# marks a complete copy; the copy is made beside it and renamed, so an interrupted
# fetch is redone. pipeline/broker/kafka.py reads the same directory.
KAFKA_VERSION := 4.4.0
KAFKA_JARS ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/wires/kafka-$(KAFKA_VERSION)
KAFKA_STAMP := $(KAFKA_JARS)/.complete
export WIRES_KAFKA_JARS := $(KAFKA_JARS)

kafka: $(KAFKA_STAMP)

$(KAFKA_STAMP): deploy/kafka/pom.xml
	@command -v java >/dev/null || { echo "error: java not found: install a Java runtime," \
	  "17 or newer (Debian: apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
	@command -v mvn >/dev/null || { echo "error: mvn not found: install Maven to fetch" \
	  "the Kafka jars once (Debian: apt-get install maven)" >&2; exit 1; }
	@echo "fetching Apache Kafka $(KAFKA_VERSION) jars into $(KAFKA_JARS) (once)"
	rm -rf $(KAFKA_JARS).partial
	mvn -q -f deploy/kafka/pom.xml dependency:copy-dependencies -DincludeScope=runtime \
	  -DoutputDirectory=$(KAFKA_JARS).partial
	echo "kafka $(KAFKA_VERSION)" > $(KAFKA_JARS).partial/.complete
	rm -rf $(KAFKA_JARS) && mv $(KAFKA_JARS).partial $(KAFKA_JARS)

run: $(RUNTIME_STAMP) $(KAFKA_STAMP)
	$(BIN)/python -m pipeline run

# One BLAS thread: the classifier's training test shares two cores with brokers and
# workers; unbuffered so a CI log shows how far a run got.
test: $(STAMP) $(KAFKA_STAMP) browser
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

bench: $(STAMP) $(KAFKA_STAMP)
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/floor.py
	$(BIN)/python bench/classifier.py
	$(BIN)/python bench/learned.py
	$(BIN)/python bench/stream.py

# Ten minutes at a steady rate with the worker's memory sampled (not part of make test).
soak: $(STAMP) $(KAFKA_STAMP)
	$(BIN)/python bench/soak.py --minutes 10

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests bench scripts
	$(BIN)/ruff format --check pipeline tests bench scripts

format: $(STAMP)
	$(BIN)/ruff format pipeline tests bench scripts
	$(BIN)/ruff check --fix pipeline tests bench scripts

# Also wipes .wires/: the broker's data of `make run` (stories, offsets, changelogs).
# The jar cache outside the repository stays (rm -rf $(KAFKA_JARS) to refetch).
clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis test-output bench-output .wires
