/* match.c: finds the occurrences of query units in a stored text by re-analyzing it: tokens
 * are looked up in a small hash table of the query's terms, then phrases are assembled from
 * the matches at their relative positions. */
#include <stdlib.h>
#include <string.h>

#include "snippet/snippet.h"

typedef struct qent {
    const char *text;
    size_t len;
    bool prefix;
    uint32_t unit, term;
    uint32_t next; /* next entry with the same key, or UINT32_MAX */
} qent;

typedef struct match {
    uint32_t unit, term, pos;
    size_t start, end;
} match;

typedef struct finder {
    const char *text;
    size_t len;
    qent *ents;
    uint32_t *slots; /* hash table of first entry per key; UINT32_MAX = empty */
    size_t mask;
    match *m;
    size_t n, cap;
    int rc;
} finder;

static size_t key_hash(const char *s, size_t len, bool prefix)
{
    return (size_t)(cf_hash64(s, len) ^ (prefix ? 0x9e3779b97f4a7c15ull : 0));
}

/* The slot holding key, or the empty slot where it would go. */
static size_t slot_of(const finder *f, const char *s, size_t len, bool prefix)
{
    size_t h = key_hash(s, len, prefix) & f->mask;
    for (;;) {
        uint32_t e = f->slots[h];
        if (e == UINT32_MAX)
            return h;
        const qent *q = &f->ents[e];
        if (q->prefix == prefix && q->len == len && memcmp(q->text, s, len) == 0)
            return h;
        h = (h + 1) & f->mask;
    }
}

static int build_table(finder *f, const qy_plan *plan, const double *weight)
{
    size_t n = 0, cap = 16;
    while (cap < 2 * plan->n_terms + 2)
        cap *= 2;
    f->ents = cf_malloc((plan->n_terms + 1) * sizeof *f->ents);
    f->slots = cf_malloc(cap * sizeof *f->slots);
    if (!f->ents || !f->slots)
        return CJKFTS_ENOMEM;
    memset(f->slots, 0xff, cap * sizeof *f->slots);
    f->mask = cap - 1;
    for (uint32_t u = 0; u < plan->n_units; u++) {
        if (weight[u] <= 0)
            continue;
        const qy_unit *un = &plan->units[u];
        for (uint32_t t = 0; t < un->n; t++) {
            const qy_term *qt = &un->terms[t];
            size_t s = slot_of(f, qt->text, qt->len, qt->prefix);
            f->ents[n] = (qent){qt->text, qt->len, qt->prefix, u, t, f->slots[s]};
            f->slots[s] = (uint32_t)n++;
        }
    }
    return 0;
}

static int push_match(finder *f, const qent *q, const cjkfts_token *t, size_t end)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        match *m = cf_realloc(f->m, cap * sizeof *m);
        if (!m)
            return f->rc = CJKFTS_ENOMEM;
        f->m = m;
        f->cap = cap;
    }
    f->m[f->n++] = (match){q->unit, q->term, t->position, t->start, end};
    return 0;
}

