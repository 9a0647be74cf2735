# Set-up and everyday commands; see README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install services test test-fast soak fuzz chaos demo run bench bench-receiver bench-consumers clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@scripts/ensure-python.sh $(PYTHON) $(VENV)
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -e .
	@touch $(STAMP)

services:
	@scripts/ensure-services.sh --postgres

test: install services
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

test-fast: install services
	$(BIN)/pytest -x -q

soak: install services
	$(BIN)/pytest -m soak -s

fuzz: install services
	$(BIN)/pytest -m fuzz -s -p no:randomly tests/bridge/test_fuzz.py

# Faults for CHAOS_SECONDS (default 300): killed consumers, a broker and an ERP outage, Magento 30 % faults,
# slow clients; prints accepted / in the ERP / written twice / lost / left unacked. Not part of make test.
chaos: install
	@scripts/ensure-services.sh
	bench/chaos $(CHAOS_ARGS)

demo: install
	@scripts/ensure-services.sh
	$(BIN)/bridgectl demo

run: install
	@scripts/ensure-services.sh
	@test -f .env || { echo "make run: copy .env.example to .env and fill it in first"; exit 1; }
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -e .env

bench: bench-receiver bench-consumers

bench-receiver: install
	@scripts/ensure-services.sh
	bench/receiver

bench-consumers: install
	@scripts/ensure-services.sh
	bench/consumers

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
