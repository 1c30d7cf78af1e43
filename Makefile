# Two commands set everything up: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# pytest-xdist processes: "auto" is one per CPU; PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto

.PHONY: run test install sysdeps-pdf sysdeps-browser sysdeps-node sysdeps-java sysdeps-ralph migrate demo screenshots lint format bench worker clean help

help:
	@echo "make run     install, migrate, load the demo programme and accounts, serve on http://$(HOST):$(PORT)"
	@echo "make test    install and run the whole suite (browser tests included)"
	@echo "make lint    ruff and the migrations check"
	@echo "make worker  run the background task worker (production-like setups)"
	@echo "make bench   run the benchmarks in bench/"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

# System libraries: Pango for WeasyPrint (PDF certificates), Debian's Chromium for browser tests.
sysdeps-pdf:
	@bash scripts/sysdeps.sh pdf

sysdeps-browser:
	@bash scripts/sysdeps.sh browser

# Node.js for the SSO tests' OpenID provider (tests/sso/provider; its npm packages install at test time).
sysdeps-node:
	@bash scripts/sysdeps.sh node

# Ralph, the real LRS of the xAPI tests and bench/xapi.py, in a venv of its own: ralph-malph[cli,lrs]
# 5.1.0 pins FastAPI, uvicorn, sentry-sdk and click exactly, which would downgrade ours (docs/xapi.md).
RALPH_VENV ?= tests/xapi/.ralph-venv
sysdeps-ralph:
	@test -x $(RALPH_VENV)/bin/uvicorn || { $(PYTHON) -m venv --clear $(RALPH_VENV) && \
		$(RALPH_VENV)/bin/python -m pip install --quiet "ralph-malph[cli,lrs]==5.1.0" "requests>=2.31"; }

# Java for the Nu HTML Checker (vnu.jar, from npm) that the page-quality tests run (docs/quality.md).
sysdeps-java:
	@bash scripts/sysdeps.sh java

migrate: install
	$(PY) manage.py migrate --noinput

# Public links (certificate QR codes, verification and LinkedIn links, emails) use the address `make run`
# serves on, unless WAGTAILADMIN_BASE_URL or MICROLEARN_BASE_URL is set: load_demo aligns the Wagtail Site.
run demo: export WAGTAILADMIN_BASE_URL ?= http://$(HOST):$(PORT)

demo: migrate
	$(PY) manage.py load_demo

run: install sysdeps-pdf demo
	@echo "Serving on http://$(HOST):$(PORT)/  (admin at /admin/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# --dist loadgroup: tests marked xdist_group stay on one worker (the page-quality crawl runs once).
test: install sysdeps-pdf sysdeps-browser sysdeps-node sysdeps-java sysdeps-ralph
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# docs/screenshots/: the main screens at 1366 and 390 px, from a fresh demo database (scripts/screenshots.py).
screenshots: install sysdeps-browser
	$(PY) scripts/screenshots.py

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Locally, pair it with `TASKS_BACKEND=db make run` so the site queues tasks instead of running them.
worker: install
	TASKS_BACKEND=db $(PY) manage.py lms_worker

# bench/load.py and bench/scale.py need PostgreSQL (BENCH_DATABASE_URL, default 127.0.0.1:5432) and take
# minutes at full size, so `make bench` runs them small and skips them, with a note, without PostgreSQL.
# Full-size commands and figures: docs/performance.md.
SCALE_BENCH_ARGS ?= --sizes 1000,10000 --skip-without-postgres
LOAD_BENCH_ARGS ?= --participants 10000 --duration 10 --skip-without-postgres
SCIM_BENCH_ARGS ?= --sync 2000 --people 20000

bench: install sysdeps-pdf sysdeps-ralph
	@for f in bench/*.py; do case $$f in */_*) continue;; esac; \
	  case $$f in */scale.py) args="$(SCALE_BENCH_ARGS)";; */load.py) args="$(LOAD_BENCH_ARGS)";; */scim.py) args="$(SCIM_BENCH_ARGS)";; *) args="";; esac; \
	  echo "== $$f $$args"; $(PY) $$f $$args || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .test-media staticfiles
