# Two commands on a fresh machine:
#   make run    install into .venv and serve the app on http://127.0.0.1:7860 (no network needed)
#   make test   install the same plus the test tools and Debian's chromium, then run every test
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
APT_RUN := $(shell grep -v '^\s*\#' packages.txt 2>/dev/null)
APT_TEST := $(APT_RUN) chromium fonts-noto-cjk haproxy

.PHONY: run test test-all bench venv deps dev-deps clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Re-install only when the requirement files change.
$(VENV)/.deps: requirements.txt $(BIN)/python
	$(BIN)/pip install -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements-dev.txt $(VENV)/.deps
	$(BIN)/pip install -r requirements-dev.txt
	touch $@

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps

# Debian packages, when we are root and apt exists; only the missing ones, so a warm machine skips apt.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then echo "Debian packages present: $(1)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	else echo "Not root or no apt: install these Debian packages yourself:$$missing"; fi
endef

run: deps
	$(call apt_install,$(APT_RUN))
	$(BIN)/python app.py

# axe-core, the accessibility rules the browser tests run on every tab (tests/e2e/conftest.py)
AXE_VERSION := 4.11.1
AXE_JS := .cache/axe/node_modules/axe-core/axe.min.js

$(AXE_JS):
	npm install --no-save --no-audit --no-fund --prefix .cache/axe axe-core@$(AXE_VERSION)

test: dev-deps $(AXE_JS)
	$(call apt_install,$(APT_TEST))
	$(BIN)/python -m tests.offline_run -n 2 -m "not training"

# everything, also the guided steps of the tabs that train live (marked `training`: a few minutes more)
test-all: dev-deps $(AXE_JS)
	$(call apt_install,$(APT_TEST))
	$(BIN)/python -m tests.offline_run -n 2

bench: dev-deps
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .gradio .pytest_cache .cache tests/e2e/screenshots
