# Two commands do all set-up on a fresh machine with Python 3.11 and make:
#   make run   - install, then run every service embedded (SQLite, local files, demo province)
#   make test  - install, then run the whole suite
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000
# Redocly CLI, run from the npm registry by npx, lints the OpenAPI document (redocly.yaml)
REDOCLY := @redocly/cli@2.77.0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install run test lint lint-api fmt bench schema clean

# Debian packages some figures and tests need, installed when missing and we may (root with apt):
# clamd (the malware-scanner adapter is tested against a real one; in CI its absence fails the
# run), chromium (the web workspace's browser tests; in CI its absence fails the run) and wrk (the
# preview throughput figure). $(1): the command, $(2): the package.
define ensure_pkg
	@command -v $(1) >/dev/null 2>&1 || [ -x /usr/sbin/$(1) ] || { [ "$$(id -u)" = 0 ] \
	  && command -v apt-get >/dev/null 2>&1 && { apt-get install -y -q $(2) >/dev/null 2>&1 \
	  || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q $(2) >/dev/null 2>&1; }; }; } \
	  || echo "note: could not install $(2); what needs $(1) will say so"
endef

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip 2>/dev/null
	$(BIN)/python -m pip install --quiet -e '.[dev]' 2>&1 | grep -v "is ignored: it is neither" || true
	@$(BIN)/python -c "import fastapi, sqlmodel, shared, services" 
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	PORT=$(PORT) $(BIN)/python -m services.run

test: $(STAMP)
	$(call ensure_pkg,clamd,clamav-daemon)
	$(call ensure_pkg,chromium,chromium)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

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
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data .mypy_cache .ruff_cache .pytest_cache
