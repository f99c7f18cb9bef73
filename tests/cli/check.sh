# check.sh: cjkfts-check verifies an index: OK and the statistics for a sound one (exit 0), the
# first problem for a damaged one (exit 1), usage errors (exit 2).
. tests/cli/common.inc
idx=$tmp/check.idx

run 0 index "$bin/cjkfts-index" "$idx" corpus
run 0 deep "$bin/cjkfts-check" --deep "$idx"
[ "$(head -1 "$tmp/deep.out")" = "OK (deep)" ] || fail "no OK line: $(cat "$tmp/deep.out")"
contains "$tmp/deep.out" "documents 5"
contains "$tmp/deep.out" "deleted 0"
run 0 plain "$bin/cjkfts-check" "$idx"
[ "$(head -1 "$tmp/plain.out")" = "OK" ] || fail "no OK line"

# one flipped byte in the middle of a positions file: a checksum error naming the file
pos=$(ls "$idx"/seg_*.pos | head -1)
size=$(wc -c <"$pos")
old=$(dd if="$pos" bs=1 skip=$((size / 2)) count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
if [ "$old" = 255 ]; then new='\000'; else new='\377'; fi
printf "$new" | dd of="$pos" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
run 1 bad "$bin/cjkfts-check" "$idx"
contains "$tmp/bad.err" "index file is corrupt"
contains "$tmp/bad.err" "$(basename "$pos")"
contains "$tmp/bad.err" "checksum"

run 1 missing "$bin/cjkfts-check" "$tmp/nothing-here"
contains "$tmp/missing.err" "no index at"
run 2 usage "$bin/cjkfts-check"
contains "$tmp/usage.err" "missing INDEX_DIR"
run 2 usage2 "$bin/cjkfts-check" --frobnicate "$idx"
contains "$tmp/usage2.err" "unknown option '--frobnicate'"
contains "$tmp/usage2.err" "Try 'cjkfts-check --help'"
run 0 help "$bin/cjkfts-check" --help
contains "$tmp/help.out" "usage: cjkfts-check [--deep] INDEX_DIR"
