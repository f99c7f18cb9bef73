/* cjkfts.h: the public API of cjkfts, a full-text search library for Chinese and Japanese text.
 *
 * OVERVIEW
 *   cjkfts indexes documents (id, title, body, date, url, extra stored fields) into an on-disk
 *   inverted index and answers keyword, phrase and ranked natural-language queries with BM25.
 *   Text is normalized with ICU (NFKC + case folding), traditional/simplified/Japanese variant
 *   forms of Han characters are folded to one form, CJK runs are split into overlapping
 *   character bigrams and Latin words are stemmed with Snowball.
 *
 *   The usual flow:
 *       cjkfts_index *ix;  cjkfts_index_open("news.idx", NULL, CJKFTS_OPEN_CREATE, &ix);
 *       cjkfts_writer *w;  cjkfts_writer_open(ix, &w);
 *       cjkfts_writer_add(w, &doc); ...; cjkfts_writer_commit(w); cjkfts_writer_close(w);
 *       cjkfts_reader *r;  cjkfts_reader_open(ix, &r);
 *       cjkfts_hits *h;    cjkfts_search_string(r, "日美同盟", CJKFTS_MODE_AND, NULL, &h);
 *       ... cjkfts_hits_get(h, i) ...
 *       cjkfts_hits_free(h); cjkfts_reader_close(r); cjkfts_index_close(ix);
 *
 *   Build with  cc app.c $(pkg-config --cflags --libs cjkfts)  (add --static to link
 *   libcjkfts.a). A complete program: examples/quickstart.c; an overview: man 3 cjkfts.
 *
 * ERRORS
 *   Every call that can fail returns an int: 0 (CJKFTS_OK) on success or a negative CJKFTS_E*
 *   code (stable numbers, listed below). cjkfts_strerror(code) names the code;
 *   cjkfts_errmsg(handle) gives the detail of the last failure on that handle (file name,
 *   byte offset, query position...). Where the detail of a failed call is kept:
 *     - on the handle the call was made on (index, writer, reader, analyzer);
 *     - cjkfts_index_open(), cjkfts_analyzer_open(), cjkfts_search() and
 *       cjkfts_search_string() may leave a failed handle in *out that carries it: read it,
 *       then close or free that handle as usual (*out is NULL only when not even the handle
 *       could be allocated). A failed handle is good for nothing else: calls that return a
 *       status fail with CJKFTS_EMISUSE, a failed cjkfts_hits holds no hits;
 *     - cjkfts_writer_open() and cjkfts_reader_open() leave *out NULL and keep the detail on
 *       the index handle; cjkfts_query_parse() keeps it on the reader.
 *   The library never prints, never exits and never aborts the host program.
 *
 * THREADS AND PROCESSES
 *   - A cjkfts_index handle is immutable after open and may be shared between threads.
 *   - One writer per index directory at a time, across threads and processes: the writer holds
 *     an exclusive lock file; a second cjkfts_writer_open() fails with CJKFTS_ELOCKED.
 *     A cjkfts_writer is used by one thread at a time.
 *   - Any number of readers, in any threads or processes. A reader is a snapshot of one commit:
 *     it never sees later changes and is never blocked by the writer. cjkfts_search() and
 *     cjkfts_search_string() may be called on the same reader from several threads at once
 *     (each call returns its own hits). cjkfts_query_parse() records its failures on the
 *     reader, so one reader is given to it by one thread at a time.
 *   - A cjkfts_analyzer, cjkfts_query or cjkfts_hits is used by one thread at a time.
 *   - There is no global mutable state: different handles are independent.
 *
 * OWNERSHIP
 *   Handles are created by the open, parse and search calls and released by the matching
 *   close or free call (cjkfts_index_close, cjkfts_writer_close, cjkfts_reader_close,
 *   cjkfts_analyzer_close, cjkfts_query_free, cjkfts_hits_free), which accepts NULL. Strings
 *   and structures returned by the library are owned by the handle they came from and stay
 *   valid until that handle is closed or freed; the message of cjkfts_errmsg() only until the
 *   next call on its handle. What the caller passes in is copied when the library keeps it;
 *   the library never frees the caller's memory.
 */
