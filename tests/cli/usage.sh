# usage.sh: --help, --version and usage errors of cjkfts-index and cjkfts-search.
. tests/cli/common.inc

for tool in cjkfts-index cjkfts-search; do
    run 0 help "$bin/$tool" --help
    contains "$tmp/help.out" "Usage: $tool [OPTION]..."
    [ -s "$tmp/help.err" ] && fail "$tool --help wrote to stderr"
    run 0 version "$bin/$tool" --version
    contains "$tmp/version.out" "$tool (cjkfts) 0.1.0"
    run 2 noargs "$bin/$tool"
    contains "$tmp/noargs.err" "Try '$tool --help' for more information."
    [ -s "$tmp/noargs.out" ] && fail "$tool usage error wrote to stdout"
    run 2 badopt "$bin/$tool" --no-such-option x y
    contains "$tmp/badopt.err" "Try '$tool --help'"
done

run 2 missing-input "$bin/cjkfts-index" "$tmp/idx"
contains "$tmp/missing-input.err" "cjkfts-index: missing INPUT"
run 2 ram "$bin/cjkfts-index" --ram-budget=0 "$tmp/idx" corpus
contains "$tmp/ram.err" "--ram-budget wants a number of megabytes >= 1, not '0'"
run 2 commit "$bin/cjkfts-index" --commit-every=x "$tmp/idx" corpus
contains "$tmp/commit.err" "--commit-every wants a number of documents, not 'x'"
[ -e "$tmp/idx" ] && fail "a usage error created the index"

run 2 noquery "$bin/cjkfts-search" "$tmp/idx"
contains "$tmp/noquery.err" "cjkfts-search: missing QUERY"
run 2 badk "$bin/cjkfts-search" -k -3 "$tmp/idx" q
contains "$tmp/badk.err" "-k wants a whole number up to 1000000, not '-3'"
run 2 badboost "$bin/cjkfts-search" --title-boost=abc "$tmp/idx" q
contains "$tmp/badboost.err" "--title-boost wants a number from 0 to 1000, not 'abc'"
run 2 badcolor "$bin/cjkfts-search" --color=sometimes "$tmp/idx" q
contains "$tmp/badcolor.err" "--color wants auto, always or never, not 'sometimes'"
exit 0
