# Two commands: `make run` serves the platform on 127.0.0.1:8000 (PORT=, HOST= to change) with its task
# worker, `make test` runs lint and tests.
# Both create .venv with Python 3.12+ when it is missing and install the pinned requirements.

PYTHON ?= $(shell for p in python3.12 python3.13 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The address a browser uses for the served site: its origin is the one WebSockets and CSRF accept in
# development, and links in e-mails start with it. A server bound to every interface is reached locally.
SITE_URL ?= http://$(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST)):$(PORT)

.PHONY: run test lint install messages migrate demo clean prod-check

$(VENV)/.installed: requirements.txt constraints.txt
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (python3.12 or python3.13)."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo_data

# The web server and the task worker, side by side (Procfile); one Ctrl-C stops both.
run: demo
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" HOST=$(HOST) PORT=$(PORT) SITE_URL=$(SITE_URL) $(VENV)/bin/honcho start

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=livinglab.settings.test $(PY) manage.py makemigrations --check --dry-run

test: lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Production settings: deploy checks, collectstatic, real pages and sockets served by gunicorn with uvicorn
# workers on a throwaway SQLite database (deploy/prod_check.py). With DATABASE_URL=postgres://... (an empty
# database) and REDIS_URL=redis://... it serves on those too, as production runs, with a push through Redis.
prod-check: install
	$(PY) deploy/prod_check.py

messages: install
	$(PY) manage.py makemessages -l ko --ignore=.venv --ignore=staticfiles --ignore=node_modules
	$(PY) manage.py makemessages -d djangojs -l ko --ignore=.venv --ignore=staticfiles --ignore=node_modules
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles .test-media .pytest_cache
