# Two commands from a fresh clone (Python 3.11+): `make demo` and `make test`.  Each installs the
# pinned lock into .venv on first use (and again when the lock or pyproject changes).
PYTHON ?= python3
VENV := .venv
INSTALLED := $(VENV)/.installed

.PHONY: demo test check

$(INSTALLED): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements.lock -e .
	touch $@

demo: $(INSTALLED)  ## import sample_data/ into a fresh embedded store, report, serve on :8000
	$(VENV)/bin/loadwatch demo $(ARGS)

# Bytecode on for the suite even where the shell turns it off (PYTHONDONTWRITEBYTECODE=1): else
# every xdist worker and every CLI subprocess a test starts compiles and assert-rewrites the
# same modules again on every run (~5 CPU-s per worker; docs/scale.md, the suite's collection).
test: $(INSTALLED)  ## the test suite (parallel; corpus/PostgreSQL/browser tests skip without them)
	env -u PYTHONDONTWRITEBYTECODE $(VENV)/bin/pytest $(ARGS)

check: $(INSTALLED)  ## what reviewers check: lint, format, types
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy --strict src
