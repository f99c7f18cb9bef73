/* test_analysis_corpus.c: the analyzer on whole texts: every token of the seed articles maps
 * back to its original bytes, a 50 MB document, a huge CJK run, and the contract checked on
 * the first articles of the news corpora (CJKFTS_TEST_DATA). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "cjkfts.h"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        assert_non_null(buf);
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    *len = n;
    return buf;
}

static const char *data_dir(void)
{
    const char *d = getenv("CJKFTS_TEST_DATA");
    return d && *d ? d : "../shared/corpus";
}

/* ---- tokens of a text, kept ----------------------------------------------------------------- */

typedef struct tok {
    char term[300];
    uint32_t pos;
    int kind;
    size_t start, end;
} tok;

typedef struct toks {
    tok *v;
    size_t n, cap;
} toks;

static int keep_cb(void *ctx, const cjkfts_token *t)
{
    toks *k = ctx;
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 256;
        k->v = realloc(k->v, k->cap * sizeof *k->v);
        assert_non_null(k->v);
    }
    tok *x = &k->v[k->n++];
    assert_true(t->term_len < sizeof x->term);
    memcpy(x->term, t->term, t->term_len);
    x->term[t->term_len] = 0;
    x->pos = t->position, x->kind = t->kind, x->start = t->start, x->end = t->end;
    return 0;
}

static toks tokenize(cjkfts_analyzer *a, const char *text, size_t len)
{
    toks k = {0};
    assert_int_equal(cjkfts_analyzer_tokenize(a, text, len, keep_cb, &k), 0);
    return k;
}

/* Every token's original bytes, analyzed alone, give the same term: a bigram comes back as
 * the first token, anything else as the only token. */
static void check_roundtrip(cjkfts_analyzer *a, const char *name, const char *text,
                            size_t len)
{
    toks k = tokenize(a, text, len);
    assert_true(k.n > 100);
    for (size_t i = 0; i < k.n; i++) {
        const tok *t = &k.v[i];
        toks one = tokenize(a, text + t->start, t->end - t->start);
        int ok = one.n >= 1 && strcmp(one.v[0].term, t->term) == 0 &&
                 (t->kind == CJKFTS_TOKEN_BIGRAM ? one.v[0].kind == CJKFTS_TOKEN_BIGRAM
                                                  : one.n == 1);
        if (!ok)
            fail_msg("%s: token %zu \"%s\" [%zu,%zu) re-analyzes to \"%s\" (%zu tokens)", name,
                     i, t->term, t->start, t->end, one.n ? one.v[0].term : "", one.n);
        free(one.v);
    }
    free(k.v);
}

static void test_seed_roundtrip(void **state)
{
    (void)state;
    static const char *seeds[] = {"000_a504bfee362ca583.txt", "001_6adb6374d62dba2b.txt",
                                  "002_81c538c6737f7fc2.txt", "003_fd16bf5853cc5731.txt",
                                  "004_11cadd100d02d8bf.txt"};
    cjkfts_analyzer *a = NULL;
    assert_int_equal(cjkfts_analyzer_open(NULL, NULL, &a), 0);
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        char path[1024];
        size_t len;
        snprintf(path, sizeof path, "corpus/%s", seeds[i]);
        char *text = read_file(path, &len);
        if (!text) {
            snprintf(path, sizeof path, "%s/seeds/%s", data_dir(), seeds[i]);
            text = read_file(path, &len);
        }
        if (!text)
            fail_msg("seed article %s not found", seeds[i]);
        check_roundtrip(a, seeds[i], text, len);
        free(text);
    }
    cjkfts_analyzer_close(a);
}

/* Exact offsets in a seed article, computed from the bytes themselves. */
static void test_seed_offsets(void **state)
{
    (void)state;
    size_t len;
    char *text = read_file("corpus/000_a504bfee362ca583.txt", &len);
    if (!text) {
        char path[1024];
        snprintf(path, sizeof path, "%s/seeds/000_a504bfee362ca583.txt", data_dir());
        text = read_file(path, &len);
    }
    assert_non_null(text);
    const char *needle = "赫特(Christian Herter)";
    const char *hit = NULL;
    for (size_t i = 0; i + strlen(needle) <= len && !hit; i++)
        if (memcmp(text + i, needle, strlen(needle)) == 0)
            hit = text + i;
    assert_non_null(hit);
    size_t at = (size_t)(hit - text);
    cjkfts_analyzer *a = NULL;
    assert_int_equal(cjkfts_analyzer_open(NULL, NULL, &a), 0);
    toks k = tokenize(a, text, len);
    size_t found = 0;
    for (size_t i = 0; i + 1 < k.n; i++) {
        if (strcmp(k.v[i].term, "christian") != 0 || k.v[i].start != at + 7)
            continue;
        found++;
        assert_int_equal(k.v[i].end, at + 16);
        assert_string_equal(k.v[i - 2].term, "赫特");
        assert_int_equal(k.v[i - 2].start, at);
        assert_int_equal(k.v[i - 2].end, at + 6);
        assert_string_equal(k.v[i - 1].term, "特");
        assert_int_equal(k.v[i - 1].start, at + 3);
        assert_string_equal(k.v[i + 1].term, "herter");
        assert_int_equal(k.v[i + 1].start, at + 17);
        assert_int_equal(k.v[i + 1].end, at + 23);
        assert_int_equal(k.v[i + 1].pos, k.v[i].pos + 1);
    }
    assert_int_equal(found, 1);
    free(k.v);
    free(text);
    cjkfts_analyzer_close(a);
}

