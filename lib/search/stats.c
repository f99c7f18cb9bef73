/* stats.c: the search context: BM25 options and the snapshot-wide statistics of every query
 * term (N, document frequency n without deleted documents, average field lengths), looked up
 * once per search in every segment's dictionary. One-character (prefix) terms are resolved to
 * their dictionary range and the union of its postings is built here, per segment and field,
 * since both its document frequency and its scoring need it. */
#include <math.h>
#include <string.h>

#include "search/search.h"

static int nomem(se_ctx *c)
{
    return cf_fail(&c->err, CJKFTS_ENOMEM, "out of memory computing term statistics");
}

/* Live documents of a posting list: doc_freq when the segment has no deletions, otherwise
 * counted by reading the list. */
static int live_df(se_ctx *c, const ix_segment *g, const ix_term_info *ti, uint64_t *df)
{
    if (ix_seg_live_count(g) == ix_seg_doc_count(g)) {
        *df = ti->doc_freq;
        return 0;
    }
    ix_postings *p;
    int rc = ix_postings_open(g, ti, 0, &p, &c->err);
    if (rc)
        return rc;
    uint64_t n = 0;
    for (uint32_t d = ix_postings_next(p); d != IX_NO_MORE_DOCS; d = ix_postings_next(p))
        n += ix_seg_is_live(g, d);
    rc = ix_postings_error(p, &c->err);
    ix_postings_free(p);
    *df = n;
    return rc;
}

/* Add the frequencies of one posting list into counts[doc]. */
static int add_counts(se_ctx *c, const ix_segment *g, const ix_term_info *ti, uint32_t *counts)
{
    ix_postings *p;
    int rc = ix_postings_open(g, ti, 0, &p, &c->err);
    if (rc)
        return rc;
    uint32_t n = ix_seg_doc_count(g);
    for (uint32_t d = ix_postings_next(p); d != IX_NO_MORE_DOCS; d = ix_postings_next(p))
        if (d < n)
            counts[d] += ix_postings_freq(p);
    rc = ix_postings_error(p, &c->err);
    ix_postings_free(p);
    return rc;
}

static int push_range(se_ctx *c, se_termref *r, const ix_term_info *ti, size_t *cap)
{
    if (r->n_range == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        ix_term_info *v = cf_realloc(r->range, nc * sizeof *v);
        if (!v)
            return nomem(c);
        r->range = v;
        *cap = nc;
    }
    r->range[r->n_range++] = *ti;
    return 0;
}

/* The union of the postings of the range into r->docs / r->tfs. */
static int build_union(se_ctx *c, const ix_segment *g, se_termref *r, uint64_t *df)
{
    uint32_t n = ix_seg_doc_count(g);
    uint32_t *counts = cf_calloc(n ? n : 1, sizeof *counts);
    if (!counts)
        return nomem(c);
    int rc = 0;
    for (size_t i = 0; i < r->n_range && !rc; i++)
        rc = add_counts(c, g, &r->range[i], counts);
    size_t m = 0;
    for (uint32_t d = 0; d < n && !rc; d++)
        m += counts[d] > 0;
    if (!rc && m) {
        r->docs = cf_malloc(m * sizeof *r->docs);
        r->tfs = cf_malloc(m * sizeof *r->tfs);
        rc = r->docs && r->tfs ? 0 : nomem(c);
    }
    *df = 0;
    for (uint32_t d = 0; d < n && !rc; d++) {
        if (!counts[d])
            continue;
        r->docs[r->n_docs] = d;
        r->tfs[r->n_docs++] = counts[d];
        r->max_tf = counts[d] > r->max_tf ? counts[d] : r->max_tf;
        *df += ix_seg_is_live(g, d);
    }
    cf_free(counts);
    return rc;
}

static int lookup_prefix(se_ctx *c, const ix_segment *g, int field, const qy_term *t,
                         se_termref *r, uint64_t *df)
{
    ix_term_iter *it;
    int rc = ix_seg_prefix_iter(g, field, t->text, t->len, &it, &c->err);
    if (rc)
        return rc;
    size_t cap = 0;
    for (;;) {
        const char *term;
        size_t len;
        ix_term_info ti;
        rc = ix_term_iter_next(it, &term, &len, &ti, &c->err);
        if (rc <= 0)
            break;
        if ((rc = push_range(c, r, &ti, &cap)))
            break;
    }
    ix_term_iter_free(it);
    if (rc < 0)
        return rc;
    r->found = r->n_range > 0;
    *df = 0;
    return r->found ? build_union(c, g, r, df) : 0;
}

static int lookup(se_ctx *c, const ix_segment *g, int field, const qy_term *t, se_termref *r,
                  uint64_t *df)
{
    *df = 0;
    if (t->prefix)
        return lookup_prefix(c, g, field, t, r, df);
    int rc = ix_seg_term_get(g, field, t->text, t->len, &r->ti, &c->err);
    if (rc == CJKFTS_ENOTFOUND) {
        cf_handle_clear(&c->err);
        return 0;
    }
    if (rc)
        return rc;
    r->found = true;
    return live_df(c, g, &r->ti, df);
}

