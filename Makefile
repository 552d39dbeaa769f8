# One command per habit. Each target makes or reuses .venv and installs what it needs,
# so a fresh machine needs only Python 3.11+ and make.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test bench lint clean

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "minsheng needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[pg,spark]" --group dev
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## synthetic county → import into SQLite → summary → web page on 127.0.0.1:8000
	$(BIN)/minsheng demo

test: $(STAMP)  ## unit + integration (SQLite and PostgreSQL) + e2e
	$(BIN)/python -m pytest

bench: $(STAMP)  ## performance targets of the issues, as a table
	$(BIN)/python benchmarks/run.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) minsheng-data .pytest_cache .mypy_cache .ruff_cache
