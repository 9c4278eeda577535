# Scrutin — developer entry points. `make demo` and `make test` are all a newcomer needs.
PY      := .venv/bin/python
UV      := .venv/bin/uv
STAMP   := .venv/.installed
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install demo test lint audit bench lock clean js

$(STAMP): pyproject.toml requirements.lock package.json package-lock.json scripts/install-system.sh
	./scripts/install-system.sh
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --disable-pip-version-check uv
	$(UV) pip sync --python $(PY) -q requirements.lock
	$(UV) pip install --python $(PY) -q --no-deps -e .
	npm ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

install: $(STAMP)

lock:
	$(UV) pip compile pyproject.toml --extra dev --generate-hashes -q -o requirements.lock

demo: $(STAMP)
	$(PY) -m scrutin.platform.demo

test: $(STAMP)
	scripts/run-tests.sh

lint: $(STAMP)
	.venv/bin/ruff check src tests bench deploy
	.venv/bin/ruff format --check src tests bench deploy
	.venv/bin/mypy

# Known vulnerabilities of the locked Python and JavaScript packages; says loudly when the
# advisory services are out of reach (fails then only with SCRUTIN_AUDIT_REQUIRED=1).
audit: $(STAMP)
	$(PY) scripts/audit.py

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b --quick || exit 1; done

clean:
	rm -rf .venv node_modules var/*.sqlite3
