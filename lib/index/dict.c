/* dict.c: the term dictionary (.tid): sorted keys (field byte + term bytes) in blocks of up to
 * 32 prefix-compressed entries, a sparse index of each block's first key for binary search,
 * exact lookup and prefix iteration.
 *
 * Block: varint n, u8 field, then n entries
 *   varint (suffix_len << 4 | min(shared, 15)) [varint shared - 15 when 15], suffix,
 *   varint (doc_freq << 1 | total_freq != doc_freq) [varint total_freq - doc_freq - 1],
 *   doc_freq == 1: varint doc id; else varint doc offset delta (from the previous list of the
 *   block, 0 at block start) and, when doc_freq > 128, varint skip table offset;
 *   field with positions: varint positions offset delta (0 at block start).
 * After the blocks: the first keys, then n_blocks index entries (u64 block offset, u32 key
 * offset, u32 key length), then the tail (keys offset, keys length, index offset, n_blocks,
 * terms per field: 7 x u64). */
#include <string.h>

#include "index/index.h"

#define DICT_BLOCK_TERMS 32
#define DICT_TAIL (7 * 8)
#define DICT_ENTRY 16

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
    if (d->keys.len > UINT32_MAX || d->first.len > UINT32_MAX)
        return cf_fail(err, CJKFTS_ETOOBIG, "term dictionary too large");
    uint8_t e[DICT_ENTRY];
    cf_put_u64le(e, d->out->pos);
    cf_put_u32le(e + 8, (uint32_t)d->keys.len);
    cf_put_u32le(e + 12, (uint32_t)d->first.len);
    if (cf_buf_append(&d->index, e, sizeof e) ||
        cf_buf_append(&d->keys, d->first.data, d->first.len))
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    uint8_t f = (uint8_t)d->blk_field;
    int rc = ix_out_varint(d->out, d->nblk, err);
    if (!rc)
        rc = ix_out_write(d->out, &f, 1, err);
    if (!rc)
        rc = ix_out_write(d->out, d->blk.data, d->blk.len, err);
    d->blk.len = 0;
    d->nblk = 0;
    d->nblocks++;
    return rc;
}

