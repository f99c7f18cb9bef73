/* phrase.c: the phrase scorer: a conjunction of its terms' postings (with positions) where a
 * document matches when every term occurs at its relative position; tf is the number of such
 * occurrences. A one-character entry of a phrase reads the positions of every term of its
 * prefix range at the candidate document. Scored as one unit: idf = sum of the terms' idfs. */
#include <stdlib.h>
#include <string.h>

#include "search/search.h"

/* A source of positions: one posting list, or a one-character prefix range. */
typedef struct src {
    uint32_t doc;
    ix_postings *p;      /* exact term */
    const se_termref *r; /* prefix range: documents from r->docs, positions from subs */
    ix_postings **subs;
    size_t i;            /* index in r->docs */
    uint32_t *pos;       /* merged positions of the range at doc */
    size_t cap;
} src;

typedef struct phrase_leaf {
    se_scorer s;
    se_segrun *sr;
    size_t unit;
    int field;
    size_t n;
    src *srcs;
    uint32_t *rel;  /* relative positions */
    const uint32_t **pos; /* scratch per source: positions, their count, a cursor */
    size_t *len, *cur;
    size_t lead;    /* the source with the fewest documents drives the conjunction */
    double factor;
    uint32_t tf;    /* occurrences at the current document */
} phrase_leaf;

