/* build.c: turns a plan node into the scorer tree of one segment. A unit that cannot match in
 * the segment yields NULL: an AND with such a required child is NULL, an OR drops it. AND
 * children that are filters become per-document date checks, NOT children exclusions; an AND
 * with no searchable child (a query of date: filters) scans every document. */
#include "search/search.h"

typedef struct parts {
    se_scorer **req, **excl;
    const qy_node **filters;
    size_t n_req, n_excl, n_filters;
} parts;

static se_scorer *build_or(se_segrun *sr, const qy_node *n)
{
    se_scorer **kids = se_alloc(sr, n->n_kids * sizeof *kids);
    if (!kids)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n->n_kids && !sr->rc; i++) {
        se_scorer *s = se_build(sr, n->kids[i]);
        if (s)
            kids[k++] = s;
    }
    if (sr->rc || k == 0)
        return NULL;
    return k == 1 ? kids[0] : se_disj(sr, kids, k);
}

/* Sort the children of an AND; false when a required child cannot match. */
static bool split_and(se_segrun *sr, const qy_node *n, parts *p)
{
    p->req = se_alloc(sr, (n->n_kids + 1) * sizeof *p->req);
    p->excl = se_alloc(sr, n->n_kids * sizeof *p->excl);
    p->filters = se_alloc(sr, n->n_kids * sizeof *p->filters);
    if (!p->filters)
        return false;
    for (size_t i = 0; i < n->n_kids && !sr->rc; i++) {
        const qy_node *k = n->kids[i];
        if (qy_node_is_filter(k)) {
            p->filters[p->n_filters++] = k;
        } else if (k->kind == QY_N_NOT) {
            se_scorer *s = se_build(sr, k->kids[0]);
            if (s)
                p->excl[p->n_excl++] = s;
        } else {
            se_scorer *s = se_build(sr, k);
            if (!s)
                return false;
            p->req[p->n_req++] = s;
        }
    }
    return !sr->rc;
}

static se_scorer *build_and(se_segrun *sr, const qy_node *n)
{
    parts p = {0};
    if (!split_and(sr, n, &p))
        return NULL;
    if (p.n_req == 0 && !(p.req[p.n_req++] = se_all_docs(sr)))
        return NULL;
    if (p.n_req == 1 && p.n_excl == 0 && p.n_filters == 0)
        return p.req[0];
    return se_conj(sr, p.req, p.n_req, p.excl, p.n_excl, p.filters, p.n_filters);
}

se_scorer *se_build(se_segrun *sr, const qy_node *n)
{
    if (sr->rc)
        return NULL;
    if (qy_node_is_filter(n)) { /* a query of filters alone: scan */
        se_scorer *all = se_all_docs(sr);
        return all ? se_conj(sr, &all, 1, NULL, 0, &n, 1) : NULL;
    }
    switch (n->kind) {
    case QY_N_UNIT:
        return se_unit(sr, n->unit);
    case QY_N_OR:
        return build_or(sr, n);
    case QY_N_AND:
        return build_and(sr, n);
    default: /* NOT is handled by its AND */
        return NULL;
    }
}
