/* segment.c: one segment on disk: writing its files (ix_segw), opening and checking them,
 * field lengths, dates and live documents. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "index/index.h"

static const char *const exts[IX_NFILES] = {"tid", "doc", "pos", "col", "sto"};
static const uint32_t kinds[IX_NFILES] = {IX_KIND_TDIC, IX_KIND_POST, IX_KIND_POSN,
                                          IX_KIND_COLS, IX_KIND_STOR};

#define META_BODY (8 + 16 + 24 + IX_NFILES * 16)
#define COL_REC 12

char *ix_seg_file_name(const char *dir, uint64_t segnum, const char *ext)
{
    char name[64];
    snprintf(name, sizeof name, "seg_%" PRIu64 ".%s", segnum, ext);
    return cf_path_join(dir, name);
}

char *ix_del_file_name(const char *dir, uint64_t segnum, uint64_t gen)
{
    char name[80];
    snprintf(name, sizeof name, "seg_%" PRIu64 "_%" PRIu64 ".del", segnum, gen);
    return cf_path_join(dir, name);
}

uint32_t ix_file_kind(int file)
{
    return file >= 0 && file < IX_NFILES ? kinds[file] : 0;
}

const char *ix_seg_path(const ix_segment *g, int file)
{
    return g->paths[file] ? g->paths[file] : "segment";
}

/* ============================================================================================
 * Writer
 * ============================================================================================ */

int ix_segw_open(ix_segw *w, const char *dir, uint64_t segnum, cf_err *err)
{
    memset(w, 0, sizeof *w);
    w->segnum = segnum;
    cf_buf_init(&w->key);
    for (int f = 0; f < IX_NFILES; f++)
        w->out[f].fd = -1;
    for (int f = 0; f < IX_NFILES; f++) {
        char *p = ix_seg_file_name(dir, segnum, exts[f]);
        if (!p) {
            ix_segw_abort(w);
            return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
        }
        int rc = ix_out_open(&w->out[f], p, kinds[f], err);
        cf_free(p);
        if (rc) {
            ix_segw_abort(w);
            return rc;
        }
    }
    w->meta_path = ix_seg_file_name(dir, segnum, "seg");
    int rc = w->meta_path ? 0 : cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    if (!rc)
        rc = ix_storew_init(&w->store, &w->out[IX_F_STO], err);
    if (rc) {
        ix_segw_abort(w);
        return rc;
    }
    ix_dictw_init(&w->dict, &w->out[IX_F_TID]);
    ix_postw_init(&w->post, &w->out[IX_F_DOC], &w->out[IX_F_POS]);
    w->active = true;
    return 0;
}

static void segw_free(ix_segw *w)
{
    ix_dictw_free(&w->dict);
    ix_postw_free(&w->post);
    ix_storew_free(&w->store);
    cf_buf_free(&w->key);
    cf_free(w->meta_path);
    w->meta_path = NULL;
    w->active = false;
}

void ix_segw_abort(ix_segw *w)
{
    for (int f = 0; f < IX_NFILES; f++)
        ix_out_abort(&w->out[f]);
    if (w->meta_path)
        unlink(w->meta_path);
    segw_free(w);
}

int ix_segw_stored(ix_segw *w, const uint8_t *doc, size_t len, cf_err *err)
{
    return ix_storew_add(&w->store, doc, len, err);
}

int ix_segw_stored_train(ix_segw *w, ix_segment *const *in, uint32_t n, cf_err *err)
{
    return ix_storew_train(&w->store, in, n, err);
}

int ix_segw_cols(ix_segw *w, uint32_t title_len, uint32_t body_len, int32_t date, cf_err *err)
{
    if (w->doc_count == UINT32_MAX - 1)
        return cf_fail(err, CJKFTS_ETOOBIG, "segment: too many documents");
    if (w->dict.any)
        return cf_fail(err, CJKFTS_ERROR, "segment: columns after terms");
    uint8_t rec[COL_REC];
    cf_put_u32le(rec, title_len);
    cf_put_u32le(rec + 4, body_len);
    cf_put_u32le(rec + 8, (uint32_t)date);
    w->doc_count++;
    w->len_sum[IX_FIELD_TITLE] += title_len;
    w->len_sum[IX_FIELD_BODY] += body_len;
    return ix_out_write(&w->out[IX_F_COL], rec, sizeof rec, err);
}

int ix_segw_term_begin(ix_segw *w, const uint8_t *key, size_t klen, cf_err *err)
{
    w->key.len = 0;
    if (cf_buf_append(&w->key, key, klen))
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    ix_postw_begin(&w->post, key[0] < IX_NFIELDS, w->doc_count);
    return 0;
}

