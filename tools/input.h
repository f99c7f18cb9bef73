/* input.h: document readers of the indexer: folders of .txt/.md/.html files and JSON Lines. */
#ifndef CJKFTS_TOOLS_INPUT_H
#define CJKFTS_TOOLS_INPUT_H

#include <stddef.h>
#include <stdint.h>

/* Input formats, chosen by file name extension (case-insensitive). */
#define IN_FMT_NONE 0
#define IN_FMT_TXT 1   /* .txt */
#define IN_FMT_MD 2    /* .md, .markdown */
#define IN_FMT_HTML 3  /* .html, .htm */
#define IN_FMT_JSONL 4 /* .jsonl, .json, .ndjson: one JSON object per line */

int in_format_of(const char *path);

/* One document, as handed to in_sink.on_doc. Every pointer is valid during the callback only.
 * Strings are NUL-terminated and valid UTF-8; absent fields are NULL. */
typedef struct in_field {
    const char *name;
    const char *value;
    size_t len;
} in_field;

typedef struct in_doc {
    const char *file;   /* the input file, as named */
    unsigned long line; /* 1-based line of a JSON Lines record; 0 for a whole file */
    const char *id;
    size_t id_len;
    const char *title;
    size_t title_len;
    const char *body;
    size_t body_len;
    const char *date;
    const char *url;
    const in_field *extra; /* other JSON fields: strings as they are, any other value as
                              compact JSON text */
    size_t n_extra;
} in_doc;

/* Why an input or a record was skipped (or, for IN_WARN_*, indexed with a change). */
enum in_problem_kind {
    IN_BAD_JSON,    /* malformed JSON, or not an object */
    IN_NO_ID,       /* no usable "id" */
    IN_BAD_FIELD,   /* a known field of the wrong type or with a NUL byte */
    IN_BAD_UTF8,    /* invalid UTF-8 inside a JSON string */
    IN_BINARY,      /* NUL bytes or mostly invalid UTF-8: not a text file */
    IN_EMPTY,       /* a text file with no text */
    IN_UNREADABLE,  /* missing or unreadable file or folder */
    IN_UNSUPPORTED, /* an input that is neither a folder nor a known file type */
    IN_REJECTED,    /* the index refused the document (filled in by the indexer) */
    IN_SKIP_KINDS,  /* number of skip reasons */
    IN_WARN_UTF8 = IN_SKIP_KINDS, /* a text file's few invalid UTF-8 sequences were replaced */
    IN_KINDS
};

/* Short name of a problem kind ("malformed JSON", "missing id"...). */
const char *in_kind_name(int kind);

typedef struct in_problem {
    const char *file;
    unsigned long line; /* 1-based; 0 when it concerns the whole file */
    int kind;           /* enum in_problem_kind */
    const char *detail; /* one line of English */
} in_problem;

/* Where readers deliver their results. on_doc returns 0 to go on, or a negative value that
 * stops the reader and is returned by it. on_bytes reports input bytes consumed (for progress
 * displays; the sum over a file is its size). Any callback may be NULL. */
typedef struct in_sink {
    int (*on_doc)(void *ctx, const in_doc *doc);
    void (*on_problem)(void *ctx, const in_problem *p);
    void (*on_bytes)(void *ctx, uint64_t n);
    void *ctx;
} in_sink;

#define IN_ENOMEM (-1000) /* returned by readers when out of memory */

/* Read one file as a document (TXT, MD or HTML) with the given id. Returns 0 (problems go to
 * on_problem), IN_ENOMEM, or on_doc's stop value. */
int in_read_text_file(const char *path, const char *id, int format, const in_sink *s);

/* Read a JSON Lines file. Same returns. */
int in_read_jsonl(const char *path, const in_sink *s);

/* Read the document text of an in-memory file (used by in_read_text_file and tests). */
int in_read_text(const char *name, const char *id, int format, const char *data, size_t len,
                 const in_sink *s);

/* A list of input files, built from the command line before reading so the total size is
 * known. Folders are walked recursively in byte order of names; names starting with '.' are
 * skipped, symbolic links to folders are not followed; files of other types are counted in
 * `ignored`. A document's id is its path relative to the input folder ('/'-separated), or the
 * file name for a file given directly. */
typedef struct in_item {
    char *path;
    char *id; /* NULL for JSON Lines */
    int format;
    uint64_t size;
} in_item;

typedef struct in_plan {
    in_item *items;
    size_t n, cap;
    uint64_t total_bytes;
    size_t ignored;
} in_plan;

void in_plan_init(in_plan *p);
void in_plan_free(in_plan *p);
/* Add a folder or a file. Unreadable or unsupported inputs go to on_problem. Returns 0 or
 * IN_ENOMEM. */
int in_plan_add(in_plan *p, const char *input, const in_sink *s);
/* Read every item in order. Returns 0, IN_ENOMEM or on_doc's stop value. */
int in_plan_run(const in_plan *p, const in_sink *s);

#endif
