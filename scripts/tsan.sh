#!/usr/bin/env bash
# tsan.sh - what `make tsan` runs after building build-tsan: the pytest API suite against
# build-tsan/crm (-fsanitize=thread, testkit on). Any ThreadSanitizer report fails the run:
# every process writes its reports to build-tsan/tsan-reports/report.<pid>, printed and
# counted at the end, and exits 66, which fails the test whose server or command it was.
# Suppressions, for libraries only and each with its reason: tests/tsan.supp.
set -uo pipefail
cd "$(dirname "$0")/.."

BUILD=build-tsan
reports="$PWD/$BUILD/tsan-reports"
rm -rf "$reports"
mkdir -p "$reports"
export TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp halt_on_error=0 exitcode=66 \
second_deadlock_stack=1 log_path=$reports/report"
export CRM_BINARY="$PWD/$BUILD/crm"

echo "== API tests under ThreadSanitizer ($CRM_BINARY)"
/usr/bin/python3 -m pytest tests/api -q -p no:cacheprovider
status=$?

shopt -s nullglob
files=("$reports"/report.*)
count=0
for f in "${files[@]}"; do
    cat "$f"
    count=$((count + $(grep -c '^WARNING: ThreadSanitizer:' "$f")))
done
echo
echo "ThreadSanitizer: $count reports from ${#files[@]} processes (suppressions: tests/tsan.supp)"
[ "$status" -eq 0 ] && [ "${#files[@]}" -eq 0 ]
