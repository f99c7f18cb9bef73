/* postings.c: posting lists: the block encoder used by flush and merge, the postings part of a
 * dictionary entry, and the iterator (next/advance over blocks of 128 with skip data,
 * block-max data, lazy positions).
 *
 * .doc and .pos are bit streams (every offset into them counts bits; nothing is rounded to a
 * byte). A list of one document lives in the dictionary entry (with up to 128 positions).
 * A list of 2..128 documents is one block: [doc deltas - 1][freqs - 1], each a PFOR body whose
 * head is in the dictionary entry; the frequencies are left out when they are all 1 (total_freq
 * == doc_freq). A longer list is a run of blocks of 128 documents (the last one shorter), each
 * a whole PFOR of doc deltas whose head has 0x80 set when the block's frequencies are all 1,
 * then (otherwise) a whole PFOR of frequencies - 1; after the blocks, the skip table: one
 * bit-packed fixed-width entry per block (last doc, end offset, positions offset, max freq, min
 * field length) so advance() and block-max lookups are binary searches.
 * Positions (.pos) follow the same blocks: the positions of the documents of one block, as
 * within-document deltas, in chunks of up to 128 values, each a PFOR; a term whose list is one
 * block with at most 128 positions keeps the head of its one chunk in the dictionary. */
#include <string.h>

#include "index/index.h"

enum { SK_LAST, SK_END, SK_POS, SK_MAXF, SK_MINL, SK_NCOLS };

#define SK_MAXW 56       /* bits of a skip column: one unaligned 8-byte load reads a value */
#define DOC_ALL_ONES 0x80 /* in the head of a block's doc deltas: no frequencies follow */

/* Where a term's positions are (ix_term_info.opaque[3] bits 8-9). */
enum { POS_CHUNKS = 0, /* chunks with their heads in .pos (opaque[1]) */
       POS_HEAD = 1,   /* one chunk: head in opaque[3] bits 40-63, body at opaque[1] in .pos */
       POS_INLINE = 2  /* doc_freq 1: varints in the dictionary entry at .tid offset opaque[1] */
};

/* ix_term_info.opaque: [0] .doc offset; [1] .pos offset (or .tid offset, POS_INLINE);
 * [2] doc_freq 1: the document; one block: doc head | freq head << 24; more: bytes of the
 * blocks (the skip table's offset); [3] field | position mode << 8 | skip widths (5 x 6 bits)
 * << 10 | positions head << 40; [4] more than one block: list max freq | min length << 32. */
#define OP_MODE(ti) ((unsigned)((ti)->opaque[3] >> 8) & 3)
#define OP_WIDTHS(ti) ((uint32_t)((ti)->opaque[3] >> 10) & 0x3fffffff)
#define OP_POS_HEAD(ti) ((uint32_t)((ti)->opaque[3] >> 40) & 0xffffff)

static unsigned bit_len64(uint64_t v)
{
    return v ? 64u - (unsigned)__builtin_clzll(v) : 0;
}

static uint32_t blocks_of(uint32_t df)
{
    return (uint32_t)((df + (uint64_t)IX_BLOCK - 1) / IX_BLOCK);
}

/* Bytes of a document id in a segment of doc_count documents (1..4). */
static unsigned doc_width(uint32_t doc_count)
{
    unsigned b = bit_len64(doc_count ? doc_count - 1 : 0);
    return b ? (b + 7) / 8 : 1;
}

/* About the width of (doc_count - 1) / df: the doc width a one-block list of df documents is
 * likely to have (without a division). */
static int expected_width(uint32_t df, uint32_t doc_count)
{
    return (int)bit_len64(doc_count ? doc_count - 1 : 0) - (int)bit_len64(df) + 1;
}

/* One byte for the heads of a one-block list's doc deltas and its one chunk of positions when
 * neither has exceptions, the doc width is within 5 below to 2 above the expected one and the
 * positions width is at most 15: 0x80 | (doc width - expected + 5) | positions width << 3.
 * -1 when they do not fit. */
static int shape_pack(uint32_t dh, uint32_t ph, uint32_t df, uint32_t doc_count)
{
    int d = (int)dh - expected_width(df, doc_count) + 5;
    if (dh > 32 || ph > 15 || d < 0 || d > 7)
        return -1;
    return 0x80 | d | (int)ph << 3;
}

static bool shape_unpack(uint8_t b, uint32_t df, uint32_t doc_count, uint32_t *dh,
                         uint32_t *ph)
{
    int d = expected_width(df, doc_count) - 5 + (b & 7);
    *dh = (uint32_t)d;
    *ph = (b >> 3) & 15;
    return d >= 0 && d <= 32;
}

/* ============================================================================================
 * Encoder
 * ============================================================================================ */

void ix_postw_init(ix_postw *w, ix_out *doc, ix_out *pos)
{
    memset(w, 0, sizeof *w);
    w->doc.o = doc;
    w->pos.o = pos;
    cf_buf_init(&w->info);
}

void ix_postw_free(ix_postw *w)
{
    cf_free(w->skip);
    w->skip = NULL;
    w->nskip = w->skipcap = 0;
    cf_buf_free(&w->info);
}

static uint64_t bo_pos(const ix_bitout *b)
{
    return b->o->pos * 8 + b->n;
}

