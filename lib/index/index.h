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

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/util.h"

enum { IX_FIELD_TITLE = 0, IX_FIELD_BODY = 1, IX_NFIELDS = 2 };
/* The hidden field holding each document's external id as one term (no positions), used to
 * find a document by id for replace/delete. Not a text field: not counted in IX_NFIELDS. */
enum { IX_FIELD_ID = 2, IX_NKEYFIELDS = 3 };

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
    uint64_t opaque[5];  /* where its postings and positions are; for ix_postings_open */
} ix_term_info;

/* Exact lookup. 0 and *ti filled; CJKFTS_ENOTFOUND; or CJKFTS_ECORRUPT (err filled). */
CF_HIDDEN int ix_seg_term_get(const ix_segment *g, int field, const char *term, size_t len,
                              ix_term_info *ti, cf_err *err);

/* Iterate, in byte order, the terms of a field that start with prefix (a binary search to the
 * first, then sequential). */
typedef struct ix_term_iter ix_term_iter;
CF_HIDDEN int ix_seg_prefix_iter(const ix_segment *g, int field, const char *prefix, size_t len,
                                 ix_term_iter **out, cf_err *err);
/* 1: *term, *len and *ti hold the next term (term valid until the next call); 0: no more;
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

/* ---- dates --------------------------------------------------------------------------------- */
/* Parse an ISO 8601 calendar date, optionally followed by a time and zone ("2024-05-01",
 * "20240501", "2010-05-22T14:30:00+0900", "2024-05-01 08:00Z"). The calendar date is kept as
 * written (the zone does not move it). 0 and *days (since 1970-01-01); or CJKFTS_EINVAL with a
 * message in err. */
CF_HIDDEN int ix_parse_date(const char *s, size_t len, int32_t *days, cf_err *err);
/* Days since 1970-01-01 of a proleptic Gregorian date (no range check). */
CF_HIDDEN int32_t ix_days_from_civil(int32_t y, unsigned m, unsigned d);

/* =============================================================================================
 * Internal to lib/index (lib/search needs nothing below): the file envelope, encoders and
 * decoders of each segment part, the RAM buffer, merging. FORMAT.md describes the bytes.
 * ============================================================================================= */

#define IX_FOURCC(a, b, c, d) \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define IX_MAGIC IX_FOURCC('C', 'J', 'K', 'F')
#define IX_FOOTER_MAGIC IX_FOURCC('C', 'J', 'K', 'E')
#define IX_FORMAT_VERSION 3u
#define IX_KIND_MANIFEST IX_FOURCC('M', 'A', 'N', 'I')
#define IX_KIND_SEGM IX_FOURCC('S', 'E', 'G', 'M')
#define IX_KIND_TDIC IX_FOURCC('T', 'D', 'I', 'C')
#define IX_KIND_POST IX_FOURCC('P', 'O', 'S', 'T')
#define IX_KIND_POSN IX_FOURCC('P', 'O', 'S', 'N')
#define IX_KIND_COLS IX_FOURCC('C', 'O', 'L', 'S')
#define IX_KIND_STOR IX_FOURCC('S', 'T', 'O', 'R')
#define IX_KIND_LIVE IX_FOURCC('L', 'I', 'V', 'E')
#define IX_HEADER_SIZE 16 /* magic, kind, version, 0 */
#define IX_FOOTER_SIZE 8  /* footer magic, CRC32C of every byte before the CRC */
#define IX_BLOCK 128      /* documents per postings block, values per positions chunk */
#define IX_STORED_CORE 5  /* id, title, body, date, url */

/* The big files of a segment (mapped), then the small ones (read whole). */
enum { IX_F_TID, IX_F_DOC, IX_F_POS, IX_F_COL, IX_F_STO, IX_NFILES, IX_F_SEG = IX_NFILES,
       IX_F_DEL, IX_NPATHS };

typedef struct ix_file_sum {
    uint64_t size;
    uint32_t crc; /* the CRC32C stored in the file's footer */
} ix_file_sum;

/* ---- bounded decoding: every read checks the end; a short read sets bad and yields 0 ------ */
typedef struct ix_rd {
    const uint8_t *p, *end;
    bool bad;
} ix_rd;

