/* dict.c: the term dictionary (.tid): sorted keys (field byte + term bytes) in blocks of up to
 * 32 prefix-compressed entries, a sparse index of each block's first key (and where its lists
 * start in .doc and .pos) for binary search, exact lookup and prefix iteration.
 *
 * Entry: u8 head (shared length 0..14 or 15 = more follows | suffix length 1..3 or 0 = a varint
 *   follows << 4 | 0x40 doc_freq == 1 | 0x80 total_freq != doc_freq), [varint shared - 15],
 *   [varint suffix length], suffix, [varint doc_freq - 2], [varint total_freq - doc_freq - 1],
 *   then the postings part (postings.c). The first entry of a block has no key part (its key is
 *   the block's first key in the index). A list's .doc and .pos offsets are not stored: they
 *   follow from the block's start offsets and the sizes of the lists before it in the block.
 * After the blocks: the first keys, then n_blocks fixed-width index entries (block offset, key
 * offset, .doc and .pos bit offsets of the block's first lists), then the tail (keys offset,
 * keys length, index offset, n_blocks, terms per field x3, index widths: 8 x u64). A block's
 * field and entry count follow from the terms per field (each field's terms are cut into blocks
 * of 32 from its first). */
#include <string.h>

#include "index/index.h"

#define DICT_BLOCK_TERMS 32
#define DICT_TAIL (8 * 8)

enum { IC_TID, IC_KEY, IC_DOC, IC_POS, IC_N }; /* index entry columns */

#define HEAD_DF1 0x40
#define HEAD_MORE 0x80

/* ============================================================================================
 * Writer
 * ============================================================================================ */

void ix_dictw_init(ix_dictw *d, ix_out *out)
{
    memset(d, 0, sizeof *d);
    d->out = out;
    cf_buf_init(&d->prev);
    cf_buf_init(&d->blk);
    cf_buf_init(&d->index);
    cf_buf_init(&d->keys);
    cf_buf_init(&d->first);
}

void ix_dictw_free(ix_dictw *d)
{
    cf_buf_free(&d->prev);
    cf_buf_free(&d->blk);
    cf_buf_free(&d->index);
    cf_buf_free(&d->keys);
    cf_buf_free(&d->first);
}

static int flush_dict_block(ix_dictw *d, cf_err *err)
{
    if (d->nblk == 0)
        return 0;
    uint64_t e[IC_N] = {d->out->pos, d->keys.len, d->blk_doc, d->blk_pos};
    if (cf_buf_append(&d->index, e, sizeof e) ||
        cf_buf_append(&d->keys, d->first.data, d->first.len))
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    int rc = ix_out_write(d->out, d->blk.data, d->blk.len, err);
    d->blk.len = 0;
    d->nblk = 0;
    d->nblocks++;
    return rc;
}

/* The key part of an entry: its head bits and what follows the head byte. */
static bool put_key(ix_dictw *d, const uint8_t *key, size_t klen, uint8_t *head)
{
    size_t m = klen < d->prev.len ? klen : d->prev.len, shared = 0;
    while (shared < m && d->prev.data[shared] == key[shared])
        shared++;
    size_t sl = klen - shared;
    *head |= (uint8_t)((shared < 15 ? shared : 15) | (sl <= 3 ? sl << 4 : 0));
    cf_buf *b = &d->blk;
    return !cf_buf_append(b, head, 1) && (shared < 15 || !cf_buf_put_varint(b, shared - 15)) &&
           (sl <= 3 || !cf_buf_put_varint(b, sl)) && !cf_buf_append(b, key + shared, sl);
}