void ix_postw_begin(ix_postw *w, bool positions, uint32_t doc_count)
{
    w->has_pos = positions;
    w->doc_count = doc_count;
    w->doc_start = bo_pos(&w->doc);
    w->pos_start = w->blk_pos_start = bo_pos(&w->pos);
    w->n = 0;
    w->total = 0;
    w->k = 0;
    w->pk = 0;
    w->prev_last = UINT32_MAX;
    w->nskip = 0;
    w->blk_maxf = 0;
    w->blk_minl = UINT32_MAX;
    w->list_maxf = 0;
    w->list_minl = UINT32_MAX;
    w->info.len = 0;
}

/* Start writing at the stream's bit position in w->scratch; *bit is that position. */
static void bo_start(ix_postw *w, const ix_bitout *b, uint64_t *bit)
{
    w->scratch[0] = b->pend;
    *bit = b->n;
}

/* Write the whole bytes of w->scratch up to bit; keep the partial one. */
static int bo_end(ix_postw *w, ix_bitout *b, uint64_t bit, cf_err *err)
{
    size_t full = (size_t)(bit >> 3);
    int rc = full ? ix_out_write(b->o, w->scratch, full, err) : 0;
    b->n = (uint8_t)(bit & 7);
    b->pend = b->n ? w->scratch[full] : 0;
    return rc;
}

/* Append a PFOR encoding of n values; with head not NULL, its head goes there instead. */
static int put_pfor(ix_postw *w, ix_bitout *b, const uint32_t *v, size_t n, uint32_t *head,
                    cf_err *err)
{
    uint64_t bit;
    bo_start(w, b, &bit);
    ix_pfor_put(w->scratch, &bit, v, n, head);
    return bo_end(w, b, bit, err);
}

int ix_postw_flush_pos(ix_postw *w, cf_err *err)
{
    if (w->pk == 0)
        return 0;
    int rc = put_pfor(w, &w->pos, w->pv, w->pk, NULL, err);
    w->pk = 0;
    return rc;
}

int ix_postw_finish(ix_postw *w, cf_err *err)
{
    int rc = 0;
    ix_bitout *s[2] = {&w->doc, &w->pos};
    for (int i = 0; i < 2 && !rc; i++) {
        if (s[i]->n)
            rc = ix_out_write(s[i]->o, &s[i]->pend, 1, err);
        s[i]->n = s[i]->pend = 0;
    }
    return rc;
}

static void block_deltas(const ix_postw *w, uint32_t prev, uint32_t *deltas, uint32_t *fm1)
{
    for (uint32_t j = 0; j < w->k; j++) {
        deltas[j] = w->docs[j] - prev - 1; /* prev is UINT32_MAX (i.e. -1) before the first */
        prev = w->docs[j];
        fm1[j] = w->freqs[j] - 1;
    }
}

/* Write the pending block of w->k documents (of a list longer than one block) and note its
 * skip entry. */
int ix_postw_flush_block(ix_postw *w, cf_err *err)
{
    if (w->blk_maxf > w->list_maxf)
        w->list_maxf = w->blk_maxf;
    if (w->blk_minl < w->list_minl)
        w->list_minl = w->blk_minl;
    uint32_t deltas[IX_BLOCK], fm1[IX_BLOCK];
    block_deltas(w, w->prev_last, deltas, fm1);
    bool ones = w->blk_maxf == 1;
    uint64_t bit, at;
    bo_start(w, &w->doc, &bit);
    at = bit + 7; /* the top bit of the head's first byte */
    ix_pfor_put(w->scratch, &bit, deltas, w->k, NULL);
    if (ones)
        w->scratch[at >> 3] |= (uint8_t)(1u << (at & 7));
    else
        ix_pfor_put(w->scratch, &bit, fm1, w->k, NULL);
    int rc = bo_end(w, &w->doc, bit, err);
    if (!rc && w->has_pos)
        rc = ix_postw_flush_pos(w, err);
    if (rc)
        return rc;
    if (w->nskip == w->skipcap) {
        size_t cap = w->skipcap ? w->skipcap * 2 : 16;
        ix_skip_entry *s = cf_realloc(w->skip, cap * sizeof *s);
        if (!s)
            return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
        w->skip = s;
        w->skipcap = cap;
    }
    ix_skip_entry *e = &w->skip[w->nskip++];
    e->last_doc = w->docs[w->k - 1];
    e->end_off = bo_pos(&w->doc) - w->doc_start;
    e->pos_off = w->blk_pos_start - w->pos_start;
    e->max_freq = w->blk_maxf;
    e->min_len = w->blk_minl;
    w->prev_last = e->last_doc;
    w->blk_pos_start = bo_pos(&w->pos);
    w->k = 0;
    w->blk_maxf = 0;
    w->blk_minl = UINT32_MAX;
    return 0;
}

static void skip_values(const ix_skip_entry *e, uint64_t v[SK_NCOLS])
{
    v[SK_LAST] = e->last_doc;
    v[SK_END] = e->end_off;
    v[SK_POS] = e->pos_off;
    v[SK_MAXF] = e->max_freq;
    v[SK_MINL] = e->min_len;
}