static inline uint64_t ix_rd_varint(ix_rd *r)
{
    if (r->p < r->end && *r->p < 0x80) /* the common one-byte case */
        return *r->p++;
    uint64_t v = 0;
    if (cf_varint_get(&r->p, r->end, &v) != 0)
        r->bad = true, v = 0;
    return v;
}
static inline const uint8_t *ix_rd_bytes(ix_rd *r, uint64_t n)
{
    if (r->bad || n > (uint64_t)(r->end - r->p)) {
        r->bad = true;
        return r->end;
    }
    const uint8_t *s = r->p;
    r->p += n;
    return s;
}
static inline uint8_t ix_rd_u8(ix_rd *r)
{
    const uint8_t *p = ix_rd_bytes(r, 1);
    return r->bad ? 0 : p[0];
}
static inline uint32_t ix_rd_u32(ix_rd *r)
{
    const uint8_t *p = ix_rd_bytes(r, 4);
    return r->bad ? 0 : cf_get_u32le(p);
}
static inline uint64_t ix_rd_u64(ix_rd *r)
{
    const uint8_t *p = ix_rd_bytes(r, 8);
    return r->bad ? 0 : cf_get_u64le(p);
}

/* ---- format.c: envelope, output files, fixed-width integers ------------------------------- */
/* A file being written: buffered, checksummed as it goes; pos counts every byte so far. */
typedef struct ix_out {
    int fd;
    char *path;
    cf_buf buf;
    uint64_t pos;
    uint32_t crc;
    int rc;
} ix_out;

CF_HIDDEN int ix_out_open(ix_out *o, const char *path, uint32_t kind, cf_err *err);
CF_HIDDEN int ix_out_write(ix_out *o, const void *p, size_t n, cf_err *err);
CF_HIDDEN int ix_out_varint(ix_out *o, uint64_t v, cf_err *err);
CF_HIDDEN int ix_out_u32(ix_out *o, uint32_t v, cf_err *err);
CF_HIDDEN int ix_out_u64(ix_out *o, uint64_t v, cf_err *err);
/* Write the footer, fsync and close; sum gets the size and CRC. Removes the file on failure. */
CF_HIDDEN int ix_out_finish(ix_out *o, ix_file_sum *sum, cf_err *err);
CF_HIDDEN void ix_out_abort(ix_out *o); /* close and remove; safe on a closed ix_out */
/* Check magic, kind, version (CJKFTS_EVERSION naming the one found) and footer magic; with
 * full, the CRC too. */
CF_HIDDEN int ix_env_check(const uint8_t *data, size_t len, uint32_t kind, const char *name,
                           bool full, cf_err *err);
CF_HIDDEN uint64_t ix_get_uw(const uint8_t *p, unsigned w);
CF_HIDDEN void ix_put_uw(uint8_t *p, uint64_t v, unsigned w);
CF_HIDDEN unsigned ix_width_of(uint64_t v); /* bytes (1..8) needed for v */

/* ---- bitpack.c ------------------------------------------------------------------------------ */
/* Pack n <= 128 values at bw bits from bit *bit of out (moved past them); the bits before it in
 * its byte are kept. */
CF_HIDDEN void ix_pack_at(uint8_t *out, uint64_t *bit, const uint32_t *v, size_t n,
                          unsigned bw);
/* Unpack n values (bw <= 32) at bit of in[0, bytes) (the caller checked they are inside). */
CF_HIDDEN void ix_unpack_at(const uint8_t *in, size_t bytes, uint64_t bit, uint32_t *v,
                            size_t n, unsigned bw);
/* Block codec for n <= 128 values ("PFOR" for short): an encoding is a bit string, a head (8,
 * 16 or 24 bits) and a body whose size follows from the head, either
 * - patched frame of reference: a width chosen to minimize the size, values above it patched
 *   from exceptions; or
 * - Rice coding with parameter k (each value's k low bits, then its high part in unary), chosen
 *   instead when smaller (geometric-like gaps: positions, sparse doc ids).
 * The head as one integer has byte i at bits 8i. */
#define IX_PFOR_MAX (3 + IX_BLOCK + IX_BLOCK * 4 * 2) /* bytes, from a byte boundary */
/* Encode at bit *bit of out (moved past it; the bits before it in its byte are kept); with
 * head not NULL, the head goes there and only the body to out. */
CF_HIDDEN void ix_pfor_put(uint8_t *out, uint64_t *bit, const uint32_t *v, size_t n,
                           uint32_t *head);
/* Read a head / a body / both at *bit of in[0, bytes), moving *bit past them; false (and *bit
 * unchanged) when truncated or malformed. */
CF_HIDDEN bool ix_pfor_get_head(const uint8_t *in, size_t bytes, uint64_t *bit,
                                uint32_t *head);
