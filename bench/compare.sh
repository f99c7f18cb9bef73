#!/bin/sh
# compare.sh: cjkfts side by side with Lucene 8, Xapian 1.4, Groonga 13 and SQLite FTS5 on the
# same machine and data, in one run.
#
#   sh bench/compare.sh [--smoke|--big] [BUILD]
#   (make bench-compare, bench-compare-smoke, bench-compare-big)
#
# Every engine runs through an adapter of bench/peers/ built into BUILD/peers (make
# bench-peers); an engine whose adapter is missing is skipped with a note. Inputs come from
# ../shared/corpus relative to the repository root: the livedoor and xinwenlianbo corpora and
# the eval sets. The adapters print per-query latencies and top-k ids; this script turns them
# into the same figures for every engine (p50/p99, MRR@10, recall@10), a Markdown report with
# every figure as a ratio to cjkfts, and a gnuplot chart of the latency distributions.
#   default   both corpora, 1,000 keyword queries and 1,000 questions each, every eval set;
#             writes bench/RESULTS.md and bench/peers/latency.png
#   --smoke   300 documents per corpus, 50 queries, one eval set; a few seconds per engine;
#             report in BUILD/peers/smoke/RESULTS.md only
#   --big     the two corpora concatenated until >= 500 MB (distinct ids); keyword and
#             question latencies only; report in BUILD/peers/big/RESULTS.md
# For development: PEER_ENGINES="cjkfts xapian" runs only those engines, BIG_MB sets the size
# of the --big corpus (default 500).
set -eu

MODE=full
case "${1:-}" in
--smoke | --big) MODE=${1#--}; shift ;;
esac
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case "$BUILD" in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
DATA=$ROOT/../shared/corpus
PEERS=$BUILD/peers
OUT=$PEERS/$MODE
K=10
ENGINES=${PEER_ENGINES:-cjkfts lucene xapian groonga sqlite}
BIG_MB=${BIG_MB:-500}
SEED=20240501

if [ ! -f "$DATA/livedoor.jsonl" ]; then
    echo "compare: no corpus at ../shared/corpus (relative to the repository root); skipped" >&2
    exit 0
fi
[ -x "$PEERS/peer-prep" ] || { echo "compare: run make bench-peers first" >&2; exit 1; }
rm -rf "$OUT"
mkdir -p "$OUT/data" "$OUT/raw" "$OUT/plot"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
RES=$OUT/results.tsv
NOTES=$OUT/notes.txt
: > "$RES"
: > "$NOTES"
log() { echo "compare: $*" >&2; }
note() { echo "- $*" >> "$NOTES"; log "$*"; }
put() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$RES"; }
get() { awk -F'\t' -v s="$1" -v e="$2" -v k="$3" '$1==s&&$2==e&&$3==k{v=$4} END{print v}' "$RES"; }

have_time=0
[ -x /usr/bin/time ] && have_time=1
[ $have_time = 1 ] || note "GNU time (package time) missing: no peak RSS figures"

avail=""
for e in $ENGINES; do
    if [ -x "$PEERS/peer-$e" ]; then
        avail="$avail $e"
    else
        if [ $e = cjkfts ]; then
            note "cjkfts: adapter not built (the library does not link yet, or make bench-peers was not run), skipped"
        else
            note "$e: adapter not built (engine not installed: make bench-deps), skipped"
        fi
    fi
done

# ---- inputs ------------------------------------------------------------------------------
D=$OUT/data
EV=$DATA/eval
case $MODE in
smoke) LIMIT=300 NKW=50 NQ=50 ;;
*) LIMIT=0 NKW=1000 NQ=1000 ;;
esac
prep() { "$PEERS/peer-prep" "$@" || { log "peer-prep $1 failed"; exit 1; }; }
if [ $MODE = big ]; then
    prep corpus "$D/one.jsonl" 1 0 "$DATA/livedoor.jsonl" "$DATA/xinwenlianbo.jsonl"
    one=$(wc -c < "$D/one.jsonl")
    copies=$(( (BIG_MB * 1000000 + one - 1) / one ))
    prep corpus "$D/big.jsonl" $copies 0 "$DATA/livedoor.jsonl" "$DATA/xinwenlianbo.jsonl"
    rm -f "$D/one.jsonl"
    prep keywords "$D/big.jsonl" "$D/big.kw.tsv" $NKW $SEED
    prep questions "$EV/jsquad-valid.queries.tsv" "$D/q1.tsv" $((NQ / 2)) $SEED
    prep questions "$EV/cmrc2018-trial.queries.tsv" "$D/q2.tsv" $((NQ / 2)) $SEED
    cat "$D/q1.tsv" "$D/q2.tsv" > "$D/big.or.tsv"
    CORPORA=big
    EVALS=""
