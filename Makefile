# The two quick-start commands are `make tui` and `make test` (README.md "Quick start");
# `make check` is the fast gate: lint, types, import contracts, the manual's build and the unit tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup setup-test setup-dev mediators agent tui test unit lint format typecheck imports docs check \
	snapshots-update clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Each install leaves a stamp in .venv: pip runs again only when pyproject.toml or setup.py changed since,
# so `make unit` and `make check` start at once on a set-up checkout.
INSTALL_INPUTS := pyproject.toml setup.py

setup: $(VENV)/.installed
setup-test: $(VENV)/.installed-test
# The linters, the type checker and the manual's builder, beside the test tools.
setup-dev: $(VENV)/.installed-dev

$(VENV)/.installed: $(INSTALL_INPUTS) | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(INSTALL_INPUTS) | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-dev: $(INSTALL_INPUTS) | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,dev,docs]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed

# Both embedded mediator flavours, each in its own cached virtual environment, the reverse proxy (nginx)
# that MEDIATOR_PROXY puts in front and PostgreSQL's server programs for MEDIATOR_STORAGE=postgres
# (Debian's nginx and postgresql packages, installed with apt-get where missing; docs/mediators.md).
mediators: setup
	$(BIN)/mediator-tui mediator provision --flavour acapy --proxy nginx
	$(BIN)/mediator-tui mediator provision --flavour acapy-legacy
	$(BIN)/mediator-tui mediator provision --storage postgres

# The Credo agent's Node dependencies (the askar library comes from the aries-askar wheel); npm writes
# node_modules/.package-lock.json on each install, so `npm ci` runs again only after the lock file changed.
agent: agent/node_modules/.package-lock.json

agent/node_modules/.package-lock.json: agent/package-lock.json | setup
	cd agent && npm ci --no-audit --no-fund

tui: setup
	$(BIN)/mediator-tui $(ARGS)

# Two test processes on two cores, worksteal: xdist's default hands each process its share up front, and one
# then ran the slow tail alone for 45 minutes. Four finish in 20 minutes but overload two cores: the tests that
# time a mediator under faults fail beside three others (docs/development.md "Tests").
TEST_PROCESSES ?= 2
# The unit tests compute rather than wait: one process per core of this kind of machine.
UNIT_PROCESSES ?= 2

# --durations: every log of the suite shows where its time goes.
test: setup-test mediators agent
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist worksteal --durations=25 $(PYTEST_ARGS)

# The unit tests: no mediator, no Locust process, nothing provisioned.
unit: setup-dev
	$(BIN)/pytest -n $(UNIT_PROCESSES) -q tests/unit $(PYTEST_ARGS)

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Rewrites the files: what `make lint` asks for.
format: setup-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: setup-dev
	$(BIN)/mypy

imports: setup-dev
	$(BIN)/lint-imports

# --strict: a broken link or anchor in the manual fails the build.
docs: setup-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir $$(mktemp -d)

check: lint typecheck imports docs unit

# After a deliberate change to a screen: rewrite the TUI's snapshots, then review their diff.
snapshots-update: setup-dev
	$(BIN)/pytest -q tests/unit/tui --snapshot-update

clean:
	rm -rf $(VENV) .pytest_cache agent/node_modules site