int ix_dictw_add(ix_dictw *d, const uint8_t *key, size_t klen, const ix_term_info *ti,
                 const uint8_t *info, size_t info_len, cf_err *err)
{
    if (klen < 1 || key[0] >= IX_NKEYFIELDS || ti->doc_freq == 0)
        return cf_fail(err, CJKFTS_EINVAL, "dictionary: bad key");
    size_t m = klen < d->prev.len ? klen : d->prev.len;
    int c = d->any ? memcmp(d->prev.data, key, m) : -1;
    if (d->any && (c > 0 || (c == 0 && klen <= d->prev.len)))
        return cf_fail(err, CJKFTS_ERROR, "dictionary: keys out of order");
    int field = key[0];
    if (d->nblk == DICT_BLOCK_TERMS || (d->nblk > 0 && field != d->blk_field)) {
        int rc = flush_dict_block(d, err);
        if (rc)
            return rc;
    }
    uint8_t head = (uint8_t)((ti->doc_freq == 1 ? HEAD_DF1 : 0) |
                             (ti->total_freq != ti->doc_freq ? HEAD_MORE : 0));
    bool ok;
    if (d->nblk == 0) {
        d->blk_field = field;
        d->blk_doc = ti->opaque[0];
        d->blk_pos = ti->opaque[1];
        d->first.len = 0;
        ok = !cf_buf_append(&d->first, key, klen) && !cf_buf_append(&d->blk, &head, 1);
    } else {
        ok = put_key(d, key, klen, &head);
    }
    cf_buf *b = &d->blk;
    ok = ok && (ti->doc_freq == 1 || !cf_buf_put_varint(b, ti->doc_freq - 2)) &&
         (ti->total_freq == ti->doc_freq ||
          !cf_buf_put_varint(b, ti->total_freq - ti->doc_freq - 1)) &&
         !cf_buf_append(b, info, info_len);
    d->prev.len = 0;
    if (!ok || cf_buf_append(&d->prev, key, klen))
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    d->any = true;
    d->nblk++;
    d->nterms[field]++;
    return 0;
}

int ix_dictw_finish(ix_dictw *d, cf_err *err)
{
    int rc = flush_dict_block(d, err);
    uint64_t keys_off = d->out->pos;
    if (!rc)
        rc = ix_out_write(d->out, d->keys.data, d->keys.len, err);
    uint64_t index_off = d->out->pos;
    const uint64_t *e = (const uint64_t *)(const void *)d->index.data;
    uint64_t mx[IC_N] = {0};
    for (uint64_t i = 0; i < d->nblocks; i++)
        for (int c = 0; c < IC_N; c++)
            mx[c] = e[i * IC_N + c] > mx[c] ? e[i * IC_N + c] : mx[c];
    unsigned w[IC_N];
    uint64_t widths = 0;
    for (int c = 0; c < IC_N; c++) {
        w[c] = ix_width_of(mx[c]);
        widths |= (uint64_t)w[c] << (8 * c);
    }
    for (uint64_t i = 0; i < d->nblocks && !rc; i++) {
        uint8_t rec[IC_N * 8];
        size_t at = 0;
        for (int c = 0; c < IC_N; c++) {
            ix_put_uw(rec + at, e[i * IC_N + c], w[c]);
            at += w[c];
        }
        rc = ix_out_write(d->out, rec, at, err);
    }
    uint64_t tail[8] = {keys_off,     d->keys.len,  index_off,    d->nblocks,
                        d->nterms[0], d->nterms[1], d->nterms[2], widths};
    for (int i = 0; i < 8 && !rc; i++)
        rc = ix_out_u64(d->out, tail[i], err);
    return rc;
}

/* ============================================================================================
 * Reader
 * ============================================================================================ */

