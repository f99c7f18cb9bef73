/* plan.c: turns the AST into a plan: each word and phrase is analyzed with the index's analyzer
 * into units (terms, one-character prefixes, phrases), groups are flattened, repeated units
 * merged, and NOT / date: placed where the search layer applies them as filters.
 *
 * AND mode, a word:   each CJK run is a phrase of its bigrams (the run's TAIL unigram is
 *                     dropped); a one-character run is a prefix unit (the character anywhere);
 *                     each other token is a term; the units of one word are ANDed.
 * OR mode, a word:    every bigram, word, number and one-character-run unigram is a term of its
 *                     own (TAIL dropped); they are ORed.
 * A "quoted phrase":  one unit of all its tokens but TAIL, at their relative positions.
 * Groups:             an OR group's NOT and date: children restrict the whole group (Lucene's
 *                     MUST_NOT in a should-group); an OR of dates alone is a union of ranges. */
#include <stdio.h>
#include <string.h>

#include "query/query.h"

typedef struct atok {
    char *term;
    size_t len;
    uint32_t pos;
    int kind;
} atok;

/* How a normalized node takes part in its parent. */
enum { C_POS, C_FILTER, C_NOT, C_NOPOS };

typedef struct pnode {
    qy_node *node; /* NULL: nothing searchable */
    int cls;
    size_t pos;    /* query byte position (of the first exclusion for C_NOPOS) */
} pnode;

typedef struct planner {
    qy_plan *plan;
    cjkfts_analyzer *an;
    const char *text;
    cf_err *err;
    atok *toks; /* scratch: tokens of the leaf being analyzed */
    size_t n_toks, cap_toks;
    size_t cap_units;
    int rc; /* failure inside the analyzer callback */
} planner;

static int nomem(planner *pl)
{
    return cf_fail(pl->err, CJKFTS_ENOMEM, "out of memory planning the query");
}

/* ---- analysis of one leaf ---------------------------------------------------------------- */

static int collect_token(void *ctx, const cjkfts_token *t)
{
    planner *pl = ctx;
    if (pl->n_toks == pl->cap_toks) {
        size_t cap = pl->cap_toks ? pl->cap_toks * 2 : 16;
        atok *v = cf_realloc(pl->toks, cap * sizeof *v);
        if (!v)
            return pl->rc = CJKFTS_ENOMEM;
        pl->toks = v;
        pl->cap_toks = cap;
    }
    char *term = qy_arena_alloc(&pl->plan->arena, t->term_len + 1);
    if (!term)
        return pl->rc = CJKFTS_ENOMEM;
    memcpy(term, t->term, t->term_len);
    pl->toks[pl->n_toks++] = (atok){term, t->term_len, t->position, t->kind};
    return 0;
}

static int analyze(planner *pl, size_t start, size_t end)
{
    pl->n_toks = 0;
    pl->rc = 0;
    int rc = cjkfts_analyzer_tokenize(pl->an, pl->text + start, end - start, collect_token, pl);
    if (pl->rc == CJKFTS_ENOMEM)
        return nomem(pl);
    if (rc)
        return cf_fail(pl->err, rc, "analyzing the query at byte %zu: %s", start,
                       cjkfts_errmsg(pl->an));
    return 0;
}

/* ---- units and nodes ----------------------------------------------------------------------- */

static qy_node *new_node(planner *pl, qy_node_kind kind)
{
    qy_node *n = qy_arena_alloc(&pl->plan->arena, sizeof *n);
    if (n)
        n->kind = kind;
    return n;
}

