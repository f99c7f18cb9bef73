/* test_doctoks.c: the per-document token grouping of the index writer: the 8-byte key word
 * (ix_key8) against a byte-by-byte construction, and every grouping (terms, counts, positions)
 * against a naive grouping computed here, with terms built to share hashes' inputs: the same
 * first 7 bytes, lengths 7 and 8, NUL bytes, one text in several fields; the term table sized
 * from the text length, grown past it and reused after a large document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "index/index.h"

static uint64_t rng_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

static uint64_t key8_ref(int field, const uint8_t *t, size_t len)
{
    uint8_t k[8] = {(uint8_t)field};
    for (size_t i = 0; i < 7 && i < len; i++)
        k[1 + i] = t[i];
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | k[i];
    return v;
}

static void test_key8(void **state)
{
    (void)state;
    uint64_t s = 7;
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)(round % 13);
        /* the term at the end of an exact-size allocation: ASan sees any read past it */
        uint8_t *t = malloc(len ? len : 1);
        assert_non_null(t);
        for (size_t i = 0; i < len; i++)
            t[i] = round % 3 == 0 ? (uint8_t)(rng_next(&s) % 3) : (uint8_t)rng_next(&s);
        int field = round % 3;
        assert_true(ix_key8(field, (const char *)t, len) == key8_ref(field, t, len));
        free(t);
    }
}

typedef struct tok {
    int field;
    char term[16];
    size_t len;
    uint32_t pos;
} tok;

/* Group toks naively and compare with what d holds. */
static void check_grouping(ix_doctoks *d, const tok *toks, size_t n)
{
    uint32_t *owner = calloc(n ? n : 1, sizeof *owner), *pos = calloc(n ? n : 1, sizeof *pos);
    assert_non_null(owner);
    assert_non_null(pos);
    uint32_t nterms = 0;
    for (size_t i = 0; i < n; i++) { /* first occurrence of each (field, bytes) */
        size_t j = 0;
        while (j < i && !(toks[j].field == toks[i].field && toks[j].len == toks[i].len &&
                          memcmp(toks[j].term, toks[i].term, toks[i].len) == 0))
            j++;
        owner[i] = j == i ? nterms++ : owner[j];
    }
    assert_int_equal(d->nterms, nterms);
    uint32_t id = 0;
    for (size_t i = 0; i < n; i++) {
        if (owner[i] != id)
            continue; /* not the first occurrence of term id */
        const ix_dterm *t = &d->terms[id];
        assert_int_equal((uint8_t)t->key8, toks[i].field);
        assert_int_equal(t->len, toks[i].len);
        assert_true(t->key8 == key8_ref(toks[i].field, (const uint8_t *)toks[i].term,
                                        toks[i].len));
        if (t->len > 7)
            assert_memory_equal(d->bytes.data + t->off, toks[i].term, t->len);
        assert_true(t->count >= 1 && t->count <= n);
        ix_dterm_positions(d, t, pos);
        uint32_t k = 0;
        for (size_t j = 0; j < n; j++)
            if (owner[j] == id) {
                assert_true(k < t->count);
                assert_int_equal(pos[k], toks[j].pos);
                k++;
            }
        assert_int_equal(k, t->count);
        id++;
    }
    assert_int_equal(id, nterms);
    free(owner);
    free(pos);
}

/* n tokens drawn from a small vocabulary of look-alike terms. */
static tok *make_toks(size_t n, unsigned vocab, uint64_t seed)
{
    static const char *const base[] = {"", "a", "\xe4\xb8\xad", "\xe4\xb8\xad\xe5\x9b\xbd",
                                       "abcdefg", "abcdefgh", "abcdefgi", "abcdefghijklmno",
                                       "ab", "ab\0", "ab\0\0", "\0", "\0\0\0\0\0\0\0",
                                       "\0\0\0\0\0\0\0\0"};
    static const size_t blen[] = {0, 1, 3, 6, 7, 8, 8, 15, 2, 3, 4, 1, 7, 8};
    tok *t = calloc(n, sizeof *t);
    assert_non_null(t);
    uint64_t s = seed;
    uint32_t pos[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        unsigned v = (unsigned)(rng_next(&s) % vocab);
        unsigned b = 1 + v % 13;                    /* never the empty term */
        t[i].field = (int)(rng_next(&s) % 2);
        t[i].len = blen[b];
        memcpy(t[i].term, base[b], blen[b]);
        if (v >= 13 && t[i].len) /* more distinct terms of the same shapes */
            t[i].term[t[i].len - 1] = (char)(t[i].term[t[i].len - 1] + v / 13);
        pos[t[i].field] += (uint32_t)(rng_next(&s) % 2);
        t[i].pos = pos[t[i].field];
    }
    return t;
}

static void add_all(ix_doctoks *d, const tok *t, size_t n)
{
    /* title tokens first, then body tokens: positions non-decreasing within a field */
    for (int f = 0; f < 2; f++)
        for (size_t i = 0; i < n; i++)
            if (t[i].field == f)
                assert_int_equal(ix_doctoks_add(d, f, t[i].term, t[i].len, t[i].pos), 0);
}

/* The order add_all used. */
static tok *in_field_order(const tok *t, size_t n)
{
    tok *o = calloc(n ? n : 1, sizeof *o);
    assert_non_null(o);
    size_t k = 0;
    for (int f = 0; f < 2; f++)
        for (size_t i = 0; i < n; i++)
            if (t[i].field == f)
                o[k++] = t[i];
    return o;
}

static void run_doc(ix_doctoks *d, size_t text_bytes, size_t n, unsigned vocab, uint64_t seed)
{
    ix_doctoks_reset(d, text_bytes);
    tok *t = make_toks(n, vocab, seed);
    add_all(d, t, n);
    tok *o = in_field_order(t, n);
    check_grouping(d, o, n);
    free(o);
    free(t);
}

static void test_grouping(void **state)
{
    (void)state;
    ix_doctoks *d;
    assert_int_equal(ix_doctoks_new(&d), 0);
    run_doc(d, 0, 0, 13, 1);           /* empty document */
    run_doc(d, 10, 40, 13, 2);         /* look-alikes only */
    run_doc(d, 30, 5000, 3000, 3);     /* table sized too small: grows */
    run_doc(d, 200000, 20000, 60000, 4); /* large document: large table */
    run_doc(d, 10, 300, 200, 5);       /* small table in the large allocation, grows in it */
    run_doc(d, 0, 3000, 2000, 6);
    run_doc(d, 100000, 50, 40, 7);     /* table larger than needed */
    ix_doctoks_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key8),
        cmocka_unit_test(test_grouping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