CF_HIDDEN bool ix_pfor_get_body(uint32_t head, const uint8_t *in, size_t bytes, uint64_t *bit,
                                uint32_t *v, size_t n);
CF_HIDDEN bool ix_pfor_get(const uint8_t *in, size_t bytes, uint64_t *bit, uint32_t *v,
                           size_t n);
/* Heads: byte 0 is a width w (bits 0-5) | 0x40 when the head is 3 bytes long.
 * - w <= 32, 1 byte: n values at w bits.
 * - w <= 32 | 0x40: exceptions; byte 1 their count (1..n), byte 2 their high width (1..32 - w)
 *   | 0x80 when their places are a bitmap (n bits) rather than indexes (width of n - 1 each).
 * - w = 33 + k (k = 0..30), 2 bytes: Rice; byte 1 the sum q of the high parts (v >> k).
 *   Body: n * k low bits, then n unary high parts (v >> k zero bits and a one bit each):
 *   n * (k + 1) + q bits. (With the best k, q stays below 2n; when it would not fit a byte,
 *   the encoder uses PFOR.) */
#define IX_PFOR_RICE 33u
/* Bytes of a head from its first byte. */
static inline unsigned ix_pfor_head_len(uint8_t b0)
{
    return b0 & 0x40 ? 3 : (b0 & 0x3f) >= IX_PFOR_RICE ? 2 : 1;
}
/* Bits of the body after a head for n values; UINT64_MAX when the head is malformed (inline:
 * dictionary scans compute it for every entry). */
static inline uint64_t ix_pfor_body_bits(uint32_t head, size_t n)
{
    if (n > IX_BLOCK)
        return UINT64_MAX;
    if (head <= 32)
        return (uint64_t)n * head;
    unsigned b = head & 0x3f;
    if (b >= IX_PFOR_RICE) { /* Rice: k = b - 33 <= 30 */
        if ((head & 0xc0) || head >> 16)
            return UINT64_MAX;
        return (uint64_t)n * (b - IX_PFOR_RICE + 1) + (head >> 8);
    }
    unsigned ne = (head >> 8) & 0xff, hb = (head >> 16) & 0x7f;
    if ((head & 0xff0000c0u) != 0x40 || ne == 0 || ne > n || hb == 0 || hb + b > 32)
        return UINT64_MAX;
    unsigned iw = n > 1 ? 32u - (unsigned)__builtin_clz((uint32_t)(n - 1)) : 0;
    uint64_t places = (head >> 23) & 1 ? n : (uint64_t)ne * iw;
    return (uint64_t)n * b + places + (uint64_t)ne * hb;
}
/* Bits of the encoding of n values at bit of in[0, bytes), without decoding it; 0 when
 * malformed or truncated. */
CF_HIDDEN uint64_t ix_pfor_bits_at(const uint8_t *in, size_t bytes, uint64_t bit, size_t n);
/* Heads as bytes (kept in dictionary entries): read at *p (moved past it; false when
 * truncated; inline: dictionary scans read one per entry), written to out (returns its
 * length, 1 to 3). */
static inline bool ix_pfor_head_read(const uint8_t **p, const uint8_t *end, uint32_t *head)
{
    const uint8_t *s = *p;
    if (s >= end)
        return false;
    unsigned len = ix_pfor_head_len(s[0]);
    if ((size_t)(end - s) < len)
        return false;
    uint32_t h = s[0];
    for (unsigned i = 1; i < len; i++)
        h |= (uint32_t)s[i] << (8 * i);
    *head = h;
    *p = s + len;
    return true;
}
CF_HIDDEN size_t ix_pfor_head_put(uint8_t *out, uint32_t head);
/* Byte-aligned forms: an encoding from byte 0 rounded up to whole bytes. encode returns its
 * bytes (out needs IX_PFOR_MAX); decode the end of the encoding or NULL when malformed; size
 * its bytes without decoding, 0 when malformed. */
CF_HIDDEN size_t ix_pfor_encode(uint8_t *out, const uint32_t *v, size_t n);
CF_HIDDEN const uint8_t *ix_pfor_decode(const uint8_t *in, const uint8_t *end, uint32_t *v,
                                        size_t n);
CF_HIDDEN size_t ix_pfor_size(const uint8_t *in, const uint8_t *end, size_t n);

