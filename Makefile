# Two commands on a fresh machine (Python 3.11, pip, make): `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: serve test test-slow lint typecheck docs install notebooks benchmark-data clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e ".[dev,scale,docs]"
	touch $@

install: $(VENV)/.installed

# The HTTP scoring service on http://127.0.0.1:8000 (docs at /docs): bundled default model, SQLite under
# ./data (created on first run). With no API key yet, the first run creates one and prints it once.
# One worker process per available core (--workers 0); /metrics sums them, the rate limits are shared by them.
# Settings: DETECTOR_* environment variables (see docs/operations.md, "Settings").
serve: install
	$(BIN)/detector serve --workers 0

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy strict on detector/ ([tool.mypy] in pyproject.toml); .mypy_cache makes a rerun take seconds
typecheck: install
	$(BIN)/mypy

# The documentation site (mkdocs.yml: docs/*.md, the API reference from the docstrings) into site/ (git-ignored).
# --strict: any warning fails, e.g. a broken link or anchor; a hook also checks README.md's links and size.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

test: lint typecheck docs
	$(BIN)/python -m pytest

# The tests marked slow (over ~10 s each: the notebooks top to bottom, several server processes); CI runs them
# after `make test`.
test-slow: install
	$(BIN)/python -m pytest -m slow

# The research notebooks at their research-sized defaults; executed copies (with outputs, plots) and their
# artefacts go to notebooks/output/ (git-ignored). `make test` runs them on small data (tests/test_notebooks.py).
notebooks: install
	$(BIN)/python notebooks/run.py

# The real load files the benchmarks read, for a clone without ../shared/data: downloaded from the public
# repositories and commits pinned in benchmarks/fetch_data.py (openpyxl reads ERCOT's workbooks), converted,
# checked against pinned content checksums, into $$DETECTOR_BENCHMARK_DATA (default ~/.cache/detector-benchmarks).
# The only target that downloads anything; the package and the tests never do.
benchmark-data: install
	$(BIN)/python -m pip install -q "openpyxl>=3.1"
	$(BIN)/python benchmarks/fetch_data.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache site