/* The skip table (bit-packed entries) to .doc; its widths and the list maxima to the entry. */
static int write_skip(ix_postw *w, cf_err *err)
{
    uint64_t mx[SK_NCOLS] = {0}, v[SK_NCOLS];
    for (size_t i = 0; i < w->nskip; i++) {
        skip_values(&w->skip[i], v);
        for (int c = 0; c < SK_NCOLS; c++)
            mx[c] = v[c] > mx[c] ? v[c] : mx[c];
    }
    unsigned wd[SK_NCOLS];
    uint32_t packed = 0;
    for (int c = 0; c < SK_NCOLS; c++) {
        wd[c] = bit_len64(mx[c]);
        if (wd[c] > SK_MAXW)
            return cf_fail(err, CJKFTS_ETOOBIG, "posting list too large");
        packed |= (uint32_t)wd[c] << (6 * c);
    }
    uint8_t pw[4];
    cf_put_u32le(pw, packed);
    if (cf_buf_put_varint(&w->info, bo_pos(&w->doc) - w->doc_start) ||
        cf_buf_put_varint(&w->info, w->list_maxf) ||
        cf_buf_put_varint(&w->info, w->list_minl) || cf_buf_append(&w->info, pw, 4))
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    int rc = 0;
    for (size_t i0 = 0; i0 < w->nskip && !rc; i0 += 16) { /* 16 entries fit the scratch */
        uint64_t bit;
        bo_start(w, &w->doc, &bit);
        for (size_t i = i0; i < w->nskip && i < i0 + 16; i++) {
            skip_values(&w->skip[i], v);
            for (int c = 0; c < SK_NCOLS; c++) {
                uint32_t lo = (uint32_t)v[c], hi = (uint32_t)(v[c] >> 32);
                ix_pack_at(w->scratch, &bit, &lo, 1, wd[c] < 32 ? wd[c] : 32);
                if (wd[c] > 32)
                    ix_pack_at(w->scratch, &bit, &hi, 1, wd[c] - 32);
            }
        }
        rc = bo_end(w, &w->doc, bit, err);
    }
    return rc;
}

static int put_pos_size(ix_postw *w, cf_err *err)
{
    int rc = ix_postw_flush_pos(w, err);
    if (!rc && cf_buf_put_varint(&w->info, bo_pos(&w->pos) - w->pos_start))
        rc = cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    return rc;
}

static int end_single_doc(ix_postw *w, cf_err *err)
{
    uint8_t d[8];
    unsigned dw = doc_width(w->doc_count);
    ix_put_uw(d, w->docs[0], dw);
    if (cf_buf_append(&w->info, d, dw))
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    if (!w->has_pos)
        return 0;
    if (w->total > IX_BLOCK)
        return put_pos_size(w, err);
    for (uint32_t j = 0; j < w->pk; j++) /* all positions are still in w->pv */
        if (cf_buf_put_varint(&w->info, w->pv[j]))
            return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    w->pk = 0;
    return 0;
}

/* The entry's heads of a one-block list: packed into one byte when they allow it. */
static int put_heads(ix_postw *w, uint32_t dh, uint32_t fh, uint32_t ph, cf_err *err)
{
    bool pos_head = w->has_pos && w->total <= IX_BLOCK;
    int packed = pos_head ? shape_pack(dh, ph, w->n, w->doc_count) : -1;
    uint8_t b[9];
    size_t n = 0;
    if (packed >= 0)
        b[n++] = (uint8_t)packed;
    else
        n += ix_pfor_head_put(b, dh);
    if (w->total != w->n)
        n += ix_pfor_head_put(b + n, fh);
    if (packed < 0 && pos_head)
        n += ix_pfor_head_put(b + n, ph);
    return cf_buf_append(&w->info, b, n) ? cf_fail(err, CJKFTS_ENOMEM, "out of memory") : 0;
}

static int end_one_block(ix_postw *w, cf_err *err)
{
    uint32_t deltas[IX_BLOCK], fm1[IX_BLOCK], dh, fh = 0, ph = 0;
    block_deltas(w, UINT32_MAX, deltas, fm1);
    int rc = put_pfor(w, &w->doc, deltas, w->k, &dh, err);
    if (!rc && w->total != w->n)
        rc = put_pfor(w, &w->doc, fm1, w->k, &fh, err);
    w->k = 0;
    if (!rc && w->has_pos && w->total <= IX_BLOCK) {
        rc = put_pfor(w, &w->pos, w->pv, w->pk, &ph, err);
        w->pk = 0;
    }
    if (!rc)
        rc = put_heads(w, dh, fh, ph, err);
    if (!rc && w->has_pos && w->total > IX_BLOCK)
        rc = put_pos_size(w, err);
    return rc;
}

int ix_postw_end(ix_postw *w, ix_term_info *ti, cf_err *err)
{
    memset(ti, 0, sizeof *ti);
    ti->doc_freq = w->n;
    ti->total_freq = w->total;
    ti->opaque[0] = w->doc_start;
    ti->opaque[1] = w->pos_start;
    w->info.len = 0;
    if (w->n == 0)
        return 0;
    if (w->n == 1) {
        w->k = 0;
        return end_single_doc(w, err);
    }
    if (w->nskip == 0 && w->n <= IX_BLOCK)
        return end_one_block(w, err);
    int rc = ix_postw_flush_block(w, err);
    if (!rc)
        rc = write_skip(w, err);
    if (!rc && w->has_pos && cf_buf_put_varint(&w->info, bo_pos(&w->pos) - w->pos_start))
        rc = cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    return rc;
}

