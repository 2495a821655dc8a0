# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= data
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test lint bench clean messages

$(BIN)/fedhub: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## run: install fedhub and serve a development instance with a demo group at http://127.0.0.1:8080
run: $(BIN)/fedhub
	@[ -f $(DATA)/fedhub.toml ] || $(BIN)/fedhub --data $(DATA) init --domain $(HOST):$(PORT) --http --name "fedhub demo" --demo
	@$(BIN)/fedhub --data $(DATA) user link admin
	$(BIN)/fedhub --data $(DATA) serve --host $(HOST) --port $(PORT)

## test: install what the tests need, then lint, type-check and run the whole suite
test: $(BIN)/fedhub
	$(BIN)/ruff check fedhub tests
	$(BIN)/ruff format --check fedhub tests
	$(BIN)/mypy
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

## messages: after changing the interface's text, re-extract it and merge it into every catalogue
messages: $(BIN)/fedhub
	$(BIN)/pybabel extract -F babel.cfg -o fedhub/locale/messages.pot --no-location --omit-header --sort-output .
	$(BIN)/pybabel update -i fedhub/locale/messages.pot -d fedhub/locale --no-fuzzy-matching --ignore-obsolete --width 100

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
