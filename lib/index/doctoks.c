/* doctoks.c: the tokens of one document grouped by term (a small hash table that stays in
 * cache), so the writer's big term hash is visited once per distinct term of a document, with
 * all its positions at once. */
#include <string.h>

#include "index/index.h"

/* xxHash's XXH3 compiled into this file: terms are mostly 3 to 12 bytes, where the hash is a
 * few instructions once inlined. The value only lives in memory (never written to a file). */
#define XXH_INLINE_ALL
#include <xxhash.h>

uint32_t ix_term_hash(int field, const char *term, size_t len)
{
    uint64_t h = XXH3_64bits(term, len) ^ ((uint64_t)(field + 1) * 0x9e3779b97f4a7c15ull);
    return (uint32_t)(h ^ h >> 32);
}

int ix_doctoks_new(ix_doctoks **out)
{
    *out = cf_calloc(1, sizeof **out);
    if (!*out)
        return CJKFTS_ENOMEM;
    cf_buf_init(&(*out)->bytes);
    return 0;
}

void ix_doctoks_free(ix_doctoks *d)
{
    if (!d)
        return;
    cf_free(d->terms);
    cf_free(d->slots);
    cf_buf_free(&d->bytes);
    cf_free(d->tok);
    cf_free(d->pos);
    cf_free(d);
}

void ix_doctoks_reset(ix_doctoks *d)
{
    for (uint32_t i = 0; i < d->nterms; i++) /* not the whole table: one large document */
        d->slots[d->terms[i].slot] = 0;      /* must not slow down every later one */
    d->nterms = 0;
    d->ntok = 0;
    d->bytes.len = 0;
}

size_t ix_doctoks_mem(const ix_doctoks *d)
{
    return d->termcap * sizeof(ix_dterm) + d->nslots * 4 + d->bytes.cap + d->tokcap * 8 +
           d->poscap * 4;
}

static int doctoks_grow(ix_doctoks *d)
{
    uint32_t n = d->nslots ? d->nslots * 2 : 256;
    uint32_t *s = cf_calloc(n, sizeof *s);
    if (!s)
        return CJKFTS_ENOMEM;
    for (uint32_t i = 0; i < d->nterms; i++) {
        uint32_t j = d->terms[i].hash & (n - 1);
        while (s[j])
            j = (j + 1) & (n - 1);
        s[j] = i + 1;
        d->terms[i].slot = j;
    }
    cf_free(d->slots);
    d->slots = s;
    d->nslots = n;
    if (d->termcap < n / 2) {
        ix_dterm *t = cf_realloc(d->terms, (n / 2) * sizeof *t);
        if (!t)
            return CJKFTS_ENOMEM;
        d->terms = t;
        d->termcap = n / 2;
    }
    return 0;
}

int ix_doctoks_add(ix_doctoks *d, int field, const char *term, size_t len, uint32_t pos)
{
    if (len > UINT32_MAX / 4 || d->bytes.len > UINT32_MAX / 2 || d->ntok >= UINT32_MAX)
        return CJKFTS_ETOOBIG;
    if (d->nterms >= d->nslots / 2) {
        int rc = doctoks_grow(d);
        if (rc)
            return rc;
    }
    if (d->ntok == d->tokcap) {
        size_t cap = d->tokcap ? d->tokcap * 2 : 1024;
        uint32_t *t = cf_realloc(d->tok, cap * 2 * sizeof *t);
        if (!t)
            return CJKFTS_ENOMEM;
        d->tok = t;
        d->tokcap = cap;
    }
    uint32_t h = ix_term_hash(field, term, len), mask = d->nslots - 1, j = h & mask;
    for (;;) {
        uint32_t s = d->slots[j];
        if (!s)
            break;
        const ix_dterm *t = &d->terms[s - 1];
        if (t->hash == h && t->len == len && t->field == field &&
            memcmp(d->bytes.data + t->off, term, len) == 0)
            break;
        j = (j + 1) & mask;
    }
    if (!d->slots[j]) {
        /* 8 bytes of room past every term: the buffer reads a term's first 8 bytes at once */
        if (d->bytes.cap - d->bytes.len < len + 8 && cf_buf_reserve(&d->bytes, len + 8))
            return CJKFTS_ENOMEM;
        memcpy(d->bytes.data + d->bytes.len, term, len);
        d->bytes.len += len;
        d->terms[d->nterms] = (ix_dterm){h, (uint32_t)(d->bytes.len - len), (uint32_t)len, 0, 0,
                                      j, (uint8_t)field};
        d->slots[j] = ++d->nterms;
    }
    uint32_t id = d->slots[j] - 1;
    d->terms[id].count++;
    d->tok[2 * d->ntok] = id;
    d->tok[2 * d->ntok + 1] = pos;
    d->ntok++;
    return 0;
}

/* Group the positions by term (a counting sort keeps each term's positions in order). */
int ix_doctoks_group(ix_doctoks *d)
{
    if (d->ntok > d->poscap) {
        uint32_t *p = cf_realloc(d->pos, d->ntok * sizeof *p);
        if (!p)
            return CJKFTS_ENOMEM;
        d->pos = p;
        d->poscap = d->ntok;
    }
    uint32_t at_ = 0;
    for (uint32_t i = 0; i < d->nterms; i++) {
        d->terms[i].first = at_;
        at_ += d->terms[i].count;
    }
    for (size_t k = 0; k < d->ntok; k++)
        d->pos[d->terms[d->tok[2 * k]].first++] = d->tok[2 * k + 1];
    for (uint32_t i = 0; i < d->nterms; i++)
        d->terms[i].first -= d->terms[i].count;
    return 0;
}

