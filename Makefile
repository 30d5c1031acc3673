# Two commands do all the set-up on a fresh machine:
#   make run    install, build the spaCy pipeline, train if needed, start everything
#   make test   the same set-up, then the whole test suite
# While working: make test-fast (the unit tier: no servers, about a minute).
SHELL := /bin/bash
.DEFAULT_GOAL := help

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
# Python must keep the modules it compiles (.pyc). Some images turn that off
# (PYTHONDONTWRITEBYTECODE=1), and then every process recompiles Rasa and TensorFlow
# from source: 27 s instead of 9 s to import them, in each server start, test worker
# and training run.
unexport PYTHONDONTWRITEBYTECODE
# ACTION_ENDPOINT_URL is not set here: deploy/run-assistant derives it from ACTION_PORT.

VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PIPELINE := build/spacy_pipeline/meta.json
MODEL := models/assistant.tar.gz
TRAINING_INPUTS := config.yml domain.yml $(wildcard data/*.yml) $(wildcard data/es/*.yml) $(wildcard nlu_components/*.py)

.PHONY: help install pipeline train run test test-fast test-deps validate content-hash content-check bookings bookings-export bench cv profile purge report review lock audit staff-user audit-log clean

help:
	@echo "make run    - set up, train if needed, start the assistant on 127.0.0.1"
	@echo "make test   - set up, train if needed, run the whole test suite"
	@echo "make test-fast - the unit tests only (no servers): the everyday loop"
	@echo "make audit  - check requirements.lock for known vulnerabilities (pip-audit)"
	@echo "make train  - retrain after editing data/, domain.yml or config.yml"
	@echo "make bookings  - list booking and callback requests (make bookings-export OUT=file.csv)"
	@echo "make staff-user USERNAME=jane [FULL_NAME='Jane Roe'] - a staff inbox account (password from standard input)"
	@echo "make audit-log - export the staff inbox's audit log (OUT=file.csv, SINCE=YYYY-MM-DD)"
	@echo "make bench  - speed, memory and accuracy of config.yml against Rasa's default config (QUICK=1: shorter)"
	@echo "make cv     - 3-fold cross-validation of config.yml on the training data, per language (BASELINE=commit: fair before/after)"
	@echo "make profile - where the Rasa server's time goes under the bench load (py-spy): docs/bench/profile.*"
	@echo "make report - staff insights report (SINCE=YYYY-MM-DD UNTIL=YYYY-MM-DD OUT=dir)"
	@echo "make review - unanswered messages as NLU YAML with suggested intents, for staff"
	@echo "make purge  - delete conversations and booking requests past the retention period"
	@echo "make content-hash - fingerprint of the medical answers, for content-review.yml"
	@echo "make content-check - reading level and SMS length of every patient-facing text"
	@echo "make lock   - re-resolve requirements.in into requirements.lock"

install: $(INSTALLED)

# One pip call from one locked file, so nothing upgrades past Rasa's pins. No byte-compiling
# of all 200 packages (over a minute): Python compiles the modules it imports, once, and
# keeps them (see PYTHONDONTWRITEBYTECODE above).
$(INSTALLED): requirements.lock deploy/find-python310
	@python310=$$(deploy/find-python310) || exit 1; \
	if ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then \
		echo "Creating $(VENV) with $$python310"; rm -rf $(VENV); "$$python310" -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.0"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile -r requirements.lock
	$(BIN)/python -m pip check
	touch $@

pipeline: $(PIPELINE)

# Rasa's training cache knows the spaCy pipeline by its path only, so a new tokenizer would
# leave the cached featurizers and classifier in place: the cache goes with the old pipeline.
$(PIPELINE): $(INSTALLED) spacy_pipeline/build.py spacy_pipeline/typos.py $(wildcard spacy_pipeline/lexicon/*.yml) clinic/clinic.yml
	$(BIN)/python -m spacy_pipeline.build --out build/spacy_pipeline
	rm -rf .rasa/cache

train: $(MODEL)

# Make retrains only when the data, domain, config or pipeline changed.
$(MODEL): $(PIPELINE) $(TRAINING_INPUTS)
	$(BIN)/python -m deploy.rasa_server train --fixed-model-name assistant --out models $(TRAIN_OPTIONS)
	touch $@

# rasa data validate --fail-on-warnings, as the tests run it (tests/rasa_checks.py
# leaves out the warnings that utter_default and utter_unclear are unused: custom actions say them).
validate: $(INSTALLED)
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_data_validate.py

run: $(MODEL)
	@deploy/run-assistant $(MODEL)

# What the system and browser tests need from Debian: Redis and Chromium (Playwright
# drives the system Chromium; it never downloads a browser of its own). PostgreSQL's
# binaries are found on PATH or in /usr/lib/postgresql/*/bin.
TEST_PACKAGES := redis-server chromium
test-deps:
	@missing=""; command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then echo "Installing$$missing from Debian"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "Missing$$missing: install with sudo apt-get install$$missing (with CI=true the tests that need them fail)."; fi; \
	fi

# The whole suite in two processes, one per core (see tests/conftest.py); prints
# the 15 slowest tests (pytest.ini). Debian's packages download while Python installs
# (-j2): on a new machine that is over a minute. Training uses one core for two minutes,
# so when the model must be trained, the unit tests that do not need it run on the other
# core meanwhile (training's output goes to var/train.log), and the rest follow. The suite
# checks the data strictly itself (rasa data validate --fail-on-warnings,
# tests/test_data_validate.py), so training for it skips Rasa's own check, which reads all
# the data once more (about 15 s).
TRAIN_FOR_TESTS := $(MAKE) --no-print-directory $(MODEL) TRAIN_OPTIONS=--skip-validation
test:
	@$(MAKE) --no-print-directory -j2 test-deps $(PIPELINE)
	@if $(MAKE) --no-print-directory -q $(MODEL) TRAIN_OPTIONS=--skip-validation; then \
		$(BIN)/python -m pytest -n 2 --dist loadgroup; \
	else \
		mkdir -p var; echo "Training the model (log: var/train.log) while the unit tests that do not need it run"; \
		$(TRAIN_FOR_TESTS) > var/train.log 2>&1 & training=$$!; \
		TESTS_WHILE_THE_MODEL_TRAINS=1 $(BIN)/python -m pytest -m "not model"; unit=$$?; \
		if ! wait $$training; then tail -n 40 var/train.log; echo "Training failed: var/train.log"; exit 1; fi; \
		tail -n 1 var/train.log; \
		$(BIN)/python -m pytest -n 2 --dist loadgroup -m model && exit $$unit; \
	fi

# The unit tier only: nothing that starts a server. The everyday loop. It validates
# the data too (tests/test_data_validate.py).
test-fast: TRAIN_OPTIONS := --skip-validation
test-fast: $(MODEL)
	$(BIN)/python -m pytest -n 2 -m "unit and not e2e and not system"

# Staff: booking and callback requests (BOOKINGS_DATABASE_URL selects PostgreSQL).
bookings: $(INSTALLED)
	@$(BIN)/python -m staff.bookings list

bookings-export: $(INSTALLED)
	@$(BIN)/python -m staff.bookings export --out $(or $(OUT),var/bookings.csv)

# The staff inbox (handoff/): accounts, and the audit log of who opened and answered
# which conversation. HANDOFF_DATABASE_URL (or BOOKINGS_DATABASE_URL) selects the database.
# The password is read from standard input: typed at a prompt, or piped.
staff-user: $(INSTALLED)
	@$(BIN)/python -m handoff.staff_accounts add "$(USERNAME)" $(if $(FULL_NAME),--name "$(FULL_NAME)")

audit-log: $(INSTALLED)
	@$(BIN)/python -m handoff.audit_export --out $(or $(OUT),var/audit-log.csv) $(if $(SINCE),--since $(SINCE)) $(if $(UNTIL),--until $(UNTIL))

# Benchmark, not a test: trains and serves both configs, writes results/bench/.
# The full run trains Rasa's default config for 100 epochs (about an hour on 2 cores);
# QUICK=1 trains it for 10 and sends fewer requests.
bench: $(MODEL)
	$(BIN)/python -m bench.run --out results/bench $(if $(QUICK),--quick)

# Cross-validation on the training data only (never the held-out files), per language:
# results/cross_validation/figures.json. About 8 CPU-minutes (13 on the shared machine). BASELINE=<commit>
# scores also on the examples that were already there, in the folds they had there.
cv: $(PIPELINE)
	$(BIN)/python -m bench.cross_validate --out results/cross_validation $(if $(BASELINE),--baseline $(BASELINE))

# The bench load against the assistant as `make run` starts it, with py-spy attached to
# the Rasa server: a flame graph and tables in docs/bench/ (profile.svg, profile.md).
profile: $(MODEL)
	$(BIN)/python -m bench.profile --out docs/bench $(if $(REQUESTS),--requests $(REQUESTS))

# Staff insights from the conversation store (TRACKER_STORE_URL selects PostgreSQL).
report: $(MODEL)
	$(BIN)/python -m staff.report $(if $(SINCE),--since $(SINCE)) $(if $(UNTIL),--until $(UNTIL)) --out $(or $(OUT),results/report)

review: $(MODEL)
	$(BIN)/python -m staff.review --out $(or $(OUT),results/review/unanswered.yml)

# Retention: the period is privacy.retention_days in clinic/clinic.yml.
purge: $(INSTALLED)
	$(BIN)/python -m staff.purge

content-hash: $(INSTALLED)
	$(BIN)/python -m staff.content_review

# Reading level (Flesch-Kincaid) and SMS segments of every patient-facing text;
# the tests hold the limits (tests/test_reading_level.py, tests/test_sms_length.py).
content-check: $(INSTALLED)
	@$(BIN)/python -m staff.content_check

# Known vulnerabilities in the pinned packages (pip-audit, in a venv of its own: it
# needs a newer `packaging` than Rasa 3.6 allows). The decisions are in the README.
AUDIT_VENV := .venv-audit
audit: requirements.lock requirements-audit.lock
	@python310=$$(deploy/find-python310) || exit 1; \
	[ -x $(AUDIT_VENV)/bin/pip-audit ] || { "$$python310" -m venv $(AUDIT_VENV) && \
		$(AUDIT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-audit.lock; }
	$(AUDIT_VENV)/bin/python -m deploy.audit requirements.lock

# Keeps the current pins (as constraints) and adds what requirements.in gained;
# delete requirements.lock first to re-resolve everything.
lock:
	@python310=$$(deploy/find-python310) || exit 1; \
	tmp=$$(mktemp -d); "$$python310" -m venv $$tmp/venv && \
	$$tmp/venv/bin/pip install --quiet "pip==24.0" && \
	constraints=$$([ -f requirements.lock ] && grep -v '^#' requirements.lock > $$tmp/constraints.txt && echo "-c $$tmp/constraints.txt"); \
	$$tmp/venv/bin/pip install --quiet -r requirements.in $$constraints && $$tmp/venv/bin/pip check && \
	{ echo "# Generated by 'make lock' from requirements.in on Python 3.10. Do not edit by hand."; \
	  $$tmp/venv/bin/pip freeze --exclude-editable | grep -v -E '^(pip|setuptools|wheel)=='; } > requirements.lock; \
	rm -rf $$tmp

clean:
	rm -rf build models results .pytest_cache $(AUDIT_VENV)