else
    prep corpus "$D/livedoor.jsonl" 1 $LIMIT "$DATA/livedoor.jsonl"
    prep corpus "$D/xinwenlianbo.jsonl" 1 $LIMIT "$DATA/xinwenlianbo.jsonl"
    prep keywords "$D/livedoor.jsonl" "$D/livedoor.kw.tsv" $NKW $SEED
    prep keywords "$D/xinwenlianbo.jsonl" "$D/xinwenlianbo.kw.tsv" $NKW $SEED
    prep questions "$EV/jsquad-valid.queries.tsv" "$D/livedoor.or.tsv" $NQ $SEED
    prep questions "$EV/cmrc2018-trial.queries.tsv" "$D/xinwenlianbo.or.tsv" $NQ $SEED
    CORPORA="livedoor xinwenlianbo"
    EVALS="cmrc2018-trial jsquad-valid drcd-dev"
    [ $MODE = smoke ] && EVALS="cmrc2018-trial"
    for s in $EVALS; do
        prep corpus "$D/$s.jsonl" 1 0 "$EV/$s.docs.jsonl"
        n=0
        [ $MODE = smoke ] && n=200
        prep questions "$EV/$s.queries.tsv" "$D/$s.or.tsv" $n $SEED
    done
fi

# ---- measuring ---------------------------------------------------------------------------

# index SECTION ENGINE CORPUS: build the index, record time, throughput, RSS and sizes.
index() {
    sec=$1 e=$2 corpus=$3
    idx=$OUT/idx-$sec-$e
    raw=$OUT/raw/$sec-$e
    rm -rf "$idx"
    log "$sec: indexing with $e"
    if [ $have_time = 1 ]; then
        /usr/bin/time -f '%M' -o "$raw.rss" "$PEERS/peer-$e" index "$idx" "$corpus" \
            > "$raw.index" 2> "$raw.index.err" || { fail "$sec" "$e" index; return 1; }
        put "$sec" "$e" rss_mb "$(awk '{v=$1} END{printf "%.1f", v/1024}' "$raw.rss")"
    else
        "$PEERS/peer-$e" index "$idx" "$corpus" > "$raw.index" 2> "$raw.index.err" ||
            { fail "$sec" "$e" index; return 1; }
    fi
    awk -F'\t' -v s="$sec" -v e="$e" '
        function out(k, v) { printf "%s\t%s\t%s\t%s\n", s, e, k, v }
        $1 == "engine" { out("version", $3) }
        $1 == "docs" { out("docs", $2) }
        $1 == "input_bytes" { bytes = $2 }
        $1 == "index_seconds" { secs = $2; out("index_s", sprintf("%.2f", secs)) }
        $1 == "size" { sz[$2] = $3 }
        END {
            if (secs > 0) out("mbps", sprintf("%.2f", bytes / 1e6 / secs))
            pp = sz["postings"] + (sz["positions"] > 0 ? sz["positions"] : 0)
            out("postpos_mb", sprintf("%.1f", pp / 1e6))
            out("positions_sep", sz["positions"] >= 0 ? "yes" : "no")
            if (sz["stored"] >= 0) out("stored_mb", sprintf("%.1f", sz["stored"] / 1e6))
            out("total_mb", sprintf("%.1f", sz["total"] / 1e6))
        }' "$raw.index" >> "$RES"
}

fail() {
    note "$1: $2 failed to $3 ($(tail -n 1 "$OUT/raw/$1-$2.$3.err" 2>/dev/null)); see $OUT/raw"
}

# latency SECTION ENGINE NAME FILE [QID-PREFIX]: p50/p99 in ms, queries with no hit.
latency() {
    awk -F'\t' -v p="${5:-}" '$1=="q" && index($2, p)==1 {print $3}' "$4" | sort -g |
        awk -v s="$1" -v e="$2" -v n="$3" '
        { v[NR] = $1 / 1000 }
        END {
            if (NR == 0) exit
            i50 = int(NR * 0.50 + 0.999999); i99 = int(NR * 0.99 + 0.999999)
            printf "%s\t%s\t%s_p50\t%.3f\n%s\t%s\t%s_p99\t%.3f\n", s, e, n, v[i50], s, e, n, v[i99]
        }' >> "$RES"
    awk -F'\t' -v s="$1" -v e="$2" -v n="$3" -v p="${5:-}" '
        $1=="q" && index($2, p)==1 { q++; if ($5 == "") z++ }
        END { if (q) printf "%s\t%s\t%s_zero\t%d\n", s, e, n, z }' "$4" >> "$RES"
    # the distribution for the chart: latency (ms) and cumulative fraction
    [ -z "${5:-}" ] && awk -F'\t' '$1=="q"{print $3/1000}' "$4" | sort -g |
        awk '{v[NR]=$1} END {for (i = 1; i <= NR; i++) print v[i], i / NR}' \
            > "$OUT/plot/$1-$3-$2.dat"
    return 0
}

