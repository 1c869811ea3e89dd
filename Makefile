# Two commands for a newcomer: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# The Web UI tests (tests/e2e) drive Debian's Chromium with Playwright: Playwright's
# own browser download does not work offline.
CHROMIUM := /usr/bin/chromium
# The packages pyproject.toml installs, the benches and the tests (not `.`: walking
# .venv takes 8 s).
SOURCES := activities backoffice bench domain infra migrations tests tools workflows starter.py worker.py

.PHONY: demo test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) -m tools.demo

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "$(CHROMIUM) is missing: install Chromium there" >&2; exit 1; }
	@if [ "$$(id -u)" = 0 ]; then SUDO=; \
	elif command -v sudo >/dev/null; then SUDO=sudo; \
	else echo "$(CHROMIUM) is missing and installing it needs root: as root, run apt-get install chromium" >&2; exit 1; fi; \
	$$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
	test -x $(CHROMIUM)

# The type check runs beside the suite (which leaves a core idle most of the time, on
# its servers): both must pass, and mypy's report is printed after the suite's.
# The project's modules are compiled once, first: where PYTHONDONTWRITEBYTECODE is set
# (as on the CI machines), every starter.py and worker.py the suite runs would compile
# them again (about 0.25 s of each starter.py's 1.3 s).
test: $(STAMP) $(CHROMIUM)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m compileall -q -j 0 $(SOURCES)
	@types=$$(mktemp); $(VENV)/bin/mypy > $$types 2>&1 & checking=$$!; \
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) -m pytest; suite=$$?; \
	wait $$checking; typed=$$?; echo "mypy:"; cat $$types; rm -f $$types; \
	[ $$suite -eq 0 ] && [ $$typed -eq 0 ]

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .data .pytest_cache
