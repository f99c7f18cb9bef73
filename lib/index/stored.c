/* stored.c: stored fields (.sto): documents serialized and compressed with zstd in small
 * blocks, with a zstd dictionary trained on the segment's first documents, and a block table
 * for lookup by document id.
 *
 * Document: for id, title, body, date, url: varint length + bytes; varint n_extra; then per
 * extra field varint name length, name, varint value length, value.
 * Block: varint n_docs, n_docs x varint document length, varint compressed length, one zstd
 * frame of the concatenated documents. A lookup decompresses one whole block. The writer
 * holds the first 2 MiB of documents, trains a dictionary of up to 110 KiB on them (zstd's
 * fastCover), then cuts blocks of 4 KiB compressed with it: on the news corpora this is 0.5%
 * to 13% smaller than blocks of 16 KiB without a dictionary, and a lookup is 3 to 4 times
 * faster. A merge trains on documents sampled across its inputs instead. A segment with
 * less than 256 KiB of documents, or whose training fails, has no dictionary and blocks of
 * 16 KiB. Every frame carries zstd's checksum of its content, so a
 * damaged block or dictionary is an error rather than wrong text.
 * After the blocks: the dictionary, n_blocks entries (u64 block offset, u32 first doc), then
 * the tail (table offset, n_blocks, doc count, dictionary offset, dictionary length: 5 x u64).
 */
/* zstd's advanced API, stable for years and exported by the shared library: fastCover training
 * with fixed parameters (since 1.3.6) and dictionaries used in place (since 1.0) */
#define ZDICT_STATIC_LINKING_ONLY
#define ZSTD_STATIC_LINKING_ONLY
#include <stdatomic.h>
#include <string.h>
#include <zdict.h>
#include <zstd.h>

#include "index/index.h"

#define STORE_BLOCK_BYTES (16 * 1024)     /* without a dictionary */
#define STORE_DICT_BLOCK_BYTES (4 * 1024) /* with one */
#define STORE_TRAIN_BYTES (2u << 20)      /* documents held to train the dictionary on */
#define STORE_TRAIN_MIN (256u << 10)      /* fewer: no dictionary */
#define STORE_DICT_MAX (110u << 10)
#define STORE_ZSTD_LEVEL 2
#define STORE_TAIL (5 * 8)
#define STORE_ENTRY 12

static const char *const core_names[IX_STORED_CORE] = {"id", "title", "body", "date", "url"};

/* ---- serialization ------------------------------------------------------------------------ */

int ix_stored_serialize(cf_buf *b, const char *const core[IX_STORED_CORE],
                        const size_t core_len[IX_STORED_CORE], const cjkfts_field *extra,
                        const size_t *extra_len, size_t n_extra)
{
    for (int i = 0; i < IX_STORED_CORE; i++) {
        if (cf_buf_put_varint(b, core_len[i]) || cf_buf_append(b, core[i], core_len[i]))
            return CJKFTS_ENOMEM;
    }
    if (cf_buf_put_varint(b, n_extra))
        return CJKFTS_ENOMEM;
    for (size_t i = 0; i < n_extra; i++) {
        size_t nl = strlen(extra[i].name);
        if (cf_buf_put_varint(b, nl) || cf_buf_append(b, extra[i].name, nl) ||
            cf_buf_put_varint(b, extra_len[i]) || cf_buf_append(b, extra[i].value, extra_len[i]))
            return CJKFTS_ENOMEM;
    }
    return 0;
}

/* Append s[0..n) and a NUL to buf; returns its offset. */
static size_t put_str(cf_buf *buf, const uint8_t *s, size_t n)
{
    size_t at = buf->len;
    memcpy(buf->data + buf->len, s, n);
    buf->data[buf->len + n] = 0;
    buf->len += n + 1;
    return at;
}