# query SECTION ENGINE NAME FILE MODE
query() {
    raw=$OUT/raw/$1-$2.$3
    log "$1: $3 queries with $2"
    "$PEERS/peer-$2" query "$OUT/idx-$1-$2" "$4" "$5" $K > "$raw" 2> "$raw.err" ||
        { fail "$1" "$2" "$3"; return 1; }
    latency "$1" "$2" "$3" "$raw"
}

# quality SECTION ENGINE: MRR@10 and recall@10 of the eval set's questions (ranked OR).
quality() {
    awk -F'\t' -v s="$1" -v e="$2" -v k=$K '
        FNR == NR { split($0, a, /[ \t]+/); if (a[4] > 0) { rel[a[1] SUBSEP a[3]] = 1; nrel[a[1]]++ }
                    next }
        $1 == "q" {
            n++; rr = 0; found = 0
            for (i = 5; i <= NF && i < 5 + k; i++)
                if (($2 SUBSEP $i) in rel) { found++; if (!rr) rr = 1 / (i - 4) }
            mrr += rr; if (nrel[$2]) rec += found / nrel[$2]
        }
        END { if (n) printf "%s\t%s\tmrr\t%.4f\n%s\t%s\tr10\t%.4f\n", s, e, mrr / n, s, e, rec / n }
    ' "$EV/$1.qrels" "$OUT/raw/$1-$2.or" >> "$RES"
}

for c in $CORPORA; do
    for e in $avail; do
        index "$c" "$e" "$D/$c.jsonl" || continue
        query "$c" "$e" and "$D/$c.kw.tsv" and || true
        for p in kw1 kw2 kw3 kw4 kw2w; do
            [ -f "$OUT/raw/$c-$e.and" ] && latency "$c" "$e" "and_$p" "$OUT/raw/$c-$e.and" "$p-"
        done
        query "$c" "$e" or "$D/$c.or.tsv" or || true
        rm -rf "$OUT/idx-$c-$e"
    done
done
for s in $EVALS; do
    for e in $avail; do
        index "$s" "$e" "$D/$s.jsonl" || continue
        query "$s" "$e" or "$D/$s.or.tsv" or && quality "$s" "$e"
        rm -rf "$OUT/idx-$s-$e"
    done
done

