#!/usr/bin/env bash
# fuzz.sh - `make fuzz`: builds the libFuzzer targets of tests/fuzz with clang (build-fuzz,
# ASan + UBSan) and runs each for FUZZ_SECONDS (FUZZ_TARGETS="csv jws" runs only those).
# Fails when any target finds a crash, a leak, undefined behaviour or a broken property;
# the input that did it is left in build-fuzz/findings/<target>/.
set -uo pipefail
cd "$(dirname "$0")/.."

BUILD=build-fuzz
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-$(sed -n "s/^fuzz_targets = \[\(.*\)\]/\1/p" tests/fuzz/meson.build | tr -d "',")}

# clang and its runtime libraries (libFuzzer) come from Debian: `make deps-fuzz` installs them.
for p in clang libclang-rt-14-dev; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        echo "fuzz: $p is missing: run 'make deps-fuzz' (as root or with sudo)" >&2
        exit 1
    fi
done
if [ ! -f "$BUILD/build.ninja" ]; then
    CC=clang meson setup "$BUILD" -Dbuildtype=debugoptimized -Db_sanitize=address,undefined \
        -Db_lundef=false -Dfuzz=true >/dev/null || exit 1
fi
ninja -C "$BUILD" >/dev/null || exit 1

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
failed=()
summary=()
# CPU seconds (user + system) of this shell's finished children so far, into $cpu_now
# (`times` runs in this shell: a subshell would not see them).
child_cpu() {
    times >"$BUILD/.times.$$"
    cpu_now=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
                             printf "%.0f", t }' "$BUILD/.times.$$")
}
for t in $targets; do
    work="$BUILD/corpus/$t"     # grows from run to run; tests/fuzz/corpus/ stays the seeds
    findings="$BUILD/findings/$t"
    log="$BUILD/fuzz-$t.log"
    mkdir -p "$work" "$findings"
    echo "== fuzz $t (${seconds}s)"
    child_cpu
    cpu=$cpu_now
    "$BUILD/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=16384 -print_final_stats=1 -artifact_prefix="$findings/" \
        "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1
    rc=$?
    child_cpu
    cpu=$((cpu_now - cpu))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    if [ "$rc" -ne 0 ]; then
        grep -m1 -E 'ERROR: |fuzz check failed|runtime error' "$log"
        echo "not ok - $t: see $log and $findings/"
        failed+=("$t")
        summary+=("$t: FAILED (${runs:-?} runs, ${cpu} s CPU)")
    else
        summary+=("$t: ${runs:-?} runs in ${secs:-?} s (${cpu} s CPU), corpus $(ls "$work" | wc -l) inputs")
    fi
done
rm -f "$BUILD/.times.$$"
echo
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: findings in ${failed[*]}: add each (minimised with -minimize_crash=1) to" \
        "tests/fuzz/regressions/<target>/"
    exit 1
fi
