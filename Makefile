# Two commands for everyone: `make lab` (work in JupyterLab) and `make test` (run the whole test suite).
# Both create .venv with the kit and its dependencies the first time, and again whenever pyproject.toml changes.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.casekit-installed
CHP    := $(VENV)/node/node_modules/.bin/configurable-http-proxy
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
	@# nbgrader (a test dependency: tests/test_nbgrader.py) adds instructor menus and server extensions to
	@# JupyterLab; students of the kit do not need them, and every server starts faster without them.
	@$(VENV)/bin/jupyter labextension disable --level=sys_prefix @jupyter/nbgrader >/dev/null 2>&1 || true
	@for e in formgrader validate_assignment assignment_list course_list; do \
		$(VENV)/bin/jupyter server extension disable --sys-prefix nbgrader.server_extensions.$$e >/dev/null 2>&1 || true; done
	@touch $(STAMP)

# JupyterHub's proxy for the hub test (tests/test_hub.py), from the npm registry, kept inside .venv.
$(CHP):
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing (apt-get install nodejs npm): tests/test_hub.py will fail"; exit 0; }; \
		npm install --silent --no-audit --no-fund --prefix $(VENV)/node configurable-http-proxy@5

lab: $(STAMP)
	$(VENV)/bin/jupyter lab $(ROOT_FLAG) --ServerApp.ip=127.0.0.1 --ServerApp.root_dir="$(CURDIR)" \
		--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb $(LAB_ARGS)

test: $(STAMP) $(CHP)
	$(PY) -m pytest

validate: $(STAMP)
	$(PY) -m casekit validate

site: $(STAMP)
	$(PY) -m casekit build-site --out site

present: $(STAMP)
	$(PY) -m casekit build-site --no-code --out site-present

clean:
	@# the editions only if build-site made them (its marker is there): never a folder of the user's own
	for d in site site-present; do if [ -f $$d/.casekit-site ]; then rm -rf $$d; fi; done
	rm -rf $(VENV) .pytest_cache build dist *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
