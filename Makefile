# Two entry points from a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test bench eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip wheel setuptools

$(STAMP): pyproject.toml | $(BIN)/python
	# torch first, pinned: the CPU wheel for exactly this version is provided; anything else pulls CUDA.
	$(BIN)/pip install "torch==2.13.0"
	$(BIN)/pip install -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/textlens run corpora/demo --db demo.db
	$(BIN)/textlens export --db demo.db --format jsonl --out demo_export.jsonl
	$(BIN)/textlens report --db demo.db --out demo_report.html

test: setup
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

bench: setup
	$(BIN)/pip install -e ".[dev,bench]"
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) demo.db demo_export.jsonl demo_report.html
