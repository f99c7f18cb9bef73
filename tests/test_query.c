/* test_query.c: the query layer: syntax, plans (exact compact strings), error messages with
 * byte positions, limits, dates. Uses the predictable analyzer of test_query_mini.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "query/query.h"
#include "test_query_mini.h"

static cjkfts_analyzer *mini_open(void)
{
    cjkfts_analyzer *an = NULL;
    assert_int_equal(cjkfts_analyzer_open(&mini_class, NULL, &an), 0);
    return an;
}

/* Plan text in mode and compare its compact form with want. */
static void check_plan(cjkfts_analyzer *an, int mode, const char *text, const char *want)
{
    qy_plan *p = NULL;
    cf_err err = CF_ERR_INIT;
    int rc = qy_plan_build(text, strlen(text), mode, an, &p, &err);
    if (rc)
        fail_msg("%s: rc %d %s", text, rc, err.msg ? err.msg : "");
    cf_buf b;
    cf_buf_init(&b);
    assert_int_equal(qy_plan_describe(p, &b), 0);
    if (strcmp((char *)b.data, want) != 0)
        fail_msg("query [%s]\n  got  %s\n  want %s", text, (char *)b.data, want);
    cf_buf_free(&b);
    qy_plan_free(p);
    cf_handle_destroy(&err);
}

static void check_error(cjkfts_analyzer *an, int mode, const char *text, size_t len, int want_rc,
                        const char *want_msg)
{
    qy_plan *p = NULL;
    cf_err err = CF_ERR_INIT;
    int rc = qy_plan_build(text, len, mode, an, &p, &err);
    assert_null(p);
    if (rc != want_rc || !err.msg || strcmp(err.msg, want_msg) != 0)
        fail_msg("query [%.60s]: got rc %d [%s], want %d [%s]", text, rc,
                 err.msg ? err.msg : "", want_rc, want_msg);
    cf_handle_destroy(&err);
}

