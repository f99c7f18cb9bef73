/* postings.c: posting lists: the block encoder used by flush and merge, and the iterator
 * (next/advance over blocks of 128 with skip data, block-max data, lazy positions).
 *
 * A list of n >= 2 documents is a run of blocks of 128 documents (the last one shorter), each
 *   [doc deltas - 1][freqs - 1], both encoded with patched frame of reference (bitpack.c)
 * and, when n > 128, a skip table after the blocks: one fixed-width entry per block (last doc,
 * end offset, positions offset, max freq, min field length) so advance() and block-max
 * lookups are binary searches. A list of one document lives in the dictionary entry.
 * Positions (.pos) follow the same blocks: the positions of the documents of one block, as
 * within-document deltas, in chunks of up to 128 values, each encoded the same way. */
#include <string.h>

#include "index/index.h"

enum { SK_LAST, SK_END, SK_POS, SK_MAXF, SK_MINL, SK_NCOLS };

/* ============================================================================================
 * Encoder
 * ============================================================================================ */

void ix_postw_init(ix_postw *w, ix_out *doc, ix_out *pos)
{
    memset(w, 0, sizeof *w);
    w->doc = doc;
    w->pos = pos;
}

void ix_postw_free(ix_postw *w)
{
    cf_free(w->skip);
    w->skip = NULL;
    w->nskip = w->skipcap = 0;
}

void ix_postw_begin(ix_postw *w, bool positions)
{
    w->has_pos = positions;
    w->doc_start = w->doc->pos;
    w->pos_start = w->blk_pos_start = w->pos->pos;
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
}

static int put_packed(ix_postw *w, ix_out *o, const uint32_t *v, size_t n, cf_err *err)
{
    return ix_out_write(o, w->scratch, ix_pfor_encode(w->scratch, v, n), err);
}

int ix_postw_flush_pos(ix_postw *w, cf_err *err)
{
    if (w->pk == 0)
        return 0;
    int rc = put_packed(w, w->pos, w->pv, w->pk, err);
    w->pk = 0;
    return rc;
}

/* Write the pending block of w->k documents and note its skip entry. */
int ix_postw_flush_block(ix_postw *w, cf_err *err)
{
    if (w->blk_maxf > w->list_maxf)
        w->list_maxf = w->blk_maxf;
    if (w->blk_minl < w->list_minl)
        w->list_minl = w->blk_minl;
    uint32_t deltas[IX_BLOCK], fm1[IX_BLOCK];
    uint32_t prev = w->prev_last;
    for (uint32_t j = 0; j < w->k; j++) {
        deltas[j] = w->docs[j] - prev - 1; /* prev is UINT32_MAX (i.e. -1) before the first */
        prev = w->docs[j];
        fm1[j] = w->freqs[j] - 1;
    }
    int rc = put_packed(w, w->doc, deltas, w->k, err);
    if (!rc)
        rc = put_packed(w, w->doc, fm1, w->k, err);
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
    e->end_off = w->doc->pos - w->doc_start;
    e->pos_off = w->blk_pos_start - w->pos_start;
    e->max_freq = w->blk_maxf;
    e->min_len = w->blk_minl;
    w->prev_last = e->last_doc;
    w->blk_pos_start = w->pos->pos;
    w->k = 0;
    w->blk_maxf = 0;
    w->blk_minl = UINT32_MAX;
    return 0;
}

static int write_skip(ix_postw *w, cf_err *err)
{
    uint64_t mx[SK_NCOLS] = {0};
    for (size_t i = 0; i < w->nskip; i++) {
        const ix_skip_entry *e = &w->skip[i];
        uint64_t v[SK_NCOLS] = {e->last_doc, e->end_off, e->pos_off, e->max_freq, e->min_len};
        for (int c = 0; c < SK_NCOLS; c++)
            mx[c] = v[c] > mx[c] ? v[c] : mx[c];
    }
    uint8_t wd[SK_NCOLS];
    for (int c = 0; c < SK_NCOLS; c++)
        wd[c] = (uint8_t)ix_width_of(mx[c]);
    int rc = ix_out_varint(w->doc, w->list_maxf, err);
    if (!rc)
        rc = ix_out_varint(w->doc, w->list_minl, err);
    if (!rc)
        rc = ix_out_write(w->doc, wd, SK_NCOLS, err);
    for (size_t i = 0; i < w->nskip && !rc; i++) {
        const ix_skip_entry *e = &w->skip[i];
        uint64_t v[SK_NCOLS] = {e->last_doc, e->end_off, e->pos_off, e->max_freq, e->min_len};
        uint8_t rec[SK_NCOLS * 8];
        size_t at = 0;
        for (int c = 0; c < SK_NCOLS; c++) {
            ix_put_uw(rec + at, v[c], wd[c]);
            at += wd[c];
        }
        rc = ix_out_write(w->doc, rec, at, err);
    }
    return rc;
}