/* ============================================================================================
 * The postings part of a dictionary entry
 * ============================================================================================ */

/* A PFOR head in an entry (1 to 3 bytes). */
static inline bool read_head(ix_rd *r, uint32_t *head)
{
    if (ix_pfor_head_read(&r->p, r->end, head))
        return true;
    r->bad = true;
    return false;
}

/* Positions of a term whose list is one block: one chunk with its head here (or given by the
 * packed heads), or their size. */
static inline bool read_block_positions(ix_rd *r, const ix_term_info *ti, int packed_head,
                                        uint64_t *o3, uint64_t *pos_size)
{
    if (ti->total_freq > IX_BLOCK) {
        *pos_size = ix_rd_varint(r);
        return !r->bad && packed_head < 0;
    }
    uint32_t head = (uint32_t)packed_head;
    if (packed_head < 0 && !read_head(r, &head))
        return false;
    uint64_t s = ix_pfor_body_bits(head, (size_t)ti->total_freq);
    if (s == UINT64_MAX)
        return false;
    *pos_size = s;
    *o3 |= (uint64_t)POS_HEAD << 8 | (uint64_t)head << 40;
    return true;
}


/* The heads of a one-block list: doc deltas, frequencies (tf != df), and the packed positions
 * head (-1: not packed). */
static inline bool read_block_heads(ix_rd *r, const ix_term_info *ti, uint32_t doc_count,
                                    uint32_t *dh, uint32_t *fh, int *ph)
{
    *fh = 0;
    *ph = -1;
    if (r->p >= r->end)
        return false;
    if (r->p[0] & 0x80) {
        uint32_t p;
        if (!shape_unpack(*r->p++, ti->doc_freq, doc_count, dh, &p))
            return false;
        *ph = (int)p;
    } else if (!read_head(r, dh)) {
        return false;
    }
    return ti->total_freq == ti->doc_freq || read_head(r, fh);
}

/* doc_freq 1: the document, then the positions (inline, or their size). */
static inline bool read_single(ix_rd *r, const ix_segment *g, bool hp, ix_term_info *ti,
                               uint64_t *o3, uint64_t *pos_size)
{
    unsigned dw = doc_width(g->doc_count);
    const uint8_t *d = ix_rd_bytes(r, dw); /* the dictionary's tail follows the blocks */
    ti->opaque[2] = r->bad ? 0 : cf_get_u32le(d) & (uint32_t)(((uint64_t)1 << (8 * dw)) - 1);
    if (!hp)
        return !r->bad;
    if (ti->total_freq > IX_BLOCK) {
        *pos_size = ix_rd_varint(r);
        return !r->bad;
    }
    *o3 |= (uint64_t)POS_INLINE << 8;
    ti->opaque[1] = (uint64_t)(r->p - g->map[IX_F_TID].data);
    for (uint64_t j = ti->total_freq; j > 0; j--) { /* skip them */
        while (r->p < r->end && (*r->p & 0x80))
            r->p++;
        if (r->p == r->end)
            return false;
        r->p++;
    }
    return !r->bad;
}

static inline bool read_one_block(ix_rd *r, const ix_segment *g, bool hp, ix_term_info *ti,
                                  uint64_t *o3, uint64_t *doc_size, uint64_t *pos_size)
{
    uint32_t df = ti->doc_freq, dh, fh;
    int ph;
    if (!read_block_heads(r, ti, g->doc_count, &dh, &fh, &ph) || (ph >= 0 && !hp))
        return false;
    uint64_t a = ix_pfor_body_bits(dh, df), b = ti->total_freq != df ? ix_pfor_body_bits(fh, df) : 0;
    if (a == UINT64_MAX || b == UINT64_MAX)
        return false;
    *doc_size = a + b;
    ti->opaque[2] = dh | (uint64_t)fh << 24;
    return !hp || read_block_positions(r, ti, ph, o3, pos_size);
}

static bool read_blocks(ix_rd *r, bool hp, ix_term_info *ti, uint64_t *o3, uint64_t *doc_size,
                        uint64_t *pos_size)
{
    uint64_t bs = ix_rd_varint(r), mf = ix_rd_varint(r), ml = ix_rd_varint(r);
    const uint8_t *pw = ix_rd_bytes(r, 4);
    if (r->bad || mf == 0 || mf > UINT32_MAX || ml > UINT32_MAX || bs > UINT64_MAX / 2)
        return false;
    uint32_t widths = cf_get_u32le(pw);
    unsigned esb = 0;
    for (int c = 0; c < SK_NCOLS; c++) {
        unsigned w = (widths >> (6 * c)) & 63;
        if (w > SK_MAXW)
            return false;
        esb += w;
    }
    if (widths >> 30)
        return false;
    *doc_size = bs + (uint64_t)blocks_of(ti->doc_freq) * esb;
    ti->opaque[2] = bs;
    ti->opaque[4] = mf | ml << 32;
    *o3 |= (uint64_t)widths << 10;
    if (hp)
        *pos_size = ix_rd_varint(r);
    return !r->bad;
}

