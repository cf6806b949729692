# tfx-dcai: the two commands a newcomer needs are `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
export TF_USE_LEGACY_KERAS := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONWARNINGS := ignore::FutureWarning,ignore::DeprecationWarning
export UV_PYTHON_DOWNLOADS := never
OUTPUT ?= output
PYTEST_ARGS ?=

.PHONY: venv browser demo test test-fast screenshots fuzz lint lock benchmark clean image-check cluster-up cluster-down cluster-test

venv:
	@bash requirements/make_venv.sh $(VENV)

# Debian's chromium + chromium-driver for the browser tests (tests/test_report_pages.py); DCAI_SKIP_BROWSER=1 skips
browser:
	@bash requirements/install_browser.sh

demo: venv
	$(VENV)/bin/dcai demo --output-dir $(OUTPUT)

test: venv browser
	$(PY) -m pytest -n 2 --dist loadfile --durations=25 $(PYTEST_ARGS)

test-fast: venv
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

fuzz: venv
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -n 2 -m fuzz $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .

# screenshots of every report page of the browser test, into docs/screenshots (the docs' own set of the demo's
# reports and the other tools' views: benchmarks/report_comparison/make_screenshots.py)
screenshots: venv browser
	DCAI_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots/cases $(PY) -m pytest tests/test_report_pages.py $(PYTEST_ARGS)

lock:
	uv pip compile --python-version 3.10 requirements/in.txt -o requirements/lock.txt

benchmark: venv
	$(PY) benchmarks/demo_baseline.py

# The Dockerfile's install without Docker: wheel + lock in a fresh venv, the compiled spec's container command.
image-check: venv
	bash .ci/image_check.sh

# Loopback Beam engines (worker pool, Spark standalone, Beam job servers where served) and the parity tests on them.
cluster-up: venv
	bash .ci/clusters/up.sh

cluster-down:
	bash .ci/clusters/down.sh

cluster-test: venv
	bash .ci/clusters/up.sh; status=$$?; \
	if [ $$status -eq 0 ]; then . $${DCAI_CLUSTER_DIR:-/tmp/dcai-cluster}/env && \
	  $(PY) -m pytest tests/test_runner_parity.py -k clusters -rs $(PYTEST_ARGS); status=$$?; fi; \
	bash .ci/clusters/down.sh; exit $$status

clean:
	rm -rf $(OUTPUT) .pytest_cache