int ix_dictw_add(ix_dictw *d, const uint8_t *key, size_t klen, const ix_term_info *ti,
                 cf_err *err)
{
    if (klen < 1 || key[0] >= IX_NKEYFIELDS)
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
    size_t shared = 0;
    if (d->nblk == 0) {
        d->blk_field = field;
        d->prev_doc = d->prev_pos = 0;
        d->first.len = 0;
        if (cf_buf_append(&d->first, key, klen))
            return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    } else {
        while (shared < m && d->prev.data[shared] == key[shared])
            shared++;
    }
    cf_buf *b = &d->blk;
    bool more = ti->total_freq != ti->doc_freq;
    uint64_t kcode = (uint64_t)(klen - shared) << 4 | (shared < 15 ? shared : 15);
    bool ok = !cf_buf_put_varint(b, kcode) &&
              (shared < 15 || !cf_buf_put_varint(b, shared - 15)) &&
              !cf_buf_append(b, key + shared, klen - shared) &&
              !cf_buf_put_varint(b, (uint64_t)ti->doc_freq << 1 | more) &&
              (!more || !cf_buf_put_varint(b, ti->total_freq - ti->doc_freq - 1));
    if (ok && ti->doc_freq == 1) {
        ok = !cf_buf_put_varint(b, ti->opaque[0]);
    } else if (ok) {
        ok = !cf_buf_put_varint(b, ti->opaque[0] - d->prev_doc);
        d->prev_doc = ti->opaque[0];
        if (ok && ti->doc_freq > IX_BLOCK)
            ok = !cf_buf_put_varint(b, ti->opaque[2]);
    }
    if (ok && field < IX_NFIELDS) {
        ok = !cf_buf_put_varint(b, ti->opaque[1] - d->prev_pos);
        d->prev_pos = ti->opaque[1];
    }
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
    if (!rc)
        rc = ix_out_write(d->out, d->index.data, d->index.len, err);
    uint64_t tail[7] = {keys_off, d->keys.len, index_off, d->nblocks,
                        d->nterms[0], d->nterms[1], d->nterms[2]};
    for (int i = 0; i < 7 && !rc; i++)
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
    size_t tail_at = m->len - IX_FOOTER_SIZE - DICT_TAIL; /* envelope checked: len >= 24 */
    if (m->len < IX_HEADER_SIZE + IX_FOOTER_SIZE + DICT_TAIL)
        return cf_fail(err, CJKFTS_ECORRUPT, "%s: file too short", path);
    const uint8_t *t = m->data + tail_at;
    uint64_t keys_off = cf_get_u64le(t), keys_len = cf_get_u64le(t + 8);
    uint64_t index_off = cf_get_u64le(t + 16), nblocks = cf_get_u64le(t + 24);
    if (keys_off < IX_HEADER_SIZE || keys_off > tail_at || keys_len > tail_at - keys_off ||
        index_off != keys_off + keys_len || nblocks > (tail_at - index_off) / DICT_ENTRY ||
        index_off + nblocks * DICT_ENTRY != tail_at)
        return cf_fail(err, CJKFTS_ECORRUPT, "%s: bad dictionary tail", path);
    for (int f = 0; f < IX_NKEYFIELDS; f++)
        g->dict_terms[f] = cf_get_u64le(t + 32 + 8 * f);
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

/* The first key of block i, or false when its index entry is out of range. */
static bool block_key(const ix_segment *g, uint64_t i, const uint8_t **k, size_t *klen)
{
    const uint8_t *e = g->dict_index + i * DICT_ENTRY;
    uint64_t off = cf_get_u32le(e + 8), len = cf_get_u32le(e + 12);
    if (off > g->dict_keys_len || len > g->dict_keys_len - off)
        return false;
    *k = g->dict_keys + off;
    *klen = (size_t)len;
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

/* Bounds of block i: [start, end) with a reader over it. */
static bool block_open(const ix_segment *g, uint64_t i, ix_rd *r)
{
    const uint8_t *base = g->map[IX_F_TID].data;
    uint64_t start = cf_get_u64le(g->dict_index + i * DICT_ENTRY);
    uint64_t end = i + 1 < g->dict_nblocks ? cf_get_u64le(g->dict_index + (i + 1) * DICT_ENTRY)
                                           : g->dict_blocks_end;
    if (start < IX_HEADER_SIZE || end > g->dict_blocks_end || start >= end)
        return false;
    r->p = base + start;
    r->end = base + end;
    r->bad = false;
    return true;
}

typedef struct entry_state {
    int field;
    uint64_t prev_doc, prev_pos;
} entry_state;

/* Read the term info part of an entry (after the key). */
static bool read_info(ix_rd *r, entry_state *s, ix_term_info *ti)
{
    uint64_t code = ix_rd_varint(r), df = code >> 1, extra = code & 1;
    if (extra)
        extra += ix_rd_varint(r);
    if (r->bad || df == 0 || df > UINT32_MAX || extra > UINT64_MAX - df)
        return false;
    ti->doc_freq = (uint32_t)df;
    ti->total_freq = df + extra;
    ti->opaque[2] = 0;
    ti->opaque[3] = (uint64_t)s->field;
    if (df == 1) {
        ti->opaque[0] = ix_rd_varint(r);
    } else {
        s->prev_doc += ix_rd_varint(r);
        ti->opaque[0] = s->prev_doc;
        if (df > IX_BLOCK)
            ti->opaque[2] = ix_rd_varint(r);
    }
    ti->opaque[1] = 0;
    if (s->field < IX_NFIELDS) {
        s->prev_pos += ix_rd_varint(r);
        ti->opaque[1] = s->prev_pos;
    }
    return !r->bad;
}

/* The shared length and the suffix of an entry's key. */
static const uint8_t *read_key(ix_rd *r, uint64_t *shared, uint64_t *sl)
{
    uint64_t code = ix_rd_varint(r);
    *sl = code >> 4;
    *shared = code & 15;
    if (*shared == 15)
        *shared += ix_rd_varint(r);
    return ix_rd_bytes(r, *sl);
}

static bool read_block_header(ix_rd *r, uint64_t *n, entry_state *s)
{
    *n = ix_rd_varint(r);
    uint8_t f = ix_rd_u8(r);
    if (r->bad || *n == 0 || *n > DICT_BLOCK_TERMS || f >= IX_NKEYFIELDS)
        return false;
    s->field = f;
    s->prev_doc = s->prev_pos = 0;
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
    uint64_t n;
    entry_state s;
    if (!block_open(g, (uint64_t)b, &r) || !read_block_header(&r, &n, &s))
        return dict_corrupt(g, err, "bad block", (uint64_t)b);
    size_t m = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t shared, sl;
        const uint8_t *suf = read_key(&r, &shared, &sl);
        if (r.bad || !read_info(&r, &s, ti))
            return dict_corrupt(g, err, "bad entry", (uint64_t)b);
        if (shared < m)
            return CJKFTS_ENOTFOUND; /* this key is already past the target */
        if (shared > m)
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
    uint64_t blk;  /* block being read */
    uint64_t left; /* entries left in it */
    ix_rd r;
    entry_state s;
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
    it->left = 0;
    it->done = it->blk >= g->dict_nblocks;
    if (!it->done) {
        if (!block_open(g, it->blk, &it->r) || !read_block_header(&it->r, &it->left, &it->s)) {
            uint64_t blk = it->blk;
            ix_term_iter_free(it);
            return dict_corrupt(g, err, "bad block", blk);
        }
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
        if (it->left == 0) {
            it->blk++;
            it->key.len = 0;
            if (it->blk >= g->dict_nblocks) {
                it->done = true;
                break;
            }
            if (!block_open(g, it->blk, &it->r) ||
                !read_block_header(&it->r, &it->left, &it->s))
                return dict_corrupt(g, err, "bad block", it->blk);
        }
        uint64_t shared, sl;
        const uint8_t *suf = read_key(&it->r, &shared, &sl);
        if (it->r.bad || shared > it->key.len || !read_info(&it->r, &it->s, ti))
            return dict_corrupt(g, err, "bad entry", it->blk);
        it->left--;
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
