# Two commands for a newcomer: `make run` and `make test`. Everything else is for developers.
# The first Python 3.11+ that actually runs (pyenv shims exist for versions that do not).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-unit test-e2e lint format check messages bench cluster install install-dev clean

# Packages are installed with uv (from PyPI, into the venv, itself installed there by pip): the
# same versions as pip resolves, in 34 s instead of 79 s on a fresh 2-core machine.
$(VENV)/bin/activate:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is required (python3 on PATH)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv

$(VENV)/.installed: $(VENV)/bin/activate pyproject.toml
	$(VENV)/bin/uv pip install --quiet --python $(PY) -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(VENV)/bin/uv pip install --quiet --python $(PY) -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

var:
	@mkdir -p var

run: install var
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo_data --if-empty
	$(MANAGE) runserver $(HOST):$(PORT)

# Unit and integration tests in parallel, then the browser journeys on one shared server
# (E2E=0 leaves the journeys out). The API's contract fuzzing runs once a pass: against a live
# server with the demo data, or with LIVE=0 in-process against the WSGI application (CI: live
# in the newcomer's SQLite pass, in-process in the PostgreSQL pass).
# --dist loadgroup: the cluster checks (tests/cluster, one xdist group) share one cluster.
test: install-dev
	$(PY) -m pytest -n 2 --dist loadgroup -m "not e2e and not $(if $(filter 0,$(LIVE)),live,fuzz_in_process)" -q \
		--durations=15
	$(if $(filter 0,$(E2E)),@echo "Browser journeys left out (E2E=0).",$(PY) -m pytest -m e2e -q -p no:randomly)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=portal.settings.test $(MANAGE) check
	DJANGO_SETTINGS_MODULE=portal.settings.test $(MANAGE) makemigrations --check --dry-run

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Regenerate the message catalogues (Chinese is the source language; English is translated).
messages: install-dev
	$(MANAGE) makemessages -l en --ignore=.venv --ignore=var --ignore=bench --ignore=tests
	$(MANAGE) compilemessages --ignore=.venv

bench: install-dev
	$(PY) bench/run.py

# Two gunicorn nodes behind HAProxy, one worker, S3 from moto, on PostgreSQL and Redis (set
# DATABASE_URL and REDIS_URL); the demo data; Ctrl-C stops it all (docs/deploy.md).
cluster: install-dev
	$(PY) -m cluster --port $(or $(CLUSTER_PORT),8100)

clean:
	rm -rf $(VENV) var