int ix_stored_parse(const uint8_t *p, size_t n, ix_stored_doc *d, cf_err *err)
{
    ix_rd r = {p, p + n, false};
    /* pass 1: count fields and validate */
    uint64_t n_extra = 0;
    for (int pass = 0; pass < 2; pass++) {
        r.p = p;
        size_t nf = 0;
        for (int i = 0; i < IX_STORED_CORE; i++, nf++) {
            uint64_t l = ix_rd_varint(&r);
            const uint8_t *v = ix_rd_bytes(&r, l);
            if (pass == 1) {
                d->fields[nf].name = core_names[i];
                d->fields[nf].name_len = strlen(core_names[i]);
                d->fields[nf].value_len = (size_t)l;
                d->fields[nf].value = (const char *)(uintptr_t)put_str(&d->buf, v, (size_t)l);
            }
        }
        n_extra = ix_rd_varint(&r);
        if (n_extra > n) /* each extra field takes at least two bytes */
            r.bad = true;
        if (r.bad)
            break;
        for (uint64_t i = 0; i < n_extra && !r.bad; i++, nf++) {
            uint64_t nl = ix_rd_varint(&r);
            const uint8_t *nm = ix_rd_bytes(&r, nl);
            uint64_t vl = ix_rd_varint(&r);
            const uint8_t *v = ix_rd_bytes(&r, vl);
            if (pass == 1 && !r.bad) {
                ix_stored_field *f = &d->fields[nf];
                f->name_len = (size_t)nl;
                f->name = (const char *)(uintptr_t)put_str(&d->buf, nm, (size_t)nl);
                f->value_len = (size_t)vl;
                f->value = (const char *)(uintptr_t)put_str(&d->buf, v, (size_t)vl);
            }
        }
        if (r.bad || r.p != r.end)
            break;
        if (pass == 0) {
            d->n_fields = IX_STORED_CORE + (size_t)n_extra;
            d->fields = cf_calloc(d->n_fields, sizeof *d->fields);
            if (!d->fields || cf_buf_reserve(&d->buf, n + 2 * d->n_fields))
                return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
        }
    }
    if (r.bad || r.p != r.end)
        return cf_fail(err, CJKFTS_ECORRUPT, "stored document is malformed");
    /* offsets -> pointers now that buf no longer moves */
    for (size_t i = 0; i < d->n_fields; i++) {
        ix_stored_field *f = &d->fields[i];
        if (i >= IX_STORED_CORE)
            f->name = (const char *)d->buf.data + (uintptr_t)f->name;
        f->value = (const char *)d->buf.data + (uintptr_t)f->value;
    }
    return 0;
}

void ix_stored_doc_free(ix_stored_doc *d)
{
    if (!d)
        return;
    cf_free(d->fields);
    cf_buf_free(&d->buf);
    d->fields = NULL;
    d->n_fields = 0;
}

/* ============================================================================================
 * Writer
 * ============================================================================================ */

int ix_storew_init(ix_storew *s, ix_out *out, cf_err *err)
{
    memset(s, 0, sizeof *s);
    s->out = out;
    cf_buf_init(&s->raw);
    cf_buf_init(&s->lens);
    cf_buf_init(&s->table);
    cf_buf_init(&s->comp);
    cf_buf_init(&s->held);
    cf_buf_init(&s->held_lens);
    cf_buf_init(&s->dict);
    s->zctx = ZSTD_createCCtx();
    if (!s->zctx)
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory (zstd context)");
    size_t r = ZSTD_CCtx_setParameter(s->zctx, ZSTD_c_compressionLevel, STORE_ZSTD_LEVEL);
    if (!ZSTD_isError(r)) /* the reader knows the dictionary: no id in every frame */
        r = ZSTD_CCtx_setParameter(s->zctx, ZSTD_c_dictIDFlag, 0);
    if (!ZSTD_isError(r)) /* damage (a block's, or the dictionary's) is an error, not text */
        r = ZSTD_CCtx_setParameter(s->zctx, ZSTD_c_checksumFlag, 1);
    if (ZSTD_isError(r))
        return cf_fail(err, CJKFTS_EDEPEND, "zstd: %s", ZSTD_getErrorName(r));
    return 0;
}

void ix_storew_free(ix_storew *s)
{
    ZSTD_freeCCtx(s->zctx);
    ZSTD_freeCDict(s->cdict);
    s->zctx = s->cdict = NULL;
    cf_buf_free(&s->raw);
    cf_buf_free(&s->lens);
    cf_buf_free(&s->table);
    cf_buf_free(&s->comp);
    cf_buf_free(&s->held);
    cf_buf_free(&s->held_lens);
    cf_buf_free(&s->dict);
}

size_t ix_storew_mem(const ix_storew *s)
{
    return s->raw.cap + s->lens.cap + s->table.cap + s->comp.cap + s->held.cap +
           s->held_lens.cap + s->dict.cap + (s->cdict ? ZSTD_sizeof_CDict(s->cdict) : 0);
}