#ifndef CJKFTS_H
#define CJKFTS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CJKFTS_API __attribute__((visibility("default")))
#else
#define CJKFTS_API
#endif

#define CJKFTS_VERSION_MAJOR 0
#define CJKFTS_VERSION_MINOR 1
#define CJKFTS_VERSION_PATCH 0
#define CJKFTS_VERSION_STRING "0.1.0"

/* The library's version string, e.g. "0.1.0". Static storage. */
CJKFTS_API const char *cjkfts_version(void);

/* ===========================================================================================
 * Error codes: stable numbers, never reused.
 * =========================================================================================== */
#define CJKFTS_OK 0
#define CJKFTS_ERROR (-1)     /* failure not covered below */
#define CJKFTS_ENOMEM (-2)    /* out of memory */
#define CJKFTS_EINVAL (-3)    /* invalid argument (NULL handle, bad option value...) */
#define CJKFTS_EIO (-4)       /* a system call failed (read, write, fsync, mmap, rename...) */
#define CJKFTS_ECORRUPT (-5)  /* an index file is damaged: bad magic, checksum, length... */
#define CJKFTS_EVERSION (-6)  /* an index file has a format version this library cannot read */
#define CJKFTS_ELOCKED (-7)   /* another writer holds the index lock */
#define CJKFTS_ENOTFOUND (-8) /* no such index, document id or term */
#define CJKFTS_ESYNTAX (-9)   /* query syntax error; cjkfts_errmsg() gives the position */
#define CJKFTS_EUTF8 (-10)    /* invalid UTF-8 where the caller asked for strict input */
#define CJKFTS_ETOOBIG (-11)  /* input beyond a documented limit */
#define CJKFTS_EDEPEND (-12)  /* a dependency (ICU, Snowball, zstd) reported an error */
#define CJKFTS_EABORT (-13)   /* a caller's callback asked to stop */
#define CJKFTS_EMISUSE (-14)  /* call on a handle that failed earlier, or in the wrong order */
#define CJKFTS_EEXIST (-15)   /* the index already exists (CJKFTS_OPEN_EXCL) */

/* A short English description of an error code. Static storage; never NULL. */
CJKFTS_API const char *cjkfts_strerror(int code);

/* The detail of the last failure on a handle: any cjkfts_index, cjkfts_writer, cjkfts_reader,
 * cjkfts_analyzer, cjkfts_query or cjkfts_hits pointer. Returns "" when the last call on the
 * handle succeeded, and a fixed message for NULL. Owned by the handle; valid until the next
 * call on it. */
CJKFTS_API const char *cjkfts_errmsg(const void *handle);

/* Length value meaning "the string is NUL-terminated; use strlen()". */
#define CJKFTS_NTS ((size_t)-1)

/* ===========================================================================================
 * Analyzer: text -> tokens.
 *
 * A token is a normalized term, a position and the byte range of the ORIGINAL input it came
 * from. The built-in analyzer:
 *   - decodes UTF-8; an invalid sequence is replaced by U+FFFD, which breaks tokens like
 *     punctuation (or the call fails with CJKFTS_EUTF8 when utf8_strict is set); NUL bytes are
 *     separators;
 *   - normalizes with ICU NFKC_Casefold (full-width ASCII -> ASCII, half-width katakana ->
 *     full-width, (1) -> 1, Ｎａｔｏ -> nato);
 *   - folds Chinese variants (traditional, simplified, Japanese shinjitai) to one form when
 *     fold_variants is set (default);
 *   - CJK runs (Han, Hiragana, Katakana, Hangul) become overlapping bigrams plus one unigram
 *     (kind TAIL) for the last character of the run:
 *     日美同盟 -> 日美@p 美同@p+1 同盟@p+2 盟@p+3 (a run of n characters takes n positions).
 *     A run of one character is a unigram (kind UNIGRAM) alone;
 *   - Latin-script words are case folded and stemmed (Snowball, language "english" by
 *     default); numbers become one token of digits ("54,000" -> "54000").
 * The full rules, limits and guarantees are in lib/analysis/ANALYSIS.md (summary in
 * README.md, "How text is analyzed").
 * =========================================================================================== */

