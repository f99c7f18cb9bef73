/* collect.c: runs a plan over every segment into the top-k heap.
 *
 * Exhaustive: the scorer tree of the plan yields every match, each scored in full. Used for
 * AND-mode queries (every match is verified anyway, so totals stay exact) and by tests.
 *
 * MaxScore with block-max bounds, for ranked OR queries (the root is an OR of clauses,
 * possibly with filters and exclusions). Clauses are sorted by their bound over the whole
 * list; the longest prefix whose bounds sum to no more than the score to beat (theta, the
 * k-th best so far) is non-essential: candidates come only from the essential clauses. On a
 * candidate, the block maxima of the posting blocks holding it (ix_postings_block_max) bound
 * its score first; non-essential clauses are then probed, largest bound first, only while the
 * candidate can still beat theta. The block maxima of all clauses hold together up to the
 * nearest block end (a window); when their sum cannot beat theta, the essential clauses jump
 * past that end without visiting its documents.
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
    if (!or)
        return false; /* filters and exclusions only: a scan */
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
    se_scorer **s; /* clauses, query order: a unit's field leaves are clauses of their own */
    size_t *group; /* the root clause each belongs to (units sum their fields first) */
    size_t m;
    se_scorer **excl;
    size_t n_excl;
    const qy_node **filters;
    size_t n_filters;
    double *bb;      /* cached block bound of each clause ... */
    uint32_t *upto;  /* ... valid up to this document */
    double *contrib; /* score of each clause on the candidate */
    bool *matched;
    size_t *order;   /* clause indices by list bound (max_score), ascending */
    double *prefix;  /* prefix[j]: sum of the j smallest list bounds */
    size_t ne;       /* non-essential clauses: order[0..ne) */
    double theta;
    /* the window: block bounds of every clause hold from the candidate it was computed at
     * up to win_end */
    bool win_valid;
    uint32_t win_end;
    double win_sum, win_ne_sum;
} ms;

