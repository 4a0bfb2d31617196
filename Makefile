# The two commands: `make run` serves the demo shop, `make test` runs every suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app app
PYTEST := $(BIN)/python -m pytest -n 2
# Awkward instants the unit and web suites must also pass at, in the shop's zone: the last
# minute of a week, the first of the next, and the repeated hour as daylight saving ends.
SHOP_ZONE := America/New_York
# Cases of the hostile-input walk per database in `make test`, and at each awkward instant
# (`make fuzz` runs 50,000 per database).
FUZZ_CI := 3000
FUZZ_AT_INSTANTS := 400
INSTANTS := 2026-11-29T23:59:00-05:00 2026-11-30T00:00:00-05:00 2026-11-01T01:30:00-04:00

.PHONY: run test test-instants soak properties fuzz mutation install lint format bench bench-load wrk clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "mspboard needs Python 3.11 or newer; set PYTHON=python3.x")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# As in production: the pages process and the streams process behind one address (see
# mspboard/serving/dev.py; without Redis, one process serves both).
run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(BIN)/python -m mspboard.serving.dev --port 5000

# The PostgreSQL run starts at the last awkward instant, so it is also that instant's run;
# SQLite takes the ordinary Wednesday and the other instants.
PG_INSTANT := $(lastword $(INSTANTS))

test: install lint
	FUZZ_CASES=$(FUZZ_CI) $(PYTEST) tests/unit tests/web --db=sqlite
	FUZZ_CASES=$(FUZZ_CI) $(PYTEST) tests/unit tests/web --db=postgresql --zone $(SHOP_ZONE) --at $(PG_INSTANT)
	$(MAKE) --no-print-directory test-instants INSTANTS="$(filter-out $(PG_INSTANT),$(INSTANTS))"
	$(PYTEST) tests/e2e --ignore=tests/e2e/test_offline_soak.py
	$(BIN)/python -m pytest -q -s tests/e2e/test_offline_soak.py

test-instants: install
	@for at in $(INSTANTS); do \
	  echo "== unit and web suites at $$at ($(SHOP_ZONE))"; \
	  FUZZ_CASES=$(FUZZ_AT_INSTANTS) $(PYTEST) -q tests/unit tests/web --db=sqlite --zone $(SHOP_ZONE) --at $$at -m "not instant_free" || exit 1; \
	done

# The offline soak's long profile; `make test` runs 500 actions over 10 cycles.
soak: install
	SOAK_ACTIONS=3000 SOAK_CYCLES=30 $(BIN)/python -m pytest -q -s tests/e2e/test_offline_soak.py --timeout 0

properties: install
	HYPOTHESIS_PROFILE=long $(PYTEST) tests/unit/test_properties.py --timeout 0 --hypothesis-show-statistics

# The hostile-input walk's long profile; `make test` runs FUZZ_CI cases per database (and
# FUZZ_AT_INSTANTS at each awkward instant).
fuzz: install
	FUZZ_CASES=50000 $(PYTEST) tests/web/test_hostile_input.py --db=sqlite --timeout 0
	FUZZ_CASES=50000 $(PYTEST) tests/web/test_hostile_input.py --db=postgresql --timeout 0

mutation: install
	$(BIN)/mutmut run --max-children 2
	$(BIN)/python -m bench.mutation_score

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

# The issue's figures with their bars; over HTTP with wrk when it is installed (installed here
# when missing and running as root), else with a Python load generator.
bench: install wrk
	$(BIN)/python -m bench.run $(ARGS)

# The busy morning against the production processes on PostgreSQL and Redis, then the
# capacity steps; e.g. ARGS="--seconds 30 --capacity-steps 0".
bench-load: install
	$(BIN)/python -m bench.load $(ARGS)

wrk:
	@command -v wrk >/dev/null || [ "$$(id -u)" != 0 ] || \
	  (apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk)) || \
	  echo "wrk could not be installed: the HTTP figures use the Python load generator"
