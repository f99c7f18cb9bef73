/* api.c: the public query and search calls: cjkfts_query_parse/free, cjkfts_search(_string),
 * cjkfts_search_options_init and the cjkfts_hits handle (stored fields, snippets, explain). */
#include <string.h>

#include "search/search.h"
#include "snippet/snippet.h"

struct cjkfts_hits {
    cf_handle h;
    size_t n;
    cjkfts_hit *hit;
    ix_stored_doc *docs; /* stored fields of each hit; hit strings point into them */
    cf_buf *text;        /* per hit: [2i] snippet, [2i+1] explain */
    uint64_t total;
    int exact;
};

CJKFTS_API void cjkfts_search_options_init(cjkfts_search_options *o)
{
    memset(o, 0, sizeof *o);
    o->k = 10;
    o->offset = 0;
    o->title_boost = -1;
    o->explain = 0;
    o->snippet_chars = 100;
    o->hl_open = "[";
    o->hl_close = "]";
}

/* ---- queries ------------------------------------------------------------------------------- */

static int parse_into(cjkfts_reader *r, const char *text, size_t len, int mode,
                      cjkfts_query **out, cf_err *err)
{
    *out = NULL;
    const cjkfts_index_options *io = ix_reader_options(r);
    cjkfts_query *q = cf_calloc(1, sizeof *q);
    if (!q)
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory parsing the query");
    cf_handle_init(&q->h, CF_MAGIC_QUERY);
    int rc = cjkfts_analyzer_open(io->analyzer_class, &io->analyzer, &q->analyzer);
    if (rc)
        rc = cf_fail(err, rc, "opening the index's analyzer: %s",
                     q->analyzer ? cjkfts_errmsg(q->analyzer) : cjkfts_strerror(rc));
    if (!rc)
        rc = qy_plan_build(text, len, mode, q->analyzer, &q->plan, err);
    if (rc) {
        cjkfts_query_free(q);
        return rc;
    }
    *out = q;
    return 0;
}

CJKFTS_API int cjkfts_query_parse(cjkfts_reader *r, const char *text, size_t len, int mode,
                                  cjkfts_query **out)
{
    if (out)
        *out = NULL;
    if (!r)
        return CJKFTS_EINVAL;
    cf_handle *rh = ix_reader_handle(r);
    if (!out || (!text && len))
        return cf_fail(rh, CJKFTS_EINVAL, "query_parse: NULL argument");
    if (!text)
        text = "";
    if (len == CJKFTS_NTS)
        len = strlen(text);
    cf_err err = CF_ERR_INIT;
    int rc = parse_into(r, text, len, mode, out, &err);
    if (rc)
        cf_fail_from(rh, &err);
    else
        cf_handle_clear(rh);
    cf_handle_destroy(&err);
    return rc;
}

CJKFTS_API void cjkfts_query_free(cjkfts_query *q)
{
    if (!q)
        return;
    qy_plan_free(q->plan);
    cjkfts_analyzer_close(q->analyzer);
    cf_handle_destroy(&q->h);
    cf_free(q);
}

/* ---- hits ------------------------------------------------------------------------------------ */

static const char *stored(const ix_stored_doc *d, const char *name, size_t *len)
{
    for (size_t i = 0; i < d->n_fields; i++)
        if (d->fields[i].name_len == strlen(name) &&
            memcmp(d->fields[i].name, name, d->fields[i].name_len) == 0) {
            if (len)
                *len = d->fields[i].value_len;
            return d->fields[i].value;
        }
    return NULL;
}

static const char *stored_or_empty(const ix_stored_doc *d, const char *name)
{
    const char *v = stored(d, name, NULL);
    return v ? v : "";
}

static int hits_alloc(cjkfts_hits *h, size_t n)
{
    h->hit = cf_calloc(n ? n : 1, sizeof *h->hit);
    h->docs = cf_calloc(n ? n : 1, sizeof *h->docs);
    h->text = cf_calloc(2 * n + 1, sizeof *h->text);
    if (!h->hit || !h->docs || !h->text)
        return CJKFTS_ENOMEM;
    h->n = n;
    for (size_t i = 0; i < 2 * n; i++)
        cf_buf_init(&h->text[i]);
    return 0;
}