/* ---- segment.c: the segment and its reader state ------------------------------------------- */
/* Reusable state a segment lends to readers (any thread): see stored.c. */
typedef struct ix_seg_cache {
    _Atomic(void *) dctx; /* a free zstd decompression context, or NULL */
    void *ddict;          /* the stored fields' zstd dictionary (set at open), or NULL */
} ix_seg_cache;

struct ix_segment {
    uint64_t segnum, del_gen;
    uint32_t doc_count, live_count;
    uint64_t len_sum[IX_NFIELDS];      /* over all documents */
    uint64_t live_len_sum[IX_NFIELDS]; /* over live documents */
    uint64_t n_terms[IX_NKEYFIELDS];
    ix_file_sum sums[IX_NFILES]; /* as recorded in .seg */
    size_t meta_size;
    cf_map map[IX_NFILES];
    char *paths[IX_NPATHS];
    cf_buf del_buf;      /* the .del file, when there is one */
    const uint8_t *live; /* bit set = live; NULL when no document is deleted */
    const uint8_t *col;  /* 12-byte records: title length, body length, date */
    /* dictionary (dict.c) */
    const uint8_t *dict_index, *dict_keys;
    uint64_t dict_nblocks, dict_keys_len, dict_blocks_end;
    uint64_t dict_terms[IX_NKEYFIELDS];
    uint64_t dict_field_block[IX_NKEYFIELDS + 1]; /* first block of each field */
    uint8_t dict_w[4], dict_at[4], dict_esize; /* index entry columns: widths, offsets, size */
    /* stored fields (stored.c) */
    const uint8_t *sto_table;
    uint64_t sto_nblocks, sto_data_end;
    ix_seg_cache *cache;
};

CF_HIDDEN char *ix_seg_file_name(const char *dir, uint64_t segnum, const char *ext);
CF_HIDDEN char *ix_del_file_name(const char *dir, uint64_t segnum, uint64_t gen);
CF_HIDDEN const char *ix_seg_path(const ix_segment *g, int file);
CF_HIDDEN uint32_t ix_file_kind(int file); /* the kind tag of IX_F_TID .. IX_F_STO */
/* Open a segment named in a manifest; CJKFTS_ENOTFOUND when a file is missing. */
CF_HIDDEN int ix_seg_open(const char *dir, uint64_t segnum, uint32_t doc_count,
                          uint32_t live_count, uint64_t del_gen, ix_segment **out, cf_err *err);
CF_HIDDEN void ix_seg_close(ix_segment *g);
CF_HIDDEN void ix_seg_compute_live_sums(ix_segment *g);
/* Point the segment at a live bitmap owned by the caller (the writer's pending deletions). */
CF_HIDDEN void ix_seg_set_live(ix_segment *g, const uint8_t *live, uint32_t live_count);
CF_HIDDEN void ix_seg_files_remove(const char *dir, uint64_t segnum);
CF_HIDDEN void ix_seg_release_pages(const ix_segment *g); /* see segment.c */
CF_HIDDEN size_t ix_live_bytes(uint32_t doc_count);
CF_HIDDEN void ix_live_fill(uint8_t *live, uint32_t doc_count); /* all live */
CF_HIDDEN uint32_t ix_live_count(const uint8_t *live, uint32_t doc_count);
CF_HIDDEN int ix_live_write(const char *dir, uint64_t segnum, uint64_t gen, const uint8_t *live,
                            uint32_t doc_count, uint32_t live_count, cf_err *err);

/* ---- postings.c: the encoder (the iterator is declared above) ------------------------------ */
typedef struct ix_skip_entry {
    uint32_t last_doc, max_freq, min_len;
    uint64_t end_off, pos_off;
} ix_skip_entry;

/* A bit stream written to a file: whole bytes go to o, the last partial byte waits in pend. */
typedef struct ix_bitout {
    ix_out *o;
    uint8_t pend, n; /* n bits (0..7) of pend are written */
} ix_bitout;

/* Encodes one term at a time: begin, then per document doc() followed by freq pos() calls
 * (within-document position deltas), then end(). Offsets into .doc and .pos are in bits. */
typedef struct ix_postw {
    ix_bitout doc, pos;
    bool has_pos;
    uint64_t doc_start, pos_start, blk_pos_start;
    uint32_t n, k, pk, prev_last, doc_count;
    uint64_t total;
    uint32_t blk_maxf, blk_minl, list_maxf, list_minl;
    uint32_t docs[IX_BLOCK], freqs[IX_BLOCK], pv[IX_BLOCK];
    ix_skip_entry *skip;
    size_t nskip, skipcap;
    cf_buf info; /* after end(): the postings part of the term's dictionary entry */
    uint8_t scratch[IX_PFOR_MAX + 8];
} ix_postw;