/* A unit node over toks[from..to) (TAIL tokens already left out by the caller's choice). */
static int unit_node(planner *pl, const atok *const *toks, size_t n, unsigned fields,
                     bool prefix_unigrams, qy_node **out)
{
    qy_plan *p = pl->plan;
    if (p->n_terms + n > QY_MAX_TERMS)
        return cf_fail(pl->err, CJKFTS_ETOOBIG, "query has more than %d terms", QY_MAX_TERMS);
    if (p->n_units == pl->cap_units) {
        size_t cap = pl->cap_units ? pl->cap_units * 2 : 8;
        qy_unit *v = cf_realloc(p->units, cap * sizeof *v);
        if (!v)
            return nomem(pl);
        p->units = v;
        pl->cap_units = cap;
    }
    qy_term *terms = qy_arena_alloc(&p->arena, n * sizeof *terms);
    qy_node *node = terms ? new_node(pl, QY_N_UNIT) : NULL;
    if (!node)
        return nomem(pl);
    for (size_t i = 0; i < n; i++)
        terms[i] = (qy_term){toks[i]->term, toks[i]->len, toks[i]->pos - toks[0]->pos,
                             prefix_unigrams && toks[i]->kind == CJKFTS_TOKEN_UNIGRAM};
    p->units[p->n_units] = (qy_unit){terms, n, fields ? fields : QY_FIELD_ALL, 1.0};
    node->unit = p->n_units++;
    p->n_terms += n;
    *out = node;
    return 0;
}

typedef struct nodevec {
    qy_node **v;
    size_t n, cap;
} nodevec;

static int nv_push(planner *pl, nodevec *nv, qy_node *x)
{
    if (nv->n == nv->cap) {
        size_t cap = nv->cap ? nv->cap * 2 : 8;
        qy_node **v = cf_realloc(nv->v, cap * sizeof *v);
        if (!v)
            return nomem(pl);
        nv->v = v;
        nv->cap = cap;
    }
    nv->v[nv->n++] = x;
    return 0;
}

/* A node of kind over nv's nodes, or the only node itself. */
static int group_node(planner *pl, qy_node_kind kind, const nodevec *nv, qy_node **out)
{
    if (nv->n <= 1) {
        *out = nv->n ? nv->v[0] : NULL;
        return 0;
    }
    qy_node *g = new_node(pl, kind);
    qy_node **kids = g ? qy_arena_alloc(&pl->plan->arena, nv->n * sizeof *kids) : NULL;
    if (!kids)
        return nomem(pl);
    memcpy(kids, nv->v, nv->n * sizeof *kids);
    g->kids = kids;
    g->n_kids = nv->n;
    *out = g;
    return 0;
}

/* AND mode: the units of a word, one per CJK run / term, pushed on nv. */
static int word_units_and(planner *pl, unsigned fields, nodevec *nv)
{
    const atok **run = cf_malloc((pl->n_toks ? pl->n_toks : 1) * sizeof *run);
    if (!run)
        return nomem(pl);
    size_t nrun = 0;
    int rc = 0;
    for (size_t i = 0; i < pl->n_toks && !rc; i++) {
        const atok *t = &pl->toks[i];
        qy_node *u = NULL;
        if (t->kind == CJKFTS_TOKEN_BIGRAM) {
            run[nrun++] = t;
            continue;
        }
        if (nrun) { /* the run ends (normally at its TAIL) */
            rc = unit_node(pl, run, nrun, fields, false, &u);
            if (!rc)
                rc = nv_push(pl, nv, u);
            nrun = 0;
        }
        if (rc || t->kind == CJKFTS_TOKEN_TAIL)
            continue;
        rc = unit_node(pl, &t, 1, fields, true, &u);
        if (!rc)
            rc = nv_push(pl, nv, u);
    }
    if (!rc && nrun) {
        qy_node *u;
        rc = unit_node(pl, run, nrun, fields, false, &u);
        if (!rc)
            rc = nv_push(pl, nv, u);
    }
    cf_free(run);
    return rc;
}

/* OR mode: every token but TAIL is a term of its own. */
static int word_units_or(planner *pl, unsigned fields, nodevec *nv)
{
    int rc = 0;
    for (size_t i = 0; i < pl->n_toks && !rc; i++) {
        const atok *t = &pl->toks[i];
        qy_node *u;
        if (t->kind == CJKFTS_TOKEN_TAIL)
            continue;
        rc = unit_node(pl, &t, 1, fields, false, &u);
        if (!rc)
            rc = nv_push(pl, nv, u);
    }
    return rc;
}