static int flush_store_block(ix_storew *s, cf_err *err)
{
    if (s->nblk == 0)
        return 0;
    size_t bound = ZSTD_compressBound(s->raw.len);
    s->comp.len = 0;
    if (cf_buf_reserve(&s->comp, bound))
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    size_t n = ZSTD_compress2(s->zctx, s->comp.data, bound, s->raw.data, s->raw.len);
    if (ZSTD_isError(n))
        return cf_fail(err, CJKFTS_EDEPEND, "zstd: %s", ZSTD_getErrorName(n));
    uint8_t e[STORE_ENTRY];
    cf_put_u64le(e, s->out->pos);
    cf_put_u32le(e + 8, s->first);
    if (cf_buf_append(&s->table, e, sizeof e))
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    int rc = ix_out_varint(s->out, s->nblk, err);
    if (!rc)
        rc = ix_out_write(s->out, s->lens.data, s->lens.len, err);
    if (!rc)
        rc = ix_out_varint(s->out, n, err);
    if (!rc)
        rc = ix_out_write(s->out, s->comp.data, n, err);
    s->nblocks++;
    s->first += s->nblk;
    s->nblk = 0;
    s->raw.len = s->lens.len = 0;
    return rc;
}

static int block_add(ix_storew *s, const uint8_t *doc, size_t len, cf_err *err)
{
    size_t limit = s->cdict ? STORE_DICT_BLOCK_BYTES : STORE_BLOCK_BYTES;
    if (s->nblk && s->raw.len + len > limit) { /* a document starts the next block */
        int rc = flush_store_block(s, err);
        if (rc)
            return rc;
    }
    if (cf_buf_append(&s->raw, doc, len) || cf_buf_put_varint(&s->lens, len))
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    s->nblk++;
    return 0;
}

/* Train the dictionary on the held documents (when there are enough; a failed training just
 * means no dictionary). */
static int train_held(ix_storew *s, cf_err *err)
{
    const size_t *lens = (const size_t *)(const void *)s->held_lens.data;
    size_t n = s->held_lens.len / sizeof *lens;
    if (s->held.len < STORE_TRAIN_MIN || n < 8 || n > UINT32_MAX)
        return 0;
    if (cf_buf_reserve(&s->dict, STORE_DICT_MAX))
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    ZDICT_fastCover_params_t p;
    memset(&p, 0, sizeof p);
    p.k = 200; /* segment and d-mer sizes that suit news text (no parameter search) */
    p.d = 8;
    p.f = 16;
    p.accel = 8;
    p.zParams.compressionLevel = STORE_ZSTD_LEVEL;
    size_t dl = ZDICT_trainFromBuffer_fastCover(s->dict.data, STORE_DICT_MAX, s->held.data, lens,
                                                (unsigned)n, p);
    if (ZDICT_isError(dl))
        return 0;
    s->cdict = ZSTD_createCDict(s->dict.data, dl, STORE_ZSTD_LEVEL);
    if (!s->cdict)
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory (zstd dictionary)");
    size_t r = ZSTD_CCtx_refCDict(s->zctx, s->cdict);
    if (ZSTD_isError(r))
        return cf_fail(err, CJKFTS_EDEPEND, "zstd: %s", ZSTD_getErrorName(r));
    s->dict.len = dl;
    return 0;
}

/* Train on the held documents, then send them to blocks: from here on, blocks go out as they
 * fill. */
static int settle(ix_storew *s, cf_err *err)
{
    int rc = train_held(s, err);
    s->streaming = true;
    const size_t *lens = (const size_t *)(const void *)s->held_lens.data;
    size_t n = s->held_lens.len / sizeof *lens, at = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = block_add(s, s->held.data + at, lens[i], err);
        at += lens[i];
    }
    cf_buf_free(&s->held);
    cf_buf_free(&s->held_lens);
    return rc;
}

int ix_storew_add(ix_storew *s, const uint8_t *doc, size_t len, cf_err *err)
{
    s->ndocs++;
    if (s->streaming)
        return block_add(s, doc, len, err);
    if (cf_buf_append(&s->held, doc, len) || cf_buf_append(&s->held_lens, &len, sizeof len))
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    return s->held.len >= STORE_TRAIN_BYTES ? settle(s, err) : 0;
}