int ix_dict_open(ix_segment *g, cf_err *err)
{
    const cf_map *m = &g->map[IX_F_TID];
    const char *path = ix_seg_path(g, IX_F_TID);
    if (m->len < IX_HEADER_SIZE + IX_FOOTER_SIZE + DICT_TAIL)
        return cf_fail(err, CJKFTS_ECORRUPT, "%s: file too short", path);
    size_t tail_at = m->len - IX_FOOTER_SIZE - DICT_TAIL;
    const uint8_t *t = m->data + tail_at;
    uint64_t keys_off = cf_get_u64le(t), keys_len = cf_get_u64le(t + 8);
    uint64_t index_off = cf_get_u64le(t + 16), nblocks = cf_get_u64le(t + 24);
    uint64_t widths = cf_get_u64le(t + 56);
    unsigned esize = 0;
    for (int c = 0; c < IC_N; c++) {
        g->dict_w[c] = (uint8_t)(widths >> (8 * c));
        g->dict_at[c] = (uint8_t)esize;
        if (g->dict_w[c] < 1 || g->dict_w[c] > 8)
            return cf_fail(err, CJKFTS_ECORRUPT, "%s: bad dictionary index widths", path);
        esize += g->dict_w[c];
    }
    g->dict_esize = (uint8_t)esize;
    if ((widths >> 32) != 0 || keys_off < IX_HEADER_SIZE || keys_off > tail_at ||
        keys_len > tail_at - keys_off || index_off != keys_off + keys_len ||
        nblocks > (tail_at - index_off) / esize || index_off + nblocks * esize != tail_at)
        return cf_fail(err, CJKFTS_ECORRUPT, "%s: bad dictionary tail", path);
    g->dict_field_block[0] = 0;
    for (int f = 0; f < IX_NKEYFIELDS; f++) {
        uint64_t n = cf_get_u64le(t + 32 + 8 * f);
        if (n > nblocks * DICT_BLOCK_TERMS)
            return cf_fail(err, CJKFTS_ECORRUPT, "%s: bad dictionary term counts", path);
        g->dict_terms[f] = n;
        g->dict_field_block[f + 1] = g->dict_field_block[f] + (n + DICT_BLOCK_TERMS - 1) /
                                                                  DICT_BLOCK_TERMS;
    }
    if (g->dict_field_block[IX_NKEYFIELDS] != nblocks)
        return cf_fail(err, CJKFTS_ECORRUPT, "%s: bad dictionary term counts", path);
    g->dict_keys = m->data + keys_off;
    g->dict_keys_len = keys_len;
    g->dict_index = m->data + index_off;
    g->dict_nblocks = nblocks;
    g->dict_blocks_end = keys_off;
    return 0;
}

static int dict_corrupt(const ix_segment *g, cf_err *err, const char *what, uint64_t at)
{
    return cf_fail(err, CJKFTS_ECORRUPT, "%s: %s (block %llu)", ix_seg_path(g, IX_F_TID), what,
                   (unsigned long long)at);
}

/* Column col of index entry i: one unaligned load (the tail follows the index). */
static inline uint64_t index_get(const ix_segment *g, uint64_t i, int col)
{
    uint64_t v = cf_get_u64le(g->dict_index + i * g->dict_esize + g->dict_at[col]);
    return v & (~(uint64_t)0 >> (64 - 8 * g->dict_w[col]));
}

/* The first key of block i, or false when its index entry is out of range. */
static inline bool block_key(const ix_segment *g, uint64_t i, const uint8_t **k, size_t *klen)
{
    uint64_t off = index_get(g, i, IC_KEY);
    uint64_t end = i + 1 < g->dict_nblocks ? index_get(g, i + 1, IC_KEY) : g->dict_keys_len;
    if (off > end || end > g->dict_keys_len || off == end)
        return false;
    *k = g->dict_keys + off;
    *klen = (size_t)(end - off);
    return true;
}

static int key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    size_t m = al < bl ? al : bl;
    int c = m ? memcmp(a, b, m) : 0;
    return c ? c : (al < bl ? -1 : al > bl);
}

