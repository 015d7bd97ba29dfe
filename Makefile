# The template's two entry points: `make demo` and `make test`. Both need only Python 3.11+.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DIR := build/demo
DEMO_PROJECT := $(DEMO_DIR)/my_backend
DEMO_BIN := $(abspath build/demo-venv/bin)

.PHONY: help demo test lint bench clean

help:
	@echo "make demo   bake the default project and serve it on http://127.0.0.1:8000/docs"
	@echo "make test   install the test requirements and run the template's whole test suite"
	@echo "make lint   ruff and black on the template's own code"
	@echo "make bench  load figures of the baked SQLite and PostgreSQL projects (bench/README.md)"
	@echo "make clean  remove the virtual environment and build/"

$(BIN)/.installed: requirements-test.txt tools/baked_requirements.py tools/baking.py cookiecutter.json $(wildcard {{cookiecutter.project_slug}}/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	$(BIN)/python -m tools.baked_requirements $(VENV)/baked-requirements.txt
	$(BIN)/python -m pip install --quiet -r $(VENV)/baked-requirements.txt
	touch $@

test: $(BIN)/.installed
	$(BIN)/python -m pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/black --check .

# Prints figures, never fails on them; BENCH_ARGS passes options, e.g.
# BENCH_ARGS="--with-template-suite" or BENCH_ARGS="--template-ref HEAD".
bench: $(BIN)/.installed
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# The demo gets a virtual environment of its own, filled from the baked pyproject.toml alone.
demo:
	$(PYTHON) -m venv build/demo-venv
	$(DEMO_BIN)/python -m pip install --quiet "cookiecutter>=2.6,<3"
	rm -rf $(DEMO_DIR)
	$(DEMO_BIN)/cookiecutter --no-input . -o $(DEMO_DIR)
	$(DEMO_BIN)/python -m pip install --quiet -e $(DEMO_PROJECT)
	cd $(DEMO_PROJECT) && $(DEMO_BIN)/alembic upgrade head
	cd $(DEMO_PROJECT) && $(DEMO_BIN)/python -m app.initial_data
	@echo "Open http://127.0.0.1:8000/docs and use Authorize with:"
	@grep '^FIRST_ADMIN_' $(DEMO_PROJECT)/.env
	cd $(DEMO_PROJECT) && $(DEMO_BIN)/uvicorn app.main:app --host 127.0.0.1 --port 8000

clean:
	rm -rf $(VENV) build
