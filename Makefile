# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: install run test test-fast migrate seed demo-users worker beat sign-head bench lint messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	@echo "Installing Python packages into $(VENV) (first run takes a minute)..."
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

install: $(VENV)/.installed

# The embedded default: SQLite, local media, tasks in-process, demonstration data.
run: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed
	DEBUG=1 $(BIN)/python manage.py demo_users
	@$(MAKE) --no-print-directory sign-head
	@echo "Demo mode (DEBUG=1): staff sign in with a password only; with DEBUG off every staff account also needs a TOTP code."
	@echo "Serving on http://$(HOST)/admin/ (Ctrl-C to stop)"
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST)

# The whole suite. With DATABASE_URL/REDIS_URL set (as .ci/run does) it also runs
# against PostgreSQL and a real Celery worker on Redis; without them, on SQLite.
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

worker: install
	$(BIN)/celery -A config worker --loglevel=INFO

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO

# Without beat (the embedded default), sign a tree head by hand: what beat's task does.
sign-head: install
	DEBUG=1 $(BIN)/python manage.py shell -c \
		"from evidence.ledger_tasks import sign_tree_head; print('tree head signed at size', sign_tree_head())"

# Benchmarks (not tests) need PostgreSQL and Redis; these defaults suit the dev machine.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/evidence_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/7
bench: install
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(BENCH_REDIS_URL)} \
		SECRET_KEY=$${SECRET_KEY:-bench-only-secret-key-long-enough-for-the-production-check-01} $(BIN)/python bench/run.py $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .

# Languages (README: Languages). Re-extract the project's own strings into locale/<lang>/LC_MESSAGES/django.po
# (new ones arrive untranslated, changed ones fuzzy), then compile the .mo files, which are committed so that
# `make run` needs no gettext. Translate the new entries, run it again, and commit both files.
# Needs GNU gettext (apt-get install gettext).
LANGUAGES_TRANSLATED := uk ru
MESSAGES_IGNORE := --ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=node_modules
messages: install
	DEBUG=1 $(BIN)/python manage.py makemessages $(addprefix -l ,$(LANGUAGES_TRANSLATED)) $(MESSAGES_IGNORE) \
		--no-obsolete --add-location=file
	DEBUG=1 $(BIN)/python manage.py compilemessages $(addprefix -l ,$(LANGUAGES_TRANSLATED)) $(MESSAGES_IGNORE)
	@for lang in $(LANGUAGES_TRANSLATED); do \
		printf '%s: ' $$lang; msgfmt --statistics -o /dev/null locale/$$lang/LC_MESSAGES/django.po; done

clean:
	rm -rf $(VENV) db.sqlite3 var