int ix_postw_end(ix_postw *w, ix_term_info *ti, cf_err *err)
{
    memset(ti, 0, sizeof *ti);
    ti->doc_freq = w->n;
    ti->total_freq = w->total;
    ti->opaque[1] = w->pos_start;
    if (w->n == 0)
        return 0;
    int rc = 0;
    if (w->n == 1) {
        if (w->has_pos)
            rc = ix_postw_flush_pos(w, err);
        ti->opaque[0] = w->docs[0];
        w->k = 0;
        return rc;
    }
    ti->opaque[0] = w->doc_start;
    if (w->nskip == 0 && w->n <= IX_BLOCK) {
        uint32_t deltas[IX_BLOCK], fm1[IX_BLOCK], prev = UINT32_MAX;
        for (uint32_t j = 0; j < w->k; j++) {
            deltas[j] = w->docs[j] - prev - 1;
            prev = w->docs[j];
            fm1[j] = w->freqs[j] - 1;
        }
        rc = put_packed(w, w->doc, deltas, w->k, err);
        if (!rc)
            rc = put_packed(w, w->doc, fm1, w->k, err);
        if (!rc && w->has_pos)
            rc = ix_postw_flush_pos(w, err);
        w->k = 0;
        return rc;
    }
    rc = ix_postw_flush_block(w, err);
    if (rc)
        return rc;
    ti->opaque[2] = w->doc->pos - w->doc_start;
    return write_skip(w, err);
}

/* ============================================================================================
 * Iterator
 * ============================================================================================ */

struct ix_postings {
    const ix_segment *g;
    int field;
    bool has_pos, want_pos, started;
    uint32_t df;
    uint64_t tf;
    const uint8_t *dmap; /* the .doc mapping; valid bytes [IX_HEADER_SIZE, dlim) */
    size_t dlim;
    uint64_t doc_off;
    uint32_t nb; /* blocks */
    const uint8_t *skip;
    uint8_t w[SK_NCOLS], at[SK_NCOLS], esize;
    uint32_t list_maxf, list_minl;
    uint32_t blk; /* loaded block or UINT32_MAX */
    uint32_t k, i, cur;
    uint32_t docs[IX_BLOCK], freqs[IX_BLOCK];
    /* positions */
    const uint8_t *pmap;
    size_t plim;
    uint64_t pos_off;
    uint64_t blk_total;   /* positions in the loaded block */
    const uint8_t *chunk; /* start of chunk number chunk_idx */
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
        p->rc = cf_fail(&p->err, CJKFTS_ECORRUPT, "%s: posting list at offset %llu: %s",
                        ix_seg_path(p->g, IX_F_DOC), (unsigned long long)p->doc_off, what);
    p->cur = IX_NO_MORE_DOCS;
    p->started = true;
    return IX_NO_MORE_DOCS;
}

static uint64_t skip_get(const ix_postings *p, uint32_t b, int col)
{
    return ix_get_uw(p->skip + (size_t)b * p->esize + p->at[col], p->w[col]);
}

/* Decode n values at *cur (one PFOR encoding) into v. */
static bool read_packed(const uint8_t **cur, const uint8_t *lim, uint32_t *v, uint32_t n)
{
    const uint8_t *e = ix_pfor_decode(*cur, lim, v, n);
    if (!e)
        return false;
    *cur = e;
    return true;
}

