/* idfilter.c: a Bloom filter of a segment's document ids, built by the writer the first time
 * it looks an id up in that segment, so adding a document with a new id (the common case of
 * an import) does not search every segment's dictionary. About 10 bits per document, 7
 * probes: roughly 1% of absent ids still go to the dictionary. */
#include <string.h>

#include "index/index.h"

#define BITS_PER_ID 10
#define PROBES 7

struct ix_idfilter {
    uint64_t *bits;
    uint64_t mask; /* bit count - 1 (a power of two) */
};

static void probes(const char *id, size_t len, uint64_t *h1, uint64_t *h2)
{
    uint64_t h = cf_hash64(id, len);
    *h1 = h;
    *h2 = (h >> 32 | h << 32) | 1;
}

int ix_idfilter_build(const ix_segment *g, ix_idfilter **out, cf_err *err)
{
    *out = NULL;
    uint64_t nbits = 64;
    while (nbits < (uint64_t)g->doc_count * BITS_PER_ID)
        nbits *= 2;
    ix_idfilter *f = cf_calloc(1, sizeof *f);
    if (f)
        f->bits = cf_calloc(nbits / 64, sizeof *f->bits);
    if (!f || !f->bits) {
        ix_idfilter_free(f);
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    }
    f->mask = nbits - 1;
    const uint8_t field = IX_FIELD_ID;
    ix_term_iter *it;
    int rc = ix_seg_key_iter(g, &field, 1, &it, err);
    const uint8_t *key;
    size_t klen;
    ix_term_info ti;
    while (!rc && (rc = ix_term_iter_next_key(it, &key, &klen, &ti, err)) == 1) {
        rc = 0;
        uint64_t h1, h2;
        probes((const char *)key + 1, klen - 1, &h1, &h2);
        for (int i = 0; i < PROBES; i++) {
            uint64_t b = (h1 + (uint64_t)i * h2) & f->mask;
            f->bits[b / 64] |= (uint64_t)1 << (b % 64);
        }
    }
    ix_term_iter_free(it);
    if (rc) {
        ix_idfilter_free(f);
        return rc;
    }
    *out = f;
    return 0;
}

bool ix_idfilter_maybe(const ix_idfilter *f, const char *id, size_t len)
{
    uint64_t h1, h2;
    probes(id, len, &h1, &h2);
    for (int i = 0; i < PROBES; i++) {
        uint64_t b = (h1 + (uint64_t)i * h2) & f->mask;
        if (!(f->bits[b / 64] >> (b % 64) & 1))
            return false;
    }
    return true;
}

void ix_idfilter_free(ix_idfilter *f)
{
    if (!f)
        return;
    cf_free(f->bits);
    cf_free(f);
}
