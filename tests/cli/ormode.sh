# ormode.sh: --or ranks documents that contain any of the words; the AND query of the same
# words finds fewer.
. tests/cli/common.inc
idx=$tmp/o.idx
run 0 index "$bin/cjkfts-index" --quiet "$idx" corpus
run 0 or "$bin/cjkfts-search" --json --or --snippet-chars 40 "$idx" 北約 太空軍 川普
check ormode-json.txt "$tmp/or.out"
"$bin/cjkfts-search" --json "$idx" 北約 太空軍 川普 >"$tmp/and.out"
[ "$(wc -l <"$tmp/and.out")" -lt "$(wc -l <"$tmp/or.out")" ] ||
    fail "the AND query did not find fewer documents than --or"
exit 0