CF_HIDDEN void ix_postw_init(ix_postw *w, ix_out *doc, ix_out *pos);
CF_HIDDEN void ix_postw_free(ix_postw *w);
/* doc_count: the segment's documents (all added before the first term). */
CF_HIDDEN void ix_postw_begin(ix_postw *w, bool positions, uint32_t doc_count);
/* After the last term: write the last partial bytes of .doc and .pos. */
CF_HIDDEN int ix_postw_finish(ix_postw *w, cf_err *err);
/* The slow paths of doc() and pos(): write the full block of documents / chunk of positions. */
CF_HIDDEN int ix_postw_flush_block(ix_postw *w, cf_err *err);
CF_HIDDEN int ix_postw_flush_pos(ix_postw *w, cf_err *err);

/* doc() and pos() run once per posting and per position when a segment is written: inline. */
static inline int ix_postw_doc(ix_postw *w, uint32_t doc, uint32_t freq, uint32_t field_len,
                               cf_err *err)
{
    if (w->k == IX_BLOCK) {
        int rc = ix_postw_flush_block(w, err);
        if (rc)
            return rc;
    }
    w->docs[w->k] = doc;
    w->freqs[w->k] = freq;
    w->k++;
    w->n++;
    w->total += freq;
    if (freq > w->blk_maxf)
        w->blk_maxf = freq;
    if (field_len < w->blk_minl)
        w->blk_minl = field_len;
    return 0;
}

static inline int ix_postw_pos(ix_postw *w, uint32_t delta, cf_err *err)
{
    if (w->pk == IX_BLOCK) {
        int rc = ix_postw_flush_pos(w, err);
        if (rc)
            return rc;
    }
    w->pv[w->pk++] = delta;
    return 0;
}
/* Finish the term: ti gets the counts and where its bytes start in .doc and .pos (opaque[0],
 * opaque[1]), w->info the postings part of its dictionary entry; doc_freq 0 when no document
 * was added (nothing was written). */
CF_HIDDEN int ix_postw_end(ix_postw *w, ix_term_info *ti, cf_err *err);
/* Read the postings part of a dictionary entry of segment g (after the counts in ti) for a term
 * of field whose lists start at bits doc_off / pos_off; fills ti->opaque; *doc_size / *pos_size
 * get its bits in .doc / .pos. false when malformed. */
CF_HIDDEN bool ix_term_info_read(ix_rd *r, const ix_segment *g, int field, uint64_t doc_off,
                                 uint64_t pos_off, ix_term_info *ti, uint64_t *doc_size,
                                 uint64_t *pos_size);

/* ---- dict.c --------------------------------------------------------------------------------- */
typedef struct ix_dictw {
    ix_out *out;
    cf_buf prev, first, blk, index, keys;
    uint32_t nblk;
    int blk_field;
    bool any;
    uint64_t blk_doc, blk_pos, nblocks, nterms[IX_NKEYFIELDS];
} ix_dictw;

CF_HIDDEN void ix_dictw_init(ix_dictw *d, ix_out *out);
CF_HIDDEN void ix_dictw_free(ix_dictw *d);
/* ti: counts and start offsets from ix_postw_end; info: the postings part of the entry. */
CF_HIDDEN int ix_dictw_add(ix_dictw *d, const uint8_t *key, size_t klen, const ix_term_info *ti,
                           const uint8_t *info, size_t info_len, cf_err *err);
CF_HIDDEN int ix_dictw_finish(ix_dictw *d, cf_err *err);
CF_HIDDEN int ix_dict_open(ix_segment *g, cf_err *err);
/* cjkfts_index_check: the lists of the dictionary tile .doc and .pos exactly, in key order. */
CF_HIDDEN int ix_dict_check_layout(const ix_segment *g, cf_err *err);
/* Iterate raw keys (field byte + term) starting with prefix (len 0: every key). */
CF_HIDDEN int ix_seg_key_iter(const ix_segment *g, const uint8_t *prefix, size_t len,
                              ix_term_iter **out, cf_err *err);
CF_HIDDEN int ix_term_iter_next_key(ix_term_iter *it, const uint8_t **key, size_t *klen,
                                    ix_term_info *ti, cf_err *err);

