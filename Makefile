# Shebao Flow — the two set-up commands: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install system-deps vendor test lint demo clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

system-deps:
	bash scripts/install-system-deps.sh

# Browser libraries served from web/static/vendor (the BPMN viewer): exact versions from the
# committed package-lock.json, fetched from the npm registry; no CDN at run time.
VENDOR := web/static/vendor
$(VENDOR)/node_modules/.package-lock.json: $(VENDOR)/package.json $(VENDOR)/package-lock.json
	npm ci --prefix $(VENDOR) --no-audit --no-fund --ignore-scripts --loglevel=error

vendor: $(VENDOR)/node_modules/.package-lock.json

install: system-deps $(STAMP) vendor

lint: install
	$(BIN)/ruff check .

test: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	bash scripts/run-tests.sh

demo: install
	$(BIN)/shebao demo

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
