#!/usr/bin/env bash
# The whole test suite in two concurrent halves (`make test`): the end-to-end tests (real
# Chromium, servers and processes: mostly waiting) beside everything else (mostly CPU), so that
# CI stays well under its 90 minutes on a 2-core machine. Each half has its own PostgreSQL test
# databases, Redis database and var directory, so nothing is shared between them but the
# servers. Extra arguments go to both pytest runs; with a path or `-k` among them, run pytest
# yourself instead (`.venv/bin/pytest tests/...`). Fails if either half fails.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTEST=(.venv/bin/pytest -p no:cacheprovider --durations=25 "$@")
ROOT="$PWD/var/test-run"
rm -rf "$ROOT" && mkdir -p "$ROOT/e2e" "$ROOT/rest"

e2e_env=(SCRUTIN_VAR_DIR="$ROOT/e2e")
rest_env=(SCRUTIN_VAR_DIR="$ROOT/rest")
if [[ -n "${SCRUTIN_TEST_DATABASE_URL:-}" ]]; then
  e2e_env+=(SCRUTIN_TEST_DATABASE_URL="${SCRUTIN_TEST_DATABASE_URL}_e2e")
fi
if [[ -n "${SCRUTIN_REDIS_URL:-}" ]]; then
  db="${SCRUTIN_REDIS_URL##*/}"
  [[ "$db" =~ ^[0-9]+$ ]] || { echo "SCRUTIN_REDIS_URL must end with a database number" >&2; exit 2; }
  other=$(( db > 0 ? db - 1 : 1 ))
  e2e_env+=(SCRUTIN_REDIS_URL="${SCRUTIN_REDIS_URL%/*}/$other")
fi

echo "== end-to-end half: tests/e2e (log: $ROOT/e2e.log)"
env "${e2e_env[@]}" "${PYTEST[@]}" tests/e2e >"$ROOT/e2e.log" 2>&1 &
e2e_pid=$!
echo "== other half: everything but tests/e2e"
env "${rest_env[@]}" "${PYTEST[@]}" --ignore=tests/e2e tests
rest=$?
wait "$e2e_pid"
e2e=$?
echo "== end-to-end half (exit $e2e):"
cat "$ROOT/e2e.log"
echo "== exit codes: other half $rest, end-to-end half $e2e"
[[ $rest -eq 0 && $e2e -eq 0 ]]
