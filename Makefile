# The one place commands live. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
PORT ?= 8501

.PHONY: run test test-fast lint format bench eval-plans seed-demo seed-large backup restore clean-db venv

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The app and, beside it, the reminder worker (python -m duban worker): one command; the
# worker is stopped (SIGTERM, it finishes its pass) when Streamlit exits.
run: venv
	$(PY) -m duban prepare
	$(PY) -m duban worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

# Everything: services on SQLite (and PostgreSQL when TEST_DATABASE_URL is set), AppTest
# pages, Chromium flows; one worker per core, a browser module kept on one worker.
test: venv
	$(PY) -m pytest -q -n auto --dist loadgroup

# The edit loop: services and pure logic, no AppTest page, no browser.
test-fast: venv
	$(PY) -m pytest -q -n auto --dist loadgroup -m "not apptest and not browser"

# Style, types (duban/ and models/) and the import contracts of docs/architecture.md.
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The plan parser scored on the real plans with hand-written expectations (docs/benchmarks.md).
eval-plans: venv
	$(PY) -m bench.eval_plans $(ARGS)

# Server-side figures, then Chromium timings per role (bench/browser.py), demo and large.
# The large database is seeded on first use; its name carries the seed's generation (issue 16
# added custom fields to it), so an older file is left alone rather than measured.
BENCH_DB ?= /tmp/duban_bench_large16.db
bench: venv
	$(PY) -m bench.run --db $(BENCH_DB)
	$(PY) -m bench.pages --db $(BENCH_DB)
	$(PY) -m bench.lowcode --db $(BENCH_DB)
	$(PY) -m bench.imports
	$(PY) -m bench.browser --db $(BENCH_DB)

seed-demo: venv
	$(PY) -m duban seed-demo --reset

seed-large: venv
	$(PY) -m duban seed-demo --scale large --reset

# One archive: a consistent database snapshot, every evidence file, a manifest with hashes.
backup: venv
	$(PY) -m duban backup data/backups/duban-$(shell date +%Y%m%d-%H%M%S).tar.gz

# Into an empty database (DATABASE_URL) and upload folder (UPLOAD_DIR); FORCE=1 overwrites.
restore: venv
	@test -n "$(ARCHIVE)" || { echo "用法：make restore ARCHIVE=备份文件 [FORCE=1]"; exit 2; }
	$(PY) -m duban restore $(ARCHIVE) $(if $(FORCE),--force)