/* Last block whose first key is <= key (-1 when key sorts before every block). */
static int64_t find_dict_block(const ix_segment *g, const uint8_t *key, size_t klen, cf_err *err,
                               int *rc)
{
    uint64_t lo = 0, hi = g->dict_nblocks; /* answer in [lo-1, hi-1] */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        const uint8_t *k;
        size_t kl;
        if (!block_key(g, mid, &k, &kl)) {
            *rc = dict_corrupt(g, err, "index entry out of range", mid);
            return -1;
        }
        if (key_cmp(k, kl, key, klen) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (int64_t)lo - 1;
}

/* Bits of the data of .doc or .pos (offsets into them are in bits). */
static uint64_t data_bits(const ix_segment *g, int file)
{
    return (uint64_t)(g->map[file].len - IX_FOOTER_SIZE) * 8;
}

/* Reading the entries of one block. */
typedef struct entry_state {
    int field;
    bool first;
    uint64_t left;        /* entries not read yet */
    uint64_t doc, pos;    /* where the next entry's lists start */
    uint64_t doc_end, pos_end; /* where the data of .doc and .pos ends */
    const uint8_t *key0;  /* the block's first key */
    size_t key0_len;
} entry_state;

/* Open block i: a reader over its bytes and the state before its first entry. */
static bool block_open(const ix_segment *g, uint64_t i, ix_rd *r, entry_state *s)
{
    const uint8_t *base = g->map[IX_F_TID].data;
    uint64_t start = index_get(g, i, IC_TID);
    uint64_t end = i + 1 < g->dict_nblocks ? index_get(g, i + 1, IC_TID) : g->dict_blocks_end;
    if (start < IX_HEADER_SIZE || end > g->dict_blocks_end || start >= end ||
        !block_key(g, i, &s->key0, &s->key0_len))
        return false;
    int f = 0;
    while (i >= g->dict_field_block[f + 1])
        f++;
    uint64_t n = g->dict_terms[f] - (i - g->dict_field_block[f]) * DICT_BLOCK_TERMS;
    s->field = f;
    s->first = true;
    s->left = n < DICT_BLOCK_TERMS ? n : DICT_BLOCK_TERMS;
    s->doc = index_get(g, i, IC_DOC);
    s->pos = index_get(g, i, IC_POS);
    s->doc_end = data_bits(g, IX_F_DOC);
    s->pos_end = data_bits(g, IX_F_POS);
    if (s->key0[0] != f || s->doc < IX_HEADER_SIZE * 8 || s->pos < IX_HEADER_SIZE * 8 ||
        s->doc > s->doc_end || s->pos > s->pos_end)
        return false;
    r->p = base + start;
    r->end = base + end;
    r->bad = false;
    return true;
}

/* One entry: the shared length and suffix of its key (the first entry: shared 0, its whole key
 * is s->key0) and its term info. */
static bool read_entry(const ix_segment *g, ix_rd *r, entry_state *s, uint64_t *shared,
                       const uint8_t **suf, uint64_t *sl, ix_term_info *ti)
{
    if (s->left == 0)
        return false;
    uint8_t head = ix_rd_u8(r);
    *shared = 0;
    if (s->first) {
        if (head & 0x3f)
            return false;
        *suf = s->key0;
        *sl = s->key0_len;
    } else {
        *shared = head & 15;
        if (*shared == 15)
            *shared += ix_rd_varint(r);
        *sl = (head >> 4) & 3;
        if (*sl == 0)
            *sl = ix_rd_varint(r);
        if (*sl == 0)
            return false;
        *suf = ix_rd_bytes(r, *sl);
    }
    uint64_t df = 1, extra = 0;
    if (!(head & HEAD_DF1))
        df = ix_rd_varint(r) + 2;
    if (head & HEAD_MORE)
        extra = ix_rd_varint(r) + 1;
    if (r->bad || df > UINT32_MAX || (extra == 0 && (head & HEAD_MORE)) ||
        extra > UINT64_MAX - df)
        return false;
    ti->doc_freq = (uint32_t)df;
    ti->total_freq = df + extra;
    uint64_t ds, ps;
    if (!ix_term_info_read(r, g, s->field, s->doc, s->pos, ti, &ds, &ps) ||
        ds > s->doc_end - s->doc || ps > s->pos_end - s->pos)
        return false;
    s->doc += ds;
    s->pos += ps;
    s->first = false;
    s->left--;
    return true;
}

/* Exact lookup of a raw key (field byte + term). Compares against each entry through the
 * length m of the common prefix of the target and the previous key, so no key is rebuilt. */
static int lookup_key(const ix_segment *g, const uint8_t *key, size_t klen, ix_term_info *ti,
                      cf_err *err)
{
    int rc = 0;
    int64_t b = find_dict_block(g, key, klen, err, &rc);
    if (rc)
        return rc;
    if (b < 0)
        return CJKFTS_ENOTFOUND;
    ix_rd r;
    entry_state s;
    if (!block_open(g, (uint64_t)b, &r, &s))
        return dict_corrupt(g, err, "bad block", (uint64_t)b);
    size_t m = 0;
    while (s.left > 0) {
        bool first = s.first;
        uint64_t shared, sl;
        const uint8_t *suf;
        if (!read_entry(g, &r, &s, &shared, &suf, &sl, ti))
            return dict_corrupt(g, err, "bad entry", (uint64_t)b);
        if (!first && shared < m)
            return CJKFTS_ENOTFOUND; /* this key is already past the target */
        if (!first && shared > m)
            continue; /* still below the target */
        size_t c = 0, room = klen - m;
        while (c < sl && c < room && suf[c] == key[m + c])
            c++;
        if (c == sl && c == room)
            return 0;
        if (c < sl && (c == room || suf[c] > key[m + c]))
            return CJKFTS_ENOTFOUND;
        m += c;
    }
    return CJKFTS_ENOTFOUND;
}

/* Build field byte + term in buf (heap-allocated when long). */
static uint8_t *make_key(int field, const char *term, size_t len, uint8_t *stack, size_t cap)
{
    uint8_t *k = len + 1 <= cap ? stack : cf_malloc(len + 1);
    if (k) {
        k[0] = (uint8_t)field;
        if (len)
            memcpy(k + 1, term, len);
    }
    return k;
}

int ix_seg_term_get(const ix_segment *g, int field, const char *term, size_t len,
                    ix_term_info *ti, cf_err *err)
{
    if (field < 0 || field >= IX_NKEYFIELDS || (!term && len))
        return cf_fail(err, CJKFTS_EINVAL, "term lookup: bad argument");
    uint8_t stack[256];
    uint8_t *k = make_key(field, term, len, stack, sizeof stack);
    if (!k)
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    int rc = lookup_key(g, k, len + 1, ti, err);
    if (k != stack)
        cf_free(k);
    return rc;
}

/* ---- iteration ---------------------------------------------------------------------------- */

struct ix_term_iter {
    const ix_segment *g;
    cf_buf prefix, key;
    uint64_t blk; /* block being read */
    ix_rd r;
    entry_state s; /* s.left: entries left in the block */
    bool done;
};

int ix_seg_key_iter(const ix_segment *g, const uint8_t *prefix, size_t len, ix_term_iter **out,
                    cf_err *err)
{
    *out = NULL;
    ix_term_iter *it = cf_calloc(1, sizeof *it);
    if (!it)
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    it->g = g;
    cf_buf_init(&it->prefix);
    cf_buf_init(&it->key);
    if (cf_buf_append(&it->prefix, prefix, len) || cf_buf_reserve(&it->key, 64)) {
        ix_term_iter_free(it);
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    }
    int rc = 0;
    int64_t b = find_dict_block(g, prefix, len, err, &rc);
    if (rc) {
        ix_term_iter_free(it);
        return rc;
    }
    it->blk = b < 0 ? 0 : (uint64_t)b;
    it->s.left = 0;
    it->done = it->blk >= g->dict_nblocks;
    if (!it->done && !block_open(g, it->blk, &it->r, &it->s)) {
        uint64_t blk = it->blk;
        ix_term_iter_free(it);
        return dict_corrupt(g, err, "bad block", blk);
    }
    *out = it;
    return 0;
}

int ix_seg_prefix_iter(const ix_segment *g, int field, const char *prefix, size_t len,
                       ix_term_iter **out, cf_err *err)
{
    *out = NULL;
    if (field < 0 || field >= IX_NKEYFIELDS || (!prefix && len))
        return cf_fail(err, CJKFTS_EINVAL, "prefix iteration: bad argument");
    uint8_t stack[256];
    uint8_t *k = make_key(field, prefix, len, stack, sizeof stack);
    if (!k)
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    int rc = ix_seg_key_iter(g, k, len + 1, out, err);
    if (k != stack)
        cf_free(k);
    return rc;
}

static bool has_prefix(const cf_buf *key, const cf_buf *prefix)
{
    return key->len >= prefix->len &&
           (prefix->len == 0 || memcmp(key->data, prefix->data, prefix->len) == 0);
}

int ix_term_iter_next_key(ix_term_iter *it, const uint8_t **key, size_t *klen,
                          ix_term_info *ti, cf_err *err)
{
    const ix_segment *g = it->g;
    while (!it->done) {
        if (it->s.left == 0) {
            it->blk++;
            if (it->blk >= g->dict_nblocks) {
                it->done = true;
                break;
            }
            if (!block_open(g, it->blk, &it->r, &it->s))
                return dict_corrupt(g, err, "bad block", it->blk);
        }
        uint64_t shared, sl;
        const uint8_t *suf;
        if (!read_entry(g, &it->r, &it->s, &shared, &suf, &sl, ti) || shared > it->key.len)
            return dict_corrupt(g, err, "bad entry", it->blk);
        it->key.len = (size_t)shared;
        if (cf_buf_append(&it->key, suf, (size_t)sl))
            return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
        if (it->key.len == 0 || it->key.data[0] != it->s.field)
            return dict_corrupt(g, err, "key outside its block's field", it->blk);
        if (key_cmp(it->key.data, it->key.len, it->prefix.data, it->prefix.len) < 0)
            continue;
        if (!has_prefix(&it->key, &it->prefix)) {
            it->done = true;
            break;
        }
        *key = it->key.data;
        *klen = it->key.len;
        return 1;
    }
    return 0;
}

int ix_term_iter_next(ix_term_iter *it, const char **term, size_t *len, ix_term_info *ti,
                      cf_err *err)
{
    const uint8_t *k;
    size_t kl;
    int rc = ix_term_iter_next_key(it, &k, &kl, ti, err);
    if (rc == 1) {
        *term = (const char *)k + 1;
        *len = kl - 1;
    }
    return rc;
}

void ix_term_iter_free(ix_term_iter *it)
{
    if (!it)
        return;
    cf_buf_free(&it->prefix);
    cf_buf_free(&it->key);
    cf_free(it);
}

/* ---- layout check ------------------------------------------------------------------------- */

/* The lists of a stream end at bit end: the data is that many bits rounded up to whole bytes,
 * the bits after end in the last byte are 0. */
static int check_stream_end(const ix_segment *g, int file, uint64_t end, cf_err *err)
{
    uint64_t bits = data_bits(g, file);
    const uint8_t *last = g->map[file].data + g->map[file].len - IX_FOOTER_SIZE - 1;
    if (end > bits || bits - end >= 8 || (end < bits && (*last >> (8 - (bits - end))) != 0))
        return cf_fail(err, CJKFTS_ECORRUPT, "%s: the lists end at bit %llu, the data at bit "
                       "%llu", ix_seg_path(g, file), (unsigned long long)end,
                       (unsigned long long)bits);
    return 0;
}

int ix_dict_check_layout(const ix_segment *g, cf_err *err)
{
    uint64_t doc = IX_HEADER_SIZE * 8, pos = IX_HEADER_SIZE * 8;
    for (uint64_t b = 0; b < g->dict_nblocks; b++) {
        ix_rd r;
        entry_state s;
        if (!block_open(g, b, &r, &s))
            return dict_corrupt(g, err, "bad block", b);
        if (s.doc != doc || s.pos != pos)
            return dict_corrupt(g, err, "lists do not start where the previous block's end", b);
        ix_term_info ti;
        while (s.left > 0) {
            uint64_t shared, sl;
            const uint8_t *suf;
            if (!read_entry(g, &r, &s, &shared, &suf, &sl, &ti))
                return dict_corrupt(g, err, "bad entry", b);
        }
        if (r.p != r.end)
            return dict_corrupt(g, err, "bytes after the last entry", b);
        doc = s.doc;
        pos = s.pos;
    }
    int rc = check_stream_end(g, IX_F_DOC, doc, err);
    return rc ? rc : check_stream_end(g, IX_F_POS, pos, err);
}
