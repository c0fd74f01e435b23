# The two set-up commands: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml requirements.lock web/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip sync --python $(BIN)/python --quiet requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --quiet --no-deps -e .
	# The pages' scripts (ECharts), from the npm registry, served by Shuzhi itself.
	npm ci --prefix web --no-audit --no-fund --silent
	mkdir -p web/static/vendor && cp web/node_modules/echarts/dist/echarts.min.js web/static/vendor/
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/shuzhi demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy .
	# A second conftest module is a duplicate name to mypy: checked on its own.
	$(BIN)/mypy tests/web/conftest.py

unit: install
	$(BIN)/pytest -n 2 --dist loadfile --durations=30

test: lint typecheck unit

clean:
	rm -rf $(VENV) web/node_modules .shuzhi .pytest_cache .mypy_cache .ruff_cache
