#!/bin/sh
# run-cli-tests.sh: end-to-end tests of the command-line tools (tests/cli/*.sh).
# Usage: run-cli-tests.sh BINDIR
bindir=$1
: "${CJKFTS_TEST_DATA:=../shared/corpus}"
export CJKFTS_TEST_DATA
pass=0
fail=0
for t in tests/cli/*.sh; do
    [ -e "$t" ] || continue
    tmp=$(mktemp -d)
    if sh "$t" "$bindir" "$tmp" >"$tmp/.log" 2>&1; then
        pass=$((pass + 1))
        echo "PASS $t"
    else
        fail=$((fail + 1))
        echo "FAIL $t"
        sed 's/^/    /' "$tmp/.log"
    fi
    rm -rf "$tmp"
done
echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