static void test_plans_and_mode(void **state)
{
    (void)state;
    cjkfts_analyzer *an = mini_open();
    static const char *cases[][2] = {
        {"日美同盟", "\"日美 美同 同盟\""},
        {"日本", "日本"},
        {"美", "美*"},
        {"日美同盟 安保", "AND(\"日美 美同 同盟\" 安保)"},
        {"日本、美国", "AND(日本 美国)"},
        {"\"日美 同盟\"", "\"日美@0 同盟@2\""},
        {"\"美 日本\"", "\"美* 日本\""},
        {"\"日本\"", "日本"},
        {"title:日本", "title:日本"},
        {"TITLE:日本", "title:日本"},
        {"body:\"日美 同盟\"", "body:\"日美@0 同盟@2\""},
        {"title:(日本 OR 美国) body:安保", "AND(OR(title:日本 title:美国) body:安保)"},
        {"title:(日本 body:美国)", "AND(title:日本 body:美国)"},
        {"日本 OR 美国 安保", "OR(日本 AND(美国 安保))"},
        {"(日本 OR 美国) 安保", "AND(OR(日本 美国) 安保)"},
        {"日本 AND 美国", "AND(日本 美国)"},
        {"日本 -美国", "AND(日本 NOT(美国))"},
        {"日本 NOT 美国", "AND(日本 NOT(美国))"},
        {"日本 -(美国 OR 中国)", "AND(日本 NOT(OR(美国 中国)))"},
        {"日本 OR -美国", "AND(日本 NOT(美国))"},
        {"NOT NOT 日本", "日本"},
        {"日本 date:2024-01..2024-06", "AND(日本 date:2024-01-01..2024-06-30)"},
        {"date:..2023", "date:..2023-12-31"},
        {"date:2024-03-01..", "date:2024-03-01.."},
        {"date:2024-02", "date:2024-02-01..2024-02-29"},
        {"date:2024-05-01", "date:2024-05-01..2024-05-01"},
        {"date:2023 OR date:2024", "OR(date:2023-01-01..2023-12-31 date:2024-01-01..2024-12-31)"},
        {"-date:2024 日本", "AND(日本 NOT(date:2024-01-01..2024-12-31))"},
        {"date:2024 -日本", "AND(date:2024-01-01..2024-12-31 NOT(日本))"},
        {"(日本 OR 美国) date:2024", "AND(OR(日本 美国) date:2024-01-01..2024-12-31)"},
        {"日本 日本", "日本^2"},
        {"日本、日本", "日本^2"},
        {"日本 、", "日本"},
        {"日本 -", "日本"},
        {"Apple iPhone15", "AND(apple iphone 15)"},
        {"日美-同盟", "AND(日美 同盟)"},
        {"foo:bar", "AND(foo bar)"},
        {"((日本))", "日本"},
        {"日本\xe3\x80\x80美国", "AND(日本 美国)"},
        {"and or not", "AND(and or not)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_plan(an, CJKFTS_MODE_AND, cases[i][0], cases[i][1]);
    cjkfts_analyzer_close(an);
}

static void test_plans_or_mode(void **state)
{
    (void)state;
    cjkfts_analyzer *an = mini_open();
    static const char *cases[][2] = {
        {"日美同盟的历史", "OR(日美 美同 同盟 盟的 的历 历史)"},
        {"日本 美", "OR(日本 美)"},
        {"日本日本", "OR(日本^2 本日)"},
        {"日本 AND 美国 安保", "OR(AND(日本 美国) 安保)"},
        {"日美 -安保", "AND(日美 NOT(安保))"},
        {"日本 美国 -安保 date:2024", "AND(OR(日本 美国) date:2024-01-01..2024-12-31 NOT(安保))"},
        {"\"日美同盟\" 历史", "OR(\"日美 美同 同盟\" 历史)"},
        {"\"美 日本\"", "\"美 日本\""},
        {"title:日美同盟", "OR(title:日美 title:美同 title:同盟)"},
        {"什么是\"速成\"和“仓颉”？", "OR(什么 么是 速成 和 仓颉)"},
        /* questions are pasted text: unpaired quotes and parentheses are punctuation */
        {"(日本", "日本"},
        {"日本)", "日本"},
        {"“吾无。\"这句", "OR(吾无 这句)"},
        {"连合（UPADS)和", "OR(连合 upads 和)"},
        {"(a (b) c", "OR(a b c)"},
        {"a) (b", "OR(a b)"},
        {"\"(a\" b)", "OR(a b)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_plan(an, CJKFTS_MODE_OR, cases[i][0], cases[i][1]);
    cjkfts_analyzer_close(an);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    cjkfts_analyzer *an = mini_open();
    static const char *cases[][2] = {
        {"(日本", "unbalanced parenthesis: '(' at byte 0 is not closed"},
        {"日本 (美国 (安保)", "unbalanced parenthesis: '(' at byte 7 is not closed"},
        {"日本)", "unexpected ')' at byte 6"},
        {"\"日本", "unbalanced quote: '\"' at byte 0 is not closed"},
        {"日本 \"美国\" \"", "unbalanced quote: '\"' at byte 16 is not closed"},
        {"日本 OR", "OR at byte 7 needs a term on each side"},
        {"OR 日本", "OR at byte 0 needs a term on each side"},
        {"日本 OR OR 美国", "OR at byte 7 needs a term on each side"},
        {"(OR 日本)", "OR at byte 1 needs a term on each side"},
        {"日本 AND", "AND at byte 7 needs a term on each side"},
        {"AND 日本", "AND at byte 0 needs a term on each side"},
        {"日本 AND OR 美国", "AND at byte 7 needs a term on each side"},
        {"NOT", "NOT at byte 0 needs a term after it"},
        {"日本 NOT)", "NOT at byte 7 needs a term after it"},
        {"title: 日本", "empty field title: at byte 0"},
        {"日本 body:", "empty field body: at byte 7"},
        {"title:)", "empty field title: at byte 0"},
        {"title:-日本", "field title: at byte 0 must be followed by a word, a quoted phrase or a group"},
        {"title:date:2024", "field title: at byte 0 must be followed by a word, a quoted phrase or a group"},
        {"date:", "empty field date: at byte 0"},
        {"日本 date:2024-13", "bad date '2024-13' at byte 12: month out of range 01..12"},
        {"date:2023-02-29", "bad date '2023-02-29' at byte 5: day out of range for the month"},
        {"date:2024..2023", "bad date '2024..2023' at byte 5: the range starts after it ends"},
        {"date:..", "bad date '..' at byte 5: a range needs at least one bound"},
        {"date:May", "bad date 'May' at byte 5: expected YYYY, YYYY-MM or YYYY-MM-DD"},
        {"date:2024-1-1", "bad date '2024-1-1' at byte 5: expected YYYY, YYYY-MM or YYYY-MM-DD"},
        {"()", "empty parentheses at byte 0"},
        {"-日本", "the exclusion at byte 0 needs a term to search for in the same group "
                  "(a query or group cannot only exclude)"},
        {"日本 OR (-美国 -中国)", "the exclusion at byte 11 needs a term to search for in the "
                                  "same group (a query or group cannot only exclude)"},
        {"、。！", "query has no searchable terms"},
        {"\"、\" -", "query has no searchable terms"},
        {"", "empty query"},
        {"   ", "empty query"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_error(an, CJKFTS_MODE_AND, cases[i][0], strlen(cases[i][0]), CJKFTS_ESYNTAX,
                    cases[i][1]);
    check_error(an, CJKFTS_MODE_OR, "日本 OR", 9, CJKFTS_ESYNTAX,
                "OR at byte 7 needs a term on each side");
    cjkfts_analyzer_close(an);
}

/* A string of n copies of unit followed by tail. */
static char *repeat(const char *unit, size_t n, const char *tail)
{
    size_t ul = strlen(unit), tl = strlen(tail);
    char *s = malloc(ul * n + tl + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * ul, unit, ul);
    memcpy(s + ul * n, tail, tl + 1);
    return s;
}

static void test_limits(void **state)
{
    (void)state;
    cjkfts_analyzer *an = mini_open();
    /* 10,000 open parentheses: a clean error, not a stack overflow */
    char *deep = repeat("(", 10000, "日本");
    check_error(an, CJKFTS_MODE_AND, deep, strlen(deep), CJKFTS_ETOOBIG,
                "query nests deeper than 64 levels at byte 64");
    free(deep);
    char *negs = repeat("-", 10000, "日本");
    check_error(an, CJKFTS_MODE_AND, negs, strlen(negs), CJKFTS_ETOOBIG,
                "query nests deeper than 64 levels at byte 64");
    free(negs);
    char *nots = repeat("NOT ", 5000, "日本");
    check_error(an, CJKFTS_MODE_AND, nots, strlen(nots), CJKFTS_ETOOBIG,
                "query nests deeper than 64 levels at byte 256");
    free(nots);
    /* exactly 64 levels is fine */
    char *ok = malloc(200);
    memset(ok, '(', 64);
    strcpy(ok + 64, "日本");
    memset(ok + 70, ')', 64);
    ok[134] = 0;
    check_plan(an, CJKFTS_MODE_AND, ok, "日本");
    free(ok);
    /* too many bytes */
    char *big = repeat("a ", 20000, "");
    check_error(an, CJKFTS_MODE_OR, big, strlen(big), CJKFTS_ETOOBIG,
                "query is 40000 bytes; the limit is 32768");
    free(big);
    /* too many terms (counted before repeated terms are merged) */
    char *many = repeat("ab ", 1025, "");
    check_error(an, CJKFTS_MODE_OR, many, strlen(many), CJKFTS_ETOOBIG,
                "query has more than 1024 terms");
    free(many);
    char *fine = repeat("ab ", 1024, "");
    check_plan(an, CJKFTS_MODE_OR, fine, "ab^1024");
    free(fine);
    cjkfts_analyzer_close(an);
}

static void test_dates(void **state)
{
    (void)state;
    assert_int_equal(qy_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(qy_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(qy_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(qy_days_from_civil(2024, 2, 29), 19782);
    assert_int_equal(qy_days_from_civil(1, 1, 1), -719162);
    for (int32_t day = -800000; day < 800000; day += 997) {
        int y, m, d;
        qy_civil_from_days(day, &y, &m, &d);
        assert_int_equal(qy_days_from_civil(y, m, d), day);
    }
    int32_t lo, hi;
    const char *why;
    assert_int_equal(qy_date_range("2024-01..2024-06", 16, &lo, &hi, &why), 0);
    assert_int_equal(lo, 19723);
    assert_int_equal(hi, 19904);
    assert_int_equal(qy_date_range("..2023", 6, &lo, &hi, &why), 0);
    assert_int_equal(lo, INT32_MIN);
    assert_int_equal(hi, 19722);
    assert_int_equal(qy_date_range("2024-03-01..", 12, &lo, &hi, &why), 0);
    assert_int_equal(lo, 19783);
    assert_int_equal(hi, INT32_MAX);
    assert_int_equal(qy_date_range("2024-02-29", 10, &lo, &hi, &why), 0);
    assert_int_equal(lo, 19782);
    assert_int_equal(hi, 19782);
    assert_int_equal(qy_date_range("2024-02-30", 10, &lo, &hi, &why), -1);
    assert_int_equal(qy_date_range("1900-02-29", 10, &lo, &hi, &why), -1);
    assert_int_equal(qy_date_range("2000-02-29", 10, &lo, &hi, &why), 0);
}

static void test_lexer_tokens(void **state)
{
    (void)state;
    const char *q = "title:(a) -\"b c\" OR x:y date:2024 NOT";
    qy_lexer lx;
    qy_lex_init(&lx, q, strlen(q));
    qy_tok t;
    cf_err err = CF_ERR_INIT;
    static const qy_tok_kind want[] = {QY_T_FIELD, QY_T_LPAREN, QY_T_WORD, QY_T_RPAREN,
                                       QY_T_MINUS, QY_T_PHRASE, QY_T_OR, QY_T_WORD,
                                       QY_T_DATE, QY_T_NOT, QY_T_END};
    static const size_t want_pos[] = {0, 6, 7, 8, 10, 11, 17, 20, 24, 34, 37};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(qy_lex_next(&lx, &t, &err), 0);
        assert_int_equal(t.kind, want[i]);
        assert_int_equal(t.pos, want_pos[i]);
        if (t.kind == QY_T_PHRASE) {
            assert_int_equal(t.start, 12);
            assert_int_equal(t.end, 15);
        }
        if (t.kind == QY_T_DATE) {
            assert_int_equal(t.start, 29);
            assert_int_equal(t.end, 33);
        }
    }
}

/* Every allocation failure point gives ENOMEM (or success), never a crash or a leak. */
static void test_alloc_failures(void **state)
{
    (void)state;
    cjkfts_analyzer *an = mini_open();
    const char *q = "title:(日美同盟 OR 安保条约) -美国 \"日 本\" date:2024 x y z";
    int ok = 0;
    for (long n = 0; n < 400 && !ok; n++) {
        qy_plan *p = NULL;
        cf_err err = CF_ERR_INIT;
        cf_alloc_fail_after(n);
        int rc = qy_plan_build(q, strlen(q), CJKFTS_MODE_AND, an, &p, &err);
        cf_alloc_fail_after(-1);
        if (rc == 0) {
            ok = 1;
            qy_plan_free(p);
        } else
            assert_int_equal(rc, CJKFTS_ENOMEM);
        cf_handle_destroy(&err);
    }
    assert_true(ok);
    cjkfts_analyzer_close(an);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plans_and_mode),
        cmocka_unit_test(test_plans_or_mode),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_lexer_tokens),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
