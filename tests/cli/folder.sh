# folder.sh: a folder of HTML, Markdown and text files (and a binary one): titles from <title>,
# '#' headings and first lines; entities decoded; the binary file reported and skipped.
. tests/cli/common.inc
idx=$tmp/f.idx
src=$tmp/src
mkdir -p "$src/sub" "$src/.hidden"
cat >"$src/page.html" <<'HTML'
<!DOCTYPE html>
<html><head><title>Alliance &amp; Security</title>
<meta name="date" content="2023-01-13"><link rel="canonical" href="https://example.com/page">
<script>var hidden = "secretword";</script></head>
<body><h1>Heading</h1><p>The US&ndash;Japan alliance &lt;treaty&gt; was revised in 1960.</p>
<p>&#26085;&#32654;&#21516;&#30431; is the word.</p></body></html>
HTML
printf '# Markdown title\n\nThe alliance text in Markdown.\n' >"$src/sub/notes.md"
printf 'Plain title\r\nsecond line about the alliance\r\n' >"$src/plain.txt"
printf 'bin\000ary\n' >"$src/sub/blob.txt"
printf 'ignored\n' >"$src/.hidden/x.txt"
printf 'ignored\n' >"$src/image.png"

run 1 index "$bin/cjkfts-index" "$idx" "$src"
sed "s|$tmp/|TMP/|g" "$tmp/index.err" >"$tmp/err.txt"
check folder-stderr.txt "$tmp/err.txt"
untimed "$tmp/index.out" | sed "s|$tmp/|TMP/|" >"$tmp/out.txt"
check folder-summary.txt "$tmp/out.txt"

run 0 json "$bin/cjkfts-search" --json "$idx" alliance
check folder-search.txt "$tmp/json.out"
run 0 cjk "$bin/cjkfts-search" --json "$idx" 日美同盟
contains "$tmp/cjk.out" '"id":"page.html"'
run 1 script "$bin/cjkfts-search" "$idx" secretword
exit 0