static int ms_setup(ms *x, const shape *sh)
{
    se_segrun *sr = x->sr;
    const qy_node *ra = sh->root_and;
    size_t nk = ra ? ra->n_kids : 0, m1 = IX_NFIELDS * sh->n_clauses + 1;
    x->s = se_alloc(sr, m1 * sizeof *x->s);
    x->group = se_alloc(sr, m1 * sizeof *x->group);
    x->excl = se_alloc(sr, (nk + 1) * sizeof *x->excl);
    x->filters = se_alloc(sr, (nk + 1) * sizeof *x->filters);
    x->bb = se_alloc(sr, m1 * sizeof *x->bb);
    x->upto = se_alloc(sr, m1 * sizeof *x->upto);
    x->contrib = se_alloc(sr, m1 * sizeof *x->contrib);
    x->prefix = se_alloc(sr, m1 * sizeof *x->prefix);
    x->matched = se_alloc(sr, m1 * sizeof *x->matched);
    x->order = se_alloc(sr, m1 * sizeof *x->order);
    if (!x->order)
        return sr->rc;
    for (size_t i = 0; i < sh->n_clauses && !sr->rc; i++) {
        const qy_node *c = sh->clauses[i];
        for (int f = 0; f < IX_NFIELDS && c->kind == QY_N_UNIT && !sr->rc; f++) {
            se_scorer *s = se_unit_field(sr, c->unit, f);
            if (s)
                x->group[x->m] = i, x->s[x->m++] = s;
        }
        se_scorer *s = c->kind == QY_N_UNIT ? NULL : se_build(sr, c);
        if (s)
            x->group[x->m] = i, x->s[x->m++] = s;
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

/* Order the clauses by list bound and compute the prefix sums (once per segment). */
static void ms_order(ms *x)
{
    for (size_t i = 0; i < x->m; i++) {
        x->order[i] = i;
        x->upto[i] = 0;
        x->bb[i] = 0;
        for (size_t j = i; j > 0 && x->s[x->order[j]]->max_score <
                                        x->s[x->order[j - 1]]->max_score; j--) {
            size_t t = x->order[j];
            x->order[j] = x->order[j - 1];
            x->order[j - 1] = t;
        }
    }
    x->prefix[0] = 0;
    for (size_t j = 0; j < x->m; j++)
        x->prefix[j + 1] = x->prefix[j] + x->s[x->order[j]]->max_score;
}

/* Clauses whose list bounds together cannot beat theta are non-essential. */
static void ms_partition(ms *x)
{
    while (x->ne < x->m && se_cannot_beat(x->prefix[x->ne + 1], x->theta))
        x->ne++;
    if (x->ne > 0)
        x->res->exact = false; /* documents of non-essential clauses alone are not visited */
}

/* The block bound of clause i valid at document d (d never decreases). */
static void ms_block(ms *x, size_t i, uint32_t d)
{
    se_scorer *s = x->s[i];
    if (d <= x->upto[i] && x->upto[i] != 0)
        return;
    if (s->doc == IX_NO_MORE_DOCS) {
        x->bb[i] = 0;
        x->upto[i] = IX_NO_MORE_DOCS;
    } else
        x->bb[i] = s->ops->block_bound(s, d, &x->upto[i]);
}

/* Block bounds of every clause at d: their sum, the sum over non-essential clauses, and the
 * last document where all of them hold. */
static void ms_window(ms *x, uint32_t d)
{
    x->win_sum = x->win_ne_sum = 0;
    x->win_end = IX_NO_MORE_DOCS;
    for (size_t j = 0; j < x->m; j++) {
        size_t i = x->order[j];
        ms_block(x, i, d);
        x->win_sum += x->bb[i];
        if (j < x->ne)
            x->win_ne_sum += x->bb[i];
        x->win_end = x->upto[i] < x->win_end ? x->upto[i] : x->win_end;
    }
    x->win_valid = true;
}

static uint32_t ms_next_candidate(const ms *x)
{
    uint32_t d = IX_NO_MORE_DOCS;
    for (size_t j = x->ne; j < x->m; j++)
        d = x->s[x->order[j]]->doc < d ? x->s[x->order[j]]->doc : d;
    return d;
}

/* Score candidate d (within the current window); 1 when it raised theta, 0, or a negative
 * error. */
static int ms_candidate(ms *x, uint32_t d)
{
    double bound = x->win_ne_sum, partial = 0;
    for (size_t j = x->ne; j < x->m; j++)
        if (x->s[x->order[j]]->doc == d)
            bound += x->bb[x->order[j]];
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
    double rem = x->win_ne_sum;
    for (size_t j = x->ne; j-- > 0;) { /* non-essential, largest list bound first */
        if (se_cannot_beat(partial + rem, x->theta))
            return 0;
        size_t i = x->order[j];
        rem -= x->bb[i];
        if (x->s[i]->ops->advance(x->s[i], d) == d) {
            x->contrib[i] = x->s[i]->ops->score(x->s[i]);
            x->matched[i] = true;
            partial += x->contrib[i];
        }
    }
    double score = 0; /* summed as the exhaustive scorers do: fields within a unit first */
    for (size_t i = 0; i < x->m;) {
        double unit = 0;
        bool any = false;
        size_t g = x->group[i];
        for (; i < x->m && x->group[i] == g; i++)
            if (x->matched[i])
                unit += x->contrib[i], any = true;
        if (any)
            score += unit;
    }
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

/* When the block bounds of the window cannot beat theta, move the essential clauses past its
 * end without visiting its documents. */
static bool ms_skip_window(ms *x)
{
    if (x->win_end == IX_NO_MORE_DOCS || !se_cannot_beat(x->win_sum, x->theta))
        return false;
    x->res->exact = false;
    for (size_t j = x->ne; j < x->m; j++)
        x->s[x->order[j]]->ops->advance(x->s[x->order[j]], x->win_end + 1);
    x->win_valid = false;
    return true;
}

static int collect_maxscore(se_segrun *sr, const shape *sh, se_result *res)
{
    ms x = {.sr = sr, .res = res, .theta = se_topk_min(&res->top)};
    int rc = ms_setup(&x, sh);
    if (rc || x.m == 0)
        return rc;
    ms_order(&x);
    ms_partition(&x);
    for (uint32_t d = ms_next_candidate(&x); d != IX_NO_MORE_DOCS && !sr->rc;
         d = ms_next_candidate(&x)) {
        if (!x.win_valid || d > x.win_end)
            ms_window(&x, d);
        if (ms_skip_window(&x))
            continue;
        if (ms_accepts(&x, d)) {
            res->total++;
            rc = ms_candidate(&x, d);
            memset(x.matched, 0, x.m * sizeof *x.matched);
            if (rc < 0)
                return rc;
            if (rc > 0) { /* theta rose: more clauses may be non-essential */
                ms_partition(&x);
                x.win_valid = false;
            }
        }
        for (size_t j = x.ne; j < x.m; j++)
            if (x.s[x.order[j]]->doc == d)
                x.s[x.order[j]]->ops->next(x.s[x.order[j]]);
    }
    return sr->rc;
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
