/* collect.c: runs a plan over every segment into the top-k heap.
 *
 * Exhaustive: the scorer tree of the plan yields every match, each scored in full. Used for
 * AND-mode queries (every match is verified anyway, so totals stay exact) and by tests.
 *
 * Block-max MaxScore, for ranked OR queries (the root is an OR of clauses, possibly with
 * filters and exclusions): documents are taken in windows [d0, wend] where wend is the
 * nearest end of a posting block among the clauses; each clause's bound over the window is
 * its block maximum. Clauses sorted by bound: the longest prefix whose bounds sum to no more
 * than the score to beat (theta, the k-th best so far) is non-essential; candidates come only
 * from the essential clauses, and non-essential ones are probed (largest bound first) only
 * while the candidate can still beat theta. A window where no clause is essential is skipped.
 * Scores are summed in clause order (as the exhaustive disjunction does), so both paths give
 * bit-identical scores; ties go to the smaller global document key. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "search/search.h"

static int push(se_result *res, se_segrun *sr, uint32_t doc, double score)
{
    int rc = se_topk_push(&res->top, score, (uint64_t)sr->seg << 32 | doc);
    if (rc < 0)
        return cf_fail(&sr->ctx->err, rc, "out of memory collecting hits");
    return rc;
}

static int collect_all(se_segrun *sr, se_result *res)
{
    se_scorer *root = se_build(sr, sr->ctx->plan->root);
    if (!root)
        return sr->rc;
    for (uint32_t d = root->doc; d != IX_NO_MORE_DOCS && !sr->rc; d = root->ops->next(root)) {
        if (!ix_seg_is_live(sr->g, d))
            continue;
        res->total++;
        int rc = push(res, sr, d, root->ops->score(root));
        if (rc < 0)
            return rc;
    }
    return sr->rc;
}

/* ---- MaxScore -------------------------------------------------------------------------------- */

/* The clauses, filters and exclusions of a ranked OR root; false when the plan has another
 * shape (then it is collected exhaustively). */
typedef struct shape {
    const qy_node *const *clauses;
    size_t n_clauses;
    const qy_node *root_and; /* the root AND holding filters and exclusions, or NULL */
} shape;

static bool ranked_or_shape(const qy_plan *p, shape *sh)
{
    const qy_node *r = p->root, *or = NULL;
    memset(sh, 0, sizeof *sh);
    if (p->mode != CJKFTS_MODE_OR || qy_node_is_filter(r))
        return false;
    if (r->kind == QY_N_AND) {
        for (size_t i = 0; i < r->n_kids; i++) {
            const qy_node *k = r->kids[i];
            if (qy_node_is_filter(k) || k->kind == QY_N_NOT)
                continue;
            if (or)
                return false; /* two required parts */
            or = k;
        }
        sh->root_and = r;
    } else
        or = r;
    if (or->kind == QY_N_OR) {
        sh->clauses = (const qy_node *const *)or->kids;
        sh->n_clauses = or->n_kids;
    } else if (or->kind == QY_N_UNIT) {
        sh->clauses = (const qy_node *const *)&p->root;
        if (sh->root_and)
            for (size_t i = 0; i < r->n_kids; i++)
                if (r->kids[i] == or)
                    sh->clauses = (const qy_node *const *)&r->kids[i];
        sh->n_clauses = 1;
    } else
        return false;
    return true;
}

typedef struct ms {
    se_segrun *sr;
    se_result *res;
    se_scorer **s;   /* clauses, query order */
    size_t m;
    se_scorer **excl;
    size_t n_excl;
    const qy_node **filters;
    size_t n_filters;
    double *wb, *contrib, *prefix;
    bool *matched;
    size_t *order;   /* clause indices by window bound, ascending */
    size_t ne;       /* non-essential: order[0..ne) */
    double theta;
} ms;