int ix_storew_finish(ix_storew *s, cf_err *err)
{
    int rc = s->streaming ? 0 : settle(s, err);
    if (!rc)
        rc = flush_store_block(s, err);
    uint64_t dict_off = s->out->pos;
    if (!rc)
        rc = ix_out_write(s->out, s->dict.data, s->dict.len, err);
    uint64_t table_off = s->out->pos;
    if (!rc)
        rc = ix_out_write(s->out, s->table.data, s->table.len, err);
    uint64_t tail[5] = {table_off, s->nblocks, s->ndocs, dict_off, s->dict.len};
    for (int i = 0; i < 5 && !rc; i++)
        rc = ix_out_u64(s->out, tail[i], err);
    return rc;
}

/* ============================================================================================
 * Reader
 * ============================================================================================ */

int ix_stored_open(ix_segment *g, cf_err *err)
{
    const cf_map *m = &g->map[IX_F_STO];
    const char *path = ix_seg_path(g, IX_F_STO);
    if (m->len < IX_HEADER_SIZE + IX_FOOTER_SIZE + STORE_TAIL)
        return cf_fail(err, CJKFTS_ECORRUPT, "%s: file too short", path);
    size_t tail_at = m->len - IX_FOOTER_SIZE - STORE_TAIL;
    const uint8_t *t = m->data + tail_at;
    uint64_t table_off = cf_get_u64le(t), nblocks = cf_get_u64le(t + 8);
    uint64_t ndocs = cf_get_u64le(t + 16), dict_off = cf_get_u64le(t + 24);
    uint64_t dict_len = cf_get_u64le(t + 32);
    if (table_off < IX_HEADER_SIZE || table_off > tail_at ||
        nblocks != (tail_at - table_off) / STORE_ENTRY ||
        table_off + nblocks * STORE_ENTRY != tail_at || ndocs != g->doc_count ||
        (nblocks == 0) != (ndocs == 0) || dict_off < IX_HEADER_SIZE || dict_off > table_off ||
        dict_len != table_off - dict_off || dict_len > STORE_DICT_MAX)
        return cf_fail(err, CJKFTS_ECORRUPT, "%s: bad stored-fields tail", path);
    g->sto_table = m->data + table_off;
    g->sto_nblocks = nblocks;
    g->sto_data_end = dict_off;
    if (dict_len) { /* referenced, not copied: the file stays mapped while the segment is open */
        g->cache->ddict = ZSTD_createDDict_byReference(m->data + dict_off, (size_t)dict_len);
        if (!g->cache->ddict)
            return cf_fail(err, CJKFTS_ECORRUPT, "%s: bad stored-fields dictionary", path);
    }
    return 0;
}

static int sto_corrupt(const ix_segment *g, cf_err *err, uint64_t blk, const char *what)
{
    return cf_fail(err, CJKFTS_ECORRUPT, "%s: block %llu: %s", ix_seg_path(g, IX_F_STO),
                   (unsigned long long)blk, what);
}

/* Block header: bounds, document count and the reader positioned at the lengths. */
typedef struct sblock {
    uint32_t first, n;
    ix_rd lens;           /* over the varint lengths */
    const uint8_t *comp;  /* compressed frame */
    size_t comp_len, raw_len;
} sblock;

static int sblock_open(const ix_segment *g, uint64_t i, sblock *b, cf_err *err)
{
    const uint8_t *base = g->map[IX_F_STO].data;
    const uint8_t *e = g->sto_table + i * STORE_ENTRY;
    uint64_t start = cf_get_u64le(e);
    uint64_t end = i + 1 < g->sto_nblocks ? cf_get_u64le(e + STORE_ENTRY) : g->sto_data_end;
    b->first = cf_get_u32le(e + 8);
    uint64_t next_first = i + 1 < g->sto_nblocks ? cf_get_u32le(e + STORE_ENTRY + 8)
                                                 : g->doc_count;
    if (start < IX_HEADER_SIZE || end > g->sto_data_end || start >= end ||
        next_first <= b->first || next_first > g->doc_count)
        return sto_corrupt(g, err, i, "offset out of range");
    ix_rd r = {base + start, base + end, false};
    uint64_t n = ix_rd_varint(&r);
    if (r.bad || n != next_first - b->first)
        return sto_corrupt(g, err, i, "bad document count");
    b->n = (uint32_t)n;
    b->lens = r;
    uint64_t total = 0;
    for (uint64_t k = 0; k < n && !r.bad; k++) {
        uint64_t l = ix_rd_varint(&r);
        total = l > UINT64_MAX - total ? UINT64_MAX : total + l;
    }
    uint64_t cl = ix_rd_varint(&r);
    b->comp = ix_rd_bytes(&r, cl);
    if (r.bad || r.p != r.end)
        return sto_corrupt(g, err, i, "bad block header");
    b->comp_len = (size_t)cl;
    /* A zstd frame expands at most ~32768:1 (run-length blocks), which bounds what a damaged
     * length can make us allocate. */
    unsigned long long fcs = ZSTD_getFrameContentSize(b->comp, b->comp_len);
    if (fcs == ZSTD_CONTENTSIZE_ERROR || fcs == ZSTD_CONTENTSIZE_UNKNOWN || fcs != total ||
        total / 65536 > cl || total > SIZE_MAX / 2)
        return sto_corrupt(g, err, i, "bad compressed frame size");
    b->raw_len = (size_t)total;
    return 0;
}