static bool unit_equal(const qy_unit *x, const qy_unit *y)
{
    if (x->n != y->n || x->fields != y->fields)
        return false;
    for (size_t i = 0; i < x->n; i++) {
        const qy_term *a = &x->terms[i], *b = &y->terms[i];
        if (a->len != b->len || a->pos != b->pos || a->prefix != b->prefix ||
            memcmp(a->text, b->text, a->len) != 0)
            return false;
    }
    return true;
}

/* Merge repeated units among nv's nodes: the first keeps the summed weight. */
static void merge_repeats(planner *pl, nodevec *nv)
{
    qy_unit *units = pl->plan->units;
    size_t out = 0;
    for (size_t i = 0; i < nv->n; i++) {
        qy_node *x = nv->v[i];
        bool merged = false;
        for (size_t j = 0; j < out && x->kind == QY_N_UNIT && !merged; j++) {
            qy_node *y = nv->v[j];
            if (y->kind == QY_N_UNIT && unit_equal(&units[x->unit], &units[y->unit])) {
                units[y->unit].weight += units[x->unit].weight;
                merged = true;
            }
        }
        if (!merged)
            nv->v[out++] = x;
    }
    nv->n = out;
}

static int plan_word(planner *pl, const qy_ast *a, pnode *out)
{
    int rc = analyze(pl, a->start, a->end);
    if (rc)
        return rc;
    nodevec nv = {0};
    bool or_mode = pl->plan->mode == CJKFTS_MODE_OR;
    rc = or_mode ? word_units_or(pl, a->fields, &nv) : word_units_and(pl, a->fields, &nv);
    if (!rc)
        merge_repeats(pl, &nv);
    if (!rc)
        rc = group_node(pl, or_mode ? QY_N_OR : QY_N_AND, &nv, &out->node);
    cf_free(nv.v);
    return rc;
}

static int plan_phrase(planner *pl, const qy_ast *a, pnode *out)
{
    int rc = analyze(pl, a->start, a->end);
    if (rc)
        return rc;
    const atok **sel = cf_malloc((pl->n_toks ? pl->n_toks : 1) * sizeof *sel);
    if (!sel)
        return nomem(pl);
    size_t n = 0;
    for (size_t i = 0; i < pl->n_toks; i++)
        if (pl->toks[i].kind != CJKFTS_TOKEN_TAIL)
            sel[n++] = &pl->toks[i];
    if (n)
        rc = unit_node(pl, sel, n, a->fields, pl->plan->mode == CJKFTS_MODE_AND, &out->node);
    cf_free(sel);
    return rc;
}

/* ---- groups -------------------------------------------------------------------------------- */

static int plan_ast(planner *pl, const qy_ast *a, pnode *out);

static int only_exclusions(planner *pl, size_t pos)
{
    return cf_fail(pl->err, CJKFTS_ESYNTAX, "the exclusion at byte %zu needs a term to search "
                   "for in the same group (a query or group cannot only exclude)", pos);
}

typedef struct sorted {
    nodevec pos, filter, excl;
    size_t excl_pos;
} sorted;

static void sorted_free(sorted *s)
{
    cf_free(s->pos.v);
    cf_free(s->filter.v);
    cf_free(s->excl.v);
}

/* The class of a node already planned: filters (date:, NOT of a filter, groups of filters)
 * are checked per document; an exclusion is NOT of something searchable. */
static int node_class(const qy_node *n)
{
    switch (n->kind) {
    case QY_N_DATE:
        return C_FILTER;
    case QY_N_NOT:
        return node_class(n->kids[0]) == C_FILTER ? C_FILTER : C_NOT;
    case QY_N_AND:
    case QY_N_OR: {
        int cls = C_FILTER;
        for (size_t i = 0; i < n->n_kids; i++) {
            int k = node_class(n->kids[i]);
            if (k == C_POS)
                return C_POS;
            if (k != C_FILTER)
                cls = C_NOPOS; /* exclusions with filters only: a scan at the root */
        }
        return cls;
    }
    default:
        return C_POS;
    }
}

