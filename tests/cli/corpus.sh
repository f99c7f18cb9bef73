# corpus.sh: index the bundled corpus/, search it for 日美同盟, then index it again (every
# document replaced, nothing added) and check that the results are unchanged.
. tests/cli/common.inc
idx=$tmp/corpus.idx

run 0 index1 "$bin/cjkfts-index" "$idx" corpus
[ -s "$tmp/index1.err" ] && fail "indexing corpus/ reported problems: $(cat "$tmp/index1.err")"
untimed "$tmp/index1.out" | sed "s|$tmp/|TMP/|" >"$tmp/index1.txt"
check corpus-index1.txt "$tmp/index1.txt"

run 0 json "$bin/cjkfts-search" --json "$idx" 日美同盟
check corpus-json.txt "$tmp/json.out"
run 0 plain "$bin/cjkfts-search" "$idx" 日美同盟
untimed "$tmp/plain.out" >"$tmp/plain.txt"
check corpus-plain.txt "$tmp/plain.txt"

# paging: -k 2 --offset 1 gives hits 2 and 3 of the full list
run 0 page "$bin/cjkfts-search" --json -k 2 --offset 1 "$idx" 日美同盟
sed -n 2,3p "$tmp/json.out" | diff -u - "$tmp/page.out" || fail "paging differs"

# explain: one line of JSON with an explain field
run 0 explain "$bin/cjkfts-search" --json --explain -k 1 "$idx" 日美同盟
[ "$(wc -l <"$tmp/explain.out")" -eq 1 ] || fail "-k 1 gave more than one line"
contains "$tmp/explain.out" '"explain":"'

# no match: exit status 1 and a footer that says so
run 1 nomatch "$bin/cjkfts-search" "$idx" 火星探测器
contains "$tmp/nomatch.out" "no matching documents"

# incremental: the same files again replace every document
run 0 index2 "$bin/cjkfts-index" "$idx" corpus
untimed "$tmp/index2.out" | sed "s|$tmp/|TMP/|" >"$tmp/index2.txt"
check corpus-index2.txt "$tmp/index2.txt"
run 0 json2 "$bin/cjkfts-search" --json "$idx" 日美同盟
cut -d, -f1 "$tmp/json.out" >"$tmp/ids1"
cut -d, -f1 "$tmp/json2.out" >"$tmp/ids2"
diff -u "$tmp/ids1" "$tmp/ids2" || fail "re-indexing changed the hits"

# --optimize alone merges the segments
run 0 optimize "$bin/cjkfts-index" --optimize "$idx"
contains "$tmp/optimize.out" "index $idx: 5 documents, 1 segment"
run 0 json3 "$bin/cjkfts-search" --json "$idx" 日美同盟
diff -u "$tmp/json.out" "$tmp/json3.out" || fail "optimized index gives other results"

# --commit-every: commits along the way give the same documents and the same hits
run 0 every "$bin/cjkfts-index" --commit-every=2 "$tmp/every.idx" corpus
contains "$tmp/every.out" "5 documents indexed: 5 new, 0 replaced"
run 0 json4 "$bin/cjkfts-search" --json "$tmp/every.idx" 日美同盟
cut -d, -f1 "$tmp/json4.out" | diff -u "$tmp/ids1" - || fail "--commit-every changed the hits"
exit 0