static int ms_setup(ms *x, const shape *sh)
{
    se_segrun *sr = x->sr;
    const qy_node *ra = sh->root_and;
    size_t nk = ra ? ra->n_kids : 0;
    x->s = se_alloc(sr, (sh->n_clauses + 1) * sizeof *x->s);
    x->excl = se_alloc(sr, (nk + 1) * sizeof *x->excl);
    x->filters = se_alloc(sr, (nk + 1) * sizeof *x->filters);
    size_t m1 = sh->n_clauses + 1;
    x->wb = se_alloc(sr, m1 * sizeof *x->wb);
    x->contrib = se_alloc(sr, m1 * sizeof *x->contrib);
    x->prefix = se_alloc(sr, m1 * sizeof *x->prefix);
    x->matched = se_alloc(sr, m1 * sizeof *x->matched);
    x->order = se_alloc(sr, m1 * sizeof *x->order);
    if (!x->order)
        return sr->rc;
    for (size_t i = 0; i < sh->n_clauses && !sr->rc; i++) {
        se_scorer *s = se_build(sr, sh->clauses[i]);
        if (s)
            x->s[x->m++] = s;
    }
    for (size_t i = 0; i < nk && !sr->rc; i++) {
        const qy_node *k = ra->kids[i];
        if (qy_node_is_filter(k))
            x->filters[x->n_filters++] = k;
        else if (k->kind == QY_N_NOT) {
            se_scorer *s = se_build(sr, k->kids[0]);
            if (s)
                x->excl[x->n_excl++] = s;
        }
    }
    return sr->rc;
}

static bool ms_accepts(ms *x, uint32_t d)
{
    if (!ix_seg_is_live(x->sr->g, d))
        return false;
    if (x->n_filters) {
        int32_t date = ix_seg_date(x->sr->g, d);
        for (size_t i = 0; i < x->n_filters; i++)
            if (!se_filter_match(x->filters[i], date))
                return false;
    }
    return !se_excluded(x->excl, x->n_excl, d);
}

/* Sort order[] by wb ascending (insertion sort: clause counts are small and mostly sorted). */
static void sort_by_bound(ms *x)
{
    for (size_t i = 1; i < x->m; i++)
        for (size_t j = i; j > 0 && x->wb[x->order[j]] < x->wb[x->order[j - 1]]; j--) {
            size_t t = x->order[j];
            x->order[j] = x->order[j - 1];
            x->order[j - 1] = t;
        }
}

/* Bounds of the window starting at d0; returns its last document. */
static uint32_t ms_window(ms *x, uint32_t d0)
{
    uint32_t wend = IX_NO_MORE_DOCS;
    for (size_t i = 0; i < x->m; i++) {
        se_scorer *s = x->s[i];
        uint32_t up = IX_NO_MORE_DOCS;
        x->wb[i] = s->doc == IX_NO_MORE_DOCS ? 0 : s->ops->block_bound(s, d0, &up);
        if (s->doc != IX_NO_MORE_DOCS)
            wend = up < wend ? up : wend;
    }
    sort_by_bound(x);
    x->prefix[0] = 0;
    x->ne = 0;
    for (size_t j = 0; j < x->m; j++) {
        x->prefix[j + 1] = x->prefix[j] + x->wb[x->order[j]];
        if (se_cannot_beat(x->prefix[j + 1], x->theta))
            x->ne = j + 1;
    }
    return wend;
}