bool qy_node_is_filter(const qy_node *n)
{
    return node_class(n) == C_FILTER;
}

static nodevec *class_vec(sorted *s, int cls)
{
    return cls == C_POS ? &s->pos : cls == C_FILTER ? &s->filter : &s->excl;
}

/* Plan each child of a and sort it by class, splicing the children of a searchable child that
 * is the same kind of group (AND in AND, OR in OR). */
static int sort_kids(planner *pl, const qy_ast *a, qy_node_kind kind, sorted *s)
{
    for (size_t i = 0; i < a->n_kids; i++) {
        pnode k = {0};
        int rc = plan_ast(pl, a->kids[i], &k);
        if (rc)
            return rc;
        if (!k.node)
            continue;
        if (k.cls == C_NOPOS)
            return only_exclusions(pl, k.pos);
        if (k.cls == C_NOT && s->excl.n == 0)
            s->excl_pos = k.pos;
        if (k.cls == C_POS && k.node->kind == kind) {
            for (size_t j = 0; j < k.node->n_kids && !rc; j++) {
                qy_node *g = k.node->kids[j];
                rc = nv_push(pl, class_vec(s, node_class(g)), g);
            }
        } else
            rc = nv_push(pl, class_vec(s, k.cls), k.node);
        if (rc)
            return rc;
    }
    return 0;
}

/* AND(pos..., filters..., exclusions...), or the only node. */
static int and_of(planner *pl, const nodevec *pos, const sorted *s, qy_node **out)
{
    nodevec all = {0};
    int rc = 0;
    const nodevec *parts[3] = {pos, &s->filter, &s->excl};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < parts[k]->n && !rc; i++)
            rc = nv_push(pl, &all, parts[k]->v[i]);
    if (!rc)
        rc = group_node(pl, QY_N_AND, &all, out);
    cf_free(all.v);
    return rc;
}

static int plan_and(planner *pl, const qy_ast *a, pnode *out)
{
    sorted s = {0};
    int rc = sort_kids(pl, a, QY_N_AND, &s);
    if (!rc && s.pos.n == 0 && s.excl.n > 0 && s.filter.n == 0)
        rc = only_exclusions(pl, s.excl_pos);
    if (!rc) {
        merge_repeats(pl, &s.pos);
        rc = and_of(pl, &s.pos, &s, &out->node);
        out->cls = s.pos.n ? C_POS : s.excl.n ? C_NOPOS : C_FILTER;
        out->pos = s.excl_pos;
    }
    sorted_free(&s);
    return rc;
}

static int plan_or(planner *pl, const qy_ast *a, pnode *out)
{
    sorted s = {0};
    int rc = sort_kids(pl, a, QY_N_OR, &s);
    if (rc)
        goto done;
    if (s.pos.n == 0) {
        if (s.excl.n > 0)
            rc = only_exclusions(pl, s.excl_pos);
        else if (s.filter.n > 0) { /* a union of date ranges */
            rc = group_node(pl, QY_N_OR, &s.filter, &out->node);
            out->cls = C_FILTER;
        }
        goto done;
    }
    merge_repeats(pl, &s.pos);
    qy_node *g;
    nodevec one = {&g, 1, 1};
    if (!(rc = group_node(pl, QY_N_OR, &s.pos, &g)))
        rc = and_of(pl, &one, &s, &out->node);
    out->cls = C_POS;
done:
    sorted_free(&s);
    return rc;
}

