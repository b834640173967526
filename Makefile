# SEGIB citizen assistant. `make run` and `make test` set up everything on a fresh clone.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
# What the model is trained from, as scripts/model.py lists it (stdlib only: any python3 reads it).
MODEL_INPUTS := $(shell $(if $(wildcard $(PY)),$(PY),python3) scripts/model.py inputs)
WEB_STAMP := web/node_modules/.installed

.PHONY: run shell test test-fast lint install train validate test-stories evaluate report-screenshot clean help web chromium services doctor bench bench-quick insights

help:
	@echo "make run    install, train if needed, start the assistant (REST on 127.0.0.1:5005)"
	@echo "           and the demo page with the chat widget (http://localhost:8080)"
	@echo "make shell  chat with the assistant in the terminal"
	@echo "make test   install test dependencies and run the whole test suite"
	@echo "make test-fast     the tests that need no trained model, no browser and no replicas (minutes)"
	@echo "make lint          ruff check (pyproject.toml); make test and make test-fast run it first"
	@echo "make train  train the model if its inputs changed (models/segib-<hash>.tar.gz)"
	@echo "make validate      check knowledge, phrases, training data, stories and answer checks (file:line errors)"
	@echo "make test-stories  run the staff test stories and answer checks; report in reports/index.html"
	@echo "make evaluate      NLU scores per language on a held-out split (CROSS_VALIDATION=5 adds Rasa's CV, MORE_SEEDS=7,2026 other splits)"
	@echo "make insights      what citizens asked, what went unanswered, hand-offs (INSIGHTS_DAYS=30; SEGIB_ENDPOINTS=endpoints.production.yml or a database URL)"
	@echo "make doctor        say what is unsafe in this deployment's settings (see docs/production.md)"
	@echo "make bench         the project against stock Rasa, side by side (table, reports/bench.json, reports/bench-latency.png)"
	@echo "make bench-quick   smoke run of the benchmark (tiny load, reuses models)"

$(STAMP): requirements.txt $(wildcard requirements/*.txt) requirements-dev.txt constraints.txt
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

# scripts/model.py trains only when the inputs' hash has no model yet (models/segib-<hash>.tar.gz).
train: install $(MODEL_INPUTS)
	@$(PY) scripts/model.py ensure

run: install web
	@scripts/run.sh

shell: install
	@$(PY) scripts/shell.py

# Staff tooling (quality/): each writes JSON under reports/ and renders reports/index.html.
validate: install
	$(PY) -m quality.validate

test-stories: install
	$(PY) -m quality.run_stories

evaluate: install
	$(PY) -m quality.evaluate $(if $(CROSS_VALIDATION),--cross-validation $(CROSS_VALIDATION)) $(if $(MORE_SEEDS),--more-seeds $(MORE_SEEDS))

# Staff insights from the deployment's own stores (insights/): reports/insights.html, .json, -unanswered.yml.
INSIGHTS_DAYS ?= 30
insights: install
	$(PY) -m insights --days $(INSIGHTS_DAYS) $(if $(SEGIB_ENDPOINTS),--endpoints $(SEGIB_ENDPOINTS))

report-screenshot: install chromium
	$(PY) -m quality.screenshot reports/index.html docs/staff-report.png

bench: install web
	$(PY) -m bench.run

bench-quick: install web
	$(PY) -m bench.run --quick

# The linter (its rules in pyproject.toml); the test targets run it first, so CI fails on lint.
lint: install
	$(VENV)/bin/ruff check .

# The inner loop: every test that needs no trained model, no browser and no replicas (tests/conftest.py).
test-fast: install lint services
	SEGIB_TEST_FAST=1 $(PY) -m pytest -q tests

# tests/staff runs the staff stories and answer checks end to end (tests/staff/test_stories_run.py).
test: install lint web chromium services
	$(MAKE) --no-print-directory validate
	$(PY) -m pytest -q tests

clean:
	rm -rf models .state logs reports .pytest_cache web/node_modules
