/* index.h: internal interface of the on-disk index (lib/index), used by lib/search and by the
 * public index/writer/reader calls. The format itself is described in lib/index/FORMAT.md.
 *
 * Model: an index directory holds immutable segments and one manifest naming the segments of
 * the last commit. A snapshot maps the segments of one manifest. Inside a segment, documents
 * are numbered 0..doc_count-1 (segment-local ids, in insertion order); deleted documents stay
 * until a merge and are skipped through the live-docs bitmap. Indexed text fields are TITLE
 * and BODY; each (field, term) has a posting list of doc ids with term frequencies, and
 * positions in a separate stream. */
#ifndef CJKFTS_INDEX_H
#define CJKFTS_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include "util/util.h"

enum { IX_FIELD_TITLE = 0, IX_FIELD_BODY = 1, IX_NFIELDS = 2 };

#define IX_NO_MORE_DOCS UINT32_MAX
#define IX_NO_DATE INT32_MIN

typedef struct ix_snapshot ix_snapshot;
typedef struct ix_segment ix_segment;

/* ---- reader glue: what lib/search needs from a cjkfts_reader ------------------------------ */
CF_HIDDEN const ix_snapshot *ix_reader_snapshot(const cjkfts_reader *r);
/* Options stored in the index (analyzer, BM25 parameters, title boost). */
CF_HIDDEN const cjkfts_index_options *ix_reader_options(const cjkfts_reader *r);
/* The reader's error record, for search/query code to report failures on. */
CF_HIDDEN cf_handle *ix_reader_handle(cjkfts_reader *r);

/* ---- snapshot ------------------------------------------------------------------------------ */
CF_HIDDEN uint32_t ix_snapshot_segment_count(const ix_snapshot *s);
CF_HIDDEN const ix_segment *ix_snapshot_segment(const ix_snapshot *s, uint32_t i);
CF_HIDDEN uint64_t ix_snapshot_live_docs(const ix_snapshot *s);
/* Sum of the field's lengths (in tokens) over live documents of every segment. */
CF_HIDDEN uint64_t ix_snapshot_field_length_sum(const ix_snapshot *s, int field);

/* ---- segment ------------------------------------------------------------------------------- */
CF_HIDDEN uint32_t ix_seg_doc_count(const ix_segment *g); /* including deleted */
CF_HIDDEN uint32_t ix_seg_live_count(const ix_segment *g);
CF_HIDDEN bool ix_seg_is_live(const ix_segment *g, uint32_t doc);
/* Exact length in tokens of a field of a document. */
CF_HIDDEN uint32_t ix_seg_field_length(const ix_segment *g, int field, uint32_t doc);
/* The document's date as days since 1970-01-01 (UTC date part), or IX_NO_DATE. */
CF_HIDDEN int32_t ix_seg_date(const ix_segment *g, uint32_t doc);

/* ---- term dictionary ----------------------------------------------------------------------- */
typedef struct ix_term_info {
    uint32_t doc_freq;   /* documents containing the term, deleted ones included */
    uint64_t total_freq; /* occurrences */
    uint64_t opaque[4];  /* where its postings and positions are; for ix_postings_open */
} ix_term_info;

/* Exact lookup. 0 and *ti filled; CJKFTS_ENOTFOUND; or CJKFTS_ECORRUPT (err filled). */
CF_HIDDEN int ix_seg_term_get(const ix_segment *g, int field, const char *term, size_t len,
                              ix_term_info *ti, cf_err *err);

/* Iterate, in byte order, the terms of a field that start with prefix (a binary search to the
 * first, then sequential). */
typedef struct ix_term_iter ix_term_iter;
CF_HIDDEN int ix_seg_prefix_iter(const ix_segment *g, int field, const char *prefix, size_t len,
                                 ix_term_iter **out, cf_err *err);
/* 1: *term/*len/*ti hold the next term (term valid until the next call); 0: no more;
 * negative: error (err filled). */
CF_HIDDEN int ix_term_iter_next(ix_term_iter *it, const char **term, size_t *len,
                                ix_term_info *ti, cf_err *err);
CF_HIDDEN void ix_term_iter_free(ix_term_iter *it);

/* ---- postings ------------------------------------------------------------------------------
 * Iterator contract (as Xapian/Lucene): starts before the first document; next() and
 * advance(target) move forward only and return the new current doc or IX_NO_MORE_DOCS.
 * A corrupt block ends the iteration and sets the error (ix_postings_error). Deleted documents
 * are NOT skipped here; callers check ix_seg_is_live(). */
typedef struct ix_postings ix_postings;

#define IX_POST_POSITIONS 1 /* positions will be read */

CF_HIDDEN int ix_postings_open(const ix_segment *g, const ix_term_info *ti, int flags,
                               ix_postings **out, cf_err *err);
CF_HIDDEN uint32_t ix_postings_next(ix_postings *p);
CF_HIDDEN uint32_t ix_postings_advance(ix_postings *p, uint32_t target);
CF_HIDDEN uint32_t ix_postings_doc(const ix_postings *p);
CF_HIDDEN uint32_t ix_postings_freq(const ix_postings *p);
/* Positions of the current document, ascending, count == freq. Needs IX_POST_POSITIONS.
 * *pos is valid until the iterator moves. Returns count or a negative error. */
CF_HIDDEN int ix_postings_positions(ix_postings *p, const uint32_t **pos);
/* Block-max data without decoding: for the block that holds the first doc >= target, return
 * the block's last doc id and the largest frequency / smallest field length in it.
 * IX_NO_MORE_DOCS when target is past the end. Does not move the iterator. */
CF_HIDDEN uint32_t ix_postings_block_max(ix_postings *p, uint32_t target, uint32_t *max_freq,
                                         uint32_t *min_len);
/* Largest frequency / smallest length over the whole list (for MaxScore bounds). */
CF_HIDDEN void ix_postings_list_max(const ix_postings *p, uint32_t *max_freq, uint32_t *min_len);
CF_HIDDEN int ix_postings_error(const ix_postings *p, cf_err *err);
CF_HIDDEN void ix_postings_free(ix_postings *p);

/* ---- stored fields -------------------------------------------------------------------------- */
typedef struct ix_stored_field {
    const char *name, *value;
    size_t name_len, value_len;
} ix_stored_field;

typedef struct ix_stored_doc {
    /* "id", "title", "body", "date", "url" first (possibly empty), then extra fields.
     * Strings point into buf and are NUL-terminated. */
    ix_stored_field *fields;
    size_t n_fields;
    cf_buf buf;
} ix_stored_doc;

CF_HIDDEN int ix_seg_stored_get(const ix_segment *g, uint32_t doc, ix_stored_doc *out,
                                cf_err *err);
CF_HIDDEN void ix_stored_doc_free(ix_stored_doc *d);

#endif
