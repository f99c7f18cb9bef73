/* leaf.c: per-segment scorer bookkeeping and the leaf scorers of single terms: a posting list
 * (exact term) or the prebuilt union of a one-character prefix range; and the unit scorer,
 * the sum of a unit's field leaves (title, then body). */
#include <string.h>

#include "search/search.h"

/* ---- per-segment run ------------------------------------------------------------------------ */

void se_segrun_init(se_segrun *sr, se_ctx *c, uint32_t seg)
{
    memset(sr, 0, sizeof *sr);
    sr->ctx = c;
    sr->seg = seg;
    sr->g = ix_snapshot_segment(c->snap, seg);
    qy_arena_init(&sr->arena);
}

void *se_alloc(se_segrun *sr, size_t n)
{
    void *p = qy_arena_alloc(&sr->arena, n);
    if (!p && !sr->rc)
        sr->rc = cf_fail(&sr->ctx->err, CJKFTS_ENOMEM, "out of memory building scorers");
    return p;
}

static int grow(se_segrun *sr, void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    void *x = cf_realloc(*v, nc * size);
    if (!x)
        return sr->rc = cf_fail(&sr->ctx->err, CJKFTS_ENOMEM, "out of memory building scorers");
    *v = x;
    *cap = nc;
    return 0;
}

int se_own(se_segrun *sr, se_scorer *s)
{
    void *v = sr->owned;
    if (grow(sr, &v, &sr->cap_owned, sr->n_owned, sizeof *sr->owned))
        return sr->rc;
    sr->owned = v;
    sr->owned[sr->n_owned++] = s;
    return 0;
}

int se_open_postings(se_segrun *sr, const ix_term_info *ti, int flags, ix_postings **out)
{
    void *v = sr->posts;
    if (grow(sr, &v, &sr->cap_posts, sr->n_posts, sizeof *sr->posts))
        return sr->rc;
    sr->posts = v;
    int rc = ix_postings_open(sr->g, ti, flags, out, &sr->ctx->err);
    if (rc)
        return sr->rc = rc;
    sr->posts[sr->n_posts++] = *out;
    return 0;
}

int se_segrun_check(se_segrun *sr)
{
    if (sr->rc)
        return sr->rc;
    for (size_t i = 0; i < sr->n_posts; i++) {
        int rc = ix_postings_error(sr->posts[i], &sr->ctx->err);
        if (rc)
            return sr->rc = rc;
    }
    return 0;
}

void se_segrun_free(se_segrun *sr)
{
    for (size_t i = 0; i < sr->n_owned; i++)
        sr->owned[i]->ops->destroy(sr->owned[i]);
    for (size_t i = 0; i < sr->n_posts; i++)
        ix_postings_free(sr->posts[i]);
    cf_free(sr->owned);
    cf_free(sr->posts);
    qy_arena_free(&sr->arena);
}

/* ---- exact term ---------------------------------------------------------------------------- */

typedef struct term_leaf {
    se_scorer s;
    se_segrun *sr;
    ix_postings *p;
    size_t unit;
    int field;
    double factor; /* unit weight * field weight * idf */
} term_leaf;

static uint32_t term_next(se_scorer *s)
{
    term_leaf *t = (term_leaf *)s;
    return s->doc = ix_postings_next(t->p);
}

static uint32_t term_advance(se_scorer *s, uint32_t target)
{
    term_leaf *t = (term_leaf *)s;
    if (target <= s->doc)
        return s->doc;
    return s->doc = ix_postings_advance(t->p, target);
}

static double term_score(se_scorer *s)
{
    term_leaf *t = (term_leaf *)s;
    const se_ctx *c = t->sr->ctx;
    double tf = ix_postings_freq(t->p);
    double len = ix_seg_field_length(t->sr->g, t->field, s->doc);
    return t->factor * se_tfnorm(&c->bm, tf, len, c->avglen[t->field]);
}

static double term_block(se_scorer *s, uint32_t target, uint32_t *upto)
{
    term_leaf *t = (term_leaf *)s;
    uint32_t mf = 0, ml = 0;
    uint32_t last = ix_postings_block_max(t->p, target, &mf, &ml);
    *upto = last;
    if (last == IX_NO_MORE_DOCS)
        return 0;
    const se_ctx *c = t->sr->ctx;
    return t->factor * se_tfnorm(&c->bm, mf, ml, c->avglen[t->field]);
}

static int term_explain(se_scorer *s, cf_buf *out)
{
    term_leaf *t = (term_leaf *)s;
    return se_explain_leaf(t->sr->ctx, out, t->unit, t->field, ix_postings_freq(t->p),
                           ix_seg_field_length(t->sr->g, t->field, s->doc), term_score(s));
}

static const se_scorer_ops term_ops = {term_next, term_advance, term_score, term_block,
                                       term_explain, NULL};

static double factor_of(const se_ctx *c, size_t unit, int field)
{
    return c->plan->units[unit].weight * c->fw[field] * c->idf[unit * IX_NFIELDS + field];
}