/* ---- stored.c ------------------------------------------------------------------------------- */
typedef struct ix_storew {
    ix_out *out;
    cf_buf raw, lens, table, comp;
    cf_buf held, held_lens; /* documents held (and their size_t lengths) until the dictionary */
    cf_buf dict;            /* the trained dictionary (empty: none) */
    bool streaming;         /* the dictionary question is settled: blocks go out as they fill */
    uint32_t nblk, first, ndocs;
    uint64_t nblocks;
    void *zctx, *cdict;
} ix_storew;

CF_HIDDEN int ix_stored_serialize(cf_buf *b, const char *const core[IX_STORED_CORE],
                                  const size_t core_len[IX_STORED_CORE],
                                  const cjkfts_field *extra, const size_t *extra_len,
                                  size_t n_extra);
CF_HIDDEN int ix_stored_parse(const uint8_t *p, size_t n, ix_stored_doc *d, cf_err *err);
CF_HIDDEN int ix_storew_init(ix_storew *s, ix_out *out, cf_err *err);
CF_HIDDEN void ix_storew_free(ix_storew *s);
CF_HIDDEN size_t ix_storew_mem(const ix_storew *s);
CF_HIDDEN int ix_storew_add(ix_storew *s, const uint8_t *doc, size_t len, cf_err *err);
CF_HIDDEN int ix_storew_finish(ix_storew *s, cf_err *err);
CF_HIDDEN int ix_storew_train(ix_storew *s, ix_segment *const *in, uint32_t n, cf_err *err);
CF_HIDDEN int ix_stored_open(ix_segment *g, cf_err *err);
CF_HIDDEN void ix_stored_cache_free(ix_seg_cache *c);
/* The serialized document: raw gets (a prefix of) its block, the document at [off, off+len). */
CF_HIDDEN int ix_seg_stored_raw(const ix_segment *g, uint32_t doc, cf_buf *raw, size_t *off,
                                size_t *len, cf_err *err);

/* Reads every serialized document of a segment in order, decompressing each block once. */
typedef struct ix_stored_cursor {
    const ix_segment *g;
    cf_buf raw;
    size_t *lens;
    uint64_t blk;
    uint32_t n, idx, doc;
    size_t at;
} ix_stored_cursor;

CF_HIDDEN void ix_stored_cursor_init(ix_stored_cursor *c, const ix_segment *g);
CF_HIDDEN void ix_stored_cursor_free(ix_stored_cursor *c);
/* 1 and the next document; 0 at the end; or a negative error. */
CF_HIDDEN int ix_stored_cursor_next(ix_stored_cursor *c, const uint8_t **doc, size_t *len,
                                    cf_err *err);

/* ---- segment.c: writing a segment ----------------------------------------------------------- */
typedef struct ix_segw {
    bool active;
    uint64_t segnum;
    ix_out out[IX_NFILES];
    ix_file_sum sums[IX_NFILES];
    char *meta_path;
    ix_dictw dict;
    ix_postw post;
    ix_storew store;
    cf_buf key;
    uint32_t doc_count;
    uint64_t len_sum[IX_NFIELDS];
} ix_segw;

CF_HIDDEN int ix_segw_open(ix_segw *w, const char *dir, uint64_t segnum, cf_err *err);
CF_HIDDEN void ix_segw_abort(ix_segw *w);
/* Per document, in document order: its stored fields and its columns. */
CF_HIDDEN int ix_segw_stored(ix_segw *w, const uint8_t *doc, size_t len, cf_err *err);
/* Before the first document of a merge: train the stored-field dictionary on documents sampled
 * evenly from the n inputs (rather than on the first ones). */
CF_HIDDEN int ix_segw_stored_train(ix_segw *w, ix_segment *const *in, uint32_t n, cf_err *err);
CF_HIDDEN int ix_segw_cols(ix_segw *w, uint32_t title_len, uint32_t body_len, int32_t date,
                           cf_err *err);
/* Per term, in key order: begin, ix_postw_doc/pos on w->post, end. */
CF_HIDDEN int ix_segw_term_begin(ix_segw *w, const uint8_t *key, size_t klen, cf_err *err);
CF_HIDDEN int ix_segw_term_end(ix_segw *w, cf_err *err);
/* Write the tails, fsync and close every file, then write .seg. */
CF_HIDDEN int ix_segw_finish(ix_segw *w, cf_err *err);

/* ---- buffer.c -------------------------------------------------------------------------------- */
typedef struct ix_buffer ix_buffer;

