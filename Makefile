# SEGIB citizen assistant. `make run` and `make test` set up everything on a fresh clone.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
TRAINING_DATA := data/nlu data/rules.yml data/stories.yml

.PHONY: run shell test install train validate bench bench-quick clean help

help:
	@echo "make run    install, train if needed, start the assistant (REST on 127.0.0.1:5005)"
	@echo "make shell  chat with the assistant in the terminal"
	@echo "make test   install test dependencies and run the whole test suite"
	@echo "make train  train the model if its inputs changed (models/segib-<hash>.tar.gz)"
	@echo "make validate  check the knowledge file and the Rasa training data"
	@echo "make bench  the project against stock Rasa, side by side (table, reports/bench.json, reports/bench-latency.png)"
	@echo "make bench-quick  smoke run of the benchmark (tiny load, reuses models)"

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@test -x $(PY) || "$$(scripts/find_python.sh)" -m venv $(VENV)
	$(PIP) install --disable-pip-version-check -q -r requirements-dev.txt -c constraints.txt
	$(PIP) check
	@touch $(STAMP)

install: $(STAMP)

train: install
	@$(PY) scripts/model.py ensure

run: install
	@scripts/run.sh

shell: install
	@$(PY) scripts/shell.py

validate: install
	$(PY) -m knowledge.validate
	$(PY) -m rasa data validate --domain domain.yml --config config.yml --data $(wildcard $(TRAINING_DATA)) --fail-on-warnings

bench: install
	$(PY) -m bench.run

bench-quick: install
	$(PY) -m bench.run --quick

test: install
	$(PY) -m pytest -q tests

clean:
	rm -rf models .state logs reports .pytest_cache
