# jsonl.sh: a JSON Lines file with good and bad records: bad ones are reported with their line
# numbers and skipped (exit status 1), the good ones are searchable with their fields.
. tests/cli/common.inc
idx=$tmp/news.idx
in=$tmp/news.jsonl
printf '%s\n' \
    '{"id":"n1","title":"日美同盟の強化","body":"<p>日本と米国は<strong>同盟</strong>を強化する。&amp; 安保も。</p>","date":"2024-04-10","url":"https://example.com/n1","category":"politics"}' \
    '{"id":"n2","title":"broken",' \
    '' \
    '{"title":"no id","body":"日美同盟"}' \
    '{"id":3,"title":"数字のID","body":"日美同盟と安保条約について。"}' >"$in"
printf '{"id":"n4","body":"bad \377 byte"}\n' >>"$in"
printf '{"id":"n5","title":"CRLF line","body":"日美同盟"}\r\n' >>"$in"
printf '{"id":"n6","date":20240101}\n' >>"$in"
printf '{"id":"n7","date":"yesterday","body":"日美同盟"}\n' >>"$in"

run 1 index "$bin/cjkfts-index" "$idx" "$in"
sed "s|$tmp/|TMP/|g" "$tmp/index.err" >"$tmp/index-err.txt"
check jsonl-stderr.txt "$tmp/index-err.txt"
untimed "$tmp/index.out" | sed "s|$tmp/|TMP/|" >"$tmp/index-out.txt"
check jsonl-summary.txt "$tmp/index-out.txt"

run 0 json "$bin/cjkfts-search" --json "$idx" 日美同盟
check jsonl-search.txt "$tmp/json.out"

# re-running replaces the three good records and reports the bad ones again
run 1 again "$bin/cjkfts-index" --quiet "$idx" "$in"
[ -s "$tmp/again.out" ] && fail "--quiet printed a summary"
diff -u "$tmp/index.err" "$tmp/again.err" || fail "problems reported differently the second time"
exit 0
