/* test_snippet.c: snippets: exact fragments on small texts, highlights on the original text,
 * phrases, one-character queries, fallback, invalid UTF-8, window choice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "snippet/snippet.h"
#include "test_query_mini.h"

static cjkfts_analyzer *mini_open(void)
{
    cjkfts_analyzer *an = NULL;
    assert_int_equal(cjkfts_analyzer_open(&mini_class, NULL, &an), 0);
    return an;
}

static void check_snippet_hl(int mode, const char *query, const char *text, size_t len,
                             size_t chars, const char *open, const char *close, const char *want)
{
    cjkfts_analyzer *an = mini_open();
    qy_plan *p = NULL;
    cf_err err = CF_ERR_INIT;
    assert_int_equal(qy_plan_build(query, strlen(query), mode, an, &p, &err), 0);
    cf_buf out;
    cf_buf_init(&out);
    sn_options o = {chars, open, close};
    assert_int_equal(sn_snippet(an, p, NULL, text, len, &o, &out, &err), 0);
    assert_true(cf_utf8_valid(out.data, out.len));
    assert_int_equal(strlen((char *)out.data), out.len);
    if (strcmp((char *)out.data, want) != 0)
        fail_msg("query [%s] chars %zu\n  got  %s\n  want %s", query, chars, (char *)out.data,
                 want);
    cf_buf_free(&out);
    qy_plan_free(p);
    cf_handle_destroy(&err);
    cjkfts_analyzer_close(an);
}

static void check_snippet(int mode, const char *query, const char *text, size_t chars,
                          const char *want)
{
    check_snippet_hl(mode, query, text, strlen(text), chars, "[", "]", want);
}

static const char *treaty = "日本和美国签署了日美同盟条约。双方重申同盟关系。";

static void test_phrase_window(void **state)
{
    (void)state;
    check_snippet(CJKFTS_MODE_AND, "日美同盟", treaty, 10, "…签署了[日美同盟]条约。…");
    check_snippet(CJKFTS_MODE_AND, "同盟", treaty, 10, "…署了日美[同盟]条约。双…");
    check_snippet(CJKFTS_MODE_AND, "日美同盟", treaty, 100,
                  "日本和美国签署了[日美同盟]条约。双方重申同盟关系。");
    check_snippet(CJKFTS_MODE_AND, "\"日美 同盟\"", "日美同盟", 100, "[日美同盟]");
    check_snippet(CJKFTS_MODE_AND, "\"日美 同盟\"", "日美、同盟", 100, "[日美、同盟]");
    check_snippet(CJKFTS_MODE_AND, "\"日美 同盟\"", "日美关系与同盟", 100, "日美关系与同盟");
}

static void test_fallback_and_markers(void **state)
{
    (void)state;
    check_snippet(CJKFTS_MODE_AND, "安保", treaty, 10, "日本和美国签署了日美…");
    check_snippet(CJKFTS_MODE_AND, "安保", "  \n日本", 10, "日本");
    check_snippet(CJKFTS_MODE_AND, "安保", "", 10, "");
    const char *t = "日本和美国";
    check_snippet_hl(CJKFTS_MODE_AND, "美国", t, strlen(t), 100, "<b>", "</b>",
                     "日本和<b>美国</b>");
}

static void test_original_text_highlight(void **state)
{
    (void)state;
    /* the query is simplified, the text traditional: the highlight shows the text's form */
    check_snippet(CJKFTS_MODE_AND, "安保条约", "日美安保條約的歷史", 20, "日美[安保條約]的歷史");
    check_snippet(CJKFTS_MODE_AND, "美", "日美同盟美国", 20, "日[美]同盟[美]国");
    check_snippet(CJKFTS_MODE_OR, "日美同盟", "日美同盟", 20, "[日美同盟]");
    check_snippet(CJKFTS_MODE_OR, "日美同盟", "日美的同盟", 20, "[日美]的[同盟]");
}

static void test_invalid_utf8_and_spaces(void **state)
{
    (void)state;
    const char bad[] = "abc\xff日美同盟\xe6\x97";
    check_snippet_hl(CJKFTS_MODE_AND, "日美同盟", bad, sizeof bad - 1, 100, "[", "]",
                     "abc\xef\xbf\xbd[日美同盟]\xef\xbf\xbd");
    check_snippet(CJKFTS_MODE_AND, "美国", "日本\n\n  美国", 100, "日本 [美国]");
    check_snippet(CJKFTS_MODE_AND, "美国", "日本语言。\n\n  美国", 6, "…[美国]");
    const char nul[] = "日本\0美国";
    check_snippet_hl(CJKFTS_MODE_AND, "美国", nul, sizeof nul - 1, 100, "[", "]", "日本 [美国]");
    /* a cut inside a long run never splits a character */
    check_snippet(CJKFTS_MODE_AND, "美国", "美国美国美国美国", 3, "[美国美]…");
}

