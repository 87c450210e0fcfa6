# Two commands on a fresh machine (Python 3.11, pip, make): `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: serve test lint install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# Until the HTTP scoring service exists (issue 5), serve runs the main job offline: it scores the
# bundled sample feeders with the bundled default model and writes a ranked inspection list.
serve: install
	$(BIN)/detector score sample_data/tehran_feeders.parquet --tz Asia/Tehran --out scores.csv --segments segments.csv

lint: install
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