bool ix_term_info_read(ix_rd *r, const ix_segment *g, int field, uint64_t doc_off,
                       uint64_t pos_off, ix_term_info *ti, uint64_t *doc_size,
                       uint64_t *pos_size)
{
    uint64_t o3 = (uint64_t)field;
    bool hp = field < IX_NFIELDS, ok;
    ti->opaque[0] = doc_off;
    ti->opaque[1] = pos_off;
    ti->opaque[4] = 0;
    *doc_size = *pos_size = 0;
    if (r->bad || ti->doc_freq == 0 || ti->total_freq < ti->doc_freq)
        return false;
    if (ti->doc_freq == 1)
        ok = read_single(r, g, hp, ti, &o3, pos_size);
    else if (ti->doc_freq <= IX_BLOCK)
        ok = read_one_block(r, g, hp, ti, &o3, doc_size, pos_size);
    else
        ok = read_blocks(r, hp, ti, &o3, doc_size, pos_size);
    ti->opaque[3] = o3;
    return ok;
}

/* ============================================================================================
 * Iterator
 * ============================================================================================ */

struct ix_postings {
    const ix_segment *g;
    int field;
    bool has_pos, want_pos, started;
    uint8_t pos_mode;
    uint32_t df;
    uint64_t tf;
    const uint8_t *dmap; /* the .doc mapping; data bytes [IX_HEADER_SIZE, dlim) */
    size_t dlim;
    uint64_t doc_off; /* offsets into .doc and .pos are in bits */
    uint32_t nb;      /* blocks */
    uint32_t doc_head, freq_head; /* one block: the heads from the dictionary */
    uint64_t blocks_size;         /* more: the bits of the blocks */
    uint64_t skip;                /* where the skip table starts */
    uint8_t w[SK_NCOLS], at[SK_NCOLS];
    unsigned esb; /* bits of a skip entry */
    uint32_t list_maxf, list_minl;
    uint32_t blk; /* loaded block or UINT32_MAX */
    uint32_t k, i, cur;
    uint32_t docs[IX_BLOCK], freqs[IX_BLOCK];
    /* positions */
    const uint8_t *pmap;
    size_t plim;
    uint64_t pos_off;
    uint32_t pos_head;  /* POS_HEAD: the head of the one chunk */
    uint64_t blk_total; /* positions in the loaded block */
    uint64_t chunk;     /* start of chunk number chunk_idx */
    uint32_t chunk_idx;
    bool chunk_decoded;
    uint32_t cvals[IX_BLOCK];
    uint32_t pdoc;  /* documents of the block whose positions precede value pval */
    uint64_t pval;
    uint32_t pos_blk, pos_i, pos_n; /* what posbuf holds */
    uint32_t *posbuf;
    size_t poscap;
    int rc;
    cf_err err;
};

static uint32_t corrupt(ix_postings *p, const char *what)
{
    if (!p->rc)
        p->rc = cf_fail(&p->err, CJKFTS_ECORRUPT, "%s: posting list at bit %llu: %s",
                        ix_seg_path(p->g, IX_F_DOC), (unsigned long long)p->doc_off, what);
    p->cur = IX_NO_MORE_DOCS;
    p->started = true;
    return IX_NO_MORE_DOCS;
}

/* Column col of skip entry b: one unaligned load (the table lies before the 8-byte footer, so
 * a load from any of its bytes stays in the file). */
static uint64_t skip_get(const ix_postings *p, uint32_t b, int col)
{
    if (p->w[col] == 0)
        return 0;
    uint64_t bit = p->skip + (uint64_t)b * p->esb + p->at[col];
    uint64_t v;
    memcpy(&v, p->dmap + (bit >> 3), 8);
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return (v >> (bit & 7)) & (((uint64_t)1 << p->w[col]) - 1);
}

/* The doc deltas and frequencies of block b into docs[] / freqs[] (raw). */
static bool read_block(ix_postings *p, uint32_t b, uint32_t k)
{
    uint64_t bit;
    if (p->nb == 1) {
        bit = p->doc_off;
        if (!ix_pfor_get_body(p->doc_head, p->dmap, p->dlim, &bit, p->docs, k))
            return false;
        if (p->tf == p->df) {
            for (uint32_t j = 0; j < k; j++)
                p->freqs[j] = 0;
            return true;
        }
        return ix_pfor_get_body(p->freq_head, p->dmap, p->dlim, &bit, p->freqs, k);
    }
    uint64_t start = p->doc_off + (b == 0 ? 0 : skip_get(p, b - 1, SK_END));
    uint64_t end = p->doc_off + skip_get(p, b, SK_END);
    if (start > end || end > p->doc_off + p->blocks_size)
        return false;
    /* decoding may run past end on damaged data, but not past the data: end is checked after */
    uint32_t head;
    bit = start;
    if (!ix_pfor_get_head(p->dmap, p->dlim, &bit, &head))
        return false;
    bool ones = (head & DOC_ALL_ONES) != 0;
    if (!ix_pfor_get_body(head & ~(uint32_t)DOC_ALL_ONES, p->dmap, p->dlim, &bit, p->docs, k))
        return false;
    if (ones) {
        for (uint32_t j = 0; j < k; j++)
            p->freqs[j] = 0;
    } else if (!ix_pfor_get(p->dmap, p->dlim, &bit, p->freqs, k)) {
        return false;
    }
    return bit == end;
}

