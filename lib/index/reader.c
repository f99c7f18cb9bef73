/* reader.c: snapshots (the mapped segments of one commit) and the public reader handle. */
#include <string.h>

#include "index/index.h"

#define SNAPSHOT_RETRIES 64

void ix_snapshot_close(ix_snapshot *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->nsegs; i++)
        ix_seg_close(s->segs[i]);
    cf_free(s->segs);
    cf_free(s);
}

static int open_segments(const char *dir, const ix_manifest *m, ix_snapshot *s, cf_err *err)
{
    s->generation = m->generation;
    if (m->nsegs) {
        s->segs = cf_calloc(m->nsegs, sizeof *s->segs);
        if (!s->segs)
            return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < m->nsegs; i++) {
        const ix_manifest_seg *ms = &m->segs[i];
        int rc = ix_seg_open(dir, ms->segnum, ms->doc_count, ms->live_count, ms->del_gen,
                             &s->segs[i], err);
        if (rc)
            return rc;
        s->nsegs++;
        s->live_docs += s->segs[i]->live_count;
        for (int f = 0; f < IX_NFIELDS; f++)
            s->len_sum[f] += s->segs[i]->live_len_sum[f];
    }
    return 0;
}

/* A commit can remove the files of the previous one between our reading the manifest and
 * opening its segments; then the manifest has changed and we start again. */
int ix_snapshot_open_m(const char *dir, ix_snapshot **out, ix_manifest *man, cf_err *err)
{
    *out = NULL;
    uint64_t last_gen = UINT64_MAX;
    for (int attempt = 0;; attempt++) {
        ix_manifest m;
        int rc = ix_manifest_read(dir, &m, err);
        if (rc)
            return rc;
        ix_snapshot *s = cf_calloc(1, sizeof *s);
        if (!s) {
            ix_manifest_free(&m);
            return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
        }
        s->manifest_size = m.file_size;
        rc = open_segments(dir, &m, s, err);
        if (rc == 0) {
            if (man)
                *man = m;
            else
                ix_manifest_free(&m);
            *out = s;
            return 0;
        }
        ix_snapshot_close(s);
        uint64_t gen = m.generation;
        ix_manifest_free(&m);
        if (rc == CJKFTS_ENOTFOUND && (attempt >= SNAPSHOT_RETRIES || gen == last_gen)) {
            char *detail = err->msg; /* cf_fail frees the old message: keep it first */
            err->msg = NULL;
            rc = cf_fail(err, CJKFTS_ECORRUPT, "a file of the last commit is missing: %s",
                         detail ? detail : "");
            cf_free(detail);
            return rc;
        }
        if (rc != CJKFTS_ENOTFOUND)
            return rc;
        last_gen = gen;
    }
}

int ix_snapshot_open(const char *dir, ix_snapshot **out, cf_err *err)
{
    return ix_snapshot_open_m(dir, out, NULL, err);
}

uint32_t ix_snapshot_segment_count(const ix_snapshot *s)
{
    return s->nsegs;
}

const ix_segment *ix_snapshot_segment(const ix_snapshot *s, uint32_t i)
{
    return i < s->nsegs ? s->segs[i] : NULL;
}

uint64_t ix_snapshot_live_docs(const ix_snapshot *s)
{
    return s->live_docs;
}

uint64_t ix_snapshot_field_length_sum(const ix_snapshot *s, int field)
{
    return field >= 0 && field < IX_NFIELDS ? s->len_sum[field] : 0;
}

/* ---- public reader ------------------------------------------------------------------------ */

struct cjkfts_reader {
    cf_handle h;
    ix_snapshot *snap;
    cjkfts_index_options opts;
};

CJKFTS_API int cjkfts_reader_open(cjkfts_index *ix, cjkfts_reader **out)
{
    if (!out)
        return ix_index_usable(ix) ? CJKFTS_EINVAL
                                   : ix_index_failf(ix, CJKFTS_EINVAL, "reader: NULL argument");
    *out = NULL;
    int rc = ix_index_usable(ix);
    if (rc)
        return rc;
    cjkfts_reader *r = cf_calloc(1, sizeof *r);
    if (!r)
        return ix_index_failf(ix, CJKFTS_ENOMEM, "out of memory");
    cf_handle_init(&r->h, CF_MAGIC_READER);
    r->opts = ix->opts;
    rc = ix_snapshot_open(ix->path, &r->snap, &r->h);
    if (rc) {
        ix_index_fail(ix, &r->h);
        cjkfts_reader_close(r);
        return rc;
    }
    ix_index_ok(ix);
    *out = r;
    return 0;
}

CJKFTS_API void cjkfts_reader_close(cjkfts_reader *r)
{
    if (!r)
        return;
    ix_snapshot_close(r->snap);
    cf_handle_destroy(&r->h);
    cf_free(r);
}

CJKFTS_API uint64_t cjkfts_reader_doc_count(const cjkfts_reader *r)
{
    return r && r->snap ? r->snap->live_docs : 0;
}

const ix_snapshot *ix_reader_snapshot(const cjkfts_reader *r)
{
    return r->snap;
}

const cjkfts_index_options *ix_reader_options(const cjkfts_reader *r)
{
    return &r->opts;
}

cf_handle *ix_reader_handle(cjkfts_reader *r)
{
    return &r->h;
}