/* Per-unit weights for choosing fragments: units outside NOT that search the body, weighted
 * by their idf in the body. */
static double *snippet_weights(const se_ctx *c)
{
    const qy_plan *p = c->plan;
    double *w = cf_malloc((p->n_units + 1) * sizeof *w);
    if (!w)
        return NULL;
    sn_default_weights(p, w);
    for (size_t u = 0; u < p->n_units; u++)
        if (w[u] > 0)
            w[u] = c->can_match[u * IX_NFIELDS + IX_FIELD_BODY]
                       ? p->units[u].weight * c->idf[u * IX_NFIELDS + IX_FIELD_BODY] : 0;
    return w;
}

typedef struct fill {
    se_ctx *c;
    const cjkfts_query *q;
    const cjkfts_search_options *o;
    const double *sw;
    cjkfts_hits *h;
} fill;

static int fill_hit(fill *f, size_t i, const se_hit *hit)
{
    uint32_t seg = (uint32_t)(hit->key >> 32), doc = (uint32_t)hit->key;
    ix_stored_doc *d = &f->h->docs[i];
    int rc = ix_seg_stored_get(ix_snapshot_segment(f->c->snap, seg), doc, d, &f->c->err);
    if (rc)
        return rc;
    cjkfts_hit *x = &f->h->hit[i];
    x->id = stored_or_empty(d, "id");
    x->score = hit->score;
    x->title = stored_or_empty(d, "title");
    x->date = stored_or_empty(d, "date");
    x->url = stored_or_empty(d, "url");
    x->snippet = "";
    if (f->o->snippet_chars > 0) {
        size_t blen = 0;
        const char *body = stored(d, "body", &blen);
        sn_options so = {f->o->snippet_chars, f->o->hl_open, f->o->hl_close};
        rc = sn_snippet(f->q->analyzer, f->q->plan, f->sw, body ? body : "", body ? blen : 0,
                        &so, &f->h->text[2 * i], &f->c->err);
        if (rc)
            return rc;
        x->snippet = f->h->text[2 * i].data ? (const char *)f->h->text[2 * i].data : "";
    }
    if (f->o->explain) {
        rc = se_explain(f->c, seg, doc, hit->score, &f->h->text[2 * i + 1]);
        if (rc)
            return rc == CJKFTS_ENOMEM && !f->c->err.rc
                       ? cf_fail(&f->c->err, rc, "out of memory explaining a hit") : rc;
        x->explain = (const char *)f->h->text[2 * i + 1].data;
    }
    return 0;
}

static int fill_hits(se_ctx *c, const cjkfts_query *q, const cjkfts_search_options *o,
                     se_result *res, cjkfts_hits *h)
{
    size_t n = res->top.n > o->offset ? res->top.n - o->offset : 0;
    h->total = res->total;
    h->exact = res->exact;
    if (hits_alloc(h, n))
        return cf_fail(&c->err, CJKFTS_ENOMEM, "out of memory building hits");
    fill f = {c, q, o, NULL, h};
    double *sw = NULL;
    if (n && o->snippet_chars > 0 && !(f.sw = sw = snippet_weights(c)))
        return cf_fail(&c->err, CJKFTS_ENOMEM, "out of memory building snippets");
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = fill_hit(&f, i, &res->top.h[o->offset + i]);
    cf_free(sw);
    return rc;
}

static int check_options(cjkfts_hits *h, const cjkfts_search_options *o)
{
    if (o->k > SIZE_MAX / 4 || o->offset > SIZE_MAX / 4)
        return cf_fail(&h->h, CJKFTS_EINVAL, "search: k %zu or offset %zu too large", o->k,
                       o->offset);
    if (!o->hl_open || !o->hl_close)
        return cf_fail(&h->h, CJKFTS_EINVAL, "search: NULL highlight marker");
    return 0;
}

