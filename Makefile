# SEGIB citizen assistant. `make run` and `make test` set up everything on a fresh clone.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
TRAINING_DATA := data/nlu data/rules.yml data/stories.yml
WEB_STAMP := web/node_modules/.installed

.PHONY: run shell test install train validate clean help web chromium services doctor

help:
	@echo "make run    install, train if needed, start the assistant (REST on 127.0.0.1:5005)"
	@echo "           and the demo page with the chat widget (http://localhost:8080)"
	@echo "make shell  chat with the assistant in the terminal"
	@echo "make test   install test dependencies and run the whole test suite"
	@echo "make train  train the model if its inputs changed (models/segib-<hash>.tar.gz)"
	@echo "make validate  check the knowledge file and the Rasa training data"
	@echo "make doctor  say what is unsafe in this deployment's settings (see docs/production.md)"

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@test -x $(PY) || "$$(scripts/find_python.sh)" -m venv $(VENV)
	$(PIP) install --disable-pip-version-check -q -r requirements-dev.txt -c constraints.txt
	$(PIP) check
	@touch $(STAMP)

install: $(STAMP)

# The web widget's JavaScript (socket.io client), from the npm registry with the lock file.
$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $(WEB_STAMP)

web: $(WEB_STAMP)

# Debian's chromium for the browser tests (Playwright drives it; it downloads no browser).
chromium:
	@scripts/ensure_chromium.sh

# Debian's PostgreSQL and Redis for the production-profile tests (they run private instances).
services:
	@scripts/ensure_services.sh

# Says what is unsafe in this deployment's settings (environment, .env, credentials, endpoints, tracked files).
doctor: install
	@$(PY) scripts/doctor.py

train: install
	@$(PY) scripts/model.py ensure

run: install web
	@scripts/run.sh

shell: install
	@$(PY) scripts/shell.py

validate: install
	$(PY) -m knowledge.validate
	$(PY) -m rasa data validate --domain domain.yml --config config.yml --data $(wildcard $(TRAINING_DATA)) --fail-on-warnings

test: install web chromium services
	$(PY) -m pytest -q tests

clean:
	rm -rf models .state logs reports .pytest_cache web/node_modules
