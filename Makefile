# careerbot — the two commands are `make run` and `make test`.
# Everything the project needs is installed by these targets on a fresh machine.

VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
PYTHON ?= $(shell command -v python3.11 || command -v python3)
STAMP  := $(VENV)/.installed
FSTAMP := $(VENV)/.fast-installed
TSTAMP := $(VENV)/.test-installed

.PHONY: run install test test-fast test-deps lint ingest eval bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# CPU torch first: anything that depends on torch would otherwise pull the CUDA build.
$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e .
	@touch $@

install: $(STAMP)

# llama-cpp-python (a real local OpenAI-compatible server for the generative tests)
# builds from source in ~4 minutes: build the wheel once per machine into build/wheels.
# Native CPU tuning off, or generation segfaults on VMs that hide AMX (docs/ARCHITECTURE.md).
LLAMA_VERSION := 0.3.36
WHEELS := build/wheels
LLAMA_CMAKE := -DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF \
	-DGGML_AMX_BF16=OFF -DGGML_BACKEND_DL=OFF -DGGML_CPU_ALL_VARIANTS=OFF

$(WHEELS)/.llama-$(LLAMA_VERSION): | $(PY)
	mkdir -p $(WHEELS)
	CMAKE_ARGS="$(LLAMA_CMAKE)" CMAKE_BUILD_PARALLEL_LEVEL=2 \
	  $(PIP) wheel --quiet --no-deps -w $(WHEELS) llama-cpp-python==$(LLAMA_VERSION)
	@touch $@

# Browser tests drive Debian's chromium with Playwright (never `playwright install`).
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

$(FSTAMP): $(STAMP)
	$(PIP) install --quiet -e '.[test]'
	@touch $@

$(TSTAMP): $(FSTAMP) $(WHEELS)/.llama-$(LLAMA_VERSION) | $(CHROMIUM)
	$(PIP) install --quiet --find-links $(WHEELS) "llama-cpp-python[server]==$(LLAMA_VERSION)"
	@touch $@

test-deps: $(TSTAMP)

# Index (incremental: unchanged documents cost nothing), then serve.
run: install
	$(VENV)/bin/careerbot ingest
	@if [ -f app.py ]; then $(PY) app.py; else \
	  echo; echo "Index ready. Try:  $(VENV)/bin/careerbot corpus"; fi

ingest: install
	$(VENV)/bin/careerbot ingest

# Everything: the real model, real Chroma, a live server, a real browser, a local LLM.
test: test-deps
	$(PY) -m pytest

# The fast tier (about a minute): every test that needs no model, browser or LLM
# server; ingest and the chain run with the built-in `hash` embedder.
test-fast: $(FSTAMP)
	$(PY) -m pytest -m "not slow" -q

eval: install
	$(VENV)/bin/careerbot eval --gate

# Not part of `make test`: takes ~20 minutes (the 100k-chunk index dominates).
bench: install
	$(PIP) install --quiet -e '.[bench]'
	$(PY) bench/run.py

lint: $(FSTAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf data build .pytest_cache .ruff_cache
