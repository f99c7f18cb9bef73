#!/bin/sh
# tokenize.sh: cjkfts-tokenize prints the tokens of stdin and of files, honours its options
# and fails with a clear message. Usage: tokenize.sh BINDIR TMPDIR
set -eu
bin=$1/cjkfts-tokenize
tmp=$2
tab=$(printf '\t')

out=$(printf '日美同盟 Nations' | "$bin" -c)
[ "$out" = "日美@0 美同@1 同盟@2 盟@3 nation@4" ]

printf 'ｶﾞｲ 對' > "$tmp/a.txt"
"$bin" "$tmp/a.txt" > "$tmp/out"
cat > "$tmp/want" <<END
ガイ${tab}0${tab}0${tab}9${tab}bigram
イ${tab}1${tab}6${tab}9${tab}tail
对${tab}2${tab}10${tab}13${tab}unigram
END
cmp "$tmp/out" "$tmp/want"

out=$("$bin" -c --no-fold "$tmp/a.txt")
[ "$out" = "ガイ@0 イ@1 對@2" ]
out=$(printf 'running' | "$bin" -c --stemmer=)
[ "$out" = "running@0" ]
out=$(printf 'running' | "$bin" -c --stemmer=none)
[ "$out" = "running@0" ]
# two files: one line each in compact mode
out=$("$bin" -c "$tmp/a.txt" - < "$tmp/a.txt" | wc -l)
[ "$out" -eq 2 ]

if printf 'x' | "$bin" --stemmer=klingon 2> "$tmp/err"; then exit 1; fi
grep -q 'unknown stemmer "klingon"' "$tmp/err"
if printf 'a\377b' | "$bin" --strict 2> "$tmp/err"; then exit 1; fi
grep -q 'invalid UTF-8 at byte offset 1' "$tmp/err"
if "$bin" "$tmp/missing.txt" 2> "$tmp/err"; then exit 1; fi
grep -q 'missing.txt' "$tmp/err"
st=0; "$bin" --bogus < /dev/null 2> "$tmp/err" || st=$?
[ "$st" -eq 2 ]
grep -q "unknown option '--bogus'" "$tmp/err"
grep -q "Try 'cjkfts-tokenize --help'" "$tmp/err"
# --help: the usage on stdout, status 0
"$bin" --help > "$tmp/help"
head -1 "$tmp/help" | grep -q '^usage: cjkfts-tokenize'
grep -q -- '--stemmer=LANG' "$tmp/help"