typedef struct cjkfts_analyzer cjkfts_analyzer;

/* Token kinds (cjkfts_token.kind). */
#define CJKFTS_TOKEN_WORD 1    /* Latin or other alphabetic word (stemmed) */
#define CJKFTS_TOKEN_NUMBER 2  /* digits */
#define CJKFTS_TOKEN_BIGRAM 3  /* two CJK characters */
#define CJKFTS_TOKEN_UNIGRAM 4 /* one CJK character forming a run of its own */
#define CJKFTS_TOKEN_TAIL 5    /* one CJK character: the last one of a longer run (so a
                                  one-character query finds it; queries of longer runs use
                                  the bigrams only) */

typedef struct cjkfts_token {
    const char *term; /* normalized UTF-8 bytes, not NUL-terminated; valid during the callback */
    size_t term_len;
    uint32_t position; /* non-decreasing within one tokenize call, starting at 0 */
    int kind;          /* CJKFTS_TOKEN_* */
    size_t start;      /* byte offset in the original text of the first byte it came from */
    size_t end;        /* byte offset one past the last original byte it came from */
} cjkfts_token;

/* Receives each token. Return 0 to go on; any other value stops tokenizing and the
 * tokenize call returns CJKFTS_EABORT. */
typedef int (*cjkfts_token_cb)(void *ctx, const cjkfts_token *token);

typedef struct cjkfts_analyzer_options {
    int fold_variants;   /* fold traditional/simplified/shinjitai Han variants; default 1 */
    int utf8_strict;     /* 1: invalid UTF-8 fails with CJKFTS_EUTF8; default 0 (replace) */
    char stemmer[32];    /* Snowball algorithm ("english", "french"...); "" = no stemming;
                            default "english" */
} cjkfts_analyzer_options;

/* Fill *opts with the defaults listed above. */
CJKFTS_API void cjkfts_analyzer_options_init(cjkfts_analyzer_options *opts);

/* An analyzer implementation: a versioned table of callbacks (as an SQLite FTS5 tokenizer).
 * The built-in analyzer is one of these (cjkfts_analyzer_builtin()); a caller can supply its
 * own to cjkfts_analyzer_open() and to cjkfts_index_options.analyzer_class. The name and
 * version are stored in the index, so an index is always queried with the analyzer that built
 * it. */
typedef struct cjkfts_analyzer_class {
    int api_version;  /* CJKFTS_ANALYZER_API (1) */
    const char *name; /* stored in the index; at most 63 bytes */
    int version;      /* bump when the tokens it produces change */
    /* Create a state for the given options. On failure return a CJKFTS_E* code and put a
     * message (NUL-terminated, at most errlen bytes) in err. */
    int (*create)(const cjkfts_analyzer_options *opts, void **state, char *err, size_t errlen);
    /* Tokenize text[0..len): call cb for each token in order of position. Return 0,
     * CJKFTS_EABORT when cb stopped, or another CJKFTS_E* code (with err filled in). */
    int (*tokenize)(void *state, const char *text, size_t len, cjkfts_token_cb cb, void *ctx,
                    char *err, size_t errlen);
    void (*destroy)(void *state);
} cjkfts_analyzer_class;

#define CJKFTS_ANALYZER_API 1

/* The built-in CJK analyzer class. Static storage. */
CJKFTS_API const cjkfts_analyzer_class *cjkfts_analyzer_builtin(void);

/* Open an analyzer. cls NULL = built-in; opts NULL = defaults. On success *out is a new
 * analyzer (free with cjkfts_analyzer_close). On failure *out is NULL, or a failed handle that
 * carries the message for cjkfts_errmsg() and must still be closed. */
