# Tsunagari: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: install run test lint bench eval model check clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (set PYTHON=python3.11)")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

# One plain command (no shell in between): Ctrl-C reaches the service directly, which stops
# cleanly and exits 0, so make has nothing to report. HOST=0.0.0.0 listens on every interface.
run: install
	$(PY) -m bot serve --host $(HOST) --port $(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check bot escalation tests bench
	$(PY) -m ruff format --check bot escalation tests bench
	$(PY) -m mypy
	@$(PY) -m pip_audit --progress-spinner off --skip-editable -r requirements.lock > .venv/pip-audit.txt 2>&1; \
	  rc=$$?; skipped=$$(grep -c "could not be audited" .venv/pip-audit.txt); \
	  head -n 3 .venv/pip-audit.txt; \
	  if [ "$$skipped" -gt 0 ]; then echo "pip-audit: $$skipped pinned packages could not be audited (no access to the vulnerability service from here); run make lint where PyPI's JSON API is reachable"; fi; \
	  exit $$rc

bench: install
	$(PY) -m bench

eval: install
	$(PY) -m bot screen --eval tests/data/screening_dev.jsonl --eval tests/data/screening_cases.jsonl \
	  --eval tests/data/screening_dev2.jsonl --eval tests/data/screening_dev_d.jsonl \
	  --eval tests/data/screening_dev_f.jsonl --eval tests/data/screening_dev_j.jsonl \
	  --eval tests/data/screening_dev_k.jsonl --eval tests/data/screening_dev_l.jsonl \
	  --eval tests/data/screening_dev_m.jsonl --eval tests/data/screening_dev_n.jsonl \
	  --eval tests/data/screening_dev_t1.jsonl --eval tests/data/screening_dev_t2.jsonl \
	  --eval tests/data/screening_dev_t3.jsonl --eval tests/data/screening_dev_t4.jsonl \
	  --eval tests/data/screening_dev_t5.jsonl --eval tests/data/screening_dev_t6.jsonl \
	  --eval tests/data/screening_dev_t7.jsonl --eval tests/data/screening_dev_t8.jsonl \
	  --eval tests/data/screening_dev_t9.jsonl --eval tests/data/screening_dev_t11.jsonl \
	  --eval tests/data/screening_calm_a.jsonl --eval tests/data/screening_calm_b.jsonl \
	  --eval tests/data/screening_calm_c.jsonl --eval tests/data/screening_calm_d.jsonl

# Retrain the screener's wording model from every labelled set in tests/data (after adding or
# changing one; a test fails until this is run), then print the cross-validated figures.
model: install
	$(PY) -m bot screen --train-wording
	$(PY) -m bot screen --cross-validate

check: install
	$(PY) -m bot dialogs check dialogs

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
