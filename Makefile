# The README's commands. Everything a fresh clone needs is installed from here.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py

.PHONY: run test lint format clean bench

# Reinstall only when the dependencies change.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet ".[test]"
	touch $@

run: $(BIN)/.installed
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo_content --if-empty
	$(MANAGE) ensure_admin
	@echo "Serving on http://127.0.0.1:$(PORT)/ (admin: http://127.0.0.1:$(PORT)/admin/)"
	$(MANAGE) runserver 127.0.0.1:$(PORT)

test: $(BIN)/.installed-test
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The scale benchmark (bench/README.md): SQLite and PostgreSQL at 10,000 and 100,000 stories.
bench: $(BIN)/.installed-test
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) static_root test-results
