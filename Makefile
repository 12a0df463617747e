# The two quick-start commands: `make tui` and `make test` (see README.md "Quick start").
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup setup-test mediators agent tui test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install --quiet -e .

setup-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

# Both embedded mediator flavours, each in its own cached virtual environment.
mediators: setup
	$(BIN)/mediator-tui mediator provision --flavour acapy
	$(BIN)/mediator-tui mediator provision --flavour acapy-legacy

# The Credo agent's Node dependencies (the askar library comes from the aries-askar wheel).
agent: setup
	cd agent && npm ci --no-audit --no-fund

tui: setup
	$(BIN)/mediator-tui $(ARGS)

# Two test processes: most end-to-end time is spent waiting on timed runs, not on the CPU (docs/development.md "Tests").
TEST_PROCESSES ?= 2

test: setup-test mediators agent
	$(BIN)/pytest -n $(TEST_PROCESSES) $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache agent/node_modules
