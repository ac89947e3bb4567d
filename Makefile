# Two commands matter: `make demo` and `make test`. Everything else is a stage of the pipeline.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install test lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip setuptools wheel
	$(PY) -m pip install -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q -n 2 tests

lint: $(STAMP)
	$(PY) -m ruff check .

clean:
	rm -rf build *.egg-info .pytest_cache

# The default corpus. Until the procedural motion library lands it is built from the real fixtures.
CORPUS ?= data/corpus/default
simulate: $(STAMP)
	$(PY) -m simulate --source humanml3d --input ../shared/fixtures/humanml3d --output $(CORPUS)

.PHONY: simulate