static bool load_block(ix_postings *p, uint32_t b)
{
    uint32_t k = b + 1 < p->nb ? IX_BLOCK : p->df - IX_BLOCK * (p->nb - 1);
    if (!read_block(p, b, k)) {
        corrupt(p, "truncated or malformed block");
        return false;
    }
    uint64_t prev = b == 0 ? (uint64_t)-1 : skip_get(p, b - 1, SK_LAST);
    uint64_t total = 0;
    for (uint32_t j = 0; j < k; j++) {
        uint64_t d = prev + 1 + p->docs[j];
        if (d >= p->g->doc_count || p->freqs[j] == UINT32_MAX) {
            corrupt(p, "document id or frequency out of range");
            return false;
        }
        p->docs[j] = (uint32_t)d;
        p->freqs[j] += 1;
        total += p->freqs[j];
        prev = d;
    }
    if (p->nb > 1 ? p->docs[k - 1] != skip_get(p, b, SK_LAST) : total != p->tf) {
        corrupt(p, "block does not match its skip entry or counts");
        return false;
    }
    p->blk = b;
    p->k = k;
    p->i = 0;
    p->blk_total = total;
    p->pdoc = 0;
    p->pval = 0;
    if (p->has_pos && p->pos_mode != POS_INLINE) {
        p->chunk_idx = 0;
        p->chunk_decoded = false;
        uint64_t po = p->pos_off + (p->nb > 1 ? skip_get(p, b, SK_POS) : 0);
        if (po < p->pos_off || po > (uint64_t)p->plim * 8) {
            corrupt(p, "positions offset out of range");
            return false;
        }
        p->chunk = po;
    }
    return true;
}

static int open_skip(ix_postings *p, const ix_term_info *ti)
{
    uint32_t widths = OP_WIDTHS(ti);
    unsigned size = 0;
    for (int c = 0; c < SK_NCOLS; c++) {
        p->w[c] = (uint8_t)((widths >> (6 * c)) & 63);
        p->at[c] = (uint8_t)size;
        size += p->w[c];
    }
    p->esb = size;
    p->blocks_size = ti->opaque[2];
    uint64_t table = (uint64_t)p->nb * size, room = (uint64_t)p->dlim * 8 - p->doc_off;
    if (size > SK_NCOLS * SK_MAXW || p->blocks_size == 0 || p->blocks_size > room ||
        table > room - p->blocks_size)
        return corrupt(p, "skip table out of range"), p->rc;
    p->skip = p->doc_off + p->blocks_size;
    if (skip_get(p, p->nb - 1, SK_END) != p->blocks_size)
        return corrupt(p, "skip table does not end the blocks"), p->rc;
    p->list_maxf = (uint32_t)ti->opaque[4];
    p->list_minl = (uint32_t)(ti->opaque[4] >> 32);
    return 0;
}

static void single_block_max(ix_postings *p)
{
    p->list_maxf = 0;
    p->list_minl = UINT32_MAX;
    for (uint32_t j = 0; j < p->k; j++) {
        uint32_t len = ix_seg_field_length(p->g, p->field, p->docs[j]);
        if (p->freqs[j] > p->list_maxf)
            p->list_maxf = p->freqs[j];
        if (len < p->list_minl)
            p->list_minl = len;
    }
}

/* Positions kept in the dictionary entry: decoded once, as the block's one chunk. */
static int open_inline_positions(ix_postings *p)
{
    const ix_segment *g = p->g;
    if (p->pos_off < IX_HEADER_SIZE || p->pos_off >= g->dict_blocks_end)
        return corrupt(p, "positions offset out of range"), p->rc;
    ix_rd r = {g->map[IX_F_TID].data + p->pos_off, g->map[IX_F_TID].data + g->dict_blocks_end,
               false};
    for (uint32_t j = 0; j < p->tf; j++) {
        uint64_t v = ix_rd_varint(&r);
        if (v > UINT32_MAX)
            r.bad = true;
        p->cvals[j] = (uint32_t)v;
    }
    if (r.bad)
        return corrupt(p, "positions truncated"), p->rc;
    p->chunk_idx = 0;
    p->chunk_decoded = true;
    return 0;
}

static int open_single_doc(ix_postings *p, const ix_term_info *ti)
{
    if (ti->opaque[2] >= p->g->doc_count || ti->total_freq > UINT32_MAX)
        return corrupt(p, "inline posting out of range"), p->rc;
    p->docs[0] = (uint32_t)ti->opaque[2];
    p->freqs[0] = (uint32_t)ti->total_freq;
    p->k = 1;
    p->blk = 0;
    p->blk_total = ti->total_freq;
    if (p->has_pos && p->pos_mode == POS_INLINE)
        return p->want_pos ? open_inline_positions(p) : 0;
    if (p->has_pos)
        p->chunk = p->pos_off;
    return 0;
}

