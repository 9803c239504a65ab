# 心愿池 wishpool — two commands on a fresh machine:
#   make run    installs everything, then runs the whole system on embedded defaults
#               (ports from the environment or the command line, e.g.
#                make run WISHPOOL_API__PORT=8001 WISHPOOL_DEMO_CONTROL_PORT=8799)
#   make test   installs everything, then runs lint, types, import rules and all tests
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: install browser run test lint bench clean

# PYTHONWARNINGS=ignore: setuptools' banner that an editable install is editable, printed on
# every fresh install, is not for the person running `make run`.
$(STAMP): pyproject.toml gateway/package.json gateway/package-lock.json gateway/.npmrc \
		web/package.json web/package-lock.json
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "wishpool needs Python 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	PYTHONWARNINGS=ignore $(BIN)/pip install --quiet -e '.[dev]'
	cd gateway && npm ci --no-audit --no-fund --loglevel=error
	# The admin page's chart library (web/package-lock.json), served from api/http/static/vendor/.
	cd web && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p api/http/static/vendor
	cp web/node_modules/chart.js/dist/chart.umd.min.js api/http/static/vendor/
	touch $(STAMP)

install: $(STAMP) browser

# The admin page's browser tests (tests/api/page/) drive Debian's chromium through playwright;
# playwright's own browser downloads are not used.
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null || ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium)

# Make hands variables set on its command line to the recipe's environment: the API's port is
# the setting api.port (WISHPOOL_API__PORT), the fake account's WISHPOOL_DEMO_GATEWAY_PORT and
# WISHPOOL_DEMO_CONTROL_PORT (`wishpool chat` and `wishpool demo` read the latter too).
run: install
	@$(BIN)/wishpool run

# lint-imports: the dependency rules ([tool.importlinter] in pyproject.toml); no cache
# folder in the checkout (it takes well under a second).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) gateway/node_modules web/node_modules api/http/static/vendor .pytest_cache .mypy_cache .ruff_cache
