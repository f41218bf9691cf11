# Neural Net Basics: `make lab` starts the suite, `make test` runs every test.
# Every target runs tasks.py, the one implementation (without make: `python tasks.py lab`, on
# Windows `py tasks.py lab`). It checks the Python version first (pyproject's requires-python),
# creates the virtual environment $(VENV) on first use with $(PYTHON), installs what the target
# needs and runs it there, with OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=1 unless you set them.
PYTHON   ?= python3
VENV     ?= .venv
NB       ?= 00
PORT     ?= 8866
LAB_ARGS ?=
STUDENTS ?= 20

export NNBASICS_VENV    := $(VENV)
export NNBASICS_VIA_MAKE := 1
TASKS := $(PYTHON) tasks.py

# Verbs without arguments; a new verb in tasks.py needs only its name here.
VERBS := test test-fast bench lint screenshots check-python clean help

.DEFAULT_GOAL := help
.PHONY: lab present bench-class $(VERBS)

$(VERBS):
	@$(TASKS) $@

lab:
	@$(TASKS) lab $(LAB_ARGS)

present:
	@$(TASKS) present $(NB) --port $(PORT)

bench-class:
	@$(TASKS) bench-class --students $(STUDENTS)