int ix_segw_term_end(ix_segw *w, cf_err *err)
{
    ix_term_info ti;
    int rc = ix_postw_end(&w->post, &ti, err);
    if (rc || ti.doc_freq == 0)
        return rc;
    return ix_dictw_add(&w->dict, w->key.data, w->key.len, &ti, w->post.info.data,
                        w->post.info.len, err);
}

static int write_meta(ix_segw *w, const ix_file_sum sums[IX_NFILES], cf_err *err)
{
    cf_buf b;
    cf_buf_init(&b);
    bool ok = !cf_buf_reserve(&b, IX_HEADER_SIZE + META_BODY + IX_FOOTER_SIZE) &&
              !cf_buf_put_u32le(&b, IX_MAGIC) && !cf_buf_put_u32le(&b, IX_KIND_SEGM) &&
              !cf_buf_put_u32le(&b, IX_FORMAT_VERSION) && !cf_buf_put_u32le(&b, 0) &&
              !cf_buf_put_u32le(&b, w->doc_count) && !cf_buf_put_u32le(&b, 0);
    for (int f = 0; f < IX_NFIELDS && ok; f++)
        ok = !cf_buf_put_u64le(&b, w->len_sum[f]);
    for (int f = 0; f < IX_NKEYFIELDS && ok; f++)
        ok = !cf_buf_put_u64le(&b, w->dict.nterms[f]);
    for (int f = 0; f < IX_NFILES && ok; f++)
        ok = !cf_buf_put_u64le(&b, sums[f].size) && !cf_buf_put_u32le(&b, sums[f].crc) &&
             !cf_buf_put_u32le(&b, 0);
    ok = ok && !cf_buf_put_u32le(&b, IX_FOOTER_MAGIC);
    ok = ok && !cf_buf_put_u32le(&b, cf_crc32c(0, b.data, b.len));
    int rc = ok ? cf_file_write_sync(w->meta_path, b.data, b.len, err)
                : cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    cf_buf_free(&b);
    return rc;
}

int ix_segw_finish(ix_segw *w, cf_err *err)
{
    if (w->store.ndocs != w->doc_count) {
        ix_segw_abort(w);
        return cf_fail(err, CJKFTS_ERROR, "segment: %u stored documents for %u columns",
                       w->store.ndocs, w->doc_count);
    }
    int rc = ix_dictw_finish(&w->dict, err);
    if (!rc)
        rc = ix_postw_finish(&w->post, err);
    if (!rc)
        rc = ix_storew_finish(&w->store, err);
    ix_file_sum sums[IX_NFILES];
    for (int f = 0; f < IX_NFILES && !rc; f++)
        rc = ix_out_finish(&w->out[f], &sums[f], err);
    for (int f = 0; f < IX_NFILES && !rc; f++)
        w->sums[f] = sums[f];
    if (!rc)
        rc = write_meta(w, sums, err);
    if (rc) {
        ix_segw_abort(w);
        return rc;
    }
    segw_free(w);
    return 0;
}

/* Remove every file of a finished segment (before it was committed). */
void ix_seg_files_remove(const char *dir, uint64_t segnum)
{
    static const char *const all[] = {"tid", "doc", "pos", "col", "sto", "seg"};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        char *p = ix_seg_file_name(dir, segnum, all[i]);
        if (p)
            unlink(p);
        cf_free(p);
    }
}

/* ============================================================================================
 * Live-docs files
 * ============================================================================================ */

size_t ix_live_bytes(uint32_t doc_count)
{
    return ((size_t)doc_count + 7) / 8;
}

int ix_live_write(const char *dir, uint64_t segnum, uint64_t gen, const uint8_t *live,
                  uint32_t doc_count, uint32_t live_count, cf_err *err)
{
    char *path = ix_del_file_name(dir, segnum, gen);
    if (!path)
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    cf_buf b;
    cf_buf_init(&b);
    size_t nb = ix_live_bytes(doc_count);
    bool ok = !cf_buf_reserve(&b, IX_HEADER_SIZE + 8 + nb + IX_FOOTER_SIZE) &&
              !cf_buf_put_u32le(&b, IX_MAGIC) && !cf_buf_put_u32le(&b, IX_KIND_LIVE) &&
              !cf_buf_put_u32le(&b, IX_FORMAT_VERSION) && !cf_buf_put_u32le(&b, 0) &&
              !cf_buf_put_u32le(&b, doc_count) && !cf_buf_put_u32le(&b, live_count) &&
              !cf_buf_append(&b, live, nb) && !cf_buf_put_u32le(&b, IX_FOOTER_MAGIC);
    ok = ok && !cf_buf_put_u32le(&b, cf_crc32c(0, b.data, b.len));
    int rc = ok ? cf_file_write_sync(path, b.data, b.len, err)
                : cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    cf_buf_free(&b);
    cf_free(path);
    return rc;
}

