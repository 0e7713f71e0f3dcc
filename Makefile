# Two commands do all set-up on a fresh machine with Python 3.11 and make:
#   make run   - install, then run every service embedded (SQLite, local files, demo province)
#   make test  - install, then run the whole suite
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000
FONT   := /usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf
# Redocly CLI, run from the npm registry by npx, lints the OpenAPI document (redocly.yaml)
REDOCLY := @redocly/cli@2.77.0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install run test lint lint-api fmt bench schema clean lock

# The lock files (every package, exact version, sha256 of each file) that make, the Dockerfile and CI
# install from: requirements/runtime.lock (the image) and requirements/dev.lock (+ the dev extra).
# `make lock` regenerates both from pyproject.toml against PyPI alone (local pip configuration, find-links
# and mirrors are ignored, so every machine writes the same file).
RUNTIME_LOCK := requirements/runtime.lock
DEV_LOCK     := requirements/dev.lock
PIP_TOOLS    := pip-tools==7.6.2
PIP_COMPILE  := env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT \
	PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock" \
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	--index-url https://pypi.org/simple pyproject.toml

# Debian packages some figures and tests need, installed when missing and we may (root with apt):
# clamd (the malware-scanner adapter is tested against a real one; in CI its absence fails the
# run), chromium (the web workspace's browser tests; in CI its absence fails the run), wrk (the
# preview throughput figure), pdftotext/pdftoppm (the papers are read back and rendered in the
# tests), a serif font covering Vietnamese for the papers' PDF (Liberation Serif, metrically
# Times New Roman) and pg_dump/pg_restore (the backup and restore drill of the topology test).
# $(1): the command or file, $(2): the package.
# the suite on every core (pytest-xdist), a test file per worker at a time: a file's module-scoped
# fixtures (the real topology, the browser's server) are built once. `make test TEST_WORKERS=` runs
# it in one process.
TEST_WORKERS ?= -n auto --dist loadfile

define ensure_pkg
	@command -v $(1) >/dev/null 2>&1 || [ -x /usr/sbin/$(1) ] || [ -e $(1) ] || { [ "$$(id -u)" = 0 ] \
	  && command -v apt-get >/dev/null 2>&1 && { apt-get install -y -q $(2) >/dev/null 2>&1 \
	  || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q $(2) >/dev/null 2>&1; }; }; } \
	  || echo "note: could not install $(2); what needs $(1) will say so"
endef

$(STAMP): pyproject.toml $(DEV_LOCK)
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@$(BIN)/python -c "import fastapi, sqlmodel, shared, services" 
	@touch $(STAMP)

install: $(STAMP)

lock:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet '$(PIP_TOOLS)'
	$(PIP_COMPILE) --output-file $(RUNTIME_LOCK)
	$(PIP_COMPILE) --extra dev --output-file $(DEV_LOCK)

run: $(STAMP)
	$(call ensure_pkg,$(FONT),fonts-liberation)
	PORT=$(PORT) $(BIN)/python -m services.run

test: $(STAMP)
	$(call ensure_pkg,clamd,clamav-daemon)
	$(call ensure_pkg,chromium,chromium)
	$(call ensure_pkg,pdftotext,poppler-utils)
	$(call ensure_pkg,$(FONT),fonts-liberation)
	$(call ensure_pkg,pg_dump,postgresql-client)
	$(BIN)/python -m pytest $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# the OpenAPI document (and docs/api.md from it) and the GraphQL schema, checked in: regenerate
# after changing the API
schema: $(STAMP)
	$(BIN)/python -m services.gateway.openapi_export
	$(BIN)/python -m services.gateway.api_docs
	$(BIN)/python -m services.gateway.graphql.export

lint-api:
	@command -v npx >/dev/null 2>&1 || { echo "npx (Node.js) is required to lint the API"; exit 1; }
	npx --yes $(REDOCLY) lint openapi.json --config redocly.yaml

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(call ensure_pkg,wrk,wrk)
	$(call ensure_pkg,$(FONT),fonts-liberation)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data .mypy_cache .ruff_cache .pytest_cache