static int plan_not(planner *pl, const qy_ast *a, pnode *out)
{
    pnode k = {0};
    int rc = plan_ast(pl, a->kids[0], &k);
    if (rc || !k.node)
        return rc;
    if (k.cls == C_NOPOS)
        return only_exclusions(pl, k.pos);
    if (k.cls == C_NOT) { /* double negation */
        out->node = k.node->kids[0];
        out->cls = C_POS;
        return 0;
    }
    qy_node *n = new_node(pl, QY_N_NOT);
    qy_node **kids = n ? qy_arena_alloc(&pl->plan->arena, sizeof *kids) : NULL;
    if (!kids)
        return nomem(pl);
    kids[0] = k.node;
    n->kids = kids;
    n->n_kids = 1;
    out->node = n;
    out->cls = k.cls == C_FILTER ? C_FILTER : C_NOT;
    out->pos = a->pos;
    return 0;
}

static int plan_ast(planner *pl, const qy_ast *a, pnode *out)
{
    *out = (pnode){NULL, C_POS, a->pos};
    switch (a->kind) {
    case QY_A_WORD:
        return plan_word(pl, a, out);
    case QY_A_PHRASE:
        return plan_phrase(pl, a, out);
    case QY_A_AND:
        return plan_and(pl, a, out);
    case QY_A_OR:
        return plan_or(pl, a, out);
    case QY_A_NOT:
        return plan_not(pl, a, out);
    case QY_A_DATE:
        out->node = new_node(pl, QY_N_DATE);
        if (!out->node)
            return nomem(pl);
        out->node->date_lo = a->date_lo;
        out->node->date_hi = a->date_hi;
        out->cls = C_FILTER;
        return 0;
    }
    return cf_fail(pl->err, CJKFTS_ERROR, "unknown query node");
}

/* ---- final numbering: units in the order of a depth-first walk ------------------------------ */

static void renumber(qy_node *n, const qy_unit *old, qy_unit *fresh, size_t *count)
{
    if (n->kind == QY_N_UNIT) {
        fresh[*count] = old[n->unit];
        n->unit = (*count)++;
        return;
    }
    for (size_t i = 0; i < n->n_kids; i++)
        renumber(n->kids[i], old, fresh, count);
}

static int finish(planner *pl, pnode *root)
{
    qy_plan *p = pl->plan;
    if (!root->node)
        return cf_fail(pl->err, CJKFTS_ESYNTAX, "query has no searchable terms");
    if (root->cls == C_NOT)
        return only_exclusions(pl, root->pos);
    p->root = root->node;
    qy_unit *fresh = cf_malloc((p->n_units ? p->n_units : 1) * sizeof *fresh);
    if (!fresh)
        return nomem(pl);
    size_t count = 0;
    renumber(p->root, p->units, fresh, &count);
    cf_free(p->units);
    p->units = fresh;
    p->n_units = count;
    p->n_terms = 0;
    for (size_t i = 0; i < count; i++)
        p->n_terms += fresh[i].n;
    return 0;
}

int qy_plan_build(const char *text, size_t len, int mode, cjkfts_analyzer *an, qy_plan **out,
                  cf_err *err)
{
    *out = NULL;
    if (mode != CJKFTS_MODE_AND && mode != CJKFTS_MODE_OR)
        return cf_fail(err, CJKFTS_EINVAL, "unknown query mode %d", mode);
    if (len == CJKFTS_NTS)
        len = strlen(text);
    qy_plan *p = cf_calloc(1, sizeof *p);
    if (!p)
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory planning the query");
    qy_arena_init(&p->arena);
    p->mode = mode;
    planner pl = {.plan = p, .an = an, .text = text, .err = err};
    qy_ast *ast = NULL;
    pnode root = {0};
    int rc = qy_parse_ast(text, len, mode, &p->arena, &ast, err);
    if (!rc && !ast)
        rc = cf_fail(err, CJKFTS_ESYNTAX, "empty query");
    if (!rc)
        rc = plan_ast(&pl, ast, &root);
    if (!rc)
        rc = finish(&pl, &root);
    cf_free(pl.toks);
    if (rc) {
        qy_plan_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

void qy_plan_free(qy_plan *p)
{
    if (!p)
        return;
    cf_free(p->units);
    qy_arena_free(&p->arena);
    cf_free(p);
}
