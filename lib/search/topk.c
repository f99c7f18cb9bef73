/* topk.c: the k best (score, document key) pairs, kept in a binary heap whose root is the
 * worst kept hit. Order: higher score first; equal scores by smaller key (global document
 * order: segment index, then document number), so results never depend on arrival order. */
#include <math.h>
#include <stdlib.h>

#include "search/search.h"

void se_topk_init(se_topk *t, size_t k)
{
    t->h = NULL;
    t->n = t->cap = 0;
    t->k = k;
}

void se_topk_free(se_topk *t)
{
    cf_free(t->h);
    se_topk_init(t, 0);
}

bool se_topk_full(const se_topk *t)
{
    return t->n >= t->k;
}

double se_topk_min(const se_topk *t)
{
    return t->n >= t->k && t->k > 0 ? t->h[0].score : -INFINITY;
}

/* True when a is a worse hit than b (a belongs nearer the heap root). */
static bool worse(const se_hit *a, const se_hit *b)
{
    return se_hit_better(b->score, b->key, a->score, a->key);
}

static void sift_down(se_topk *t, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < t->n && worse(&t->h[l], &t->h[m]))
            m = l;
        if (r < t->n && worse(&t->h[r], &t->h[m]))
            m = r;
        if (m == i)
            return;
        se_hit x = t->h[i];
        t->h[i] = t->h[m];
        t->h[m] = x;
        i = m;
    }
}

static void sift_up(se_topk *t, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!worse(&t->h[i], &t->h[parent]))
            return;
        se_hit x = t->h[i];
        t->h[i] = t->h[parent];
        t->h[parent] = x;
        i = parent;
    }
}

int se_topk_push(se_topk *t, double score, uint64_t key)
{
    se_hit hit = {score, key};
    if (t->k == 0)
        return 0;
    if (t->n >= t->k) {
        if (!worse(&t->h[0], &hit))
            return 0;
        t->h[0] = hit;
        sift_down(t, 0);
        return 1;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        if (cap > t->k)
            cap = t->k;
        se_hit *h = cf_realloc(t->h, cap * sizeof *h);
        if (!h)
            return CJKFTS_ENOMEM;
        t->h = h;
        t->cap = cap;
    }
    t->h[t->n] = hit;
    sift_up(t, t->n++);
    return 1;
}

static int cmp_best_first(const void *a, const void *b)
{
    const se_hit *x = a, *y = b;
    return se_hit_better(x->score, x->key, y->score, y->key) ? -1
           : se_hit_better(y->score, y->key, x->score, x->key) ? 1 : 0;
}

void se_topk_sort(se_topk *t)
{
    if (t->n > 1)
        qsort(t->h, t->n, sizeof *t->h, cmp_best_first);
}