static se_scorer *term_leaf_new(se_segrun *sr, size_t unit, int field, const se_termref *r)
{
    term_leaf *t = se_alloc(sr, sizeof *t);
    if (!t || se_open_postings(sr, &r->ti, 0, &t->p))
        return NULL;
    const se_ctx *c = sr->ctx;
    t->s.ops = &term_ops;
    t->sr = sr;
    t->unit = unit;
    t->field = field;
    t->factor = factor_of(c, unit, field);
    uint32_t mf = 0, ml = 0;
    ix_postings_list_max(t->p, &mf, &ml);
    t->s.max_score = t->factor * se_tfnorm(&c->bm, mf, ml, c->avglen[field]);
    t->s.cost = r->ti.doc_freq;
    t->s.doc = ix_postings_next(t->p);
    return &t->s;
}

/* ---- one character: the prebuilt union of its prefix range ---------------------------------- */

typedef struct list_leaf {
    se_scorer s;
    se_segrun *sr;
    const se_termref *r;
    size_t i;
    size_t unit;
    int field;
    double factor;
} list_leaf;

static uint32_t list_doc(list_leaf *l)
{
    return l->s.doc = l->i < l->r->n_docs ? l->r->docs[l->i] : IX_NO_MORE_DOCS;
}

static uint32_t list_next(se_scorer *s)
{
    list_leaf *l = (list_leaf *)s;
    if (l->i < l->r->n_docs)
        l->i++;
    return list_doc(l);
}

static uint32_t list_advance(se_scorer *s, uint32_t target)
{
    list_leaf *l = (list_leaf *)s;
    if (target <= s->doc)
        return s->doc;
    size_t lo = l->i, step = 1, hi; /* gallop, then binary search in (lo, hi] */
    while ((hi = lo + step) < l->r->n_docs && l->r->docs[hi] < target)
        lo = hi, step *= 2;
    if (hi > l->r->n_docs)
        hi = l->r->n_docs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->r->docs[mid] < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    l->i = lo;
    return list_doc(l);
}

static double list_score(se_scorer *s)
{
    list_leaf *l = (list_leaf *)s;
    const se_ctx *c = l->sr->ctx;
    double len = ix_seg_field_length(l->sr->g, l->field, s->doc);
    return l->factor * se_tfnorm(&c->bm, l->r->tfs[l->i], len, c->avglen[l->field]);
}

static double list_block(se_scorer *s, uint32_t target, uint32_t *upto)
{
    list_leaf *l = (list_leaf *)s;
    (void)target;
    *upto = IX_NO_MORE_DOCS;
    return l->s.max_score;
}

static int list_explain(se_scorer *s, cf_buf *out)
{
    list_leaf *l = (list_leaf *)s;
    return se_explain_leaf(l->sr->ctx, out, l->unit, l->field, l->r->tfs[l->i],
                           ix_seg_field_length(l->sr->g, l->field, s->doc), list_score(s));
}

static const se_scorer_ops list_ops = {list_next, list_advance, list_score, list_block,
                                       list_explain, NULL};

static se_scorer *list_leaf_new(se_segrun *sr, size_t unit, int field, const se_termref *r)
{
    list_leaf *l = se_alloc(sr, sizeof *l);
    if (!l)
        return NULL;
    const se_ctx *c = sr->ctx;
    l->s.ops = &list_ops;
    l->sr = sr;
    l->r = r;
    l->unit = unit;
    l->field = field;
    l->factor = factor_of(c, unit, field);
    l->s.max_score = l->factor * se_tfnorm(&c->bm, r->max_tf, 0, c->avglen[field]);
    l->s.cost = r->n_docs;
    list_doc(l);
    return &l->s;
}

/* ---- unit ------------------------------------------------------------------------------------ */

se_scorer *se_unit_field(se_segrun *sr, size_t unit, int field)
{
    const se_ctx *c = sr->ctx;
    const qy_unit *u = &c->plan->units[unit];
    if (!c->can_match[unit * IX_NFIELDS + field])
        return NULL;
    if (u->n > 1)
        return se_phrase_leaf(sr, unit, field);
    const se_termref *r = se_ref(c, sr->seg, c->first[unit], field);
    if (!r->found)
        return NULL;
    if (u->terms[0].prefix)
        return r->n_docs ? list_leaf_new(sr, unit, field, r) : NULL;
    return term_leaf_new(sr, unit, field, r);
}

se_scorer *se_unit(se_segrun *sr, size_t unit)
{
    se_scorer *kids[IX_NFIELDS];
    size_t n = 0;
    for (int f = 0; f < IX_NFIELDS && !sr->rc; f++) {
        se_scorer *s = se_unit_field(sr, unit, f);
        if (s)
            kids[n++] = s;
    }
    if (sr->rc || n == 0)
        return NULL;
    return n == 1 ? kids[0] : se_disj(sr, kids, n);
}