CF_HIDDEN int ix_buffer_new(ix_buffer **out);
CF_HIDDEN void ix_buffer_free(ix_buffer *b);
CF_HIDDEN void ix_buffer_reset(ix_buffer *b);
CF_HIDDEN size_t ix_buffer_mem(const ix_buffer *b);
CF_HIDDEN uint32_t ix_buffer_docs(const ix_buffer *b);
/* Adding a document: begin, add_doc, end. */
CF_HIDDEN int ix_buffer_begin_doc(ix_buffer *b, uint32_t *doc);
/* doctoks.c: the tokens of one document, grouped by term before they go into the buffer. */
typedef struct ix_dterm {
    uint64_t key8; /* ix_key8 of the term: its field (low byte) and first 7 bytes */
    uint32_t hash, off, len, count;
    uint32_t pos0;       /* the first position */
    uint32_t more, last; /* the other positions: a chain through ix_doctoks.tok (first, last
                            entry), IX_NO_TOK when there are none */
    uint32_t slot;       /* where it is in the table */
} ix_dterm;

#define IX_NO_TOK UINT32_MAX

typedef struct ix_doctoks {
    ix_dterm *terms; /* in order of first occurrence */
    uint32_t nterms, termcap;
    uint32_t *slots; /* term index + 1, 0 = empty; slotcap allocated, nslots in use */
    uint32_t nslots, slotcap;
    cf_buf bytes;  /* bytes of the terms longer than 7 bytes (ix_dterm.off, .len) */
    uint32_t *tok; /* per later occurrence of a term: position, next entry (2 words) */
    size_t ntok, tokcap;
    int err; /* the last failure of ix_doctoks_add since the reset, 0 if none */
} ix_doctoks;

/* The positions of t in order into pos[0..t->count). */
static inline void ix_dterm_positions(const ix_doctoks *d, const ix_dterm *t, uint32_t *pos)
{
    pos[0] = t->pos0;
    uint32_t n = 1;
    for (uint32_t k = t->more; k != IX_NO_TOK; k = d->tok[2 * k + 1])
        pos[n++] = d->tok[2 * k];
}

/* A key's first 8 bytes (field byte, then the term's first 7 bytes, zero-padded) as a
 * little-endian word, read without touching any byte past the term. */
static inline uint64_t ix_key8(int field, const char *term, size_t len)
{
    const uint8_t *p = (const uint8_t *)term;
    uint64_t v;
    if (len >= 8)
        v = cf_get_u64le(p);
    else if (len >= 4) /* two loads that overlap in the middle */
        v = cf_get_u32le(p) | (uint64_t)cf_get_u32le(p + len - 4) << (8 * (len - 4));
    else if (len)
        v = p[0] | (uint64_t)p[len / 2] << (8 * (len / 2)) |
            (uint64_t)p[len - 1] << (8 * (len - 1));
    else
        v = 0;
    return v << 8 | (uint8_t)field;
}

CF_HIDDEN int ix_doctoks_new(ix_doctoks **out);
CF_HIDDEN void ix_doctoks_free(ix_doctoks *d);
/* Empty d for a document of about text_bytes bytes of text (sizes the term table). */
CF_HIDDEN void ix_doctoks_reset(ix_doctoks *d, size_t text_bytes);
CF_HIDDEN size_t ix_doctoks_mem(const ix_doctoks *d);
/* One occurrence; positions must be non-decreasing within a field. */
CF_HIDDEN int ix_doctoks_add(ix_doctoks *d, int field, const char *term, size_t len,
                             uint32_t pos);
/* The in-memory hash of a key (never written to a file); key8 = ix_key8(field, term, len). */
CF_HIDDEN uint32_t ix_term_hash(uint64_t key8, const char *term, size_t len);
/* Add every term of d to the current document (between begin_doc and end_doc). */
CF_HIDDEN int ix_buffer_add_doc(ix_buffer *b, ix_doctoks *d);
CF_HIDDEN void ix_buffer_end_doc(ix_buffer *b, const uint32_t len[IX_NFIELDS], int32_t date);
CF_HIDDEN int ix_buffer_find_id(const ix_buffer *b, const char *id, size_t len, uint32_t *doc);
CF_HIDDEN bool ix_buffer_is_live(const ix_buffer *b, uint32_t doc);
CF_HIDDEN void ix_buffer_delete(ix_buffer *b, uint32_t doc);
/* Write columns and postings (sorted by key) into a segment writer. */
CF_HIDDEN int ix_buffer_flush(const ix_buffer *b, ix_segw *w, cf_err *err);
/* NULL when every document is live. */
CF_HIDDEN int ix_buffer_live_bitmap(const ix_buffer *b, uint8_t **bits, uint32_t *live_count);

