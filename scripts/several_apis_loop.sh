#!/usr/bin/env bash
# Run the several-apis chaos test (tests/reliability/test_several_apis.py) RUNS times in a row,
# alternating 2 and 3 api processes, and stop at the first failure. Prints how many passed.
#   scripts/several_apis_loop.sh [RUNS] [BURST]      (defaults: 20 runs, 50 jobs a burst)
# Needs PostgreSQL on 127.0.0.1:5432, as the test suite does.
set -u
runs=${1:-20}
burst=${2:-50}
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
passed=0
for n in $(seq 1 "$runs"); do
    apis=$(( n % 2 == 0 ? 2 : 3 ))
    started=$(date +%s)
    if SCRIBE_TEST_APIS=$apis SCRIBE_TEST_BURST=$burst "$python" -m pytest -q -s -p no:cacheprovider \
        tests/reliability/test_several_apis.py >"${TMPDIR:-/tmp}/several_apis_run_$n.log" 2>&1; then
        passed=$((passed + 1))
        summary=$(grep -m1 "jobs over" "${TMPDIR:-/tmp}/several_apis_run_$n.log")
        echo "run $n ($apis apis): passed in $(( $(date +%s) - started )) s: $summary"
    else
        echo "run $n ($apis apis): FAILED, see ${TMPDIR:-/tmp}/several_apis_run_$n.log"
        break
    fi
done
echo "$passed of $runs runs passed in a row"
[ "$passed" -eq "$runs" ]
