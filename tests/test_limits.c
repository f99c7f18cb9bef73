/* test_limits.c: big and bad input gets its documented, bounded behaviour (README "Limits"):
 * a 100 MB document (8 MB under AddressSanitizer) is indexed, found by words at its very start
 * and end, stored byte for byte and checked; invalid UTF-8 and NUL bytes in documents are
 * stored as given and searchable around them (CJKFTS_EUTF8 with utf8_strict, leaving the
 * writer usable); empty documents, 1 MB words and ids at the length limit; and the query
 * limits: 10,000 terms, punctuation only, 10,000 parentheses, nesting just under and over the
 * limit, text over 32768 bytes, invalid UTF-8 and NUL bytes in queries. */
#include "fuzz/fuzz_common.h" /* first: it sets _XOPEN_SOURCE */

#include <setjmp.h>
#include <stddef.h>

#include <cmocka.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static char *g_dir;

static cjkfts_index *open_new(const char *name, bool strict)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    cjkfts_index_options o;
    cjkfts_index_options_init(&o);
    o.analyzer.utf8_strict = strict;
    cjkfts_index *ix = NULL;
    if (cjkfts_index_open(path, &o, CJKFTS_OPEN_CREATE, &ix))
        fail_msg("open %s: %s", path, cjkfts_errmsg(ix));
    return ix;
}

/* The ids of the hits of q, joined with spaces ("" when none). */
static void ids_of(cjkfts_reader *r, const char *q, int mode, char *out, size_t cap)
{
    cjkfts_search_options o;
    cjkfts_search_options_init(&o);
    o.snippet_chars = 0;
    cjkfts_hits *h = NULL;
    int rc = cjkfts_search_string(r, q, mode, &o, &h);
    if (rc)
        fail_msg("search \"%.40s\": %s", q, cjkfts_errmsg(h));
    out[0] = 0;
    for (size_t i = 0; i < cjkfts_hits_count(h); i++) {
        size_t l = strlen(out);
        snprintf(out + l, cap - l, "%s%s", i ? " " : "", cjkfts_hits_get(h, i)->id);
    }
    cjkfts_hits_free(h);
}

static void add_ok(cjkfts_writer *w, const cjkfts_doc *d)
{
    if (cjkfts_writer_add(w, d))
        fail_msg("add %s: %s", d->id, cjkfts_errmsg(w));
}

/* ---- documents ------------------------------------------------------------------------------ */

static void test_huge_document(void **state)
{
    (void)state;
#ifdef UNDER_ASAN
    size_t size = (size_t)8 << 20;
#else
    size_t size = (size_t)100 << 20;
#endif
    static const char head[] = "zqxbegin ", tail[] = " zqxend";
    static const char unit[] = "日本の国会で予算案が可決された。Parliament passed the budget. ";
    char *body = malloc(size + 1);
    assert_non_null(body);
    memcpy(body, head, sizeof head - 1);
    size_t at = sizeof head - 1, end = size - (sizeof tail - 1);
    while (at + sizeof unit - 1 <= end) {
        memcpy(body + at, unit, sizeof unit - 1);
        at += sizeof unit - 1;
    }
    memset(body + at, ' ', end - at);
    memcpy(body + end, tail, sizeof tail);
    cjkfts_index *ix = open_new("huge", false);
    cjkfts_writer *w = NULL;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    cjkfts_doc d = {"huge", CJKFTS_NTS, "big", CJKFTS_NTS, body, size, NULL, NULL, NULL, 0};
    add_ok(w, &d);
    cjkfts_doc small = {"small", CJKFTS_NTS, "予算案", CJKFTS_NTS, "zqxend", CJKFTS_NTS, NULL,
                        NULL, NULL, 0};
    add_ok(w, &small);
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
    if (cjkfts_index_check(ix, CJKFTS_CHECK_DEEP))
        fail_msg("check: %s", cjkfts_errmsg(ix));
    cjkfts_reader *r = NULL;
    assert_int_equal(cjkfts_reader_open(ix, &r), 0);
    char ids[256];
    ids_of(r, "zqxbegin", CJKFTS_MODE_AND, ids, sizeof ids);
    assert_string_equal(ids, "huge");
    ids_of(r, "zqxend parliament", CJKFTS_MODE_AND, ids, sizeof ids);
    assert_string_equal(ids, "huge");
    ids_of(r, "予算案", CJKFTS_MODE_AND, ids, sizeof ids); /* BM25 saturates: huge first */
    assert_string_equal(ids, "huge small");
    cjkfts_hits *h = NULL;
    assert_int_equal(cjkfts_search_string(r, "zqxbegin", CJKFTS_MODE_AND, NULL, &h), 0);
    size_t len = 0;
    const char *stored = cjkfts_hits_field(h, 0, "body", &len);
    assert_non_null(stored);
    assert_int_equal(len, size);
    assert_true(memcmp(stored, body, size) == 0);
    assert_non_null(strstr(cjkfts_hits_get(h, 0)->snippet, "[zqxbegin]"));
    cjkfts_hits_free(h);
    cjkfts_reader_close(r);
    cjkfts_index_close(ix);
    free(body);
}