uint32_t ix_live_count(const uint8_t *live, uint32_t doc_count)
{
    uint64_t n = 0;
    size_t full = doc_count / 8;
    for (size_t i = 0; i < full; i++)
        n += (unsigned)__builtin_popcount(live[i]);
    for (uint32_t d = (uint32_t)full * 8; d < doc_count; d++)
        n += live[d >> 3] >> (d & 7) & 1;
    return (uint32_t)n;
}

static int open_live(ix_segment *g, const char *dir, uint32_t live_count, cf_err *err)
{
    char *path = ix_del_file_name(dir, g->segnum, g->del_gen);
    if (!path)
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    g->paths[IX_F_DEL] = path;
    int rc = cf_file_read(path, &g->del_buf, err);
    if (rc)
        return rc;
    const uint8_t *d = g->del_buf.data;
    size_t n = g->del_buf.len, nb = ix_live_bytes(g->doc_count);
    rc = ix_env_check(d, n, IX_KIND_LIVE, path, true, err);
    if (rc)
        return rc;
    if (n != IX_HEADER_SIZE + 8 + nb + IX_FOOTER_SIZE ||
        cf_get_u32le(d + IX_HEADER_SIZE) != g->doc_count ||
        cf_get_u32le(d + IX_HEADER_SIZE + 4) != live_count)
        return cf_fail(err, CJKFTS_ECORRUPT, "%s: does not match the segment", path);
    const uint8_t *bits = d + IX_HEADER_SIZE + 8;
    if ((g->doc_count & 7) && (bits[nb - 1] >> (g->doc_count & 7)) != 0)
        return cf_fail(err, CJKFTS_ECORRUPT, "%s: bits set past the last document", path);
    if (ix_live_count(bits, g->doc_count) != live_count)
        return cf_fail(err, CJKFTS_ECORRUPT, "%s: live count mismatch", path);
    g->live = bits;
    g->live_count = live_count;
    return 0;
}

void ix_seg_set_live(ix_segment *g, const uint8_t *live, uint32_t live_count)
{
    g->live = live;
    g->live_count = live_count;
}

/* ============================================================================================
 * Reader
 * ============================================================================================ */

static int read_meta(ix_segment *g, const char *dir, uint32_t doc_count, cf_err *err)
{
    char *path = ix_seg_file_name(dir, g->segnum, "seg");
    if (!path)
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    g->paths[IX_F_SEG] = path;
    cf_buf b;
    int rc = cf_file_read(path, &b, err);
    if (rc)
        return rc;
    g->meta_size = b.len;
    rc = ix_env_check(b.data, b.len, IX_KIND_SEGM, path, true, err);
    if (!rc && b.len != IX_HEADER_SIZE + META_BODY + IX_FOOTER_SIZE)
        rc = cf_fail(err, CJKFTS_ECORRUPT, "%s: bad size", path);
    if (!rc) {
        const uint8_t *p = b.data + IX_HEADER_SIZE;
        g->doc_count = cf_get_u32le(p);
        for (int f = 0; f < IX_NFIELDS; f++)
            g->len_sum[f] = cf_get_u64le(p + 8 + 8 * f);
        for (int f = 0; f < IX_NKEYFIELDS; f++)
            g->n_terms[f] = cf_get_u64le(p + 24 + 8 * f);
        for (int f = 0; f < IX_NFILES; f++) {
            g->sums[f].size = cf_get_u64le(p + 48 + 16 * f);
            g->sums[f].crc = cf_get_u32le(p + 56 + 16 * f);
        }
        if (g->doc_count != doc_count || g->doc_count == UINT32_MAX)
            rc = cf_fail(err, CJKFTS_ECORRUPT, "%s: %u documents, the manifest says %u", path,
                         g->doc_count, doc_count);
    }
    cf_buf_free(&b);
    return rc;
}

static int map_file(ix_segment *g, const char *dir, int f, cf_err *err)
{
    char *path = ix_seg_file_name(dir, g->segnum, exts[f]);
    if (!path)
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    g->paths[f] = path;
    int rc = cf_map_open(path, &g->map[f], err);
    if (rc)
        return rc;
    if (g->map[f].len != g->sums[f].size)
        return cf_fail(err, CJKFTS_ECORRUPT, "%s: size %zu, expected %llu (truncated?)", path,
                       g->map[f].len, (unsigned long long)g->sums[f].size);
    return ix_env_check(g->map[f].data, g->map[f].len, kinds[f], path, false, err);
}