static int open_checks(ix_postings *p, const ix_term_info *ti)
{
    if (p->df == 0 || p->df > p->g->doc_count || p->tf < p->df)
        return corrupt(p, "bad document count"), p->rc;
    bool inl = p->pos_mode == POS_INLINE;
    if (p->has_pos && (p->pos_mode > POS_INLINE || (inl && (p->df != 1 || p->tf > IX_BLOCK)) ||
                       (p->pos_mode == POS_HEAD && (p->nb != 1 || p->tf > IX_BLOCK))))
        return corrupt(p, "bad positions mode"), p->rc;
    if (p->has_pos && !inl &&
        (p->pos_off < IX_HEADER_SIZE * 8 || p->pos_off > (uint64_t)p->plim * 8))
        return corrupt(p, "positions offset out of range"), p->rc;
    if (p->df == 1)
        return open_single_doc(p, ti);
    if (p->doc_off < IX_HEADER_SIZE * 8 || p->doc_off > (uint64_t)p->dlim * 8)
        return corrupt(p, "offset out of range"), p->rc;
    if (p->nb > 1)
        return open_skip(p, ti);
    p->doc_head = (uint32_t)ti->opaque[2] & 0xffffff;
    p->freq_head = (uint32_t)(ti->opaque[2] >> 24) & 0xffffff;
    return load_block(p, 0) ? 0 : p->rc;
}

int ix_postings_open(const ix_segment *g, const ix_term_info *ti, int flags, ix_postings **out,
                     cf_err *err)
{
    *out = NULL;
    int field = (int)(ti->opaque[3] & 0xff);
    if (field >= IX_NKEYFIELDS)
        return cf_fail(err, CJKFTS_EINVAL, "postings: bad term info");
    if ((flags & IX_POST_POSITIONS) && field >= IX_NFIELDS)
        return cf_fail(err, CJKFTS_EINVAL, "postings: field %d has no positions", field);
    ix_postings *p = cf_calloc(1, sizeof *p);
    if (!p)
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    p->g = g;
    p->field = field;
    p->has_pos = field < IX_NFIELDS;
    p->want_pos = (flags & IX_POST_POSITIONS) != 0;
    p->pos_mode = (uint8_t)OP_MODE(ti);
    p->pos_head = OP_POS_HEAD(ti);
    p->df = ti->doc_freq;
    p->tf = ti->total_freq;
    p->blk = UINT32_MAX;
    p->cur = IX_NO_MORE_DOCS;
    p->pos_blk = UINT32_MAX;
    p->dmap = g->map[IX_F_DOC].data;
    p->dlim = g->map[IX_F_DOC].len - IX_FOOTER_SIZE;
    p->pmap = g->map[IX_F_POS].data;
    p->plim = g->map[IX_F_POS].len - IX_FOOTER_SIZE;
    p->doc_off = ti->opaque[0];
    p->pos_off = ti->opaque[1];
    p->nb = blocks_of(p->df);
    int rc = open_checks(p, ti);
    if (rc == 0 && p->nb == 1)
        single_block_max(p);
    if (rc) {
        cf_fail_from(err, &p->err);
        ix_postings_free(p);
        return rc;
    }
    p->started = false;
    p->cur = IX_NO_MORE_DOCS;
    *out = p;
    return 0;
}

void ix_postings_free(ix_postings *p)
{
    if (!p)
        return;
    cf_handle_destroy(&p->err);
    cf_free(p->posbuf);
    cf_free(p);
}

uint32_t ix_postings_doc(const ix_postings *p)
{
    return p->started ? p->cur : IX_NO_MORE_DOCS;
}

uint32_t ix_postings_freq(const ix_postings *p)
{
    return p->started && p->cur != IX_NO_MORE_DOCS ? p->freqs[p->i] : 0;
}

uint32_t ix_postings_next(ix_postings *p)
{
    if (!p->started) {
        p->started = true;
        if (p->blk == UINT32_MAX && !load_block(p, 0))
            return IX_NO_MORE_DOCS;
        p->i = 0;
        return p->cur = p->docs[0];
    }
    if (p->cur == IX_NO_MORE_DOCS)
        return IX_NO_MORE_DOCS;
    if (p->i + 1 < p->k) {
        p->i++;
        return p->cur = p->docs[p->i];
    }
    if (p->blk + 1 < p->nb) {
        if (!load_block(p, p->blk + 1))
            return IX_NO_MORE_DOCS;
        return p->cur = p->docs[0];
    }
    return p->cur = IX_NO_MORE_DOCS;
}

