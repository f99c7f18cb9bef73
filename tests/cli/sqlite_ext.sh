#!/bin/sh
# sqlite_ext.sh: the FTS5 tokenizer extension in the sqlite3 shell on the five seed articles:
# result lists and highlight counts checked against grep, exact highlight() and snippet()
# output, a simplified query highlighting traditional text, two-character queries that the
# trigram tokenizer cannot answer, and tokenizer arguments.
# Usage (from the repository root): sqlite_ext.sh BINDIR TMPDIR
set -eu
build=${1%/bin}
tmp=$2
ext=$build/cjkfts_sqlite.so
db=$tmp/news.db
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -f "$ext" ] || fail "no $ext (make sqlite-ext)"

# sql STATEMENTS: run them in the sqlite3 shell with the extension loaded.
sql() { sqlite3 -bail -cmd ".load $ext" "$db" "$@"; }
# expect WHAT GOT WANT
expect() { [ "$2" = "$3" ] || fail "$1: got [$2], want [$3]"; }
# The seed files (base names, sorted) whose text matches the extended regexp $1.
files_matching() { grep -lE "$1" corpus/*.txt | sed 's|.*/||' | LC_ALL=C sort; }
# Number of matches of the extended regexp $1 in all seed files.
count_matching() { cat corpus/*.txt | grep -oE "$1" | wc -l | tr -d ' '; }

# Title = first line, body = the rest, as the indexer does.
sql "CREATE VIRTUAL TABLE news USING fts5(name UNINDEXED, title, body, tokenize='cjkfts');" \
    "CREATE VIRTUAL TABLE tri USING fts5(name UNINDEXED, title, body, tokenize='trigram');" \
    "CREATE TEMP VIEW seed AS SELECT substr(name, 8) AS name, CAST(data AS TEXT) AS t
         FROM fsdir('corpus') WHERE name GLOB 'corpus/*.txt';" \
    "INSERT INTO news SELECT name, substr(t, 1, instr(t, char(10)) - 1),
         substr(t, instr(t, char(10)) + 1) FROM seed ORDER BY name;" \
    "INSERT INTO tri SELECT * FROM news;"
expect rows "$(sql 'SELECT count(*) FROM news')" 5

# names TABLE QUERY: the matching file names, sorted.
names() { sql "SELECT name FROM $1 WHERE $1 MATCH '$2' ORDER BY name"; }
# marks QUERY: the number of spans highlight() marks in both columns of every matching row.
marks() {
    sql "SELECT highlight(news, 1, char(1), char(2)) || highlight(news, 2, char(1), char(2))
         FROM news WHERE news MATCH '$1'" | tr -cd '\001' | wc -c | tr -d ' '
}

# ---- result lists and match counts against grep ----------------------------------------------
expect "日美同盟" "$(names news 日美同盟)" "$(files_matching 日美同盟)"
expect "marks 日美同盟" "$(marks 日美同盟)" "$(count_matching 日美同盟)"
# two characters: the trigram tokenizer finds nothing, cjkfts every file with them
expect "同盟" "$(names news 同盟)" "$(files_matching 同盟)"
expect "trigram 同盟" "$(names tri 同盟)" ""
expect "marks 同盟" "$(marks 同盟)" "$(count_matching 同盟)"
# a simplified query finds traditional and simplified spellings
expect "安保条约" "$(names news 安保条约)" "$(files_matching '安保(条|條)(约|約)')"
expect "marks 安保条约" "$(marks 安保条约)" "$(count_matching '安保(条|條)(约|約)')"
expect "伙伴关系" "$(names news 伙伴关系)" "$(files_matching '(伙|夥)伴(关|關)(系|係)')"
# one character: with the prefix star, every file containing it
expect "盟*" "$(names news '盟*')" "$(files_matching 盟)"
# words are all required; OR
files_matching 日美同盟 >"$tmp/a"
files_matching '(强|強)化' >"$tmp/b"
expect "日美同盟 强化" "$(names news '日美同盟 强化')" "$(LC_ALL=C comm -12 "$tmp/a" "$tmp/b")"
expect "OR" "$(names news '日美同盟 OR 伙伴关系')" "$(files_matching '日美同盟|(伙|夥)伴(关|關)(系|係)')"

# ---- exact highlight() and snippet() output ------------------------------------------------
expect "highlight title 001" \
    "$(sql "SELECT highlight(news, 1, '[', ']') FROM news WHERE news MATCH '日美同盟'
            AND name = '001_6adb6374d62dba2b.txt'")" \
    "导图社区 美日关系([日美同盟])"
expect "highlight traditional title 003" \
    "$(sql "SELECT highlight(news, 1, '[', ']') FROM news WHERE news MATCH '伙伴关系'
            AND name = '003_fd16bf5853cc5731.txt'")" \
    "日本與北約發布共同政治宣言,建立制度化安全[夥伴關係]"
expect "snippet traditional body 000" \
    "$(sql "SELECT snippet(news, 2, '[', ']', '…', 8) FROM news WHERE news MATCH '日美同盟'
            AND name = '000_a504bfee362ca583.txt'")" \
    "…強化[日美同盟],直到…" # 8 tokens: 強化 化日 日美 美同 同盟 盟 直到 到
expect "cjkfts_highlight" \
    "$(sql "SELECT cjkfts_highlight(news, 1, '[', ']') FROM news WHERE news MATCH '美日 日关'
            AND name = '001_6adb6374d62dba2b.txt'")" \
    "导图社区 [美日关]系(日美同盟)"
expect "cjkfts_snippet" \
    "$(sql "SELECT cjkfts_snippet(news, 2, '[', ']', '…', 6) FROM news WHERE news MATCH '美日 日关'
            AND name = '004_11cadd100d02d8bf.txt'")" \
    "…天里,[美日关]系发…"

# ---- tokenizer arguments -------------------------------------------------------------------
sql "CREATE VIRTUAL TABLE nf USING fts5(body, tokenize='cjkfts nofold stemmer none');" \
    "INSERT INTO nf SELECT title || char(10) || body FROM news;"
expect "nofold 伙伴关系" "$(sql "SELECT count(*) FROM nf WHERE nf MATCH '伙伴关系'")" \
    "$(files_matching 伙伴关系 | wc -l | tr -d ' ')"
if sql "CREATE VIRTUAL TABLE bad USING fts5(body, tokenize='cjkfts sideways');" \
    2>"$tmp/err"; then
    fail "an unknown tokenizer argument was accepted"
fi
grep -q "error in tokenizer constructor" "$tmp/err" || fail "message: $(cat "$tmp/err")"
echo "sqlite_ext: ok"