void ix_seg_compute_live_sums(ix_segment *g)
{
    for (int f = 0; f < IX_NFIELDS; f++)
        g->live_len_sum[f] = g->len_sum[f];
    if (!g->live)
        return;
    for (uint32_t d = 0; d < g->doc_count; d++) {
        if (g->live[d >> 3] == 0xff && (d & 7) == 0 && d + 8 <= g->doc_count) {
            d += 7;
            continue;
        }
        if (!(g->live[d >> 3] >> (d & 7) & 1))
            for (int f = 0; f < IX_NFIELDS; f++)
                g->live_len_sum[f] -= ix_seg_field_length(g, f, d);
    }
}

int ix_seg_open(const char *dir, uint64_t segnum, uint32_t doc_count, uint32_t live_count,
                uint64_t del_gen, ix_segment **out, cf_err *err)
{
    *out = NULL;
    ix_segment *g = cf_calloc(1, sizeof *g);
    if (!g)
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    g->segnum = segnum;
    g->del_gen = del_gen;
    g->live_count = doc_count;
    cf_buf_init(&g->del_buf);
    g->cache = cf_calloc(1, sizeof *g->cache);
    if (!g->cache) {
        cf_free(g);
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    }
    atomic_init(&g->cache->dctx, NULL);
    int rc = read_meta(g, dir, doc_count, err);
    for (int f = 0; f < IX_NFILES && !rc; f++)
        rc = map_file(g, dir, f, err);
    if (!rc && g->map[IX_F_COL].len !=
                   IX_HEADER_SIZE + (uint64_t)g->doc_count * COL_REC + IX_FOOTER_SIZE)
        rc = cf_fail(err, CJKFTS_ECORRUPT, "%s: size does not match %u documents",
                     ix_seg_path(g, IX_F_COL), g->doc_count);
    if (!rc)
        rc = ix_dict_open(g, err);
    if (!rc)
        rc = ix_stored_open(g, err);
    if (!rc && del_gen)
        rc = open_live(g, dir, live_count, err);
    else if (!rc && live_count != doc_count)
        rc = cf_fail(err, CJKFTS_ECORRUPT, "segment %llu: deletions without a live-docs file",
                     (unsigned long long)segnum);
    if (rc) {
        ix_seg_close(g);
        return rc;
    }
    g->col = g->map[IX_F_COL].data + IX_HEADER_SIZE;
    ix_seg_compute_live_sums(g);
    *out = g;
    return 0;
}

void ix_seg_close(ix_segment *g)
{
    if (!g)
        return;
    for (int f = 0; f < IX_NFILES; f++)
        cf_map_close(&g->map[f]);
    for (int f = 0; f < IX_NPATHS; f++)
        cf_free(g->paths[f]);
    cf_buf_free(&g->del_buf);
    ix_stored_cache_free(g->cache);
    cf_free(g->cache);
    cf_free(g);
}

/* ---- accessors ---------------------------------------------------------------------------- */

uint32_t ix_seg_doc_count(const ix_segment *g)
{
    return g->doc_count;
}

uint32_t ix_seg_live_count(const ix_segment *g)
{
    return g->live_count;
}

bool ix_seg_is_live(const ix_segment *g, uint32_t doc)
{
    return doc < g->doc_count && (!g->live || (g->live[doc >> 3] >> (doc & 7) & 1));
}

uint32_t ix_seg_field_length(const ix_segment *g, int field, uint32_t doc)
{
    if (doc >= g->doc_count || field < 0 || field >= IX_NFIELDS)
        return 0;
    return cf_get_u32le(g->col + (size_t)doc * COL_REC + 4 * (unsigned)field);
}

int32_t ix_seg_date(const ix_segment *g, uint32_t doc)
{
    if (doc >= g->doc_count)
        return IX_NO_DATE;
    return (int32_t)cf_get_u32le(g->col + (size_t)doc * COL_REC + 8);
}

void ix_live_fill(uint8_t *live, uint32_t doc_count)
{
    size_t nb = ix_live_bytes(doc_count);
    memset(live, 0xff, nb);
    if (doc_count & 7)
        live[nb - 1] = (uint8_t)((1u << (doc_count & 7)) - 1);
}

/* Drop this process's page-table entries for the segment's mapped files: a merge reads
 * segments once from end to end, and the pages it passed need not stay in its resident set
 * (the kernel keeps them in the page cache; they come back with a minor fault if needed). */
void ix_seg_release_pages(const ix_segment *g)
{
    for (int f = 0; f < IX_NFILES; f++)
        if (g->map[f].data)
            madvise((void *)(uintptr_t)g->map[f].data, g->map[f].len, MADV_DONTNEED);
}
