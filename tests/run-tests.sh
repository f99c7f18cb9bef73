#!/bin/sh
# run-tests.sh: run each cmocka test binary given as an argument; fail if any fails.
# Tests read the shared corpus from CJKFTS_TEST_DATA (default: ../shared/corpus).
: "${CJKFTS_TEST_DATA:=../shared/corpus}"
export CJKFTS_TEST_DATA
failed=""
passed=0
for t in "$@"; do
    echo "== $t"
    if "$t"; then
        passed=$((passed + 1))
    else
        failed="$failed $t"
    fi
done
if [ -n "$failed" ]; then
    echo "FAILED test binaries:$failed"
    exit 1
fi
echo "all $passed test binaries passed"