# ---- targets -----------------------------------------------------------------------------
TGT=$OUT/targets.md
: > "$TGT"
short=""
check() { # check WHAT MEASURED-TEXT CONDITION
    if awk "BEGIN { exit !($3) }"; then r=met; else r="**not met**"; short="$short $4"; fi
    printf '| %s | %s | %s |\n' "$1" "$2" "$r" >> "$TGT"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
if printf '%s\n' $avail | grep -qx cjkfts; then
    for c in $CORPORA; do
        cj=$(get "$c" cjkfts mbps) lu=$(get "$c" lucene mbps)
        [ -n "$cj" ] && [ -n "$lu" ] &&
            check "$c: indexing throughput >= 4x Lucene" "$cj vs $lu MB/s ($(ratio "$cj" "$lu")x)" \
                "$cj >= 4 * $lu" index
        for m in and or; do
            cj=$(get "$c" cjkfts ${m}_p50) lu=$(get "$c" lucene ${m}_p50) xa=$(get "$c" xapian ${m}_p50)
            [ -n "$cj" ] && [ -n "$lu" ] &&
                check "$c: $m p50 <= 0.5x Lucene" "$cj vs $lu ms ($(ratio "$cj" "$lu")x)" \
                    "$cj <= 0.5 * $lu" query
            [ -n "$cj" ] && [ -n "$xa" ] &&
                check "$c: $m p50 <= Xapian" "$cj vs $xa ms ($(ratio "$cj" "$xa")x)" \
                    "$cj <= $xa" query
        done
        cj=$(get "$c" cjkfts postpos_mb) lu=$(get "$c" lucene postpos_mb)
        [ -n "$cj" ] && [ -n "$lu" ] &&
            check "$c: postings+positions <= Lucene" "$cj vs $lu MB ($(ratio "$cj" "$lu")x)" \
                "$cj <= $lu" size
    done
    for s in $EVALS; do
        cj=$(get "$s" cjkfts mrr) lu=$(get "$s" lucene mrr)
        [ -n "$cj" ] && [ -n "$lu" ] &&
            check "$s: MRR@10 >= Lucene" "$cj vs $lu" "$cj >= $lu" quality
    done
fi

# ---- profiles of what fell short (perf, when it works here) --------------------------------
PROF=$OUT/profile.md
: > "$PROF"
profile() { # profile TITLE COMMAND...
    title=$1; shift
    perf record -q -g -F 997 -o "$OUT/perf.data" -- "$@" > /dev/null 2>&1 || return 0
    { printf '\n%s (`perf record -g`, self time, top symbols):\n\n```\n' "$title"
      perf report -i "$OUT/perf.data" --stdio --no-children --sort dso,symbol --percent-limit 1.5 \
          -g none 2> /dev/null | grep '%' | sed 's/[ -]*$//' | head -n 15
      printf '```\n'; } >> "$PROF"
    rm -f "$OUT/perf.data" "$OUT/perf.data.old"
}
if [ $MODE != smoke ] && [ -n "$short" ] && command -v perf > /dev/null 2>&1; then
    c=${CORPORA%% *}
    case "$short" in *index*|*size*)
        rm -rf "$OUT/idx-prof"
        profile "cjkfts indexing $c" "$PEERS/peer-cjkfts" index "$OUT/idx-prof" "$D/$c.jsonl" ;;
    esac
    case "$short" in *query*|*quality*)
        [ -d "$OUT/idx-prof" ] || "$PEERS/peer-cjkfts" index "$OUT/idx-prof" "$D/$c.jsonl" > /dev/null
        profile "cjkfts AND keyword queries on $c (warm-up included)" \
            "$PEERS/peer-cjkfts" query "$OUT/idx-prof" "$D/$c.kw.tsv" and $K
        profile "cjkfts OR questions on $c (warm-up included)" \
            "$PEERS/peer-cjkfts" query "$OUT/idx-prof" "$D/$c.or.tsv" or $K ;;
    esac
    rm -rf "$OUT/idx-prof"
fi

# ---- chart -------------------------------------------------------------------------------
CHART=$OUT/latency.png
if command -v gnuplot > /dev/null 2>&1; then
    {
        n=0
        for c in $CORPORA; do n=$((n + 2)); done
        echo "set terminal pngcairo size 1400,$((n / 2 * 450)) font ',10'"
        echo "set output '$CHART'"
        echo "set multiplot layout $((n / 2)),2 title 'Query latency distribution (cumulative), $MODE run'"
        echo "set logscale x; set xlabel 'latency (ms, log scale)'; set ylabel 'fraction of queries'"
        echo "set key bottom right; set grid; set yrange [0:1]"
        for c in $CORPORA; do
            for m in and or; do
                [ $m = and ] && what="AND keyword queries (1-4 chars, two words)" ||
                    what="ranked OR questions"
                plot=""
                for e in $avail; do
                    f=$OUT/plot/$c-$m-$e.dat
                    [ -s "$f" ] && plot="$plot${plot:+, }'$f' using 1:2 with lines lw 2 title '$e'"
                done
                echo "set title '$c: $what'"
                if [ -n "$plot" ]; then echo "plot $plot"; else echo "plot 0 notitle"; fi
            done
        done
        echo "unset multiplot"
    } > "$OUT/latency.gp"
    gnuplot "$OUT/latency.gp" || note "gnuplot failed; no chart"
else
    note "gnuplot (gnuplot-nox) not installed: no chart"
fi

