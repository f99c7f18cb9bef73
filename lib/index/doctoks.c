/* doctoks.c: the tokens of one document grouped by term (a small hash table that stays in
 * cache), so the writer's big term hash is visited once per distinct term of a document, with
 * all its positions at once (the first in the term, the others chained in order). */
#include <string.h>

#include "index/index.h"

/* xxHash's XXH3 compiled into this file: terms are mostly 3 to 12 bytes, where the hash is a
 * few instructions once inlined. The value only lives in memory (never written to a file). */
#define XXH_INLINE_ALL
#include <xxhash.h>

/* Keys of at most 8 bytes (field byte and up to 7 term bytes: CJK bigrams, most words) are
 * whole in key8 and get one 64-bit mix of it; longer keys are hashed by XXH3. */
static uint32_t long_hash(uint64_t key8, const char *term, size_t len)
{
    uint64_t h = XXH3_64bits(term, len) ^ ((key8 & 0xff) + 1) * 0x9e3779b97f4a7c15ull;
    return (uint32_t)(h ^ h >> 32);
}

static inline uint32_t term_hash(uint64_t key8, const char *term, size_t len)
{
    if (len > 7)
        return long_hash(key8, term, len);
    uint64_t h = (key8 ^ (uint64_t)len << 53) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ h >> 31) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    return (uint32_t)(h ^ h >> 32);
}

uint32_t ix_term_hash(uint64_t key8, const char *term, size_t len)
{
    return term_hash(key8, term, len);
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
    cf_free(d);
}

#define MIN_SLOTS 256u

/* The table in use is the first nslots of the allocation (slotcap): sized for each document
 * from its text length (ix_doctoks_reset) and doubled as it fills, so that one large
 * document does not make every later one probe a table far out of the cache. */
void ix_doctoks_reset(ix_doctoks *d, size_t text_bytes)
{
    for (uint32_t i = 0; i < d->nterms; i++) /* not the whole table: only the slots used */
        d->slots[d->terms[i].slot] = 0;
    d->nterms = 0;
    d->ntok = 0;
    d->bytes.len = 0;
    d->err = 0;
    /* about one distinct term per 4 bytes of CJK text; the table is kept at most half full */
    size_t want = text_bytes / 2;
    uint32_t n = MIN_SLOTS;
    while (n < want && n < d->slotcap)
        n *= 2;
    d->nslots = n <= d->slotcap ? n : d->slotcap;
}

size_t ix_doctoks_mem(const ix_doctoks *d)
{
    return d->termcap * sizeof(ix_dterm) + d->slotcap * 4 + d->bytes.cap + d->tokcap * 8;
}

/* Double the table in use (the allocation too when it is full) and put the terms back. */
static int doctoks_grow(ix_doctoks *d)
{
    uint32_t n = d->nslots ? d->nslots * 2 : MIN_SLOTS;
    if (n > d->slotcap) {
        uint32_t *s = cf_calloc(n, sizeof *s);
        if (!s)
            return CJKFTS_ENOMEM;
        cf_free(d->slots);
        d->slots = s;
        d->slotcap = n;
    } else {
        for (uint32_t i = 0; i < d->nterms; i++)
            d->slots[d->terms[i].slot] = 0;
    }
    if (d->termcap < n / 2) {
        ix_dterm *t = cf_realloc(d->terms, (n / 2) * sizeof *t);
        if (!t)
            return CJKFTS_ENOMEM;
        d->terms = t;
        d->termcap = n / 2;
    }
    for (uint32_t i = 0; i < d->nterms; i++) {
        uint32_t j = d->terms[i].hash & (n - 1);
        while (d->slots[j])
            j = (j + 1) & (n - 1);
        d->slots[j] = i + 1;
        d->terms[i].slot = j;
    }
    d->nslots = n;
    return 0;
}

static int grow_tok(ix_doctoks *d)
{
    size_t cap = d->tokcap ? d->tokcap * 2 : 1024;
    if (cap > UINT32_MAX - 1) /* a chain index is never IX_NO_TOK */
        cap = UINT32_MAX - 1;
    uint32_t *t = cf_realloc(d->tok, cap * 2 * sizeof *t);
    if (!t)
        return CJKFTS_ENOMEM;
    d->tok = t;
    d->tokcap = cap;
    return 0;
}