static cjkfts_hits *hits_new(void)
{
    cjkfts_hits *h = cf_calloc(1, sizeof *h);
    if (h)
        cf_handle_init(&h->h, CF_MAGIC_HITS);
    return h;
}

static int run(cjkfts_reader *r, const cjkfts_query *q, const cjkfts_search_options *o,
               int flags, cjkfts_hits *h)
{
    se_ctx c;
    se_result res = {0};
    int rc = se_ctx_open(&c, ix_reader_snapshot(r), q->plan, ix_reader_options(r),
                         o->title_boost);
    if (!rc)
        rc = se_collect(&c, o->k + o->offset, flags, &res);
    if (!rc)
        rc = fill_hits(&c, q, o, &res, h);
    if (rc)
        cf_fail(&h->h, rc, "%s", c.err.rc && c.err.msg ? c.err.msg : cjkfts_strerror(rc));
    se_topk_free(&res.top);
    se_ctx_close(&c);
    return rc;
}

int se_search(cjkfts_reader *r, const cjkfts_query *q, const cjkfts_search_options *o,
              int flags, cjkfts_hits **out)
{
    if (!out)
        return CJKFTS_EINVAL;
    cjkfts_hits *h = *out = hits_new();
    if (!h)
        return CJKFTS_ENOMEM;
    cjkfts_search_options defaults;
    if (!o) {
        cjkfts_search_options_init(&defaults);
        o = &defaults;
    }
    if (!r || !q || !q->plan)
        return cf_fail(&h->h, CJKFTS_EINVAL, "search: NULL reader or query");
    int rc = check_options(h, o);
    return rc ? rc : run(r, q, o, flags, h);
}

CJKFTS_API int cjkfts_search(cjkfts_reader *r, const cjkfts_query *q,
                             const cjkfts_search_options *opts, cjkfts_hits **out)
{
    return se_search(r, q, opts, 0, out);
}

CJKFTS_API int cjkfts_search_string(cjkfts_reader *r, const char *text, int mode,
                                    const cjkfts_search_options *opts, cjkfts_hits **out)
{
    if (!out)
        return CJKFTS_EINVAL;
    *out = NULL;
    if (!r || !text) {
        cjkfts_hits *h = *out = hits_new();
        return h ? cf_fail(&h->h, CJKFTS_EINVAL, "search: NULL reader or text") : CJKFTS_ENOMEM;
    }
    cf_err err = CF_ERR_INIT;
    cjkfts_query *q = NULL;
    int rc = parse_into(r, text, strlen(text), mode, &q, &err);
    if (rc) {
        cjkfts_hits *h = *out = hits_new();
        if (h)
            cf_fail_from(&h->h, &err);
    } else
        rc = se_search(r, q, opts, 0, out);
    cjkfts_query_free(q);
    cf_handle_destroy(&err);
    return rc;
}

CJKFTS_API size_t cjkfts_hits_count(const cjkfts_hits *h)
{
    return h ? h->n : 0;
}

CJKFTS_API uint64_t cjkfts_hits_total(const cjkfts_hits *h, int *exact)
{
    if (exact)
        *exact = h ? h->exact : 1;
    return h ? h->total : 0;
}

CJKFTS_API const cjkfts_hit *cjkfts_hits_get(const cjkfts_hits *h, size_t i)
{
    return h && i < h->n ? &h->hit[i] : NULL;
}

CJKFTS_API const char *cjkfts_hits_field(cjkfts_hits *h, size_t i, const char *name,
                                         size_t *len)
{
    if (!h || i >= h->n || !name)
        return NULL;
    return stored(&h->docs[i], name, len);
}

CJKFTS_API void cjkfts_hits_free(cjkfts_hits *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n; i++) {
        ix_stored_doc_free(&h->docs[i]);
        cf_buf_free(&h->text[2 * i]);
        cf_buf_free(&h->text[2 * i + 1]);
    }
    cf_free(h->hit);
    cf_free(h->docs);
    cf_free(h->text);
    cf_handle_destroy(&h->h);
    cf_free(h);
}
