# Two commands for a fresh machine (see README): `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := kiosk

.PHONY: run test install install-test chromium nginx translations lint serve-prod check-deploy vendor bench wrk

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed-production: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[production]'
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel -q compile -d kiosk/translations

# Install, migrate, load demo data into an empty database and serve http://127.0.0.1:5000 with the demo logins printed.
run: install
	$(VENV)/bin/flask db upgrade
	$(VENV)/bin/flask seed-demo --if-empty
	$(VENV)/bin/flask run --host $(HOST) --port $(PORT)

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The deploy tests put Debian's nginx in front of two gunicorn instances.
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  echo "Installing Debian's nginx for the deploy tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }

install-test: install $(VENV)/.installed-test chromium nginx

# The whole test suite (domain rules, web requests, real browser). DATABASE_URL=postgresql://... runs it on PostgreSQL.
# One process per core (at most 4), each on a database of its own (tests/conftest.py); TEST_WORKERS=0: one process.
TEST_WORKERS ?= auto
test: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest --numprocesses $(TEST_WORKERS) --maxprocesses 4 --dist loadgroup

lint: install-test
	$(VENV)/bin/ruff check .

# Production: the settings come from the environment (README "Production"). The preflight names every
# problem; gunicorn's own start (kiosk/gunicorn_conf.py) refuses the fatal ones.
check-deploy: $(VENV)/.installed-production translations
	$(VENV)/bin/flask check-deploy

serve-prod: $(VENV)/.installed-production translations
	$(VENV)/bin/flask db upgrade
	$(VENV)/bin/gunicorn --config python:kiosk.gunicorn_conf --workers 4 --bind $(HOST):$(PORT) wsgi:app

# The Lucide icons the pages draw (kiosk.web.templating.icon): only these are vendored.
LUCIDE_ICONS := bell house clipboard-list message-square-warning wrench user-search package briefcase mic \
	landmark id-card circle-ellipsis calendar-check log-out clipboard-check check square printer phone

# Refresh vendored front-end files from the npm registry (versions pinned in package.json).
vendor:
	npm install --no-audit --no-fund
	cp node_modules/htmx.org/dist/htmx.min.js kiosk/static/vendor/htmx/htmx.min.js
	cp node_modules/htmx.org/LICENSE kiosk/static/vendor/htmx/LICENSE
	rm -rf kiosk/static/vendor/lucide && mkdir -p kiosk/static/vendor/lucide
	for icon in $(LUCIDE_ICONS); do cp node_modules/lucide-static/icons/$$icon.svg kiosk/static/vendor/lucide/; done
	cp node_modules/lucide-static/LICENSE kiosk/static/vendor/lucide/LICENSE

# The speed figures (README "Speed"): Debian's wrk drives gunicorn on SQLite, then on PostgreSQL
# (BENCH_DATABASE_URL: its name prefixes the bench's own databases; the data is cached between runs).
BENCH_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/kiosk_bench
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installing Debian's wrk for the benchmarks"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

bench: install-test wrk
	$(PY) bench/speed.py
	$(PY) bench/speed.py --database-url $(BENCH_DATABASE_URL)