/* A new term in slot j (room checked), its bytes at off (keys of at most 8 bytes are whole in
 * key8). */
static inline void put_term(ix_doctoks *d, uint64_t key8, uint32_t h, uint32_t off, size_t len,
                            uint32_t pos, uint32_t j)
{
    d->terms[d->nterms] = (ix_dterm){key8, h, off, (uint32_t)len, 1, pos, IX_NO_TOK, IX_NO_TOK, j};
    d->slots[j] = ++d->nterms;
}

/* A new term of any length: a key longer than 8 bytes keeps its bytes. */
static int new_term(ix_doctoks *d, uint64_t key8, uint32_t h, const char *term, size_t len,
                    uint32_t pos, uint32_t j)
{
    uint32_t off = 0;
    if (len > 7) {
        if (d->bytes.cap - d->bytes.len < len && cf_buf_reserve(&d->bytes, len))
            return CJKFTS_ENOMEM;
        off = (uint32_t)d->bytes.len;
        memcpy(d->bytes.data + d->bytes.len, term, len);
        d->bytes.len += len;
    }
    put_term(d, key8, h, off, len, pos, j);
    return 0;
}

/* A later occurrence of term t (room in tok checked): appended to its chain. */
static inline void add_later(ix_doctoks *d, ix_dterm *t, uint32_t pos)
{
    uint32_t k = (uint32_t)d->ntok++;
    d->tok[2 * k] = pos;
    d->tok[2 * k + 1] = IX_NO_TOK;
    if (t->more == IX_NO_TOK)
        t->more = k;
    else
        d->tok[2 * t->last + 1] = k;
    t->last = k;
    t->count++;
}

/* Any term, growing what needs to grow. */
static inline int add_general(ix_doctoks *d, int field, const char *term, size_t len,
                              uint32_t pos)
{
    if (len > UINT32_MAX / 4 || d->bytes.len > UINT32_MAX / 2 || d->ntok >= UINT32_MAX - 1)
        return CJKFTS_ETOOBIG;
    int rc = d->nterms >= d->nslots / 2 ? doctoks_grow(d) : 0;
    if (rc)
        return rc;
    uint64_t key8 = ix_key8(field, term, len);
    uint32_t h = term_hash(key8, term, len), mask = d->nslots - 1, j = h & mask, s;
    while ((s = d->slots[j]) != 0) { /* key8 holds the field and the first 7 bytes */
        const ix_dterm *t = &d->terms[s - 1];
        if (t->hash == h && t->key8 == key8 && t->len == len &&
            (len <= 7 || memcmp(d->bytes.data + t->off + 7, term + 7, len - 7) == 0))
            break;
        j = (j + 1) & mask;
    }
    if (!s)
        return new_term(d, key8, h, term, len, pos, j);
    if (d->ntok == d->tokcap && (rc = grow_tok(d)))
        return rc;
    add_later(d, &d->terms[s - 1], pos);
    return 0;
}

static __attribute__((noinline)) int add_any(ix_doctoks *d, int field, const char *term,
                                             size_t len, uint32_t pos)
{
    int rc = add_general(d, field, term, len, pos);
    if (rc)
        d->err = rc;
    return rc;
}

/* The common case, without calls: a term of at most 7 bytes (key8 holds the whole key) when
 * nothing needs to grow; everything else goes to add_any. */
int ix_doctoks_add(ix_doctoks *d, int field, const char *term, size_t len, uint32_t pos)
{
    if (len > 7 || d->nterms >= d->nslots / 2 || d->ntok == d->tokcap)
        return add_any(d, field, term, len, pos);
    uint64_t key8 = ix_key8(field, term, len);
    uint32_t h = term_hash(key8, term, len), mask = d->nslots - 1, j = h & mask, s;
    while ((s = d->slots[j]) != 0) {
        const ix_dterm *t = &d->terms[s - 1];
        if (t->key8 == key8 && t->len == len)
            break;
        j = (j + 1) & mask;
    }
    if (!s) {
        put_term(d, key8, h, 0, len, pos, j);
        return 0;
    }
    add_later(d, &d->terms[s - 1], pos);
    return 0;
}
