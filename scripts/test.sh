#!/usr/bin/env bash
# The test command (README "Test it", and CI's .ci/run): install the dev requirements into the
# active Python environment, then run the whole suite. Extra arguments go to pytest, e.g.
#   scripts/test.sh tests/unit -q
set -euo pipefail
cd "$(dirname "$0")/.."
pip install -r requirements-dev.txt && python -m pytest "$@"