static void test_invalid_utf8_document(void **state)
{
    (void)state;
    /* a lone continuation byte, an overlong form, a surrogate, a truncated sequence, 0xff */
    static const char body[] = "日本\x80国会 alpha\xc0\xaf"
                               "beta \xed\xa0\x80gamma 東京\xe6\x97 delta\xff";
    size_t blen = sizeof body - 1;
    cjkfts_index *ix = open_new("utf8", false);
    cjkfts_writer *w = NULL;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    cjkfts_doc d = {"bad", CJKFTS_NTS, "t\xff", CJKFTS_NTS, body, blen, NULL, NULL, NULL, 0};
    add_ok(w, &d);
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
    assert_int_equal(cjkfts_index_check(ix, CJKFTS_CHECK_DEEP), 0);
    cjkfts_reader *r = NULL;
    assert_int_equal(cjkfts_reader_open(ix, &r), 0);
    char ids[64];
    /* an invalid sequence breaks tokens like punctuation: 日本 and 国会 stay apart */
    static const char *const found[] = {"日本", "国会", "alpha", "beta", "gamma", "東京",
                                        "delta"};
    for (size_t i = 0; i < sizeof found / sizeof found[0]; i++) {
        ids_of(r, found[i], CJKFTS_MODE_AND, ids, sizeof ids);
        assert_string_equal(ids, "bad");
    }
    ids_of(r, "日本国会", CJKFTS_MODE_AND, ids, sizeof ids);
    assert_string_equal(ids, "");
    cjkfts_hits *h = NULL;
    assert_int_equal(cjkfts_search_string(r, "alpha", CJKFTS_MODE_AND, NULL, &h), 0);
    size_t len = 0;
    const char *b = cjkfts_hits_field(h, 0, "body", &len);
    assert_int_equal(len, blen); /* stored as given */
    assert_memory_equal(b, body, blen);
    assert_string_equal(cjkfts_hits_get(h, 0)->title, "t\xff");
    cjkfts_hits_free(h);
    cjkfts_reader_close(r);
    cjkfts_index_close(ix);

    /* strict: CJKFTS_EUTF8, nothing changes, and the writer goes on */
    ix = open_new("utf8strict", true);
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    assert_int_equal(cjkfts_writer_add(w, &d), CJKFTS_EUTF8);
    assert_true(strlen(cjkfts_errmsg(w)) > 0);
    cjkfts_doc good = {"good", CJKFTS_NTS, "ok", CJKFTS_NTS, "日本 alpha", CJKFTS_NTS, NULL,
                       NULL, NULL, 0};
    add_ok(w, &good);
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
    assert_int_equal(cjkfts_reader_open(ix, &r), 0);
    assert_int_equal(cjkfts_reader_doc_count(r), 1);
    ids_of(r, "alpha", CJKFTS_MODE_AND, ids, sizeof ids);
    assert_string_equal(ids, "good");
    cjkfts_reader_close(r);
    cjkfts_index_close(ix);
}

static void test_odd_documents(void **state)
{
    (void)state;
    cjkfts_index *ix = open_new("odd", false);
    cjkfts_writer *w = NULL;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    /* no title, no body: stored and counted, found by nothing but filters */
    cjkfts_doc empty = {"empty", CJKFTS_NTS, NULL, 0, NULL, 0, "2024-05-01", NULL, NULL, 0};
    add_ok(w, &empty);
    /* NUL bytes separate tokens and are stored */
    static const char nul[] = "alpha\0beta\0\0日本";
    cjkfts_doc withnul = {"nul", CJKFTS_NTS, NULL, 0, nul, sizeof nul - 1, NULL, NULL, NULL, 0};
    add_ok(w, &withnul);
    /* a 1 MB word: cut into pieces, indexed, the text around it searchable */
    size_t wl = (size_t)1 << 20;
    char *word = malloc(wl + 32);
    memcpy(word, "gamma ", 6);
    memset(word + 6, 'k', wl);
    memcpy(word + 6 + wl, " delta", 7);
    cjkfts_doc longword = {"long", CJKFTS_NTS, NULL, 0, word, CJKFTS_NTS, NULL, NULL, NULL, 0};
    add_ok(w, &longword);
    /* ids: 1024 bytes is the limit */
    char id[1026];
    memset(id, 'i', sizeof id - 1);
    id[1025] = 0;
    cjkfts_doc longid = {id, 1024, NULL, 0, "epsilon", CJKFTS_NTS, NULL, NULL, NULL, 0};
    add_ok(w, &longid);
    longid.id_len = 1025;
    assert_int_equal(cjkfts_writer_add(w, &longid), CJKFTS_EINVAL);
    longid.id_len = 0;
    assert_int_equal(cjkfts_writer_add(w, &longid), CJKFTS_EINVAL);
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
    assert_int_equal(cjkfts_index_check(ix, CJKFTS_CHECK_DEEP), 0);
    cjkfts_reader *r = NULL;
    assert_int_equal(cjkfts_reader_open(ix, &r), 0);
    assert_int_equal(cjkfts_reader_doc_count(r), 4);
    char ids[2100];
    ids_of(r, "date:2024-05-01", CJKFTS_MODE_AND, ids, sizeof ids);
    assert_string_equal(ids, "empty");
    ids_of(r, "alpha beta 日本", CJKFTS_MODE_AND, ids, sizeof ids);
    assert_string_equal(ids, "nul");
    ids_of(r, "gamma delta", CJKFTS_MODE_AND, ids, sizeof ids);
    assert_string_equal(ids, "long");
    ids_of(r, "epsilon", CJKFTS_MODE_AND, ids, sizeof ids);
    assert_int_equal(strlen(ids), 1024);
    cjkfts_reader_close(r);
    cjkfts_index_close(ix);
    free(word);
}