static uint32_t src_advance(src *x, uint32_t target)
{
    if (target <= x->doc)
        return x->doc;
    if (x->p)
        return x->doc = ix_postings_advance(x->p, target);
    const se_termref *r = x->r;
    while (x->i < r->n_docs && r->docs[x->i] < target)
        x->i++;
    return x->doc = x->i < r->n_docs ? r->docs[x->i] : IX_NO_MORE_DOCS;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Positions of the source at its current document, ascending. */
static int src_positions(se_segrun *sr, src *x, const uint32_t **pos)
{
    if (x->p)
        return ix_postings_positions(x->p, pos);
    size_t n = 0;
    for (size_t k = 0; k < x->r->n_range; k++) {
        ix_postings *p = x->subs[k];
        if (ix_postings_advance(p, x->doc) != x->doc)
            continue;
        const uint32_t *pp;
        int m = ix_postings_positions(p, &pp);
        if (m < 0)
            return m;
        if (n + (size_t)m > x->cap) {
            size_t cap = (n + (size_t)m) * 2;
            uint32_t *v = cf_realloc(x->pos, cap * sizeof *v);
            if (!v)
                return cf_fail(&sr->ctx->err, CJKFTS_ENOMEM, "out of memory matching a phrase");
            x->pos = v;
            x->cap = cap;
        }
        memcpy(x->pos + n, pp, (size_t)m * sizeof *pp);
        n += (size_t)m;
    }
    if (n > 1)
        qsort(x->pos, n, sizeof *x->pos, cmp_u32);
    *pos = x->pos;
    return (int)n;
}

/* Occurrences of the phrase at the document all sources are on; negative on error. */
static int64_t phrase_freq(phrase_leaf *ph)
{
    const uint32_t **pos = ph->pos;
    size_t *len = ph->len, *cur = ph->cur;
    for (size_t i = 0; i < ph->n; i++) {
        int m = src_positions(ph->sr, &ph->srcs[i], &pos[i]);
        if (m < 0)
            return m;
        len[i] = (size_t)m;
        cur[i] = 0;
    }
    int64_t count = 0;
    for (size_t k = 0; k < len[0]; k++) {
        bool all = true;
        for (size_t i = 1; i < ph->n && all; i++) {
            uint64_t want = (uint64_t)pos[0][k] + ph->rel[i];
            while (cur[i] < len[i] && pos[i][cur[i]] < want)
                cur[i]++;
            if (cur[i] == len[i])
                return count;
            all = pos[i][cur[i]] == want;
        }
        count += all;
    }
    return count;
}

/* The first document >= target where the phrase occurs. */
static uint32_t align(phrase_leaf *ph, uint32_t target)
{
    while (target != IX_NO_MORE_DOCS) {
        uint32_t d = src_advance(&ph->srcs[ph->lead], target);
        if (d == IX_NO_MORE_DOCS)
            break;
        bool same = true;
        for (size_t i = 0; i < ph->n && same; i++) {
            uint32_t e = src_advance(&ph->srcs[i], d);
            if (e != d)
                same = false, target = e;
        }
        if (!same)
            continue;
        int64_t tf = phrase_freq(ph);
        if (tf < 0) {
            ph->sr->rc = (int)tf;
            break;
        }
        if (tf > 0) {
            ph->tf = (uint32_t)tf;
            return ph->s.doc = d;
        }
        target = d + 1;
    }
    ph->tf = 0;
    return ph->s.doc = IX_NO_MORE_DOCS;
}

static uint32_t phrase_next(se_scorer *s)
{
    return s->doc == IX_NO_MORE_DOCS ? s->doc : align((phrase_leaf *)s, s->doc + 1);
}

static uint32_t phrase_advance(se_scorer *s, uint32_t target)
{
    return target <= s->doc ? s->doc : align((phrase_leaf *)s, target);
}

static double phrase_score(se_scorer *s)
{
    phrase_leaf *ph = (phrase_leaf *)s;
    const se_ctx *c = ph->sr->ctx;
    double len = ix_seg_field_length(ph->sr->g, ph->field, s->doc);
    return ph->factor * se_tfnorm(&c->bm, ph->tf, len, c->avglen[ph->field]);
}

/* Bound from the smallest largest-frequency and the largest smallest-length of the sources:
 * a document holding the phrase has each term at least tf times and one length. */
static double phrase_block(se_scorer *s, uint32_t target, uint32_t *upto)
{
    phrase_leaf *ph = (phrase_leaf *)s;
    uint32_t tf = UINT32_MAX, len = 0, end = IX_NO_MORE_DOCS;
    for (size_t i = 0; i < ph->n; i++) {
        src *x = &ph->srcs[i];
        uint32_t mf = x->r ? x->r->max_tf : 0, ml = 0;
        if (x->p) {
            uint32_t last = ix_postings_block_max(x->p, target, &mf, &ml);
            if (last == IX_NO_MORE_DOCS) {
                *upto = IX_NO_MORE_DOCS;
                return 0;
            }
            end = last < end ? last : end;
        }
        tf = mf < tf ? mf : tf;
        len = ml > len ? ml : len;
    }
    *upto = end;
    const se_ctx *c = ph->sr->ctx;
    return ph->factor * se_tfnorm(&c->bm, tf, len, c->avglen[ph->field]);
}

static int phrase_explain(se_scorer *s, cf_buf *out)
{
    phrase_leaf *ph = (phrase_leaf *)s;
    return se_explain_leaf(ph->sr->ctx, out, ph->unit, ph->field, ph->tf,
                           ix_seg_field_length(ph->sr->g, ph->field, s->doc), phrase_score(s));
}

static void phrase_destroy(se_scorer *s)
{
    phrase_leaf *ph = (phrase_leaf *)s;
    for (size_t i = 0; i < ph->n; i++)
        cf_free(ph->srcs[i].pos);
}

static const se_scorer_ops phrase_ops = {phrase_next, phrase_advance, phrase_score,
                                         phrase_block, phrase_explain, phrase_destroy};

static int src_open(se_segrun *sr, src *x, const se_termref *r, bool prefix)
{
    x->doc = 0;
    if (!prefix) {
        if (se_open_postings(sr, &r->ti, IX_POST_POSITIONS, &x->p))
            return sr->rc;
        x->doc = ix_postings_next(x->p);
        return 0;
    }
    x->r = r;
    x->doc = r->n_docs ? r->docs[0] : IX_NO_MORE_DOCS;
    x->subs = se_alloc(sr, r->n_range * sizeof *x->subs);
    if (!x->subs)
        return sr->rc;
    for (size_t k = 0; k < r->n_range; k++)
        if (se_open_postings(sr, &r->range[k], IX_POST_POSITIONS, &x->subs[k]))
            return sr->rc;
    return 0;
}

static uint64_t src_cost(const src *x)
{
    return x->p ? 0 : x->r->n_docs;
}

se_scorer *se_phrase_leaf(se_segrun *sr, size_t unit, int field)
{
    const se_ctx *c = sr->ctx;
    const qy_unit *u = &c->plan->units[unit];
    for (size_t i = 0; i < u->n; i++)
        if (!se_ref(c, sr->seg, c->first[unit] + i, field)->found)
            return NULL;
    phrase_leaf *ph = se_alloc(sr, sizeof *ph);
    src *srcs = ph ? se_alloc(sr, u->n * sizeof *srcs) : NULL;
    uint32_t *rel = srcs ? se_alloc(sr, u->n * sizeof *rel) : NULL;
    const uint32_t **pos = rel ? se_alloc(sr, u->n * sizeof *pos) : NULL;
    size_t *lens = pos ? se_alloc(sr, 2 * u->n * sizeof *lens) : NULL;
    if (!lens || se_own(sr, &ph->s))
        return NULL;
    *ph = (phrase_leaf){.s.ops = &phrase_ops, .sr = sr, .unit = unit, .field = field,
                        .n = u->n, .srcs = srcs, .rel = rel, .pos = pos, .len = lens,
                        .cur = lens + u->n};
    ph->factor = u->weight * c->fw[field] * c->idf[unit * IX_NFIELDS + field];
    uint64_t best = UINT64_MAX;
    uint32_t tf = UINT32_MAX, len = 0;
    for (size_t i = 0; i < u->n; i++) {
        const se_termref *r = se_ref(c, sr->seg, c->first[unit] + i, field);
        if (src_open(sr, &srcs[i], r, u->terms[i].prefix))
            return NULL;
        rel[i] = u->terms[i].pos;
        uint64_t cost = srcs[i].p ? r->ti.doc_freq : src_cost(&srcs[i]);
        if (cost < best)
            best = cost, ph->lead = i;
        uint32_t mf = r->max_tf, ml = 0;
        if (srcs[i].p)
            ix_postings_list_max(srcs[i].p, &mf, &ml);
        tf = mf < tf ? mf : tf;
        len = ml > len ? ml : len;
    }
    ph->s.max_score = ph->factor * se_tfnorm(&c->bm, tf, len, c->avglen[field]);
    ph->s.cost = best;
    ph->s.doc = 0;
    align(ph, 0);
    return sr->rc ? NULL : &ph->s;
}