CJKFTS_API int cjkfts_analyzer_open(const cjkfts_analyzer_class *cls,
                                    const cjkfts_analyzer_options *opts, cjkfts_analyzer **out);

/* Tokenize text[0..len) (len may be CJKFTS_NTS), calling cb for each token in order. Any
 * length is accepted; the text is not copied and must stay valid during the call. Returns 0,
 * CJKFTS_EABORT when cb returned non-zero, CJKFTS_EUTF8 on invalid UTF-8 with utf8_strict,
 * CJKFTS_EMISUSE when the analyzer failed to open; the detail is in cjkfts_errmsg(a). */
CJKFTS_API int cjkfts_analyzer_tokenize(cjkfts_analyzer *a, const char *text, size_t len,
                                        cjkfts_token_cb cb, void *ctx);

CJKFTS_API void cjkfts_analyzer_close(cjkfts_analyzer *a);

/* ===========================================================================================
 * Index: a directory holding immutable segment files and a manifest naming the last commit.
 * =========================================================================================== */

typedef struct cjkfts_index cjkfts_index;

typedef struct cjkfts_index_options {
    /* Analyzer settings. Used when the index is created; an existing index keeps the ones it
     * was created with (they are stored in it) and these are ignored. */
    cjkfts_analyzer_options analyzer;
    const cjkfts_analyzer_class *analyzer_class; /* NULL = built-in. For an existing index the
                                                    class must have the stored name/version */
    double bm25_k1;     /* default 1.2; stored in the index */
    double bm25_b;      /* default 0.75; stored in the index */
    double title_boost; /* weight of the title field; default 2.0; stored in the index */
    /* Runtime settings, not stored. */
    size_t ram_budget;  /* bytes of postings buffered before a segment is flushed; default
                           256 MiB, minimum 1 MiB */
    int merge_factor;   /* segments of similar size merged together; default 10 */
} cjkfts_index_options;

CJKFTS_API void cjkfts_index_options_init(cjkfts_index_options *opts);

#define CJKFTS_OPEN_CREATE 1   /* create the index directory if there is no index */
#define CJKFTS_OPEN_EXCL 2     /* with CREATE: fail with CJKFTS_EEXIST if an index exists */
#define CJKFTS_OPEN_READONLY 4 /* never write: writers cannot be opened on this handle */

/* Open (or create) the index in directory path. opts NULL = defaults. On success *out is a new
 * handle; on failure *out is NULL or a failed handle to read cjkfts_errmsg() from and close. */
CJKFTS_API int cjkfts_index_open(const char *path, const cjkfts_index_options *opts, int flags,
                                 cjkfts_index **out);
CJKFTS_API void cjkfts_index_close(cjkfts_index *ix);

/* The options in force for this index (stored ones merged with runtime ones). Owned by ix. */
CJKFTS_API const cjkfts_index_options *cjkfts_index_get_options(const cjkfts_index *ix);

typedef struct cjkfts_index_stats {
    uint64_t generation;     /* commit generation, 0 for a new empty index */
    uint64_t docs;           /* live documents */
    uint64_t deleted_docs;   /* deleted but not yet merged away */
    uint32_t segments;
    uint64_t terms;          /* sum over segments of distinct terms */
    uint64_t postings_bytes; /* doc ids, frequencies, skip data and term dictionaries */
    uint64_t positions_bytes;
    uint64_t stored_bytes;   /* compressed stored fields */
    uint64_t total_bytes;    /* every file of the current commit */
} cjkfts_index_stats;

/* Statistics of the last commit. */
CJKFTS_API int cjkfts_index_stats_get(cjkfts_index *ix, cjkfts_index_stats *st);

#define CJKFTS_CHECK_DEEP 1 /* also re-analyze stored text and compare with the postings */

