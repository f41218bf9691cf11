# Neural Net Basics: `make lab` starts the suite, `make test` runs every test.
# Each target creates the virtual environment .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
NB     ?= 00
PORT   ?= 8866

# The suite's matrices are small: one BLAS thread gives steady slider latency; threads that
# spin on a busy 2-core machine made a 5 ms region map take 20-70 ms. Override if you like.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

.PHONY: lab test test-fast bench lint present screenshots clean help

help:
	@echo "make lab          start JupyterLab on notebooks/00_start_here.ipynb (127.0.0.1, token on)"
	@echo "make test         install dev requirements and run all tests (unit, apps, notebooks, browser)"
	@echo "make test-fast    the same without the notebook and browser runs"
	@echo "make bench        speed and latency benchmarks"
	@echo "make lint         ruff on code and notebooks"
	@echo "make present NB=02  one notebook in Voila, code hidden, for a projector"
	@echo "make screenshots  regenerate the README gallery (docs/gallery/*.png)"

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -r requirements.txt
	NB_PYTHON_PREFIX=$(VENV) bash binder/postBuild   # widget comms off kernel subshells (see there)
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
LAB_ARGS  ?=

lab: $(VENV)/.runtime
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb --ServerApp.ip=127.0.0.1 $(ROOT_FLAG) $(LAB_ARGS)

# Two pytest runs, one after the other: unit/app/notebook tests on 2 xdist workers, then the
# browser tests (one JupyterLab, one Chromium) on their own so they do not fight nbval for
# the 2 cores. Both always run; the target fails if either failed.
test: $(VENV)/.dev
	$(BIN)/python -m pytest -n 2 --dist loadfile tests --ignore=tests/browser \
		--nbval-lax --nbval-current-env notebooks; unit=$$?; \
	$(BIN)/python -m pytest -p no:xdist tests/browser; browser=$$?; \
	echo "make test: pytest exit codes: tests+notebooks $$unit, browser $$browser"; \
	[ $$unit -eq 0 ] && [ $$browser -eq 0 ]

test-fast: $(VENV)/.dev
	$(BIN)/python -m pytest -n 2 tests --ignore=tests/browser -m "not slow"

bench: $(VENV)/.dev
	$(BIN)/python benchmarks/run_all.py

present: $(VENV)/.runtime
	$(BIN)/python scripts/present.py $(NB) --port $(PORT)

screenshots: $(VENV)/.dev
	$(BIN)/python scripts/screenshots.py

lint: $(VENV)/.dev
	$(BIN)/ruff check lib tests benchmarks notebooks scripts

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