/* ---- segment-wise normalization equals whole-text normalization -------------------------- */

/* NFKC_Casefold of a whole valid UTF-8 text with ICU, as UTF-8 (malloc'd). */
static char *icu_nfkc_cf(const char *s, size_t len, size_t *out_len)
{
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *nf = unorm2_getNFKCCasefoldInstance(&e);
    int32_t n = 0;
    u_strFromUTF8(NULL, 0, &n, s, (int32_t)len, &e);
    e = U_ZERO_ERROR;
    UChar *u = malloc(((size_t)n + 1) * sizeof *u);
    u_strFromUTF8(u, n + 1, &n, s, (int32_t)len, &e);
    assert_true(U_SUCCESS(e));
    int32_t cap = n * 4 + 16;
    UChar *v = malloc((size_t)cap * sizeof *v);
    int32_t m = unorm2_normalize(nf, u, n, v, cap, &e);
    assert_true(U_SUCCESS(e));
    int32_t k = 0;
    u_strToUTF8(NULL, 0, &k, v, m, &e);
    e = U_ZERO_ERROR;
    char *out = malloc((size_t)k + 1);
    u_strToUTF8(out, k + 1, &k, v, m, &e);
    assert_true(U_SUCCESS(e));
    free(u), free(v);
    *out_len = (size_t)k;
    return out;
}

/* The analyzer normalizes segment by segment with fast paths; its terms must be those of the
 * text normalized whole by ICU (normalization is idempotent, so that text tokenizes to the same
 * terms at the same positions). */
static void check_same_terms(cjkfts_analyzer *a, const char *name, const char *s, size_t len)
{
    size_t nlen;
    char *norm = icu_nfkc_cf(s, len, &nlen);
    toks x = tokenize(a, s, len), y = tokenize(a, norm, nlen);
    if (x.n != y.n)
        fail_msg("%s: %zu tokens, %zu after ICU normalization", name, x.n, y.n);
    for (size_t i = 0; i < x.n; i++)
        if (strcmp(x.v[i].term, y.v[i].term) != 0 || x.v[i].pos != y.v[i].pos ||
            x.v[i].kind != y.v[i].kind)
            fail_msg("%s: token %zu \"%s\"@%u but \"%s\"@%u after ICU normalization", name, i,
                     x.v[i].term, x.v[i].pos, y.v[i].term, y.v[i].pos);
    free(x.v), free(y.v), free(norm);
}

static void test_normalization_equivalence(void **state)
{
    (void)state;
    cjkfts_analyzer *a = NULL;
    assert_int_equal(cjkfts_analyzer_open(NULL, NULL, &a), 0);
    static const char tricky[] =
        "ｶﾞｲﾄﾞ ｱﾞ ﾊﾟﾋﾟ か\xe3\x82\x99 ㍻元年 ①②③ ⑴ ﬁnance Ⅻ Café Cafe\xcc\x81 "
        "e\xcc\x81\xcc\xa3 Straße İstanbul ΣΊΣΥΦΟΣ ᄀ\xe1\x85\xa1 한국 ㈱日立 "
        "Ｎａｔｏ　５４，０００円 x² ½ ㎞ ℃ co\xc2\xadop 葛\xf3\xa0\x84\x80飾 ";
    check_same_terms(a, "tricky", tricky, sizeof tricky - 1);
    static const char *seeds[] = {"000_a504bfee362ca583.txt", "001_6adb6374d62dba2b.txt",
                                  "002_81c538c6737f7fc2.txt", "003_fd16bf5853cc5731.txt",
                                  "004_11cadd100d02d8bf.txt"};
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        char path[1024];
        size_t len;
        snprintf(path, sizeof path, "corpus/%s", seeds[i]);
        char *text = read_file(path, &len);
        if (text) {
            check_same_terms(a, seeds[i], text, len);
            free(text);
        }
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/livedoor.jsonl", data_dir());
    FILE *f = fopen(path, "rb");
    if (f) {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        for (int k = 0; k < 200 && (n = getline(&line, &cap, f)) > 0; k++)
            check_same_terms(a, "livedoor line", line, (size_t)n);
        free(line);
        fclose(f);
    }
    cjkfts_analyzer_close(a);
}

/* ---- big inputs ----------------------------------------------------------------------------- */

typedef struct counter {
    uint64_t n;
    uint32_t last_pos;
    size_t last_start, last_end;
    int last_kind;
    uint64_t kinds[6];
} counter;

