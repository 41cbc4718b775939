# hotel_crm — `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
# Local commands run with DEBUG on unless the environment says otherwise;
# production starts gunicorn itself with DEBUG unset (see README).
DEV := DEBUG=$${DEBUG:-1}

# The first interpreter that is Python 3.12 or newer: PATH first, then pyenv's
# versions (pyenv's shims fail unless a version is selected, so they are tried
# but usually skipped), then the usual install locations.
FIND_PYTHON = for c in python3.14 python3.13 python3.12 python3 \
	$$(ls -d "$$(pyenv root 2>/dev/null || echo $$HOME/.pyenv)"/versions/3.1[2-9]*/bin/python3 \
	         /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9] 2>/dev/null | sort -rV); do \
	if "$$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then \
	  command -v "$$c" 2>/dev/null || echo "$$c"; break; fi; done
PYTHON ?= $(shell $(FIND_PYTHON))

.PHONY: help
help: ## List every target with a one-line description
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: python
python: ## Show which Python 3.12+ interpreter the Makefile uses
	@if [ -z "$(PYTHON)" ]; then \
	  echo "ERROR: no Python 3.12 or newer found (Django 6 needs it)." >&2; \
	  echo "Looked for python3.14/3.13/3.12/python3 on PATH and under pyenv's versions." >&2; \
	  echo "Install one (e.g. 'pyenv install 3.12' or your OS package python3.12)," >&2; \
	  echo "or point to it: make PYTHON=/path/to/python3.12 <target>" >&2; \
	  exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"

$(STAMP): pyproject.toml | python
	@if [ -x "$(PY)" ] && ! "$(PY)" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then \
	  echo "Removing $(VENV): it was made with Python < 3.12"; rm -rf "$(VENV)"; fi
	@[ -x "$(PY)" ] || "$(PYTHON)" -m venv "$(VENV)"
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

.PHONY: install
install: $(STAMP) ## Create or update the virtualenv (.venv) with the app and dev tools

.PHONY: migrate
migrate: install ## Apply database migrations
	$(DEV) $(PY) manage.py migrate --no-input

.PHONY: demo
demo: migrate ## Load the demo hotel group, rooms and staff (idempotent)
	$(DEV) $(PY) manage.py load_demo

.PHONY: run
run: demo ## Set up everything and start web server, Celery worker and beat (Ctrl-C stops all)
	$(DEV) $(PY) manage.py runall --host $(HOST) --port $(PORT)

.PHONY: demo-code
demo-code: install ## Print the current authenticator code of the demo's grm, roomsadmin and admin
	@$(DEV) $(PY) manage.py demo_code

# Test processes (pytest-xdist): one per core; the real-worker and browser tests keep to one process each
# (XDIST_GROUPS in tests/conftest.py). `make test PYTEST_WORKERS=0` runs everything in this process.
PYTEST_WORKERS ?= auto

.PHONY: test
test: install ## Run the whole test suite (SQLite by default; PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Every check runs, and the target fails if any did.
.PHONY: lint
lint: install ## Check style (ruff), the layers and import cycles (import-linter) and the types (mypy)
	@status=0; \
	echo "== ruff"; $(PY) -m ruff check . && $(PY) -m ruff format --check . || status=1; \
	echo "== import-linter"; $(VENV)/bin/lint-imports || status=1; \
	echo "== mypy"; $(PY) -m mypy || status=1; \
	exit $$status

.PHONY: format
format: install ## Reformat code with ruff
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

.PHONY: checks
checks: install ## Django system checks: deploy checks under production settings and missing migrations
	env -u DEBUG SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	  ALLOWED_HOSTS=crm.hotel.example GUEST_LINK_BASE_URL=https://crm.hotel.example \
	  $(PY) manage.py check --deploy --fail-level WARNING
	$(DEV) $(PY) manage.py makemigrations --check --dry-run

.PHONY: messages
messages: install ## Recompile the translation catalogues (needs GNU gettext)
	$(DEV) $(PY) manage.py compilemessages --ignore=.venv

.PHONY: bench-reminders
bench-reminders: migrate ## Benchmark: drain 10,000 due reminders with real workers
	env -u DEBUG SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	  ALLOWED_HOSTS=localhost $(PY) manage.py bench_reminders --count $${COUNT:-10000} --workers $${WORKERS:-2}

# The page benchmark's database: its own, so the data set survives between runs.
BENCH_DATABASE_URL ?= $${DATABASE_URL:-postgres://hotel_crm@127.0.0.1:5432/hc_bench}
BENCH_SMOKE_DATABASE_URL ?= postgres://hotel_crm@127.0.0.1:5432/hc_bench_smoke

.PHONY: bench
bench: install ## Benchmark the main pages at 1M guests/cases under gunicorn (PostgreSQL; docs/performance.md)
	env -u DEBUG AUTH_CONTEXT_CACHE=$${AUTH_CONTEXT_CACHE:-1} DATABASE_URL="$(BENCH_DATABASE_URL)" SECRET_KEY=bench-only-not-served-$$RANDOM$$RANDOM$$RANDOM \
	  ALLOWED_HOSTS=127.0.0.1 $(PY) manage.py bench_pages --clients "$${BENCH_CLIENTS-1,2,4,8,16}" \
	  --chart "$${BENCH_CHART:-var/bench/concurrency.svg}"

.PHONY: bench-coverage
bench-coverage: install ## Benchmark courtesy coverage in SQL over a million stays (PostgreSQL; rolled back after)
	env -u DEBUG DATABASE_URL="$(BENCH_DATABASE_URL)" SECRET_KEY=bench-only-not-served-$$RANDOM$$RANDOM$$RANDOM \
	  ALLOWED_HOSTS=127.0.0.1 $(PY) manage.py migrate --no-input -v0
	env -u DEBUG DATABASE_URL="$(BENCH_DATABASE_URL)" SECRET_KEY=bench-only-not-served-$$RANDOM$$RANDOM$$RANDOM \
	  ALLOWED_HOSTS=127.0.0.1 $(PY) manage.py bench_coverage --stays $${STAYS:-1000000}

.PHONY: bench-smoke
bench-smoke: install ## The harness at 10k guests/cases for a few seconds; fails if a page's query count passes its budget (CI)
	env -u DEBUG AUTH_CONTEXT_CACHE=$${AUTH_CONTEXT_CACHE:-1} DATABASE_URL="$(BENCH_SMOKE_DATABASE_URL)" SECRET_KEY=bench-only-not-served-$$RANDOM$$RANDOM$$RANDOM \
	  ALLOWED_HOSTS=127.0.0.1 $(PY) manage.py bench_pages --recreate-database \
	  --guests 10000 --complaints 10000 --seconds $${BENCH_SECONDS:-8} --warmup 2 --out var/bench-smoke.json \
	  --budget docs/bench/query-budget.json $(BENCH_SMOKE_ARGS)

.PHONY: shell
shell: install ## Open a Django shell
	$(DEV) $(PY) manage.py shell

.PHONY: clean
clean: ## Remove the virtualenv and local data (var/: SQLite database, broker folders)
	rm -rf $(VENV) var