static int alloc_tables(se_ctx *c)
{
    const qy_plan *p = c->plan;
    c->first = cf_malloc((p->n_units + 1) * sizeof *c->first);
    if (!c->first)
        return nomem(c);
    c->n_flat = 0;
    for (size_t u = 0; u < p->n_units; u++) {
        c->first[u] = c->n_flat;
        c->n_flat += p->units[u].n;
    }
    c->first[p->n_units] = c->n_flat;
    size_t nref = (size_t)c->n_seg * c->n_flat * IX_NFIELDS;
    c->refs = cf_calloc(nref ? nref : 1, sizeof *c->refs);
    c->df = cf_calloc(c->n_flat * IX_NFIELDS + 1, sizeof *c->df);
    c->idf = cf_calloc(p->n_units * IX_NFIELDS + 1, sizeof *c->idf);
    c->can_match = cf_calloc(p->n_units * IX_NFIELDS + 1, sizeof *c->can_match);
    return c->refs && c->df && c->idf && c->can_match ? 0 : nomem(c);
}

static int gather(se_ctx *c)
{
    const qy_plan *p = c->plan;
    for (uint32_t s = 0; s < c->n_seg; s++) {
        const ix_segment *g = ix_snapshot_segment(c->snap, s);
        for (size_t u = 0; u < p->n_units; u++) {
            const qy_unit *un = &p->units[u];
            for (int f = 0; f < IX_NFIELDS; f++) {
                if (!(un->fields & (1u << f)))
                    continue;
                for (size_t t = 0; t < un->n; t++) {
                    size_t flat = c->first[u] + t;
                    uint64_t df;
                    int rc = lookup(c, g, f, &un->terms[t], se_ref(c, s, flat, f), &df);
                    if (rc)
                        return rc;
                    c->df[flat * IX_NFIELDS + f] += (double)df;
                }
            }
        }
    }
    return 0;
}

static void unit_idfs(se_ctx *c)
{
    const qy_plan *p = c->plan;
    for (size_t u = 0; u < p->n_units; u++)
        for (int f = 0; f < IX_NFIELDS; f++) {
            bool ok = (p->units[u].fields & (1u << f)) != 0;
            double idf = 0;
            for (size_t t = 0; t < p->units[u].n && ok; t++) {
                double df = c->df[(c->first[u] + t) * IX_NFIELDS + f];
                ok = df > 0;
                idf += se_idf(c->n_docs, df);
            }
            c->can_match[u * IX_NFIELDS + f] = ok;
            c->idf[u * IX_NFIELDS + f] = ok ? idf : 0;
        }
}

int se_ctx_open(se_ctx *c, const ix_snapshot *snap, const qy_plan *plan,
                const cjkfts_index_options *io, double title_boost)
{
    memset(c, 0, sizeof *c);
    c->snap = snap;
    c->plan = plan;
    c->bm = (se_bm25){io->bm25_k1, io->bm25_b};
    c->fw[IX_FIELD_TITLE] = title_boost >= 0 ? title_boost : io->title_boost;
    c->fw[IX_FIELD_BODY] = 1.0;
    if (!(c->bm.k1 >= 0) || !(c->bm.b >= 0 && c->bm.b <= 1) || !(c->fw[IX_FIELD_TITLE] >= 0) ||
        !isfinite(c->bm.k1) || !isfinite(c->fw[IX_FIELD_TITLE]))
        return cf_fail(&c->err, CJKFTS_EINVAL, "BM25 parameters out of range: k1 %g, b %g, "
                       "title boost %g (need k1 >= 0, 0 <= b <= 1, boost >= 0)", c->bm.k1,
                       c->bm.b, c->fw[IX_FIELD_TITLE]);
    c->n_docs = (double)ix_snapshot_live_docs(snap);
    for (int f = 0; f < IX_NFIELDS; f++)
        c->avglen[f] = c->n_docs > 0 ? (double)ix_snapshot_field_length_sum(snap, f) / c->n_docs
                                     : 0;
    c->n_seg = ix_snapshot_segment_count(snap);
    int rc = alloc_tables(c);
    if (!rc)
        rc = gather(c);
    if (!rc)
        unit_idfs(c);
    return rc;
}

void se_ctx_close(se_ctx *c)
{
    size_t nref = (size_t)c->n_seg * c->n_flat * IX_NFIELDS;
    for (size_t i = 0; c->refs && i < nref; i++) {
        cf_free(c->refs[i].range);
        cf_free(c->refs[i].docs);
        cf_free(c->refs[i].tfs);
    }
    cf_free(c->refs);
    cf_free(c->first);
    cf_free(c->df);
    cf_free(c->idf);
    cf_free(c->can_match);
    cf_handle_destroy(&c->err);
    memset(c, 0, sizeof *c);
}
