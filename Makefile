# careerbot — the two commands are `make run` and `make test`.
# Everything the project needs is installed by these targets on a fresh machine.

VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
PYTHON ?= $(shell command -v python3.11 || command -v python3)
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.test-installed

.PHONY: run install test test-deps lint ingest clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# CPU torch first: anything that depends on torch would otherwise pull the CUDA build.
$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e .
	@touch $@

install: $(STAMP)

$(TSTAMP): $(STAMP)
	$(PIP) install --quiet -e '.[test]'
	@touch $@

test-deps: $(TSTAMP)

# Index (incremental: unchanged documents cost nothing), then serve.
run: install
	$(VENV)/bin/careerbot ingest
	@if [ -f app.py ]; then $(PY) app.py; else \
	  echo; echo "Index ready. Try:  $(VENV)/bin/careerbot corpus"; fi

ingest: install
	$(VENV)/bin/careerbot ingest

test: test-deps
	$(PY) -m pytest

lint: test-deps
	$(VENV)/bin/ruff check .

clean:
	rm -rf data build .pytest_cache .ruff_cache