/* A big document raises the writer's per-document scratch memory, which a flush does not give
 * back; later small documents must still be buffered together, not flushed one by one. */
static void test_budget_after_big_document(void **state)
{
    (void)state;
    char path[700];
    snprintf(path, sizeof path, "%s/budget", g_dir);
    cjkfts_index_options o;
    cjkfts_index_options_init(&o);
    o.ram_budget = 1u << 20;
    o.merge_factor = 1000; /* no merging: every flush stays a segment */
    cjkfts_index *ix = NULL;
    assert_int_equal(cjkfts_index_open(path, &o, CJKFTS_OPEN_CREATE, &ix), 0);
    cjkfts_writer *w = NULL;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    size_t cap = 40000 * 24, len = 0;
    char *body = malloc(cap);
    for (int i = 0; i < 40000; i++)
        len += (size_t)snprintf(body + len, cap - len, "日本%d w%d ", i % 97, i);
    cjkfts_doc big = {"big", CJKFTS_NTS, NULL, 0, body, len, NULL, NULL, NULL, 0};
    add_ok(w, &big);
    for (int i = 0; i < 20; i++) {
        char id[16];
        snprintf(id, sizeof id, "s%d", i);
        cjkfts_doc d = {id, CJKFTS_NTS, NULL, 0, "small 日本", CJKFTS_NTS, NULL, NULL, NULL, 0};
        add_ok(w, &d);
    }
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
    cjkfts_index_stats st;
    assert_int_equal(cjkfts_index_stats_get(ix, &st), 0);
    assert_int_equal(st.docs, 21);
    if (st.segments > 2)
        fail_msg("%u segments: the small documents were flushed one by one", st.segments);
    cjkfts_index_close(ix);
    free(body);
}

/* ---- queries ------------------------------------------------------------------------------ */

static cjkfts_index *g_qix;
static cjkfts_reader *g_qr;

static void query_index(void)
{
    if (g_qr)
        return;
    g_qix = open_new("queries", false);
    cjkfts_writer *w = NULL;
    assert_int_equal(cjkfts_writer_open(g_qix, &w), 0);
    cjkfts_doc d = {"a", CJKFTS_NTS, "日美同盟", CJKFTS_NTS, "日本の国会 alpha w1 w2 w3",
                    CJKFTS_NTS, NULL, NULL, NULL, 0};
    add_ok(w, &d);
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
    assert_int_equal(cjkfts_reader_open(g_qix, &g_qr), 0);
}

/* Parse q (len bytes) in mode: the status, and the message in msg. */
static int parse(const char *q, size_t len, int mode, char *msg, size_t cap)
{
    query_index();
    cjkfts_query *qq = NULL;
    int rc = cjkfts_query_parse(g_qr, q, len, mode, &qq);
    snprintf(msg, cap, "%s", cjkfts_errmsg(g_qr));
    if (rc == 0) {
        cjkfts_hits *h = NULL;
        if (cjkfts_search(g_qr, qq, NULL, &h))
            fail_msg("search: %s", cjkfts_errmsg(h));
        cjkfts_hits_free(h);
    }
    cjkfts_query_free(qq);
    return rc;
}

static char *repeat(const char *unit, size_t times, size_t *len)
{
    size_t ul = strlen(unit);
    char *s = malloc(ul * times + 1);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * ul, unit, ul);
    s[ul * times] = 0;
    *len = ul * times;
    return s;
}

