#!/bin/sh
# run.sh: run every benchmark program BUILD/bench/bench_* on the shared corpus directory.
# Usage: sh bench/run.sh BUILD [CORPUS_DIR]   (make bench calls it with BUILD only)
# Each benchmark takes the corpus directory as its first argument and prints its own
# figures; a new bench/bench_*.c is picked up without changing this script.
set -u
build=${1:-build}
corpus=${2:-../shared/corpus}
if [ ! -d "$corpus" ]; then
    echo "bench: corpus directory $corpus not found" >&2
    exit 1
fi
status=0
for b in "$build"/bench/bench_*; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b")"
    if ! "$b" "$corpus"; then
        echo "bench: $(basename "$b") failed" >&2
        status=1
    fi
done
exit $status