static bool load_block(ix_postings *p, uint32_t b)
{
    uint64_t start = p->doc_off + (b == 0 ? 0 : skip_get(p, b - 1, SK_END));
    uint64_t end = p->nb > 1 ? p->doc_off + skip_get(p, b, SK_END) : p->dlim;
    if (start < p->doc_off || end > p->dlim || start > end) {
        corrupt(p, "block offset out of range");
        return false;
    }
    uint32_t k = b + 1 < p->nb ? IX_BLOCK : p->df - IX_BLOCK * (p->nb - 1);
    const uint8_t *c = p->dmap + start, *lim = p->dmap + end;
    if (!read_packed(&c, lim, p->docs, k) || !read_packed(&c, lim, p->freqs, k)) {
        corrupt(p, "truncated block");
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
    if (p->nb > 1 && p->docs[k - 1] != skip_get(p, b, SK_LAST)) {
        corrupt(p, "block does not end at its skip entry");
        return false;
    }
    p->blk = b;
    p->k = k;
    p->i = 0;
    p->blk_total = total;
    p->pdoc = 0;
    p->pval = 0;
    p->chunk_idx = 0;
    p->chunk_decoded = false;
    p->chunk = NULL;
    if (p->has_pos) {
        uint64_t po = p->pos_off + (p->nb > 1 ? skip_get(p, b, SK_POS) : 0);
        if (po < p->pos_off || po > p->plim) {
            corrupt(p, "positions offset out of range");
            return false;
        }
        p->chunk = p->pmap + po;
    }
    return true;
}

static int open_skip(ix_postings *p, uint64_t skip_rel)
{
    uint64_t at = p->doc_off + skip_rel;
    if (skip_rel == 0 || at < p->doc_off || at >= p->dlim)
        return corrupt(p, "skip table offset out of range"), p->rc;
    ix_rd r = {p->dmap + at, p->dmap + p->dlim, false};
    uint64_t mf = ix_rd_varint(&r), ml = ix_rd_varint(&r);
    const uint8_t *wd = ix_rd_bytes(&r, SK_NCOLS);
    if (r.bad || mf > UINT32_MAX || ml > UINT32_MAX)
        return corrupt(p, "bad skip table header"), p->rc;
    unsigned size = 0;
    for (int c = 0; c < SK_NCOLS; c++) {
        if (wd[c] < 1 || wd[c] > 8)
            return corrupt(p, "bad skip table width"), p->rc;
        p->w[c] = wd[c];
        p->at[c] = (uint8_t)size;
        size += wd[c];
    }
    p->esize = (uint8_t)size;
    if ((size_t)(r.end - r.p) / size < p->nb)
        return corrupt(p, "skip table truncated"), p->rc;
    p->skip = r.p;
    p->list_maxf = (uint32_t)mf;
    p->list_minl = (uint32_t)ml;
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

static int open_single_doc(ix_postings *p, const ix_term_info *ti)
{
    if (ti->opaque[0] >= p->g->doc_count || ti->total_freq > UINT32_MAX)
        return corrupt(p, "inline posting out of range"), p->rc;
    p->docs[0] = (uint32_t)ti->opaque[0];
    p->freqs[0] = (uint32_t)ti->total_freq;
    p->k = 1;
    p->blk = 0;
    p->blk_total = ti->total_freq;
    if (p->has_pos) {
        if (p->pos_off > p->plim)
            return corrupt(p, "positions offset out of range"), p->rc;
        p->chunk = p->pmap + p->pos_off;
    }
    return 0;
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
    p->nb = (uint32_t)((p->df + (uint64_t)IX_BLOCK - 1) / IX_BLOCK);
    int rc = 0;
    if (p->df == 0 || p->df > g->doc_count || p->tf < p->df)
        rc = (corrupt(p, "bad document count"), p->rc);
    else if (p->has_pos && (p->pos_off < IX_HEADER_SIZE || p->pos_off > p->plim))
        rc = (corrupt(p, "positions offset out of range"), p->rc);
    else if (p->df == 1)
        rc = open_single_doc(p, ti);
    else if (p->doc_off < IX_HEADER_SIZE || p->doc_off >= p->dlim)
        rc = (corrupt(p, "offset out of range"), p->rc);
    else if (p->nb > 1)
        rc = open_skip(p, ti->opaque[2]);
    else if (!load_block(p, 0))
        rc = p->rc;
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
    const uint8_t *lim = p->pmap + p->plim;
    while (p->chunk_idx < idx) {
        size_t sz = ix_pfor_size(p->chunk, lim, chunk_count(p, p->chunk_idx));
        if (sz == 0)
            return false;
        p->chunk += sz;
        p->chunk_idx++;
        p->chunk_decoded = false;
    }
    if (!p->chunk_decoded) {
        const uint8_t *c = p->chunk;
        if (!read_packed(&c, lim, p->cvals, chunk_count(p, idx)))
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
