# Two commands on a fresh Debian machine: `make demo` (install, build the sample issue) and
# `make test`. Everything else the project needs is installed from here.

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libharfbuzz-subset0 fonts-noto-cjk fonts-lato poppler-utils chromium rsync openssl \
	postgresql default-jre-headless
AXE := $(VENV)/node/node_modules/axe-core/axe.min.js
AXE_VERSION := 4.14.1
# The validators of the site audit (tests/test_audit.py): the Nu Html Checker and Lighthouse.
VALIDATORS := $(VENV)/node/.validators-installed
VNU_VERSION := 26.9.27
LIGHTHOUSE_VERSION := 12.2.3
SAMPLE := 2021-11-02

.PHONY: demo test audit fuzz lint docs regen-golden setup system-packages benchmark clean

demo: setup
	$(BIN)/bulletin build $(SAMPLE)

# One worker per core; a test module stays on one worker, with its fixtures.
test: setup
	$(BIN)/pytest -n auto --dist loadfile

# The site against the validators alone (part of `make test`): axe-core, Nu Html Checker, Lighthouse.
audit: setup
	$(BIN)/pytest tests/test_audit.py -q

# The property-based test of `bulletin check` (tests/test_fuzz.py) with 20,000 cases, not CI's 1,000.
fuzz: setup
	BULLETIN_FUZZ_EXAMPLES=20000 $(BIN)/pytest tests/test_fuzz.py -q -p no:cacheprovider

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

docs: setup
	$(BIN)/python -m bulletin.content.docs docs/content-format.md

# After an intended change of the look: rebuild the golden site pages, email and PDF page images.
regen-golden: setup
	$(BIN)/python tests/golden.py

benchmark: setup
	$(BIN)/python benchmarks/build.py
	$(BIN)/python benchmarks/check.py
	$(BIN)/python benchmarks/site.py
	$(BIN)/python benchmarks/send.py
	$(BIN)/python benchmarks/subscribers.py
	$(BIN)/python benchmarks/links.py
	$(BIN)/python benchmarks/archive.py
	$(BIN)/python benchmarks/importing.py
	$(BIN)/python benchmarks/serve.py
	$(BIN)/python benchmarks/search.py
	$(BIN)/python benchmarks/pages.py

setup: system-packages $(STAMP) $(AXE) $(VALIDATORS)

system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,dev]'
	touch $(STAMP)

# axe-core, the accessibility engine the browser tests inject into pages.
$(AXE):
	npm install --prefix $(VENV)/node --no-audit --no-fund --loglevel=error axe-core@$(AXE_VERSION)

# The Nu Html Checker (a jar run by Debian's Java) and Lighthouse (run in Debian's chromium).
$(VALIDATORS): Makefile
	npm install --prefix $(VENV)/node --no-audit --no-fund --loglevel=error \
		vnu-jar@$(VNU_VERSION) lighthouse@$(LIGHTHOUSE_VERSION)
	touch $(VALIDATORS)

clean:
	rm -rf build $(VENV)
