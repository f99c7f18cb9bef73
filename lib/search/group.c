/* group.c: scorers that combine others: a disjunction (the sum of the children on the
 * document, children in query order), a conjunction (leapfrog over the required children,
 * cheapest first, with date filters and exclusions checked on each agreed document; the score
 * is the sum of the required children in query order), and the all-documents scan used by
 * queries made only of filters. */
#include <string.h>

#include "search/search.h"

/* ---- disjunction ------------------------------------------------------------------------------ */

typedef struct disj {
    se_scorer s;
    se_scorer **kids;
    size_t n;
} disj;

static uint32_t disj_min(disj *d)
{
    uint32_t m = IX_NO_MORE_DOCS;
    for (size_t i = 0; i < d->n; i++)
        m = d->kids[i]->doc < m ? d->kids[i]->doc : m;
    return d->s.doc = m;
}

static uint32_t disj_next(se_scorer *s)
{
    disj *d = (disj *)s;
    if (s->doc == IX_NO_MORE_DOCS)
        return s->doc;
    for (size_t i = 0; i < d->n; i++)
        if (d->kids[i]->doc == s->doc)
            d->kids[i]->ops->next(d->kids[i]);
    return disj_min(d);
}

static uint32_t disj_advance(se_scorer *s, uint32_t target)
{
    disj *d = (disj *)s;
    if (target <= s->doc)
        return s->doc;
    for (size_t i = 0; i < d->n; i++)
        d->kids[i]->ops->advance(d->kids[i], target);
    return disj_min(d);
}

static double disj_score(se_scorer *s)
{
    disj *d = (disj *)s;
    double sum = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->kids[i]->doc == s->doc)
            sum += d->kids[i]->ops->score(d->kids[i]);
    return sum;
}

static double disj_block(se_scorer *s, uint32_t target, uint32_t *upto)
{
    disj *d = (disj *)s;
    double sum = 0;
    *upto = IX_NO_MORE_DOCS;
    for (size_t i = 0; i < d->n; i++) {
        uint32_t u;
        sum += d->kids[i]->ops->block_bound(d->kids[i], target, &u);
        *upto = u < *upto ? u : *upto;
    }
    return sum;
}

static int disj_explain(se_scorer *s, cf_buf *out)
{
    disj *d = (disj *)s;
    int rc = 0;
    for (size_t i = 0; i < d->n && !rc; i++)
        if (d->kids[i]->doc == s->doc)
            rc = d->kids[i]->ops->explain(d->kids[i], out);
    return rc;
}

static const se_scorer_ops disj_ops = {disj_next, disj_advance, disj_score, disj_block,
                                       disj_explain, NULL};

static se_scorer **copy_kids(se_segrun *sr, se_scorer **kids, size_t n)
{
    se_scorer **v = se_alloc(sr, (n ? n : 1) * sizeof *v);
    if (v && n)
        memcpy(v, kids, n * sizeof *v);
    return v;
}

se_scorer *se_disj(se_segrun *sr, se_scorer **kids, size_t n)
{
    disj *d = se_alloc(sr, sizeof *d);
    if (!d || !(d->kids = copy_kids(sr, kids, n)))
        return NULL;
    d->s.ops = &disj_ops;
    d->n = n;
    for (size_t i = 0; i < n; i++) {
        d->s.max_score += kids[i]->max_score;
        d->s.cost += kids[i]->cost;
    }
    disj_min(d);
    return &d->s;
}

/* ---- filters and exclusions ----------------------------------------------------------------- */

bool se_filter_match(const qy_node *n, int32_t date)
{
    switch (n->kind) {
    case QY_N_DATE:
        return date != IX_NO_DATE && date >= n->date_lo && date <= n->date_hi;
    case QY_N_NOT:
        return !se_filter_match(n->kids[0], date);
    case QY_N_AND:
        for (size_t i = 0; i < n->n_kids; i++)
            if (!se_filter_match(n->kids[i], date))
                return false;
        return true;
    case QY_N_OR:
        for (size_t i = 0; i < n->n_kids; i++)
            if (se_filter_match(n->kids[i], date))
                return true;
        return false;
    default:
        return false;
    }
}

bool se_excluded(se_scorer **excl, size_t n, uint32_t doc)
{
    for (size_t i = 0; i < n; i++)
        if (excl[i]->ops->advance(excl[i], doc) == doc)
            return true;
    return false;
}

/* ---- conjunction ------------------------------------------------------------------------------ */

typedef struct conj {
    se_scorer s;
    const ix_segment *g;
    se_scorer **req; /* query order (for the score) */
    se_scorer **by_cost;
    size_t n;
    se_scorer **excl;
    size_t n_excl;
    const qy_node **filters;
    size_t n_filters;
} conj;

static bool conj_accepts(conj *c, uint32_t doc)
{
    if (c->n_filters) {
        int32_t date = ix_seg_date(c->g, doc);
        for (size_t i = 0; i < c->n_filters; i++)
            if (!se_filter_match(c->filters[i], date))
                return false;
    }
    return !se_excluded(c->excl, c->n_excl, doc);
}

