# wsexplorer: the two commands of the README, and the pieces they are made of.
#   make explore   install, then open JupyterLab on the tour notebook
#   make test      install everything the tests need, then lint, type-check and run the whole suite
# Everything installs into .venv (created with the machine's python3, >= 3.10).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: explore test test-slow lint typecheck layers pytest bench install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

explore: install
	$(BIN)/jupyter lab notebooks/00_tour.ipynb $(if $(filter 0,$(shell id -u)),--allow-root,)

lint: install
	$(BIN)/ruff check wsexplorer tests benchmarks
	$(BIN)/ruff format --check wsexplorer tests benchmarks

typecheck: install
	$(BIN)/mypy --strict wsexplorer

layers: install
	$(BIN)/lint-imports

pytest: install
	$(BIN)/python -m pytest -m "not slow"

test: lint typecheck layers pytest

test-slow: install
	$(BIN)/python -m pytest -m slow

bench: install
	$(BIN)/python benchmarks/codec.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