/* Score candidate d (every essential clause on d already known); 1 when theta rose. */
static int ms_candidate(ms *x, uint32_t d)
{
    double partial = 0, bound = x->prefix[x->ne];
    for (size_t j = x->ne; j < x->m; j++)
        if (x->s[x->order[j]]->doc == d)
            bound += x->wb[x->order[j]];
    x->res->total++;
    if (se_cannot_beat(bound, x->theta))
        return 0;
    for (size_t j = x->ne; j < x->m; j++) {
        size_t i = x->order[j];
        if (x->s[i]->doc == d) {
            x->contrib[i] = x->s[i]->ops->score(x->s[i]);
            x->matched[i] = true;
            partial += x->contrib[i];
        }
    }
    double rem = x->prefix[x->ne];
    for (size_t j = x->ne; j-- > 0;) {
        if (se_cannot_beat(partial + rem, x->theta))
            return 0;
        size_t i = x->order[j];
        rem -= x->wb[i];
        if (x->s[i]->ops->advance(x->s[i], d) == d) {
            x->contrib[i] = x->s[i]->ops->score(x->s[i]);
            x->matched[i] = true;
            partial += x->contrib[i];
        }
    }
    double score = 0;
    for (size_t i = 0; i < x->m; i++)
        if (x->matched[i])
            score += x->contrib[i];
    int rc = push(x->res, x->sr, d, score);
    if (rc < 0)
        return rc;
    double t = se_topk_min(&x->res->top);
    if (t > x->theta) {
        x->theta = t;
        return 1;
    }
    return 0;
}

/* Candidates of the window up to wend; the document after the last one handled. */
static int ms_run_window(ms *x, uint32_t wend, uint32_t *resume)
{
    for (;;) {
        uint32_t d = IX_NO_MORE_DOCS;
        for (size_t j = x->ne; j < x->m; j++)
            d = x->s[x->order[j]]->doc < d ? x->s[x->order[j]]->doc : d;
        if (d == IX_NO_MORE_DOCS || d > wend) {
            *resume = wend == IX_NO_MORE_DOCS ? wend : wend + 1;
            return 0;
        }
        int rc = 0;
        if (ms_accepts(x, d))
            rc = ms_candidate(x, d);
        memset(x->matched, 0, x->m * sizeof *x->matched);
        for (size_t j = x->ne; j < x->m; j++)
            if (x->s[x->order[j]]->doc == d)
                x->s[x->order[j]]->ops->next(x->s[x->order[j]]);
        if (rc < 0)
            return rc;
        if (rc > 0 || x->sr->rc) { /* theta rose: new partition from the next document */
            *resume = d + 1;
            return x->sr->rc;
        }
    }
}

static int collect_maxscore(se_segrun *sr, const shape *sh, se_result *res)
{
    ms x = {.sr = sr, .res = res, .theta = se_topk_min(&res->top)};
    int rc = ms_setup(&x, sh);
    if (rc || x.m == 0)
        return rc;
    for (size_t i = 0; i < x.m; i++)
        x.order[i] = i;
    uint32_t d0 = 0;
    while (d0 != IX_NO_MORE_DOCS && !rc) {
        uint32_t first = IX_NO_MORE_DOCS;
        for (size_t i = 0; i < x.m; i++) {
            if (x.s[i]->doc < d0)
                x.s[i]->ops->advance(x.s[i], d0);
            first = x.s[i]->doc < first ? x.s[i]->doc : first;
        }
        if (first == IX_NO_MORE_DOCS)
            break;
        uint32_t wend = ms_window(&x, first);
        if (x.ne > 0)
            res->exact = false; /* documents of non-essential clauses alone are not visited */
        if (x.ne == x.m) {
            d0 = wend == IX_NO_MORE_DOCS ? wend : wend + 1;
            continue;
        }
        rc = ms_run_window(&x, wend, &d0);
    }
    return rc ? rc : sr->rc;
}

int se_collect(se_ctx *c, size_t k, int flags, se_result *res)
{
    se_topk_init(&res->top, k);
    res->total = 0;
    res->exact = true;
    shape sh;
    bool pruned = !(flags & SE_EXHAUSTIVE) && ranked_or_shape(c->plan, &sh);
    int rc = 0;
    for (uint32_t s = 0; s < c->n_seg && !rc; s++) {
        se_segrun sr;
        se_segrun_init(&sr, c, s);
        rc = pruned ? collect_maxscore(&sr, &sh, res) : collect_all(&sr, res);
        if (!rc)
            rc = se_segrun_check(&sr);
        se_segrun_free(&sr);
    }
    if (!rc)
        se_topk_sort(&res->top);
    return rc;
}
