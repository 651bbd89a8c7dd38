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

# SAM CLI (validate, build, deploy) gets its own virtualenv too: it conflicts with the app's
# boto3 and pydantic. Telemetry off: nothing leaves the machine but what a deploy sends to AWS.
SAM_VENV := .venv-sam
SAM_STAMP := $(SAM_VENV)/.installed
SAM := env SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-eu-central-1} \
	$(SAM_VENV)/bin/sam

# The browser of the staff-page tests: Debian's chromium, driven by Playwright without
# `playwright install` (which would download a browser of its own).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: test run invoke lint bench validate sam-validate deploy browser fuzz clean

test: $(STAMP) $(TOOLS_STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest

# The whole system on this machine: embedded AWS (moto), the API and the staff page on
# http://127.0.0.1:3000, the simulated monitoring system on /sim, queue consumers and the
# sweeper's schedule.
# It keeps its data (tables, queued messages, e-mails) in .otklik/ (or $OTKLIK_STATE_DIR) and
# restores it on the next run.
run: $(STAMP)
	$(BIN)/python -m local

# The same from a clean slate: forgets what the local run kept, then runs (refused while another
# run uses the state folder; `rm -rf .otklik` forgets it without starting).
.PHONY: reset
reset: $(STAMP)
	$(BIN)/python -m local --reset

# One function on one event against make run's services, e.g.
#   make invoke FUNCTION=IntakeFunction EVENT=events/intake_message.json
invoke: $(STAMP)
	@test -n "$(FUNCTION)" -a -n "$(EVENT)" || \
		{ echo "usage: make invoke FUNCTION=<LogicalId> EVENT=<file>"; exit 2; }
	$(BIN)/python -m local.invoke $(FUNCTION) $(EVENT)

# Dead letters: list a dead-letter queue's messages with the reasons their consumers gave, e.g.
#   make redrive QUEUE=RoutingDeadLetterQueue        (or QUEUE=routing)
# and move them back to their queue with MOVE=1. Against AWS_ENDPOINT_URL: the local run's moto
# when unset, real AWS when empty (then also PREFIX=<stack>-). BODY=1 prints the bodies.
.PHONY: redrive
redrive: $(STAMP)
	@test -n "$(QUEUE)" || { echo "usage: make redrive QUEUE=<logical name> [MOVE=1]"; exit 2; }
	$(BIN)/python -m local.redrive $(QUEUE) $(if $(MOVE),--move) $(if $(BODY),--body) \
		$(if $(PREFIX),--prefix $(PREFIX))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# schemathesis against openapi.yaml on a local system of its own: `make test` runs a short,
# repeatable pass (over 1,000 requests); this one generates FUZZ_EXAMPLES per operation at
# random (about 6 minutes at 300), e.g. `make fuzz FUZZ_EXAMPLES=1000`.
FUZZ_EXAMPLES ?= 300
fuzz: $(STAMP)
	OTKLIK_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) OTKLIK_FUZZ_RANDOM=1 \
		$(BIN)/python -m pytest -q tests/e2e/test_fuzz.py

# Every benchmark (see bench/__main__.py), figures in bench/results.md; one alone:
# `make bench BENCH=deadlines` (deadlines, imports, lifecycle, sweeper, intake).
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH)

# cfn-lint on the SAM template (the tests also transform it with aws-sam-translator).
validate: $(TOOLS_STAMP)
	$(TOOLS_VENV)/bin/cfn-lint template.yaml

# `sam validate --lint` works offline (no credentials, no Docker).
sam-validate: $(SAM_STAMP)
	$(SAM) validate --lint

# Deploy to AWS (or a compatible cloud): needs credentials, and python3.11 on PATH for
# `sam build`. The first time `--guided` asks for the stack's parameters (the two secrets are
# NoEcho: see samconfig.toml and template.yaml) and can save the answers to samconfig.toml;
# later `make deploy GUIDED=` deploys with the saved settings.
GUIDED ?= --guided
deploy: $(SAM_STAMP)
	$(SAM) validate --lint
	$(SAM) build
	$(SAM) deploy $(GUIDED)

# Deploy to Yandex Cloud (deploy/yandex, Terraform): needs terraform and YC_TOKEN, YC_CLOUD_ID,
# YC_FOLDER_ID, and the secrets as TF_VAR_*; says what is missing otherwise (README, "Deploying
# to Yandex Cloud"). System Python: deploy.py and build.py need only the standard library.
.PHONY: deploy-yandex
deploy-yandex:
	@$(PYTHON) deploy/yandex/deploy.py $(TF_ARGS)

browser: $(CHROMIUM)

clean:
	rm -rf $(VENV) $(TOOLS_VENV) $(SAM_VENV) .aws-sam .pytest_cache .hypothesis

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

$(SAM_STAMP): requirements-sam.txt
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	echo '*' > $(SAM_VENV)/.gitignore
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet -r requirements-sam.txt
	touch $(SAM_STAMP)

$(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
