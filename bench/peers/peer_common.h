/* peer_common.h: what every benchmark adapter shares: the command-line protocol, JSON Lines
 * input, query files, timing and the machine-readable output read by bench/compare.sh.
 *
 * Protocol (the same for every engine, including the Java one):
 *   ADAPTER index INDEXDIR CORPUS.jsonl
 *       prints  engine NAME VERSION / docs N / input_bytes B / index_seconds S /
 *               size postings|positions|stored|other|total BYTES  (-1 = not separable)
 *   ADAPTER query INDEXDIR QUERIES.tsv and|or K
 *       runs every query untimed (warm-up, at least PC_WARMUP_RUNS runs), then once
 *       timed, and prints
 *               q QID MICROSECONDS TOTAL ID1 ID2 ...   (tab-separated; TOTAL -1 = unknown)
 * A query is whitespace-separated words. Mode "and": every word must match, a word is a
 * phrase of its tokens. Mode "or": ranked OR of every token of every word. Lines go to stdout,
 * every line one record with tab-separated fields. */
#ifndef PEER_COMMON_H
#define PEER_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Untimed query runs before the timed pass: the whole file once, and at least this many. */
#define PC_WARMUP_RUNS 3000

typedef struct pc_doc {
    const char *id, *title, *body;
    size_t id_len, title_len, body_len;
} pc_doc;

/* Index sizes in bytes; -1 where the engine does not keep that part apart. */
typedef struct pc_sizes {
    int64_t postings, positions, stored, other;
} pc_sizes;

/* Top-k ids of one query, filled by the engine through pc_result_add. */
typedef struct pc_result {
    char *buf;
    size_t len, cap;
    size_t count;
    int64_t total; /* matching documents, -1 when the engine does not say */
} pc_result;

void pc_result_add(pc_result *r, const char *id, size_t len);

/* Split text into words at ASCII white space and U+3000. Returns the count; *words is an
 * array of NUL-terminated copies freed by pc_words_free. */
size_t pc_split_words(const char *text, char ***words);
void pc_words_free(char **words, size_t n);

/* 1 when the code point is Han, kana or Hangul (the characters CJK bigram analyzers pair). */
int pc_is_cjk(uint32_t cp);
/* Decode one UTF-8 sequence at s (n bytes left); returns its length (1 for a bad byte). */
size_t pc_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* The bag of terms of a question word, for engines whose query side is built here: overlapping
 * bigrams of each CJK run (a run of one character gives that character), and each run of
 * letters or digits as it is; punctuation separates. Returns the count; free with
 * pc_words_free. */
size_t pc_or_terms(const char *word, char ***terms);

typedef struct pc_engine {
    const char *name;
    const char *version;
    /* Indexing: begin creates the index in an empty directory, add is called per document,
     * end commits, closes and reports sizes. Return 0, or nonzero after printing the reason
     * to stderr. */
    int (*index_begin)(void **st, const char *dir);
    int (*index_add)(void *st, const pc_doc *doc);
    int (*index_end)(void *st, const char *dir, pc_sizes *sizes);
    /* Querying: mode_or 0 = AND of phrases, 1 = ranked OR. */
    int (*query_open)(void **st, const char *dir);
    int (*query_run)(void *st, const char *text, int mode_or, int k, pc_result *res);
    void (*query_close)(void *st);
} pc_engine;

/* Runs the protocol above; returns the process exit status. */
int pc_main(int argc, char **argv, const pc_engine *eng);

/* Disk space (allocated blocks) of the regular files under path, recursively. */
int64_t pc_dir_bytes(const char *path);

#ifdef __cplusplus
}
#endif
#endif
