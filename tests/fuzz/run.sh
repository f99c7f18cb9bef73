#!/bin/sh
# run.sh: run libFuzzer targets for a while each and summarize executions and time.
# Usage: sh tests/fuzz/run.sh FUZZ_BUILD_DIR SECONDS TARGET...
# Each target starts from its seeds (tests/fuzz/corpus/<target>/) and regression inputs
# (tests/fuzz/regress/<target>/); new interesting inputs go to FUZZ_BUILD_DIR/corpus/<target>/,
# a failing input to FUZZ_BUILD_DIR/artifacts/<target>/ (copy it into tests/fuzz/regress/ once
# the bug is fixed). Uses a dictionary tests/fuzz/<target>.dict when there is one.
set -u
dir=$1
secs=$2
shift 2
status=0
for t in "$@"; do
    work="$dir/corpus/$t"
    art="$dir/artifacts/$t"
    mkdir -p "$work" "$art"
    dict=""
    [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
    seeds=""
    for s in "tests/fuzz/corpus/$t" "tests/fuzz/regress/$t"; do
        [ -d "$s" ] && seeds="$seeds $s"
    done
    log="$dir/$t.log"
    # shellcheck disable=SC2086
    "$dir/$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$art/" $dict "$work" $seeds > "$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    if [ $rc -ne 0 ]; then
        echo "fuzz $t: FAILED (exit $rc); input in $art/, log $log"
        grep -m 5 -E 'ERROR|invariant|SUMMARY' "$log"
        status=1
    else
        echo "fuzz $t: ${runs:-?}, $cov, corpus $(ls "$work" | wc -l) files"
    fi
done
exit $status