# ---- report ------------------------------------------------------------------------------
# table SECTION "KEY:Header ...": one row per engine; each cell the value and, for another
# engine, its ratio to cjkfts.
table() {
    sec=$1; cols=$2
    printf '|engine|'; for kc in $cols; do printf '%s|' "$(echo "${kc#*:}" | tr _ ' ')"; done; echo
    printf '|---|'; for kc in $cols; do printf '%s' '---:|'; done; echo
    for e in $ENGINES; do
        [ -n "$(get "$sec" "$e" version)" ] || continue
        printf '|%s %s|' "$e" "$(get "$sec" "$e" version)"
        for kc in $cols; do
            k=${kc%%:*}; v=$(get "$sec" "$e" "$k"); b=$(get "$sec" cjkfts "$k")
            if [ -z "$v" ]; then printf 'n/a|'
            elif [ "$e" = cjkfts ] || [ -z "$b" ] || [ "${k%_zero}" != "$k" ]; then printf '%s|' "$v"
            else printf '%s (%s×)|' "$v" "$(ratio "$v" "$b")"; fi
        done
        echo
    done
}

REPORT=$OUT/RESULTS.md
{
    echo "# cjkfts beside other engines"
    echo
    case $MODE in full) how="make bench-compare" ;; *) how="make bench-compare-$MODE" ;; esac
    echo "Produced by \`$how\` (bench/compare.sh, $MODE run)."
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(nproc) cores ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)),"\
         "$(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"
    echo "- commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (with local changes)')"
    echo "- engines: $(for e in $avail; do printf '%s ' "$e"; done)"
    echo "- load average (1, 5, 15 min) at the start: $LOAD_START; at the end:"\
         "$(cut -d' ' -f1-3 /proc/loadavg) (above the core count, other work shared the"\
         "machine and every figure is slower and noisier than on an idle one)"
    echo
    echo "Every figure of another engine is followed by its ratio to cjkfts (engine / cjkfts):"
    echo "below 1× means fewer seconds, megabytes or milliseconds than cjkfts, or a lower score."
    echo "Indexing time covers reading and parsing the JSON Lines file, analysis, writing and the"
    echo "final commit, measured inside the process. Peak RSS is the whole process (for Lucene the"
    echo "JVM, started with -Xms1g -Xmx1g). Query times are measured inside the process per query"
    echo "(parse + search + top-$K ids), after an untimed warm-up pass, one query at a time on one"
    echo "thread. \"zero\" counts AND queries with no hit. Sizes are disk blocks in MB (10^6 bytes)."
    echo
    for c in $CORPORA; do
        docs=$(get "$c" cjkfts docs); [ -n "$docs" ] || docs=$(awk -F'\t' -v s="$c" '$1==s&&$3=="docs"{print $4; exit}' "$RES")
        echo "## $c ($docs documents, $(wc -c < "$D/$c.jsonl" | awk '{printf "%.1f MB", $1/1e6}'))"
        echo
        table "$c" "index_s:index_s mbps:MB/s rss_mb:peak_RSS_MB postpos_mb:postings+positions_MB stored_mb:stored_MB total_mb:total_MB"
        echo
        table "$c" "and_p50:AND_p50_ms and_p99:AND_p99_ms and_zero:AND_zero or_p50:OR_p50_ms or_p99:OR_p99_ms"
        echo
        echo "AND p50 (ms) by query class: one Han character, 2, 3 and 4 CJK characters, two words:"
        echo
        table "$c" "and_kw1_p50:1_char and_kw2_p50:2_chars and_kw3_p50:3_chars and_kw4_p50:4_chars and_kw2w_p50:two_words and_kw1_zero:1_char_zero and_kw2_zero:2_chars_zero"
        echo
    done
    if [ -n "$EVALS" ]; then
        echo "## Retrieval quality (questions as ranked OR, top $K)"
        echo
        for s in $EVALS; do
            echo "### $s ($(wc -l < "$D/$s.jsonl") documents, $(wc -l < "$D/$s.or.tsv") questions)"
            echo
            table "$s" "mrr:MRR@10 r10:recall@10 or_p50:OR_p50_ms index_s:index_s postpos_mb:postings+positions_MB"
            echo
        done
    fi
    if [ -s "$OUT/latency.png" ]; then
        [ $MODE = full ] && img=peers/latency.png || img=latency.png
        echo "![query latency distributions]($img)"
        echo
    fi
    if [ -s "$TGT" ]; then
        echo "## Targets for cjkfts (ratios in this run)"
        echo
        echo "| target | measured | |"
        echo "|---|---|---|"
        cat "$TGT"
        echo
    fi
    if [ -s "$PROF" ]; then
        echo "### Where cjkfts spends its time (the targets not met)"
        cat "$PROF"
        echo
    fi
    cat "$ROOT/bench/peers/SEMANTICS.md"
    if [ -s "$NOTES" ]; then
        echo
        echo "## Notes of this run"
        echo
        cat "$NOTES"
    fi
} > "$REPORT"

if [ $MODE = full ]; then
    cp "$REPORT" "$ROOT/bench/RESULTS.md"
    [ -s "$CHART" ] && cp "$CHART" "$ROOT/bench/peers/latency.png"
    log "wrote bench/RESULTS.md and bench/peers/latency.png"
else
    log "wrote $REPORT"
fi