/* A decompression context per segment is kept for reuse: taken with an atomic exchange and
 * given back with a compare-and-swap, so threads reading the same segment never wait and
 * never share a context (a second thread just makes its own). */
static ZSTD_DCtx *dctx_take(const ix_segment *g)
{
    ZSTD_DCtx *d = g->cache ? atomic_exchange(&g->cache->dctx, NULL) : NULL;
    return d ? d : ZSTD_createDCtx();
}

static void dctx_give(const ix_segment *g, ZSTD_DCtx *d)
{
    void *none = NULL;
    if (!g->cache || !atomic_compare_exchange_strong(&g->cache->dctx, &none, (void *)d))
        ZSTD_freeDCtx(d);
}

void ix_stored_cache_free(ix_seg_cache *c)
{
    if (c) {
        ZSTD_freeDCtx(atomic_load(&c->dctx));
        ZSTD_freeDDict(c->ddict);
    }
}

/* Decompress a whole block (raw_len bytes) into out. */
static int sblock_inflate(const ix_segment *g, uint64_t i, const sblock *b, cf_buf *out,
                          cf_err *err)
{
    out->len = 0;
    if (cf_buf_reserve(out, b->raw_len + 1))
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    if (b->raw_len == 0)
        return 0;
    ZSTD_DCtx *dc = dctx_take(g);
    if (!dc)
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory (zstd context)");
    const ZSTD_DDict *dd = g->cache ? g->cache->ddict : NULL;
    size_t r = dd ? ZSTD_decompress_usingDDict(dc, out->data, b->raw_len, b->comp, b->comp_len, dd)
                  : ZSTD_decompressDCtx(dc, out->data, b->raw_len, b->comp, b->comp_len);
    dctx_give(g, dc);
    if (ZSTD_isError(r))
        return sto_corrupt(g, err, i, ZSTD_getErrorName(r));
    if (r != b->raw_len)
        return sto_corrupt(g, err, i, "compressed data too short");
    out->len = r;
    return 0;
}

int ix_seg_stored_raw(const ix_segment *g, uint32_t doc, cf_buf *raw, size_t *off, size_t *len,
                      cf_err *err)
{
    if (doc >= g->doc_count)
        return cf_fail(err, CJKFTS_EINVAL, "stored fields: document %u out of range", doc);
    uint64_t lo = 0, hi = g->sto_nblocks; /* last block with first <= doc */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (cf_get_u32le(g->sto_table + mid * STORE_ENTRY + 8) <= doc)
            lo = mid;
        else
            hi = mid;
    }
    sblock b;
    int rc = sblock_open(g, lo, &b, err);
    if (rc)
        return rc;
    if (doc < b.first || doc - b.first >= b.n)
        return sto_corrupt(g, err, lo, "document not in its block");
    uint64_t at = 0, l = 0;
    for (uint32_t k = 0; k <= doc - b.first; k++) {
        at += l;
        l = ix_rd_varint(&b.lens);
    }
    rc = sblock_inflate(g, lo, &b, raw, err);
    if (rc)
        return rc;
    *off = (size_t)at;
    *len = (size_t)l;
    return 0;
}

int ix_seg_stored_get(const ix_segment *g, uint32_t doc, ix_stored_doc *out, cf_err *err)
{
    memset(out, 0, sizeof *out);
    cf_buf_init(&out->buf);
    cf_buf raw;
    cf_buf_init(&raw);
    size_t off, len;
    int rc = ix_seg_stored_raw(g, doc, &raw, &off, &len, err);
    if (!rc)
        rc = ix_stored_parse(raw.data + off, len, out, err);
    cf_buf_free(&raw);
    if (rc)
        ix_stored_doc_free(out);
    return rc;
}

/* ---- sequential reading ------------------------------------------------------------------- */

