# `make test` is the test command of the README and of CI.
PYTHON ?= python3

.PHONY: test deps lint unit

test: deps lint unit

deps:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@{ command -v docker-registry && command -v htpasswd; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry skopeo apache2-utils >/dev/null; \
	  else \
	    echo "docker-registry is missing: sudo apt-get install docker-registry (or IMAGEPIN_SKIP_REGISTRY_TESTS=1)"; \
	  fi; }

lint:
	$(PYTHON) -m ruff check linter tests benchmarks fuzz
	$(PYTHON) -m ruff format --check linter tests benchmarks fuzz
	$(PYTHON) -m mypy

unit:
	$(PYTHON) -m pytest -q -p no:cacheprovider
