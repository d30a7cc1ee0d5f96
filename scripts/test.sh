#!/usr/bin/env bash
# The test command (README "Test it", and CI's .ci/run): install the dev requirements into the
# active Python environment, then run the whole suite in two phases:
#   1. unit and integration tests on several worker processes (pytest-xdist; each worker has its
#      own embedded PostgreSQL and its own test databases), ALIGNBOARD_TEST_WORKERS of them
#      (default: the machine's cores, at most 4);
#   2. the browser tests after them, on as many workers (each worker its own app server, database
#      and chromium): a browser test spends most of its time waiting for the app, so two of them
#      share two cores well (170 s against 288 s one after another, 2026-11-24), while running
#      them beside phase 1's CPU-bound tests would slow the real browser and the server they drive.
# Extra arguments go to pytest in both phases, e.g. `scripts/test.sh tests/unit -q`; a phase that
# the arguments leave without tests is skipped. Exit code: the first failing phase's, else 0.
set -uo pipefail
cd "$(dirname "$0")/.."
pip install -r requirements-dev.txt || exit $?

cores=$(python -c 'import os; print(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)')
workers="${ALIGNBOARD_TEST_WORKERS:-$(( cores < 4 ? cores : 4 ))}"

status=0
ran=0
run_phase() {  # run_phase <name> <pytest args...>
  local name=$1 code
  shift
  printf '\n==> pytest: %s\n' "$name"
  python -m pytest "$@"
  code=$?
  if [ "$code" -eq 5 ]; then  # no tests collected: the arguments named none of this phase's
    printf '(no %s tests selected)\n' "$name"
    return
  fi
  ran=$((ran + 1))
  if [ "$code" -ne 0 ] && [ "$status" -eq 0 ]; then
    status=$code
  fi
}

if [ "$workers" -gt 1 ]; then
  run_phase "unit and integration tests on $workers workers" -n "$workers" -m "not browser" "$@"
else
  run_phase "unit and integration tests" -m "not browser" "$@"
fi
if [ "$workers" -gt 1 ]; then
  run_phase "browser tests on $workers workers" -n "$workers" -m browser "$@"
else
  run_phase "browser tests" -m browser "$@"
fi
[ "$ran" -gt 0 ] || exit 5  # pytest's "no tests collected"
exit "$status"