/* Verify every file of the last commit: magic, version, checksums, structure, and with
 * CJKFTS_CHECK_DEEP that the postings agree with the re-analyzed stored text. Returns 0 or
 * CJKFTS_ECORRUPT/CJKFTS_EVERSION with the first problem in cjkfts_errmsg(ix). */
CJKFTS_API int cjkfts_index_check(cjkfts_index *ix, int flags);

/* ===========================================================================================
 * Writer: adds, replaces and deletes documents; commit makes changes visible and durable.
 * =========================================================================================== */

typedef struct cjkfts_writer cjkfts_writer;

typedef struct cjkfts_field {
    const char *name;  /* NUL-terminated; not one of id/title/body/date/url */
    const char *value; /* value bytes */
    size_t len;        /* may be CJKFTS_NTS */
} cjkfts_field;

typedef struct cjkfts_doc {
    const char *id;    /* external id, unique; required, 1..1024 bytes */
    size_t id_len;     /* may be CJKFTS_NTS */
    const char *title; /* indexed and stored; may be NULL */
    size_t title_len;
    const char *body;  /* indexed and stored; may be NULL */
    size_t body_len;
    const char *date;  /* ISO 8601 date or date-time ("2024-05-01", "20240501",
                          "2010-05-22T14:30:00+0900"): the calendar date as written is kept
                          (a zone does not move it); anything else makes cjkfts_writer_add
                          fail with CJKFTS_EINVAL. Stored, and filterable with date: in
                          queries; NULL or "" = none */
    const char *url;   /* stored; NULL = none; NUL-terminated */
    const cjkfts_field *extra; /* stored only */
    size_t n_extra;
} cjkfts_doc;

/* Open the writer of an index; takes the lock (CJKFTS_ELOCKED when another writer, in this or
 * another process, has it; CJKFTS_EMISUSE when ix was opened with CJKFTS_OPEN_READONLY). On
 * success *out is a new writer (release with cjkfts_writer_close); on failure *out is NULL and
 * cjkfts_errmsg(ix) has the detail.
 * A failure that leaves uncommitted changes in an unknown state makes cjkfts_writer_add,
 * _delete, _commit and _optimize fail with CJKFTS_EMISUSE until cjkfts_writer_rollback(). */
CJKFTS_API int cjkfts_writer_open(cjkfts_index *ix, cjkfts_writer **out);

/* Add a document; a document with the same id (committed or not) is replaced. The document is
 * copied. Invalid UTF-8 in title/body is replaced by U+FFFD (text is stored as given). */
CJKFTS_API int cjkfts_writer_add(cjkfts_writer *w, const cjkfts_doc *doc);

/* Delete the document with this id. Returns CJKFTS_ENOTFOUND when there is none. */
CJKFTS_API int cjkfts_writer_delete(cjkfts_writer *w, const char *id, size_t id_len);

/* Make every change since the last commit durable and visible to new readers: segments are
 * written and fsynced, then a new manifest replaces the old one by an atomic rename. A crash
 * at any instant leaves the index at either the previous or the new commit. */
CJKFTS_API int cjkfts_writer_commit(cjkfts_writer *w);

/* Discard every change since the last commit. */
CJKFTS_API int cjkfts_writer_rollback(cjkfts_writer *w);

/* Merge all segments into one (reclaiming deleted documents) and commit. */
CJKFTS_API int cjkfts_writer_optimize(cjkfts_writer *w);

/* Release the lock and free the writer (NULL is accepted). Uncommitted changes are
 * discarded. */
CJKFTS_API void cjkfts_writer_close(cjkfts_writer *w);

/* ===========================================================================================
 * Reader and search.
 * =========================================================================================== */

typedef struct cjkfts_reader cjkfts_reader;
typedef struct cjkfts_query cjkfts_query;
typedef struct cjkfts_hits cjkfts_hits;

/* Open a snapshot of the last commit. On success *out is a new reader (release with
 * cjkfts_reader_close); on failure *out is NULL and cjkfts_errmsg(ix) has the detail. */