/* First block b >= lo whose last document is >= target, or nb. */
static uint32_t find_block(const ix_postings *p, uint32_t lo, uint32_t target)
{
    uint32_t hi = p->nb;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (skip_get(p, mid, SK_LAST) < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint32_t ix_postings_advance(ix_postings *p, uint32_t target)
{
    if (p->started && (p->cur == IX_NO_MORE_DOCS || p->cur >= target))
        return p->cur;
    bool have = p->blk != UINT32_MAX && p->docs[p->k - 1] >= target;
    if (!have) {
        if (p->nb == 1 && p->blk != UINT32_MAX) {
            p->started = true;
            return p->cur = IX_NO_MORE_DOCS;
        }
        uint32_t b = find_block(p, p->blk == UINT32_MAX ? 0 : p->blk + 1, target);
        p->started = true;
        if (b >= p->nb)
            return p->cur = IX_NO_MORE_DOCS;
        if (!load_block(p, b))
            return IX_NO_MORE_DOCS;
    } else if (!p->started) {
        p->started = true;
        p->i = 0;
    }
    while (p->docs[p->i] < target)
        p->i++;
    return p->cur = p->docs[p->i];
}

uint32_t ix_postings_block_max(ix_postings *p, uint32_t target, uint32_t *max_freq,
                               uint32_t *min_len)
{
    if (p->nb == 1) {
        if (p->rc || p->docs[p->k - 1] < target)
            return IX_NO_MORE_DOCS;
        *max_freq = p->list_maxf;
        *min_len = p->list_minl;
        return p->docs[p->k - 1];
    }
    uint32_t b = find_block(p, p->blk == UINT32_MAX ? 0 : p->blk, target);
    if (b >= p->nb || p->rc)
        return IX_NO_MORE_DOCS;
    *max_freq = (uint32_t)skip_get(p, b, SK_MAXF);
    *min_len = (uint32_t)skip_get(p, b, SK_MINL);
    return (uint32_t)skip_get(p, b, SK_LAST);
}

void ix_postings_list_max(const ix_postings *p, uint32_t *max_freq, uint32_t *min_len)
{
    *max_freq = p->list_maxf;
    *min_len = p->list_minl;
}

int ix_postings_error(const ix_postings *p, cf_err *err)
{
    if (!p->rc)
        return 0;
    return cf_fail_from(err, &p->err);
}

/* ---- positions ---------------------------------------------------------------------------- */

static uint32_t chunk_count(const ix_postings *p, uint32_t idx)
{
    uint64_t left = p->blk_total - (uint64_t)idx * IX_BLOCK;
    return left < IX_BLOCK ? (uint32_t)left : IX_BLOCK;
}

/* Move to chunk idx (forward only), without decoding the chunks passed over. */
static bool seek_chunk(ix_postings *p, uint32_t idx)
{
    if (p->pos_mode != POS_CHUNKS) { /* one chunk, decoded at open or here */
        uint64_t bit = p->chunk;
        if (idx != 0)
            return false;
        if (!p->chunk_decoded)
            p->chunk_decoded = ix_pfor_get_body(p->pos_head, p->pmap, p->plim, &bit, p->cvals,
                                                chunk_count(p, 0));
        return p->chunk_decoded;
    }
    while (p->chunk_idx < idx) {
        uint64_t sz = ix_pfor_bits_at(p->pmap, p->plim, p->chunk, chunk_count(p, p->chunk_idx));
        if (sz == 0)
            return false;
        p->chunk += sz;
        p->chunk_idx++;
        p->chunk_decoded = false;
    }
    if (!p->chunk_decoded) {
        uint64_t bit = p->chunk;
        if (!ix_pfor_get(p->pmap, p->plim, &bit, p->cvals, chunk_count(p, idx)))
            return false;
        p->chunk_decoded = true;
    }
    return true;
}

static int grow_posbuf(ix_postings *p, uint32_t n)
{
    if (n <= p->poscap)
        return 0;
    size_t cap = p->poscap ? p->poscap : 16;
    while (cap < n)
        cap *= 2;
    uint32_t *b = cf_realloc(p->posbuf, cap * sizeof *b);
    if (!b) {
        p->rc = cf_fail(&p->err, CJKFTS_ENOMEM, "out of memory reading positions");
        return p->rc;
    }
    p->posbuf = b;
    p->poscap = cap;
    return 0;
}

int ix_postings_positions(ix_postings *p, const uint32_t **pos)
{
    *pos = NULL;
    if (!p->want_pos)
        return CJKFTS_EMISUSE;
    if (!p->started || p->cur == IX_NO_MORE_DOCS)
        return p->rc ? p->rc : CJKFTS_EMISUSE;
    if (p->pos_blk == p->blk && p->pos_i == p->i) {
        *pos = p->posbuf;
        return (int)p->pos_n;
    }
    uint32_t n = p->freqs[p->i];
    if (n > (uint32_t)INT32_MAX || n > ix_seg_field_length(p->g, p->field, p->cur))
        return corrupt(p, "frequency larger than the field"), p->rc;
    while (p->pdoc < p->i)
        p->pval += p->freqs[p->pdoc++];
    uint64_t v = p->pval;
    uint64_t acc = 0;
    for (uint32_t j = 0; j < n; j++, v++) {
        uint32_t idx = (uint32_t)(v / IX_BLOCK);
        if (!seek_chunk(p, idx))
            return corrupt(p, "positions truncated"), p->rc;
        if (j == p->poscap && grow_posbuf(p, j + 1)) /* grows with what was decoded */
            return p->rc;
        acc = (j == 0 ? 0 : acc) + p->cvals[v % IX_BLOCK];
        if (acc > UINT32_MAX)
            return corrupt(p, "position out of range"), p->rc;
        p->posbuf[j] = (uint32_t)acc;
    }
    p->pdoc = p->i + 1;
    p->pval = v;
    p->pos_blk = p->blk;
    p->pos_i = p->i;
    p->pos_n = n;
    *pos = p->posbuf;
    return (int)n;
}
