# `make test` is the test command of the README and of CI.
#
# It installs imagepin with its test extras into $(PYTHON)'s environment: by default a
# virtual environment in .venv, made on first use (a system Python under PEP 668 refuses
# `pip install`). The venv is made without pip, then gets pip from ensurepip (Debian's
# python3-venv) or, without it, from the system's pip (python3-pip): the README's set-up
# line does the same, and a .venv it (or anything else) left without pip gets one here.
# As root it also installs what the registry and hook tests run: docker-registry,
# apache2-utils (htpasswd), skopeo, git, patch.
VENV ?= .venv
PYTHON ?= $(VENV)/bin/python

.PHONY: test deps pip lint unit coverage

test: deps lint unit

$(VENV)/bin/python:
	python3 -m venv --without-pip $(VENV)

pip: $(if $(filter $(VENV)/bin/python,$(PYTHON)),$(VENV)/bin/python)
	@$(PYTHON) -m pip --version >/dev/null 2>&1 || \
	  $(PYTHON) -m ensurepip --default-pip >/dev/null 2>&1 || \
	  python3 -m pip --python $(PYTHON) install --quiet --disable-pip-version-check pip || { \
	  echo "$(PYTHON) has no pip, and neither ensurepip nor a system pip can give it one:" \
	    "apt-get install python3-venv (or python3-pip)"; exit 1; }

deps: pip
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@{ command -v docker-registry && command -v htpasswd && command -v skopeo && command -v git && command -v patch; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry skopeo apache2-utils git patch >/dev/null; \
	  else \
	    echo "docker-registry is missing: sudo apt-get install docker-registry apache2-utils skopeo git patch (or IMAGEPIN_SKIP_REGISTRY_TESTS=1)"; \
	  fi; }

lint:
	$(PYTHON) -m ruff check linter tests benchmarks fuzz
	$(PYTHON) -m ruff format --check linter tests benchmarks fuzz
	$(PYTHON) -m mypy

# In parallel, one worker per core (pytest-xdist); each worker starts its own registries.
unit:
	$(PYTHON) -m pytest -q -p no:cacheprovider -n auto

# The suite under coverage, every imagepin subprocess included ([tool.coverage] in
# pyproject.toml); docs/coverage.md has the last figures.
coverage: deps
	rm -rf .coverage-data
	$(PYTHON) -m coverage run -m pytest -q -p no:cacheprovider -n auto
	$(PYTHON) -m coverage combine -q
	$(PYTHON) -m coverage report