void ix_stored_cursor_init(ix_stored_cursor *c, const ix_segment *g)
{
    memset(c, 0, sizeof *c);
    c->g = g;
    cf_buf_init(&c->raw);
}

void ix_stored_cursor_free(ix_stored_cursor *c)
{
    cf_buf_free(&c->raw);
    cf_free(c->lens);
    c->lens = NULL;
}

/* Block blk decompressed into the cursor (its documents' lengths in c->lens, positioned at its
 * first document, whose id goes to *first). */
static int cursor_load(ix_stored_cursor *c, uint64_t blk, uint32_t *first, cf_err *err)
{
    sblock b;
    int rc = sblock_open(c->g, blk, &b, err);
    if (rc)
        return rc;
    size_t *lens = cf_realloc(c->lens, (b.n ? b.n : 1) * sizeof *lens);
    if (!lens)
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    c->lens = lens;
    for (uint32_t k = 0; k < b.n; k++)
        lens[k] = ix_rd_varint(&b.lens); /* each <= raw_len, checked at open */
    rc = sblock_inflate(c->g, blk, &b, &c->raw, err);
    if (rc)
        return rc;
    *first = b.first;
    c->n = b.n;
    c->idx = 0;
    c->at = 0;
    return 0;
}

int ix_stored_cursor_next(ix_stored_cursor *c, const uint8_t **doc, size_t *len, cf_err *err)
{
    const ix_segment *g = c->g;
    if (c->doc >= g->doc_count)
        return 0;
    if (c->idx >= c->n) {
        uint32_t first;
        int rc = cursor_load(c, c->blk, &first, err);
        if (rc)
            return rc;
        if (first != c->doc)
            return sto_corrupt(g, err, c->blk, "blocks out of order");
        c->blk++;
    }
    *doc = c->raw.data + c->at;
    *len = c->lens[c->idx];
    c->at += c->lens[c->idx];
    c->idx++;
    c->doc++;
    return 1;
}

/* ---- dictionary for a merge --------------------------------------------------------------- */

/* The documents of every stride-th block of g into the writer's held samples, up to cap
 * bytes. */
static int sample_blocks(ix_storew *s, const ix_segment *g, uint64_t stride, size_t cap,
                         cf_err *err)
{
    ix_stored_cursor c;
    ix_stored_cursor_init(&c, g);
    int rc = 0;
    for (uint64_t i = 0; i < g->sto_nblocks && s->held.len < cap && !rc; i += stride) {
        uint32_t first;
        rc = cursor_load(&c, i, &first, err);
        for (size_t at = 0; c.idx < c.n && !rc; at += c.lens[c.idx++])
            if (cf_buf_append(&s->held, c.raw.data + at, c.lens[c.idx]) ||
                cf_buf_append(&s->held_lens, &c.lens[c.idx], sizeof *c.lens))
                rc = cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    }
    ix_stored_cursor_free(&c);
    return rc;
}

int ix_storew_train(ix_storew *s, ix_segment *const *in, uint32_t n, cf_err *err)
{
    if (s->ndocs || s->streaming)
        return cf_fail(err, CJKFTS_ERROR, "stored fields: training after the first document");
    uint64_t blocks = 0, bytes = 0;
    for (uint32_t i = 0; i < n; i++) {
        blocks += in[i]->sto_nblocks;
        bytes += in[i]->sto_data_end; /* compressed: about a third of the text */
    }
    if (bytes * 2 < STORE_TRAIN_MIN || blocks == 0)
        return 0; /* a small merge: its first documents will do */
    /* every stride-th block of every input: about STORE_TRAIN_BYTES of documents when blocks
     * hold 4 KiB (fewer when they hold 16), spread over the whole merge */
    uint64_t want = STORE_TRAIN_BYTES / STORE_DICT_BLOCK_BYTES;
    uint64_t stride = blocks > want ? blocks / want : 1;
    int rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++) {
        size_t cap = (size_t)(STORE_TRAIN_BYTES * (in[i]->sto_nblocks + 1) / (blocks + n));
        rc = sample_blocks(s, in[i], stride, s->held.len + cap, err);
        ix_seg_release_pages(in[i]); /* the pages mapped around the samples (as copying does) */
    }
    if (!rc)
        rc = train_held(s, err);
    s->streaming = !rc && s->cdict; /* without a dictionary, the first documents may train one */
    cf_buf_free(&s->held);
    cf_buf_free(&s->held_lens);
    return rc;
}
