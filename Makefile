# The README's commands. Everything a fresh clone needs is installed from here.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py

.PHONY: run serve test lint format clean bench bench-scale bench-http loadtest

# Reinstall only when the dependencies change.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet ".[test]"
	touch $@

# axe-core for the browser tests' accessibility checks, pinned in tests/browser's
# package-lock.json; reinstalled only when that lock changes. (npm keeps the package's own
# file dates, hence the touch.)
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund
	touch $@

run: $(BIN)/.installed
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo_content --if-empty
	$(MANAGE) ensure_admin
	@echo "Serving on http://127.0.0.1:$(PORT)/ (admin: http://127.0.0.1:$(PORT)/admin/)"
	$(MANAGE) runserver 127.0.0.1:$(PORT)

# The production configuration on this machine: production settings (DEBUG off), gunicorn
# with site_config/gunicorn.conf.py, static files collected and served by whitenoise. For
# checking that configuration over plain HTTP; `make run` is for working on the site. The
# environment's SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL are used when set; without a
# SECRET_KEY a throwaway one is made for this run. The secure cookies of production mean
# that logging in to the admin over http:// may not work here: use `make run` for that.
serve: $(BIN)/.installed
	@export DJANGO_SETTINGS_MODULE=site_config.settings.production \
	  ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}" \
	  WAGTAILADMIN_BASE_URL="$${WAGTAILADMIN_BASE_URL:-http://127.0.0.1:$(PORT)}" \
	  SECURE_SSL_REDIRECT=false BIND=127.0.0.1:$(PORT); \
	if [ -z "$$SECRET_KEY" ]; then \
	  echo "SECRET_KEY is not set: using a throwaway key, for this local run only."; \
	  export SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	fi; \
	set -e; \
	$(MANAGE) migrate --noinput; \
	$(MANAGE) collectstatic --noinput -v 0; \
	$(MANAGE) load_demo_content --if-empty; \
	echo "Serving the production configuration on http://127.0.0.1:$(PORT)/ (Ctrl-C stops)"; \
	exec $(BIN)/gunicorn -c site_config/gunicorn.conf.py site_config.wsgi

test: $(BIN)/.installed-test $(AXE)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Both benchmarks (bench/README.md): the scale benchmark, SQLite and PostgreSQL at 10,000 and
# 100,000 stories in-process, then the HTTP benchmark, gunicorn under wrk.
bench: $(BIN)/.installed-test
	$(BIN)/python bench/run.py
	$(BIN)/python -m bench.http_bench

bench-scale: $(BIN)/.installed-test
	$(BIN)/python bench/run.py

bench-http: $(BIN)/.installed
	$(BIN)/python -m bench.http_bench

# The load test (bench/README.md): 64 visitors for 60 s, then 64 connections asking without
# a pause for 60 s, on PostgreSQL and Redis while an editor publishes;
# LOADTEST_SECONDS=10 for a quick check.
loadtest: $(BIN)/.installed
	$(BIN)/python -m bench.loadtest

clean:
	rm -rf $(VENV) static_root test-results tests/browser/node_modules