static void test_query_terms(void **state)
{
    (void)state;
    char msg[512];
    size_t len;
    /* 10,000 terms: over the 1024-term limit in both modes */
    char *q = repeat("w1 ", 10000, &len);
    assert_int_equal(parse(q, len, CJKFTS_MODE_AND, msg, sizeof msg), CJKFTS_ETOOBIG);
    assert_non_null(strstr(msg, "1024"));
    assert_int_equal(parse(q, len, CJKFTS_MODE_OR, msg, sizeof msg), CJKFTS_ETOOBIG);
    free(q);
    q = repeat("日本 ", 10000, &len); /* 70,000 bytes: over the text limit first */
    assert_int_equal(parse(q, len, CJKFTS_MODE_OR, msg, sizeof msg), CJKFTS_ETOOBIG);
    assert_non_null(strstr(msg, "32768"));
    free(q);
    /* exactly 1024 terms is fine */
    q = repeat("w2 ", 1024, &len);
    assert_int_equal(parse(q, len, CJKFTS_MODE_OR, msg, sizeof msg), 0);
    free(q);
}

static void test_query_punctuation(void **state)
{
    (void)state;
    char msg[512];
    static const char *const qs[] = {"、。！", "!!! ??? ...", "「」『』・", "-- ++ ** //",
                                     "\xef\xbc\x81\xef\xbc\x9f"};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        for (int mode = 0; mode < 2; mode++) {
            int rc = parse(qs[i], strlen(qs[i]), mode, msg, sizeof msg);
            if (rc != CJKFTS_ESYNTAX)
                fail_msg("\"%s\" (mode %d): %d %s", qs[i], mode, rc, msg);
            assert_true(strlen(msg) > 0);
        }
    }
}

static void test_query_nesting(void **state)
{
    (void)state;
    char msg[512];
    size_t len;
    char *q = repeat("(", 10000, &len);
    assert_int_equal(parse(q, len, CJKFTS_MODE_AND, msg, sizeof msg), CJKFTS_ETOOBIG);
    assert_non_null(strstr(msg, "byte 64"));
    free(q);
    for (int depth = 63; depth <= 65; depth++) { /* 64 levels at most */
        char buf[512];
        size_t n = 0;
        for (int i = 0; i < depth; i++)
            buf[n++] = '(';
        memcpy(buf + n, "alpha", 5);
        n += 5;
        for (int i = 0; i < depth; i++)
            buf[n++] = ')';
        int rc = parse(buf, n, CJKFTS_MODE_AND, msg, sizeof msg);
        assert_int_equal(rc, depth <= 64 ? 0 : CJKFTS_ETOOBIG);
    }
    static const char *const units[] = {"-", "NOT ", "-(", "body:(", "(-", "title:("};
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        q = repeat(units[u], 4000, &len);
        q = realloc(q, len + 6);
        memcpy(q + len, "alpha", 6);
        int rc = parse(q, len + 5, CJKFTS_MODE_AND, msg, sizeof msg);
        if (rc != CJKFTS_ETOOBIG || !strstr(msg, "deeper than 64"))
            fail_msg("4000 x \"%s\": %d %s", units[u], rc, msg);
        free(q);
    }
}

static void test_query_bytes(void **state)
{
    (void)state;
    char msg[512];
    /* 32768 bytes is the limit */
    size_t len = 32768;
    char *q = malloc(len + 2);
    memset(q, ' ', len + 1);
    memcpy(q, "alpha", 5);
    assert_int_equal(parse(q, len, CJKFTS_MODE_AND, msg, sizeof msg), 0);
    assert_int_equal(parse(q, len + 1, CJKFTS_MODE_AND, msg, sizeof msg), CJKFTS_ETOOBIG);
    free(q);
    /* invalid UTF-8 and NUL bytes: separators, like in documents */
    static const char bad[] = "alpha\xff\xfe w1\x80";
    assert_int_equal(parse(bad, sizeof bad - 1, CJKFTS_MODE_AND, msg, sizeof msg), 0);
    static const char nul[] = "alpha\0w1";
    assert_int_equal(parse(nul, sizeof nul - 1, CJKFTS_MODE_AND, msg, sizeof msg), 0);
    assert_int_equal(parse("", 0, CJKFTS_MODE_AND, msg, sizeof msg), CJKFTS_ESYNTAX);
}

static int setup(void **state)
{
    (void)state;
    g_dir = fz_tmpdir("limits");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cjkfts_reader_close(g_qr);
    cjkfts_index_close(g_qix);
    fz_rmtree(g_dir);
    free(g_dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_huge_document),     cmocka_unit_test(test_invalid_utf8_document),
        cmocka_unit_test(test_odd_documents),     cmocka_unit_test(test_budget_after_big_document),
        cmocka_unit_test(test_query_terms),
        cmocka_unit_test(test_query_punctuation), cmocka_unit_test(test_query_nesting),
        cmocka_unit_test(test_query_bytes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
