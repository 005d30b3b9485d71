# RECPnet Portal. `make run` serves the portal with demo data; `make test` runs the suite.
# With DATABASE_URL / REDIS_URL unset: SQLite and in-process tasks. With them set: PostgreSQL
# and Redis (start `make worker` beside `make run`).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate demo worker lint format typecheck checks backup restore bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip uv

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) load_demo

run: demo
	$(MANAGE) runserver $(HOST):$(PORT)

worker: install
	$(BIN)/celery -A recpnet worker --beat --loglevel=INFO --concurrency=2 \
		--scheduler django_celery_beat.schedulers:DatabaseScheduler

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install
	$(BIN)/mypy .

checks: lint typecheck
	$(BIN)/lint-imports
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check

BACKUP_DIR ?= backups
backup: install
	@mkdir -p $(BACKUP_DIR)
	$(MANAGE) backup --dir $(BACKUP_DIR)

restore: install
	@test -n "$(FILE)" || (echo "usage: make restore FILE=backups/recpnet-….dump" >&2; exit 2)
	$(MANAGE) restore "$(FILE)"

bench: install
	$(BIN)/python bench/rollup.py
	bash bench/web.sh

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
