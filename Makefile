# connectivity — make targets. `make help` lists them.
# REGION selects a region config in data/regions/ (default: the synthetic sample region).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
REGION ?= sample
LANG_OPT := $(if $(MAPLANG),--lang $(MAPLANG),)
BUDGET_OPT := $(if $(BUDGET),--budget $(BUDGET),)
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install browser demo sample network access rank robustness maps open test check lint typecheck bench clean

help: ## Show this help
	@echo "connectivity — rural road investment planner"
	@echo "usage: make <target> [REGION=sample]"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: $(VENV)/.installed ## Create .venv and install the project (editable) with its dev tools

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

demo: install ## The main job: whole pipeline on REGION (default: synthetic sample, offline); MAPLANG=en BUDGET=5000000
	$(PY) -m connectivity run --region $(REGION) $(LANG_OPT) $(BUDGET_OPT)

sample: install ## (Re)generate the synthetic sample region into data/sample/
	$(PY) -m connectivity sample --force

network: install ## Build the routable network of REGION and report its pieces
	$(PY) -m connectivity network --region $(REGION)

access: install ## Travel times to markets and schools for REGION (CSV + GeoPackage)
	$(PY) -m connectivity access --region $(REGION)

rank: install ## Ranked road works and budget portfolio for REGION (MAPLANG, BUDGET as for demo)
	$(PY) -m connectivity rank --region $(REGION) $(LANG_OPT) $(BUDGET_OPT)

robustness: install ## Whole run plus Monte Carlo robustness, budget curve, switching values (SCENARIOS=200 SCHEDULER=tcp://host:8786)
	$(PY) -m connectivity robustness --region $(REGION) $(LANG_OPT) $(BUDGET_OPT) $(if $(SCENARIOS),--scenarios $(SCENARIOS),) $(if $(SCHEDULER),--scheduler $(SCHEDULER),)

maps: install ## Interactive HTML maps for REGION under maps/REGION/
	$(PY) -m connectivity maps --region $(REGION) $(LANG_OPT) $(BUDGET_OPT)

open: install ## Open the generated maps of REGION in a browser (prints paths if none)
	$(PY) -m connectivity open --region $(REGION)

browser: ## Install Debian's headless Chromium if missing (the map tests open the maps in it)
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium (Debian package) for the map tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium is missing: install it (Debian: sudo apt-get install chromium); the map tests need it" >&2; \
	    exit 1; \
	  fi; }

test: install browser ## Run the test suite (installs Chromium for the map tests if missing)
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

lint: install ## ruff (lint + format check)
	$(VENV)/bin/ruff check connectivity tests bench
	$(VENV)/bin/ruff format --check connectivity tests bench

typecheck: install ## mypy on connectivity/
	$(VENV)/bin/mypy

check: lint typecheck test ## ruff, mypy and the tests

bench: install ## Benchmarks: our code and the baselines side by side, with ratios
	$(PY) -m bench

clean: ## Remove generated data, outputs and maps (keeps .venv)
	rm -rf data/sample data/cache outputs test-artifacts bench/results
	find maps -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
