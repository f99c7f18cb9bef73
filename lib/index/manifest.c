/* manifest.c: the MANIFEST file naming the segments of the last commit, with the index
 * options; written to a temporary file, fsynced, renamed over the old one, directory fsynced.
 *
 * Body: u64 generation, u64 next segment number, the options (u8 length + analyzer class
 * name, u32 class version, u8 fold_variants, u8 utf8_strict, u8 length + stemmer, f64 k1, b,
 * title_boost as IEEE bits), u32 segment count, then per segment u64 number, u32 documents,
 * u32 live documents, u64 deletion generation (0: no deletions). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "index/index.h"

#define MANIFEST_NAME "MANIFEST"
#define MANIFEST_TMP "MANIFEST.tmp"

static uint64_t dbits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static double bitsd(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

void ix_manifest_free(ix_manifest *m)
{
    cf_free(m->segs);
    m->segs = NULL;
    m->nsegs = 0;
}

static int encode(const ix_manifest *m, cf_buf *b)
{
    size_t nl = strlen(m->analyzer_name), sl = strnlen(m->aopts.stemmer, sizeof m->aopts.stemmer);
    bool ok = !cf_buf_put_u32le(b, IX_MAGIC) && !cf_buf_put_u32le(b, IX_KIND_MANIFEST) &&
              !cf_buf_put_u32le(b, IX_FORMAT_VERSION) && !cf_buf_put_u32le(b, 0) &&
              !cf_buf_put_u64le(b, m->generation) && !cf_buf_put_u64le(b, m->next_segnum) &&
              !cf_buf_putc(b, (uint8_t)nl) && !cf_buf_append(b, m->analyzer_name, nl) &&
              !cf_buf_put_u32le(b, (uint32_t)m->analyzer_version) &&
              !cf_buf_putc(b, (uint8_t)(m->aopts.fold_variants != 0)) &&
              !cf_buf_putc(b, (uint8_t)(m->aopts.utf8_strict != 0)) &&
              !cf_buf_putc(b, (uint8_t)sl) && !cf_buf_append(b, m->aopts.stemmer, sl) &&
              !cf_buf_put_u64le(b, dbits(m->k1)) && !cf_buf_put_u64le(b, dbits(m->b)) &&
              !cf_buf_put_u64le(b, dbits(m->title_boost)) && !cf_buf_put_u32le(b, m->nsegs);
    for (uint32_t i = 0; i < m->nsegs && ok; i++) {
        const ix_manifest_seg *s = &m->segs[i];
        ok = !cf_buf_put_u64le(b, s->segnum) && !cf_buf_put_u32le(b, s->doc_count) &&
             !cf_buf_put_u32le(b, s->live_count) && !cf_buf_put_u64le(b, s->del_gen);
    }
    ok = ok && !cf_buf_put_u32le(b, IX_FOOTER_MAGIC);
    ok = ok && !cf_buf_put_u32le(b, cf_crc32c(0, b->data, b->len));
    return ok ? 0 : CJKFTS_ENOMEM;
}

static int decode(const uint8_t *d, size_t n, const char *path, ix_manifest *m, cf_err *err)
{
    memset(m, 0, sizeof *m);
    int rc = ix_env_check(d, n, IX_KIND_MANIFEST, path, true, err);
    if (rc)
        return rc;
    ix_rd r = {d + IX_HEADER_SIZE, d + n - IX_FOOTER_SIZE, false};
    m->generation = ix_rd_u64(&r);
    m->next_segnum = ix_rd_u64(&r);
    uint8_t nl = ix_rd_u8(&r);
    const uint8_t *name = ix_rd_bytes(&r, nl);
    m->analyzer_version = (int32_t)ix_rd_u32(&r);
    m->aopts.fold_variants = ix_rd_u8(&r);
    m->aopts.utf8_strict = ix_rd_u8(&r);
    uint8_t sl = ix_rd_u8(&r);
    const uint8_t *stem = ix_rd_bytes(&r, sl);
    m->k1 = bitsd(ix_rd_u64(&r));
    m->b = bitsd(ix_rd_u64(&r));
    m->title_boost = bitsd(ix_rd_u64(&r));
    uint32_t ns = ix_rd_u32(&r);
    if (r.bad || nl >= sizeof m->analyzer_name || sl >= sizeof m->aopts.stemmer ||
        ns > (size_t)(r.end - r.p) / 24 || (size_t)(r.end - r.p) != (size_t)ns * 24 ||
        m->aopts.fold_variants > 1 || m->aopts.utf8_strict > 1 || !(m->k1 >= 0 && m->k1 <= 1000) ||
        !(m->b >= 0 && m->b <= 1) || !(m->title_boost >= 0 && m->title_boost <= 1e6))
        return cf_fail(err, CJKFTS_ECORRUPT, "%s: malformed manifest", path);
    memcpy(m->analyzer_name, name, nl);
    m->analyzer_name[nl] = 0;
    memcpy(m->aopts.stemmer, stem, sl);
    m->aopts.stemmer[sl] = 0;
    if (ns) {
        m->segs = cf_malloc(ns * sizeof *m->segs);
        if (!m->segs)
            return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    }
    m->nsegs = ns;
    for (uint32_t i = 0; i < ns; i++) {
        ix_manifest_seg *s = &m->segs[i];
        s->segnum = ix_rd_u64(&r);
        s->doc_count = ix_rd_u32(&r);
        s->live_count = ix_rd_u32(&r);
        s->del_gen = ix_rd_u64(&r);
        if (s->live_count > s->doc_count || s->segnum >= m->next_segnum ||
            s->del_gen > m->generation) {
            ix_manifest_free(m);
            return cf_fail(err, CJKFTS_ECORRUPT, "%s: bad segment entry %u", path, i);
        }
    }
    return 0;
}

int ix_manifest_read(const char *dir, ix_manifest *m, cf_err *err)
{
    memset(m, 0, sizeof *m);
    char *path = cf_path_join(dir, MANIFEST_NAME);
    if (!path)
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    cf_buf b;
    int rc = cf_file_read(path, &b, err);
    if (!rc) {
        rc = decode(b.data, b.len, path, m, err);
        m->file_size = b.len;
        cf_buf_free(&b);
    }
    cf_free(path);
    return rc;
}

int ix_manifest_write(const char *dir, const ix_manifest *m, cf_err *err)
{
    cf_buf b;
    cf_buf_init(&b);
    char *tmp = cf_path_join(dir, MANIFEST_TMP), *path = cf_path_join(dir, MANIFEST_NAME);
    int rc = tmp && path ? encode(m, &b) : CJKFTS_ENOMEM;
    if (rc)
        rc = cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    if (!rc)
        rc = cf_file_write_sync(tmp, b.data, b.len, err);
    if (!rc && cf_rename(tmp, path) != 0)
        rc = cf_fail(err, CJKFTS_EIO, "rename %s: %s", tmp, strerror(errno));
    if (!rc)
        rc = cf_fsync_dir(dir, err);
    cf_buf_free(&b);
    cf_free(tmp);
    cf_free(path);
    return rc;
}

bool ix_is_index_file(const char *name)
{
    return strncmp(name, "seg_", 4) == 0 || strcmp(name, MANIFEST_TMP) == 0;
}