/* ---- manifest.c ----------------------------------------------------------------------------- */
typedef struct ix_manifest_seg {
    uint64_t segnum;
    uint32_t doc_count, live_count;
    uint64_t del_gen; /* 0: no deletions */
} ix_manifest_seg;

typedef struct ix_manifest {
    uint64_t generation, next_segnum;
    char analyzer_name[64];
    int32_t analyzer_version;
    cjkfts_analyzer_options aopts;
    double k1, b, title_boost;
    ix_manifest_seg *segs;
    uint32_t nsegs;
    size_t file_size;
} ix_manifest;

CF_HIDDEN int ix_manifest_read(const char *dir, ix_manifest *m, cf_err *err);
CF_HIDDEN int ix_manifest_write(const char *dir, const ix_manifest *m, cf_err *err);
CF_HIDDEN void ix_manifest_free(ix_manifest *m);
CF_HIDDEN bool ix_is_index_file(const char *name); /* a name the writer may clean up */

/* ---- reader.c ------------------------------------------------------------------------------- */
struct ix_snapshot {
    uint64_t generation;
    ix_segment **segs;
    uint32_t nsegs;
    uint64_t live_docs, len_sum[IX_NFIELDS];
    size_t manifest_size;
};

CF_HIDDEN int ix_snapshot_open(const char *dir, ix_snapshot **out, cf_err *err);
/* Same, and man (when not NULL) gets the manifest it was opened from. */
CF_HIDDEN int ix_snapshot_open_m(const char *dir, ix_snapshot **out, ix_manifest *man,
                                 cf_err *err);
CF_HIDDEN void ix_snapshot_close(ix_snapshot *s);

/* ---- index.c -------------------------------------------------------------------------------- */
struct cjkfts_index {
    cf_handle h;
    char *path;
    int flags;
    bool ok;
    cjkfts_index_options opts; /* stored options merged with the runtime ones */
    pthread_mutex_t hlock;     /* serializes updates of h once the handle is shared */
};

CF_HIDDEN int ix_index_usable(cjkfts_index *ix);
/* Record a failure (copied from src) or a success on a shared index handle. */
CF_HIDDEN int ix_index_fail(cjkfts_index *ix, const cf_handle *src);
CF_HIDDEN int ix_index_failf(cjkfts_index *ix, int rc, const char *fmt, ...) CF_PRINTF(3, 4);
CF_HIDDEN void ix_index_ok(cjkfts_index *ix);
CF_HIDDEN int ix_lock_acquire(const char *dir, int *fd, cf_err *err);
CF_HIDDEN void ix_lock_release(int fd);

/* ---- merge.c -------------------------------------------------------------------------------- */
/* A segment as the writer holds it: its pending deletions and whether it is committed. */
/* idfilter.c: a Bloom filter of a segment's ids (absent ids skip the dictionary). */
typedef struct ix_idfilter ix_idfilter;
CF_HIDDEN int ix_idfilter_build(const ix_segment *g, ix_idfilter **out, cf_err *err);
CF_HIDDEN bool ix_idfilter_maybe(const ix_idfilter *f, const char *id, size_t len);
CF_HIDDEN void ix_idfilter_free(ix_idfilter *f);

typedef struct ix_wseg {
    ix_segment *seg;
    uint8_t *live; /* the writer's copy of the live bitmap; NULL while nothing was deleted */
    uint32_t live_count;
    uint64_t del_gen; /* the .del file on disk, 0 for none */
    bool dirty;       /* deletions not written yet */
    bool fresh;       /* written since the last commit */
    ix_idfilter *ids; /* built at the first id lookup */
} ix_wseg;

/* Close the segment and free what the writer kept for it. */
CF_HIDDEN void ix_wseg_release(ix_wseg *s);

CF_HIDDEN int ix_merge_segments(const char *dir, ix_segment *const *in, uint32_t n,
                                uint64_t segnum, uint32_t *docs_out, cf_err *err);
CF_HIDDEN int ix_writer_merge_policy(const char *dir, ix_wseg **segs, uint32_t *nsegs,
                                     uint64_t *next_segnum, int factor, cf_handle *h);
CF_HIDDEN int ix_writer_merge_all(const char *dir, ix_wseg **segs, uint32_t *nsegs,
                                  uint64_t *next_segnum, bool *changed, cf_handle *h);

#endif
