# wsexplorer: the two commands of the README, and the pieces they are made of.
#   make explore   install, then open JupyterLab on the tour notebook
#   make test      install everything the tests need (Python extras, Debian chromium, npm packages,
#                  the conformance environment), then lint, type-check and run the whole default suite
# Everything Python goes into .venv (created with the machine's python3, >= 3.10).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.PHONY: explore test test-slow lint typecheck layers pytest install setup node-deps browser conformance-env \
        capture-tools subprotocol-peers conformance bench load bench-widgets bench-capture stress clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# Everything the tests need beyond Python packages. Each script is idempotent and says what to run
# when a step needs root and the user is not root.
node-deps:
	bash scripts/setup-node.sh

browser: install
	bash scripts/setup-browser.sh $(VENV)
	bash scripts/setup-kernel6.sh

conformance-env:
	bash conformance/setup.sh

capture-tools:
	bash scripts/setup-capture-tools.sh

subprotocol-peers: install
	bash scripts/setup-subprotocol-peers.sh $(BIN)/python

setup: install node-deps subprotocol-peers browser conformance-env capture-tools

explore: install
	$(BIN)/jupyter lab notebooks/00_tour.ipynb $(if $(filter 0,$(shell id -u)),--allow-root,)

lint: install
	$(BIN)/ruff check wsexplorer tests benchmarks conformance notebooks scripts
	$(BIN)/ruff format --check wsexplorer tests benchmarks conformance notebooks scripts

typecheck: install
	$(BIN)/mypy --strict wsexplorer

layers: install
	$(BIN)/lint-imports

pytest: setup
	$(BIN)/python -m pytest -m "not slow" --durations=25

test: setup lint typecheck layers pytest

# Separate, documented long runs (results are committed):
test-slow: setup
	$(BIN)/python -m pytest -m slow

conformance: setup
	$(BIN)/python conformance/run.py --role both --progress --write-docs

bench: install
	$(BIN)/python benchmarks/codec.py

load: install
	$(BIN)/python benchmarks/load.py

bench-widgets: install
	$(BIN)/python benchmarks/widgets.py

stress: setup
	$(BIN)/python benchmarks/stress.py

bench-capture: install capture-tools
	$(BIN)/python benchmarks/capture.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
