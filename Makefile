# tfx-dcai: the two commands a newcomer needs are `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
export TF_USE_LEGACY_KERAS := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONWARNINGS := ignore::FutureWarning,ignore::DeprecationWarning
export UV_PYTHON_DOWNLOADS := never
OUTPUT ?= output
PYTEST_ARGS ?=

.PHONY: venv demo test test-fast fuzz lint lock benchmark clean

venv:
	@bash requirements/make_venv.sh $(VENV)

demo: venv
	$(VENV)/bin/dcai demo --output-dir $(OUTPUT)

test: venv
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

fuzz: venv
	DCAI_FUZZ_EXAMPLES=$${DCAI_FUZZ_EXAMPLES:-200} $(PY) -m pytest -k fuzz $(PYTEST_ARGS)

test-fast: venv
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .

lock:
	uv pip compile --python-version 3.10 requirements/in.txt -o requirements/lock.txt

benchmark: venv
	$(PY) benchmarks/demo_baseline.py

clean:
	rm -rf $(OUTPUT) .pytest_cache