CJKFTS_API int cjkfts_reader_open(cjkfts_index *ix, cjkfts_reader **out);
CJKFTS_API void cjkfts_reader_close(cjkfts_reader *r);
/* Live documents in the snapshot. */
CJKFTS_API uint64_t cjkfts_reader_doc_count(const cjkfts_reader *r);

/* Query modes. */
#define CJKFTS_MODE_AND 0 /* every term required (CJK runs as phrases); the default */
#define CJKFTS_MODE_OR 1  /* ranked OR: every bigram/word optional, for natural questions */

/* Parse a query (syntax in README.md, "Query syntax", and lib/search/SEARCH.md) and analyze
 * its words with the index's analyzer. CJKFTS_ESYNTAX on bad syntax (or a query with no
 * searchable terms), CJKFTS_ETOOBIG beyond the documented limits, with the byte position in
 * cjkfts_errmsg(r). The query keeps its own copy of the analyzer and may be used with any
 * reader of the same index. */
CJKFTS_API int cjkfts_query_parse(cjkfts_reader *r, const char *text, size_t len, int mode,
                                  cjkfts_query **out);
CJKFTS_API void cjkfts_query_free(cjkfts_query *q);

typedef struct cjkfts_search_options {
    size_t k;             /* hits to return; default 10 */
    size_t offset;        /* hits to skip (paging); default 0 */
    double title_boost;   /* < 0: the index's stored value (default) */
    int explain;          /* 1: fill cjkfts_hit.explain */
    size_t snippet_chars; /* fragment length in characters; default 100; 0: no snippets */
    const char *hl_open;  /* marker before a matched span; default "[" */
    const char *hl_close; /* marker after a matched span; default "]" */
} cjkfts_search_options;

CJKFTS_API void cjkfts_search_options_init(cjkfts_search_options *opts);

typedef struct cjkfts_hit {
    const char *id;
    double score;
    const char *title;   /* "" when none */
    const char *date;    /* "" when none */
    const char *url;     /* "" when none */
    const char *snippet; /* best fragment with markers; "" when disabled */
    const char *explain; /* multi-line score breakdown; NULL unless asked for */
} cjkfts_hit;

/* Run a query. opts NULL = defaults. *out owns every string of its hits. On failure *out is
 * NULL (out of memory) or a failed hits handle that carries the message for cjkfts_errmsg()
 * and must still be freed; the reader is not written to, so searches may share it. */
CJKFTS_API int cjkfts_search(cjkfts_reader *r, const cjkfts_query *q,
                             const cjkfts_search_options *opts, cjkfts_hits **out);

/* Parse text in the given mode and search: cjkfts_query_parse + cjkfts_search, except that
 * a parse error is reported on the returned hits handle (as for cjkfts_search). */
CJKFTS_API int cjkfts_search_string(cjkfts_reader *r, const char *text, int mode,
                                    const cjkfts_search_options *opts, cjkfts_hits **out);

/* Number of hits returned (at most k). */
CJKFTS_API size_t cjkfts_hits_count(const cjkfts_hits *h);
/* Number of matching documents; *exact is set to 0 when dynamic pruning skipped documents
 * and the figure is a lower bound. */
CJKFTS_API uint64_t cjkfts_hits_total(const cjkfts_hits *h, int *exact);
/* Hit i (0-based, best first), or NULL past the end. Owned by h. */
CJKFTS_API const cjkfts_hit *cjkfts_hits_get(const cjkfts_hits *h, size_t i);
/* A stored field of hit i by name ("id", "title", "body", "date", "url" or an extra field);
 * NULL when absent. *len gets its length when len is not NULL. Owned by h. */
CJKFTS_API const char *cjkfts_hits_field(cjkfts_hits *h, size_t i, const char *name,
                                         size_t *len);
CJKFTS_API void cjkfts_hits_free(cjkfts_hits *h);

#ifdef __cplusplus
}
#endif
#endif /* CJKFTS_H */