/* Byte length of the UTF-8 character starting with lead byte c (1 for a stray byte). */
static size_t char_len(unsigned char c)
{
    return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

static int on_token(void *ctx, const cjkfts_token *t)
{
    finder *f = ctx;
    if (t->term_len == 0 || t->start > t->end || t->end > f->len)
        return 0;
    uint32_t e = f->slots[slot_of(f, t->term, t->term_len, false)];
    for (; e != UINT32_MAX; e = f->ents[e].next)
        if (push_match(f, &f->ents[e], t, t->end))
            return f->rc;
    size_t cl = char_len((unsigned char)t->term[0]);
    if (cl > t->term_len)
        return 0;
    e = f->slots[slot_of(f, t->term, cl, true)];
    if (e == UINT32_MAX)
        return 0;
    /* a character that starts a bigram: mark the first original character only */
    size_t end = t->end;
    if (t->kind == CJKFTS_TOKEN_BIGRAM && t->start < t->end) {
        size_t i = t->start;
        cf_utf8_decode((const uint8_t *)f->text, f->len, &i);
        end = i < t->end ? i : t->end;
    }
    for (; e != UINT32_MAX; e = f->ents[e].next)
        if (push_match(f, &f->ents[e], t, end))
            return f->rc;
    return 0;
}

static int cmp_match(const void *a, const void *b)
{
    const match *x = a, *y = b;
    if (x->unit != y->unit)
        return x->unit < y->unit ? -1 : 1;
    if (x->term != y->term)
        return x->term < y->term ? -1 : 1;
    if (x->pos != y->pos)
        return x->pos < y->pos ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

static int cmp_occ(const void *a, const void *b)
{
    const sn_occ *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return x->unit < y->unit ? -1 : x->unit > y->unit;
}

/* The match of list [lo, hi) (sorted by pos) at position pos, or NULL. */
static const match *find_pos(const match *m, size_t lo, size_t hi, uint32_t pos)
{
    size_t a = lo, b = hi;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (m[mid].pos < pos)
            a = mid + 1;
        else
            b = mid;
    }
    return a < hi && m[a].pos == pos ? &m[a] : NULL;
}

typedef struct occvec {
    sn_occ *v;
    size_t n, cap;
} occvec;

static int occ_push(occvec *o, size_t start, size_t end, uint32_t unit)
{
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 32;
        sn_occ *v = cf_realloc(o->v, cap * sizeof *v);
        if (!v)
            return CJKFTS_ENOMEM;
        o->v = v;
        o->cap = cap;
    }
    o->v[o->n++] = (sn_occ){start, end, unit};
    return 0;
}

/* Occurrences of unit u whose matches are m[lo, hi) (sorted by term, then pos). */
static int unit_occurrences(const qy_unit *un, uint32_t u, const match *m, size_t lo, size_t hi,
                            occvec *o)
{
    size_t bounds[QY_MAX_TERMS + 1];
    if (un->n > QY_MAX_TERMS)
        return CJKFTS_EINVAL;
    size_t k = lo;
    for (uint32_t t = 0; t <= un->n; t++) { /* bounds[t]: first match of term >= t */
        while (k < hi && m[k].term < t)
            k++;
        bounds[t] = k;
    }
    int rc = 0;
    for (size_t i = bounds[0]; i < bounds[1] && !rc; i++) {
        size_t start = m[i].start, end = m[i].end;
        bool all = true;
        for (uint32_t t = 1; t < un->n && all; t++) {
            const match *x = find_pos(m, bounds[t], bounds[t + 1], m[i].pos + un->terms[t].pos);
            if (!x)
                all = false;
            else {
                start = x->start < start ? x->start : start;
                end = x->end > end ? x->end : end;
            }
        }
        if (all)
            rc = occ_push(o, start, end, u);
    }
    return rc;
}

int sn_find(cjkfts_analyzer *an, const qy_plan *plan, const double *weight, const char *text,
            size_t len, sn_occ **occ, size_t *n, cf_err *err)
{
    *occ = NULL;
    *n = 0;
    finder f = {.text = text, .len = len};
    occvec o = {0};
    int rc = build_table(&f, plan, weight);
    if (!rc) {
        rc = cjkfts_analyzer_tokenize(an, text, len, on_token, &f);
        if (f.rc)
            rc = f.rc;
        else if (rc)
            rc = cf_fail(err, rc, "analyzing stored text: %s", cjkfts_errmsg(an));
    }
    if (!rc && f.n)
        qsort(f.m, f.n, sizeof *f.m, cmp_match);
    for (size_t i = 0; i < f.n && !rc;) {
        size_t j = i;
        while (j < f.n && f.m[j].unit == f.m[i].unit)
            j++;
        rc = unit_occurrences(&plan->units[f.m[i].unit], f.m[i].unit, f.m, i, j, &o);
        i = j;
    }
    if (!rc && o.n)
        qsort(o.v, o.n, sizeof *o.v, cmp_occ);
    cf_free(f.ents);
    cf_free(f.slots);
    cf_free(f.m);
    if (rc == CJKFTS_ENOMEM)
        cf_fail(err, rc, "out of memory finding matches for a snippet");
    if (rc) {
        cf_free(o.v);
        return rc;
    }
    *occ = o.v;
    *n = o.n;
    return 0;
}