static int count_cb(void *ctx, const cjkfts_token *t)
{
    counter *c = ctx;
    c->n++;
    c->last_pos = t->position, c->last_start = t->start, c->last_end = t->end;
    c->last_kind = t->kind;
    c->kinds[t->kind]++;
    return 0;
}

/* 50 MB of a repeated line: 10 tokens per repetition. */
static void test_50mb_document(void **state)
{
    (void)state;
    /* 日本語のテキスト (8 CJK characters: 8 tokens), "Nations" and "54,000": 33+3 bytes */
    static const char unit[] = "日本語のテキスト Nations 54,000\n";
    const size_t ulen = sizeof unit - 1, reps = (50u << 20) / ulen;
    size_t len = ulen * reps;
    char *text = malloc(len);
    assert_non_null(text);
    for (size_t i = 0; i < reps; i++)
        memcpy(text + i * ulen, unit, ulen);
    cjkfts_analyzer *a = NULL;
    assert_int_equal(cjkfts_analyzer_open(NULL, NULL, &a), 0);
    counter c = {0};
    assert_int_equal(cjkfts_analyzer_tokenize(a, text, len, count_cb, &c), 0);
    assert_true(c.n == 10 * (uint64_t)reps);
    assert_int_equal(c.last_pos, 10 * reps - 1);
    assert_int_equal(c.last_kind, CJKFTS_TOKEN_NUMBER);
    assert_int_equal(c.last_start, len - 7);
    assert_int_equal(c.last_end, len - 1);
    assert_true(c.kinds[CJKFTS_TOKEN_BIGRAM] == 7 * (uint64_t)reps);
    assert_true(c.kinds[CJKFTS_TOKEN_TAIL] == reps);
    assert_true(c.kinds[CJKFTS_TOKEN_WORD] == reps);
    free(text);
    cjkfts_analyzer_close(a);
}

/* One CJK run of 2 million characters (6 MB): n positions, streamed. */
static void test_huge_run(void **state)
{
    (void)state;
    const size_t n = 2000000;
    char *text = malloc(3 * n);
    assert_non_null(text);
    for (size_t i = 0; i < n; i++)
        memcpy(text + 3 * i, i % 2 ? "盟" : "同", 3);
    cjkfts_analyzer *a = NULL;
    assert_int_equal(cjkfts_analyzer_open(NULL, NULL, &a), 0);
    counter c = {0};
    assert_int_equal(cjkfts_analyzer_tokenize(a, text, 3 * n, count_cb, &c), 0);
    assert_true(c.n == n);
    assert_int_equal(c.last_pos, n - 1);
    assert_int_equal(c.last_kind, CJKFTS_TOKEN_TAIL);
    assert_int_equal(c.last_start, 3 * n - 3);
    assert_int_equal(c.last_end, 3 * n);
    assert_true(c.kinds[CJKFTS_TOKEN_BIGRAM] == n - 1);
    free(text);
    cjkfts_analyzer_close(a);
}

/* ---- the contract on real news text --------------------------------------------------------- */

typedef struct checker {
    const char *text;
    size_t len;
    uint64_t n;
    uint32_t last_pos;
} checker;

static int is_boundary(const char *s, size_t len, size_t i)
{
    return i == len || ((unsigned char)s[i] & 0xc0) != 0x80;
}

static int check_cb(void *ctx, const cjkfts_token *t)
{
    checker *c = ctx;
    assert_true(t->term_len > 0 && t->term_len <= 256);
    assert_true(t->start < t->end && t->end <= c->len);
    assert_true(is_boundary(c->text, c->len, t->start) && is_boundary(c->text, c->len, t->end));
    if (c->n)
        assert_true(t->position == c->last_pos + 1);
    else
        assert_int_equal(t->position, 0);
    c->last_pos = t->position;
    c->n++;
    return 0;
}

static void check_jsonl(cjkfts_analyzer *a, const char *file, size_t max_lines)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", data_dir(), file);
    FILE *f = fopen(path, "rb");
    if (!f) {
        print_message("skipped: %s not found\n", path);
        return;
    }
    char *line = NULL;
    size_t cap = 0, lines = 0;
    uint64_t total = 0;
    ssize_t n;
    while (lines < max_lines && (n = getline(&line, &cap, f)) > 0) {
        checker c = {line, (size_t)n, 0, 0};
        assert_int_equal(cjkfts_analyzer_tokenize(a, line, (size_t)n, check_cb, &c), 0);
        total += c.n;
        lines++;
    }
    free(line);
    fclose(f);
    assert_true(total > lines * 50);
}

static void test_news_contract(void **state)
{
    (void)state;
    cjkfts_analyzer *a = NULL;
    assert_int_equal(cjkfts_analyzer_open(NULL, NULL, &a), 0);
    check_jsonl(a, "livedoor.jsonl", 300);
    check_jsonl(a, "xinwenlianbo.jsonl", 300);
    cjkfts_analyzer_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_roundtrip), cmocka_unit_test(test_seed_offsets),
        cmocka_unit_test(test_50mb_document),  cmocka_unit_test(test_huge_run),
        cmocka_unit_test(test_news_contract),  cmocka_unit_test(test_normalization_equivalence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