/* The first document >= target that every required child holds and the filters accept. */
static uint32_t conj_align(conj *c, uint32_t target)
{
    while (target != IX_NO_MORE_DOCS) {
        uint32_t d = c->by_cost[0]->ops->advance(c->by_cost[0], target);
        if (d == IX_NO_MORE_DOCS)
            break;
        bool same = true;
        for (size_t i = 1; i < c->n && same; i++) {
            uint32_t e = c->by_cost[i]->ops->advance(c->by_cost[i], d);
            if (e != d)
                same = false, target = e;
        }
        if (!same)
            continue;
        if (conj_accepts(c, d))
            return c->s.doc = d;
        target = d + 1;
    }
    return c->s.doc = IX_NO_MORE_DOCS;
}

static uint32_t conj_next(se_scorer *s)
{
    return s->doc == IX_NO_MORE_DOCS ? s->doc : conj_align((conj *)s, s->doc + 1);
}

static uint32_t conj_advance(se_scorer *s, uint32_t target)
{
    return target <= s->doc ? s->doc : conj_align((conj *)s, target);
}

static double conj_score(se_scorer *s)
{
    conj *c = (conj *)s;
    double sum = 0;
    for (size_t i = 0; i < c->n; i++)
        sum += c->req[i]->ops->score(c->req[i]);
    return sum;
}

static double conj_block(se_scorer *s, uint32_t target, uint32_t *upto)
{
    conj *c = (conj *)s;
    double sum = 0;
    *upto = IX_NO_MORE_DOCS;
    for (size_t i = 0; i < c->n; i++) {
        uint32_t u;
        sum += c->req[i]->ops->block_bound(c->req[i], target, &u);
        *upto = u < *upto ? u : *upto;
    }
    return sum;
}

static int conj_explain(se_scorer *s, cf_buf *out)
{
    conj *c = (conj *)s;
    int rc = 0;
    for (size_t i = 0; i < c->n && !rc; i++)
        rc = c->req[i]->ops->explain(c->req[i], out);
    return rc;
}

static const se_scorer_ops conj_ops = {conj_next, conj_advance, conj_score, conj_block,
                                       conj_explain, NULL};

se_scorer *se_conj(se_segrun *sr, se_scorer **req, size_t n_req, se_scorer **excl,
                   size_t n_excl, const qy_node **filters, size_t n_filters)
{
    conj *c = se_alloc(sr, sizeof *c);
    if (!c || !(c->req = copy_kids(sr, req, n_req)) || !(c->by_cost = copy_kids(sr, req, n_req)) ||
        !(c->excl = copy_kids(sr, excl, n_excl)))
        return NULL;
    c->filters = se_alloc(sr, (n_filters ? n_filters : 1) * sizeof *c->filters);
    if (!c->filters)
        return NULL;
    if (n_filters)
        memcpy(c->filters, filters, n_filters * sizeof *filters);
    c->s.ops = &conj_ops;
    c->g = sr->g;
    c->n = n_req;
    c->n_excl = n_excl;
    c->n_filters = n_filters;
    for (size_t i = 1; i < n_req; i++) /* insertion sort by cost, stable */
        for (size_t j = i; j > 0 && c->by_cost[j]->cost < c->by_cost[j - 1]->cost; j--) {
            se_scorer *x = c->by_cost[j];
            c->by_cost[j] = c->by_cost[j - 1];
            c->by_cost[j - 1] = x;
        }
    c->s.cost = n_req ? c->by_cost[0]->cost : 0;
    for (size_t i = 0; i < n_req; i++)
        c->s.max_score += req[i]->max_score;
    conj_align(c, 0);
    return &c->s;
}

/* ---- every document -------------------------------------------------------------------------- */

typedef struct all_docs {
    se_scorer s;
    uint32_t n;
} all_docs;

static uint32_t all_advance(se_scorer *s, uint32_t target)
{
    all_docs *a = (all_docs *)s;
    if (target <= s->doc)
        return s->doc;
    return s->doc = target < a->n ? target : IX_NO_MORE_DOCS;
}

static uint32_t all_next(se_scorer *s)
{
    return s->doc == IX_NO_MORE_DOCS ? s->doc : all_advance(s, s->doc + 1);
}

static double all_score(se_scorer *s)
{
    (void)s;
    return 0;
}

static double all_block(se_scorer *s, uint32_t target, uint32_t *upto)
{
    (void)s, (void)target;
    *upto = IX_NO_MORE_DOCS;
    return 0;
}

static int all_explain(se_scorer *s, cf_buf *out)
{
    (void)s, (void)out;
    return 0;
}

static const se_scorer_ops all_ops = {all_next, all_advance, all_score, all_block, all_explain,
                                      NULL};

se_scorer *se_all_docs(se_segrun *sr)
{
    all_docs *a = se_alloc(sr, sizeof *a);
    if (!a)
        return NULL;
    a->s.ops = &all_ops;
    a->n = ix_seg_doc_count(sr->g);
    a->s.cost = a->n;
    a->s.doc = a->n ? 0 : IX_NO_MORE_DOCS;
    return &a->s;
}
