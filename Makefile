# Two commands for everyone: `make lab` (work in JupyterLab) and `make test` (run the whole test suite).
# Both create .venv with the kit and its dependencies the first time, and again whenever pyproject.toml changes.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.casekit-installed
# JupyterLab refuses to run as root unless told; add the flag only when the user really is root.
# `make lab` serves the whole kit (so the lessons' links to exercises/ work) and opens the start page.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# Extra options for `jupyter lab`, e.g. make lab LAB_ARGS="--no-browser --ServerApp.port=8899" (the browser tests
# start JupyterLab this way, with their own port and token, and VENV= the environment they run in).
LAB_ARGS ?=

.PHONY: lab test validate site present clean help

help:
	@echo "make lab       open JupyterLab on notebooks/00_start_here.ipynb"
	@echo "make test      run the whole test suite (data, package, notebooks)"
	@echo "make validate  check the case data and list every problem"
	@echo "make site      build the read-only HTML edition of the lessons in site/ (opens from disk)"
	@echo "make present   build the same edition without code, for projecting in class, in site-present/"
	@echo "make clean     remove .venv and caches"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "casekit needs Python 3.11 or newer; this is " + sys.version.split()[0] + ". Try: make PYTHON=python3.12 ...")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab $(ROOT_FLAG) --ServerApp.ip=127.0.0.1 --ServerApp.root_dir="$(CURDIR)" \
		--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb $(LAB_ARGS)

test: $(STAMP)
	$(PY) -m pytest

validate: $(STAMP)
	$(PY) -m casekit validate

site: $(STAMP)
	$(PY) -m casekit build-site --out site

present: $(STAMP)
	$(PY) -m casekit build-site --no-code --out site-present

clean:
	rm -rf site site-present $(VENV) .pytest_cache build dist *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