static void test_long_text(void **state)
{
    (void)state;
    /* 200 invalid bytes (one character each) + 100 甲 + 日美同盟 + 300 乙 + "。…" */
    size_t cap = 200 + 100 * 3 + 12 + 300 * 3 + 16, n = 0;
    char *t = malloc(cap);
    for (int i = 0; i < 200; i++)
        t[n++] = '\xff';
    for (int i = 0; i < 100; i++)
        memcpy(t + n, "甲", 3), n += 3;
    memcpy(t + n, "日美同盟", 12), n += 12;
    for (int i = 0; i < 300; i++)
        memcpy(t + n, "乙", 3), n += 3;
    check_snippet_hl(CJKFTS_MODE_AND, "日美同盟", t, n, 10, "[", "]", "…甲甲甲[日美同盟]乙乙乙…");
    check_snippet_hl(CJKFTS_MODE_AND, "安保", t, n, 3, "[", "]",
                     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd…");
    check_snippet_hl(CJKFTS_MODE_AND, "乙乙", t, n, 4, "[", "]", "…[乙乙乙乙]…");
    free(t);
}

static void test_window_choice(void **state)
{
    (void)state;
    check_snippet(CJKFTS_MODE_AND, "日美同盟", "前文很长的句子。日美同盟是基石", 12,
                  "…[日美同盟]是基石");
    check_snippet(CJKFTS_MODE_AND, "日本 美国", "日本人很多。这里说的是日本和美国的关系", 10,
                  "…的是[日本]和[美国]的关系");
    check_snippet(CJKFTS_MODE_AND, "日本 -美国", "日本和美国", 100, "[日本]和美国");
    check_snippet(CJKFTS_MODE_AND, "title:日本 美国", "日本和美国", 100, "日本和[美国]");
}

static void test_find_occurrences(void **state)
{
    (void)state;
    cjkfts_analyzer *an = mini_open();
    qy_plan *p = NULL;
    cf_err err = CF_ERR_INIT;
    const char *q = "日美同盟 美";
    assert_int_equal(qy_plan_build(q, strlen(q), CJKFTS_MODE_AND, an, &p, &err), 0);
    double w[2] = {1, 1};
    sn_occ *occ;
    size_t n;
    const char *text = "日美同盟与美国";
    assert_int_equal(sn_find(an, p, w, text, strlen(text), &occ, &n, &err), 0);
    /* 日美同盟 [0,12) unit 0; 美 of 美同 [3,6) and of 美国 [15,18) unit 1 */
    assert_int_equal(n, 3);
    assert_int_equal(occ[0].start, 0);
    assert_int_equal(occ[0].end, 12);
    assert_int_equal(occ[0].unit, 0);
    assert_int_equal(occ[1].start, 3);
    assert_int_equal(occ[1].end, 6);
    assert_int_equal(occ[1].unit, 1);
    assert_int_equal(occ[2].start, 15);
    assert_int_equal(occ[2].end, 18);
    cf_free(occ);
    qy_plan_free(p);
    cjkfts_analyzer_close(an);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    cjkfts_analyzer *an = mini_open();
    qy_plan *p = NULL;
    cf_err err = CF_ERR_INIT;
    const char *q = "日美同盟 美 \"同 盟\"";
    assert_int_equal(qy_plan_build(q, strlen(q), CJKFTS_MODE_AND, an, &p, &err), 0);
    sn_options o = {10, "[", "]"};
    int ok = 0;
    for (long k = 0; k < 200 && !ok; k++) {
        cf_buf out;
        cf_buf_init(&out);
        cf_alloc_fail_after(k);
        int rc = sn_snippet(an, p, NULL, treaty, strlen(treaty), &o, &out, &err);
        cf_alloc_fail_after(-1);
        if (rc == 0)
            ok = 1;
        else
            assert_int_equal(rc, CJKFTS_ENOMEM);
        cf_buf_free(&out);
    }
    assert_true(ok);
    cf_handle_destroy(&err);
    qy_plan_free(p);
    cjkfts_analyzer_close(an);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phrase_window),
        cmocka_unit_test(test_fallback_and_markers),
        cmocka_unit_test(test_original_text_highlight),
        cmocka_unit_test(test_invalid_utf8_and_spaces),
        cmocka_unit_test(test_window_choice),
        cmocka_unit_test(test_long_text),
        cmocka_unit_test(test_find_occurrences),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
