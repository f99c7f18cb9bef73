# errors.sh: query syntax errors (with the position), a missing index, a file that is not an
# input, and an index folder that cannot be created.
. tests/cli/common.inc
idx=$tmp/e.idx
run 0 index "$bin/cjkfts-index" --quiet "$idx" corpus

run 2 syntax "$bin/cjkfts-search" "$idx" '日美 AND'
check errors-syntax.txt "$tmp/syntax.err"
[ -s "$tmp/syntax.out" ] && fail "a syntax error printed results"
run 2 syntax2 "$bin/cjkfts-search" "$idx" '(同盟 OR 安保'
contains "$tmp/syntax2.err" "cjkfts-search: query syntax error: "

run 2 missing "$bin/cjkfts-search" "$tmp/no-such.idx" 日美同盟
contains "$tmp/missing.err" "cjkfts-search: cannot open the index $tmp/no-such.idx: "
[ -e "$tmp/no-such.idx" ] && fail "searching created an index"

printf 'x\n' >"$tmp/notes.pdf"
run 1 unsupported "$bin/cjkfts-index" "$idx" "$tmp/notes.pdf" "$tmp/none.txt"
sed "s|$tmp/|TMP/|g" "$tmp/unsupported.err" >"$tmp/unsupported.txt"
check errors-inputs.txt "$tmp/unsupported.txt"

printf 'x\n' >"$tmp/file"
run 2 badidx "$bin/cjkfts-index" "$tmp/file/idx" corpus
contains "$tmp/badidx.err" "cjkfts-index: error: cannot open or create the index $tmp/file/idx: "
exit 0
