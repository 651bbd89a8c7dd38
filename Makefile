# Every target sets itself up: a fresh clone needs nothing but Python 3.11+ and make
# (and, for the browser test, Debian's apt, which installs chromium when it is missing).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Template tools (cfn-lint, aws-sam-translator) get their own virtualenv: the translator pins
# pydantic a minor version below the app's. tests/integration/test_template.py runs them from it.
TOOLS_VENV := .venv-tools
TOOLS_STAMP := $(TOOLS_VENV)/.installed

# The browser of the staff-page tests: Debian's chromium, driven by Playwright without
# `playwright install` (which would download a browser of its own).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: test run invoke lint bench validate browser clean

test: $(STAMP) $(TOOLS_STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest

# The whole system on this machine: embedded AWS (moto), the API and the staff page on
# http://127.0.0.1:3000, the simulated monitoring system on /sim, queue consumers and the
# sweeper's schedule.
run: $(STAMP)
	$(BIN)/python -m local

# One function on one event against make run's services, e.g.
#   make invoke FUNCTION=IntakeFunction EVENT=events/intake_message.json
invoke: $(STAMP)
	@test -n "$(FUNCTION)" -a -n "$(EVENT)" || \
		{ echo "usage: make invoke FUNCTION=<LogicalId> EVENT=<file>"; exit 2; }
	$(BIN)/python -m local.invoke $(FUNCTION) $(EVENT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	PYTHONPATH=shared $(BIN)/python -m bench.deadlines

# cfn-lint on the SAM template (the tests also transform it with aws-sam-translator).
validate: $(TOOLS_STAMP)
	$(TOOLS_VENV)/bin/cfn-lint template.yaml

browser: $(CHROMIUM)

clean:
	rm -rf $(VENV) $(TOOLS_VENV) .pytest_cache .hypothesis

$(STAMP): requirements-dev.txt shared/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

$(TOOLS_STAMP): requirements-tools.txt
	test -x $(TOOLS_VENV)/bin/python || $(PYTHON) -m venv $(TOOLS_VENV)
	echo '*' > $(TOOLS_VENV)/.gitignore
	$(TOOLS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS_VENV)/bin/python -m pip install --quiet -r requirements-tools.txt
	touch $(TOOLS_STAMP)

$(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
