#!/usr/bin/env bash
# test_citus.sh - what `make test-citus` runs after building: the whole API suite against a
# local Citus cluster (scripts/citus.sh: a coordinator and two workers), its database made
# afresh and migrated, which distributes the tables. Tests that cannot apply on Citus are
# skipped with their reason. Prints a last line "N passed, N failed". docs/scaling.md.
set -uo pipefail
cd "$(dirname "$0")/.."

BUILD=build-test
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export CRM_BINARY="$PWD/$BUILD/crm"
port=${CITUS_PORT:-55436}
export CRM_TEST_CITUS="$port,$((port + 1)),$((port + 2))"

scripts/citus.sh build || exit 1
scripts/citus.sh start || exit 1
junit="$BUILD/pytest-citus-junit.xml"
rm -f "$junit"
/usr/bin/python3 -m pytest tests/api -q -p no:cacheprovider --junitxml="$junit" "$@"
read -r passed failed <<<"$(/usr/bin/python3 scripts/junit_counts.py "$junit")"
scripts/citus.sh stop
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
