/* test_sqlite_ext.c: the SQLite FTS5 tokenizer "cjkfts" and cjkfts_highlight(): tokens and
 * offsets per tokenize mode, query-mode rules, arguments, errors, and searches through SQL.
 * The extension source is compiled into the test against libsqlite3 (SQLITE_CORE). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define SQLITE_CORE 1
#include "../ext/sqlite/cjkfts_sqlite.c"

#include "util/util.h"

/* ---- helpers ------------------------------------------------------------------------------- */

static sqlite3 *open_db(void)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    char *err = NULL;
    assert_int_equal(sqlite3_cjkftssqlite_init(db, &err, NULL), SQLITE_OK);
    assert_null(err);
    return db;
}

static fts5_tokenizer find_tokenizer(sqlite3 *db)
{
    fts5_api *api = ct_fts5_api(db);
    assert_non_null(api);
    fts5_tokenizer tok;
    void *user = NULL;
    assert_int_equal(api->xFindTokenizer(api, "cjkfts", &user, &tok), SQLITE_OK);
    return tok;
}

/* Tokens as "term:start-end" separated by spaces; "+" before a colocated token. The xToken
 * callback fails with fail_rc at token number fail_at (1-based; 0: never). */
typedef struct sink {
    char out[4096];
    size_t len;
    int count, fail_at, fail_rc;
} sink;

static int sink_token(void *ctx, int tflags, const char *term, int n, int start, int end)
{
    sink *s = ctx;
    if (++s->count == s->fail_at)
        return s->fail_rc;
    assert_true(n > 0 && start >= 0 && start < end);
    int w = snprintf(s->out + s->len, sizeof s->out - s->len, "%s%s%.*s:%d-%d",
                     s->len ? " " : "", tflags & FTS5_TOKEN_COLOCATED ? "+" : "", n, term,
                     start, end);
    assert_true(w > 0 && (size_t)w < sizeof s->out - s->len);
    s->len += (size_t)w;
    return SQLITE_OK;
}

/* Create a tokenizer with the space-separated arguments args, tokenize text in mode flags and
 * return the xTokenize result; s receives the tokens. */
static int tokenize_args(const char *args, int flags, const char *text, sink *s)
{
    sqlite3 *db = open_db();
    fts5_tokenizer api = find_tokenizer(db);
    char buf[256];
    const char *argv[8];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", args);
    for (char *p = strtok(buf, " "); p && argc < 8; p = strtok(NULL, " "))
        argv[argc++] = p;
    Fts5Tokenizer *t = NULL;
    assert_int_equal(api.xCreate(NULL, argv, argc, &t), SQLITE_OK);
    memset(s, 0, sizeof *s);
    int rc = api.xTokenize(t, s, flags, text, (int)strlen(text), sink_token);
    api.xDelete(t);
    sqlite3_close(db);
    return rc;
}

static const char *toks(const char *args, int flags, const char *text)
{
    static sink s;
    assert_int_equal(tokenize_args(args, flags, text, &s), SQLITE_OK);
    return s.out;
}

/* The rows of a query: columns joined by "|", rows by "\n". */
typedef struct rows {
    char out[8192];
    size_t len;
} rows;

static int rows_cb(void *ctx, int n, char **val, char **col)
{
    (void)col;
    rows *r = ctx;
    for (int i = 0; i < n; i++) {
        int w = snprintf(r->out + r->len, sizeof r->out - r->len, "%s%s",
                         i ? "|" : (r->len ? "\n" : ""), val[i] ? val[i] : "NULL");
        assert_true(w >= 0 && (size_t)w < sizeof r->out - r->len);
        r->len += (size_t)w;
    }
    return 0;
}

static const char *query(sqlite3 *db, const char *sql)
{
    static rows r;
    char *err = NULL;
    memset(&r, 0, sizeof r);
    int rc = sqlite3_exec(db, sql, rows_cb, &r, &err);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, err ? err : sqlite3_errstr(rc));
    return r.out;
}

/* ---- tokenizer ------------------------------------------------------------------------------ */

static void test_document_tokens(void **state)
{
    (void)state;
    const char *text = "日美同盟關係、日本 running 54,000";
    const char *want = "日美:0-6 美同:3-9 同盟:6-12 盟关:9-15 关系:12-18 系:15-18 "
                       "日本:21-27 本:24-27 run:28-35 54000:36-42";
    assert_string_equal(toks("", FTS5_TOKENIZE_DOCUMENT, text), want);
    /* highlight() and snippet() tokenize in AUX mode: the same tokens */
    assert_string_equal(toks("", FTS5_TOKENIZE_AUX, text), want);
    assert_string_equal(toks("", FTS5_TOKENIZE_DOCUMENT, "盟"), "盟:0-3");
    assert_string_equal(toks("", FTS5_TOKENIZE_DOCUMENT, ""), "");
    assert_string_equal(toks("", FTS5_TOKENIZE_DOCUMENT, "、。 "), "");
    /* invalid UTF-8 separates tokens; offsets still point into the original bytes */
    assert_string_equal(toks("", FTS5_TOKENIZE_DOCUMENT, "日\xff本"), "日:0-3 本:4-7");
    /* full-width Latin and half-width katakana are normalized, offsets are the original's */
    assert_string_equal(toks("", FTS5_TOKENIZE_DOCUMENT, "ＮＡＴＯ ｶﾞｲ"),
                        "nato:0-12 ガイ:13-22 イ:19-22");
}

static void test_query_tokens(void **state)
{
    (void)state;
    /* a run of 2+ characters is exactly its bigrams */
    assert_string_equal(toks("", FTS5_TOKENIZE_QUERY, "日美同盟"), "日美:0-6 美同:3-9 同盟:6-12");
    assert_string_equal(toks("", FTS5_TOKENIZE_QUERY, "日美"), "日美:0-6");
    /* a single character stays */
    assert_string_equal(toks("", FTS5_TOKENIZE_QUERY, "盟"), "盟:0-3");
    /* a run's last character before more tokens keeps the place of what ended the run */
    assert_string_equal(toks("", FTS5_TOKENIZE_QUERY, "日美同盟、關係"),
                        "日美:0-6 美同:3-9 同盟:6-12 盟:9-12 关系:15-21");
    assert_string_equal(toks("", FTS5_TOKENIZE_QUERY, "日本 NATO"),
                        "日本:0-6 本:3-6 nato:7-11");
    assert_string_equal(toks("", FTS5_TOKENIZE_QUERY, "NATO日本"), "nato:0-4 日本:4-10");
    assert_string_equal(toks("", FTS5_TOKENIZE_QUERY, "running"), "run:0-7");
    assert_string_equal(toks("", FTS5_TOKENIZE_QUERY, ""), "");
    assert_string_equal(toks("", FTS5_TOKENIZE_QUERY, "、"), "");
    /* prefix queries: the same tokens (FTS5 applies the prefix to the last one) */
    assert_string_equal(toks("", FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX, "日美同"),
                        "日美:0-6 美同:3-9");
    assert_string_equal(toks("", FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX, "盟"), "盟:0-3");
    /* long words are held back and copied whole */
    char word[201];
    memset(word, 'q', sizeof word - 1);
    word[sizeof word - 1] = 0;
    char both[300], want[300];
    snprintf(both, sizeof both, "%s 日本", word);
    snprintf(want, sizeof want, "%s:0-200 日本:201-207", word);
    assert_string_equal(toks("stemmer none", FTS5_TOKENIZE_QUERY, both), want);
}

static void test_arguments(void **state)
{
    (void)state;
    assert_string_equal(toks("", FTS5_TOKENIZE_DOCUMENT, "關係"), "关系:0-6 系:3-6");
    assert_string_equal(toks("nofold", FTS5_TOKENIZE_DOCUMENT, "關係"), "關係:0-6 係:3-6");
    assert_string_equal(toks("nofold fold", FTS5_TOKENIZE_DOCUMENT, "關係"), "关系:0-6 系:3-6");
    assert_string_equal(toks("NoFold", FTS5_TOKENIZE_DOCUMENT, "關係"), "關係:0-6 係:3-6");
    assert_string_equal(toks("stemmer none", FTS5_TOKENIZE_DOCUMENT, "running"),
                        "running:0-7");
    assert_string_equal(toks("stemmer english nofold", FTS5_TOKENIZE_DOCUMENT, "running 關"),
                        "run:0-7 關:8-11");
    assert_string_equal(toks("stemmer french", FTS5_TOKENIZE_DOCUMENT, "nationales"),
                        "national:0-10");

    sqlite3 *db = open_db();
    fts5_tokenizer api = find_tokenizer(db);
    static const char *const bad[][3] = {
        {"bogus", NULL, NULL},       {"stemmer", NULL, NULL},
        {"stemmer", "klingon", NULL}, {"nofold", "stemmer", NULL},
        {"stemmer", "abcdefghijklmnopqrstuvwxyzabcdefgh", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int argc = 0;
        while (argc < 3 && bad[i][argc])
            argc++;
        Fts5Tokenizer *t = (Fts5Tokenizer *)&api; /* must be reset to NULL */
        assert_int_equal(api.xCreate(NULL, (const char **)bad[i], argc, &t), SQLITE_ERROR);
        assert_null(t);
    }
    /* through SQL: CREATE VIRTUAL TABLE fails */
    char *err = NULL;
    assert_int_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='cjkfts "
                                      "bogus')", NULL, NULL, &err), SQLITE_ERROR);
    assert_non_null(err);
    sqlite3_free(err);
    ct_delete(NULL);
    sqlite3_close(db);
}

static void test_callback_errors(void **state)
{
    (void)state;
    sink s;
    /* the xToken result comes back unchanged, in each mode, and tokenizing stops */
    static const int modes[] = {FTS5_TOKENIZE_DOCUMENT, FTS5_TOKENIZE_QUERY, FTS5_TOKENIZE_AUX};
    static const int codes[] = {SQLITE_NOMEM, SQLITE_DONE, SQLITE_ERROR};
    for (size_t m = 0; m < 3; m++) {
        for (size_t c = 0; c < 3; c++) {
            sqlite3 *db = open_db();
            fts5_tokenizer api = find_tokenizer(db);
            Fts5Tokenizer *t = NULL;
            assert_int_equal(api.xCreate(NULL, NULL, 0, &t), SQLITE_OK);
            for (int at = 1; at <= 3; at++) {
                memset(&s, 0, sizeof s);
                s.fail_at = at;
                s.fail_rc = codes[c];
                const char *text = "日美同盟";
                assert_int_equal(api.xTokenize(t, &s, modes[m], text, (int)strlen(text),
                                               sink_token), codes[c]);
                assert_int_equal(s.count, at);
            }
            api.xDelete(t);
            sqlite3_close(db);
        }
    }
    /* the query's last token fails when it is emitted after tokenizing */
    memset(&s, 0, sizeof s);
    s.fail_at = 1;
    s.fail_rc = SQLITE_NOMEM;
    sqlite3 *db = open_db();
    fts5_tokenizer api = find_tokenizer(db);
    Fts5Tokenizer *t = NULL;
    assert_int_equal(api.xCreate(NULL, NULL, 0, &t), SQLITE_OK);
    assert_int_equal(api.xTokenize(t, &s, FTS5_TOKENIZE_QUERY, "盟", 3, sink_token),
                     SQLITE_NOMEM);
    assert_int_equal(api.xTokenize(t, &s, FTS5_TOKENIZE_QUERY, "x", -1, sink_token),
                     SQLITE_ERROR);
    api.xDelete(t);
    sqlite3_close(db);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    sqlite3 *db = open_db();
    fts5_tokenizer api = find_tokenizer(db);
    int ok = 0;
    for (long n = 0; n < 10000 && !ok; n++) {
        Fts5Tokenizer *t = NULL;
        cf_alloc_fail_after(n);
        int rc = api.xCreate(NULL, NULL, 0, &t);
        sink s;
        memset(&s, 0, sizeof s);
        int rc2 = t ? api.xTokenize(t, &s, FTS5_TOKENIZE_DOCUMENT, "日美 running", 14,
                                    sink_token) : SQLITE_NOMEM;
        cf_alloc_fail_after(-1);
        assert_true(rc == SQLITE_OK || rc == SQLITE_NOMEM || rc == SQLITE_ERROR);
        assert_true(rc == SQLITE_OK ? t != NULL : t == NULL);
        assert_true(rc2 == SQLITE_OK || rc2 == SQLITE_NOMEM || rc2 == SQLITE_ERROR);
        ok = rc == SQLITE_OK && rc2 == SQLITE_OK;
        if (ok)
            assert_string_equal(s.out, "日美:0-6 美:3-6 run:7-14");
        if (t)
            api.xDelete(t);
    }
    assert_true(ok);
    sqlite3_close(db);
}

/* ---- through SQL ------------------------------------------------------------------------------ */

static sqlite3 *news_db(const char *tokenize)
{
    sqlite3 *db = open_db();
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='%s')",
             tokenize);
    query(db, sql);
    query(db, "INSERT INTO t(rowid, title, body) VALUES "
              "(1, '美日關係', '日美同盟關係發生重大轉變。'),"
              "(2, '日本与北约', '日本与北约发布共同政治宣言，建立伙伴关系。'),"
              "(3, 'Alliances', 'The alliance is running; 同盟国 meeting'),"
              "(4, '哈哈', '哈哈哈哈')");
    return db;
}

static void test_sql_search(void **state)
{
    (void)state;
    sqlite3 *db = news_db("cjkfts");
    /* a 2+ character run is a phrase of its bigrams, found inside longer runs */
    assert_string_equal(query(db, "SELECT rowid FROM t WHERE t MATCH '日美同盟'"), "1");
    assert_string_equal(query(db, "SELECT rowid FROM t WHERE t MATCH '同盟' ORDER BY rowid"),
                        "1\n3");
    /* simplified finds traditional and back */
    assert_string_equal(query(db, "SELECT rowid FROM t WHERE t MATCH '关系' ORDER BY rowid"),
                        "1\n2");
    assert_string_equal(query(db, "SELECT rowid FROM t WHERE t MATCH '夥伴關係'"), "2");
    /* separate words: all required; OR; NOT; columns */
    assert_string_equal(query(db, "SELECT rowid FROM t WHERE t MATCH '日本 北约'"), "2");
    assert_string_equal(query(db, "SELECT rowid FROM t WHERE t MATCH '日美 OR 北约' "
                                  "ORDER BY rowid"), "1\n2");
    assert_string_equal(query(db, "SELECT rowid FROM t WHERE t MATCH '同盟 NOT 日美'"), "3");
    assert_string_equal(query(db, "SELECT rowid FROM t WHERE t MATCH 'title:关系'"), "1");
    /* one character: with the prefix star every occurrence, without only run ends */
    assert_string_equal(query(db, "SELECT rowid FROM t WHERE t MATCH '盟*' ORDER BY rowid"),
                        "1\n3");
    assert_string_equal(query(db, "SELECT count(*) FROM t WHERE t MATCH '盟'"), "0");
    assert_string_equal(query(db, "SELECT rowid FROM t WHERE t MATCH '係' ORDER BY rowid"),
                        "1\n2");
    /* stemming: runs finds running */
    assert_string_equal(query(db, "SELECT rowid FROM t WHERE t MATCH 'runs alliances'"), "3");
    /* highlight() marks the original (traditional) text of a simplified query */
    assert_string_equal(query(db, "SELECT highlight(t, 1, '[', ']') FROM t "
                                  "WHERE t MATCH '同盟关系'"),
                        "日美[同盟關係]發生重大轉變。");
    assert_string_equal(query(db, "SELECT highlight(t, 0, '<b>', '</b>') FROM t "
                                  "WHERE t MATCH '美日关系'"),
                        "<b>美日關係</b>");
    assert_string_equal(query(db, "SELECT snippet(t, 1, '[', ']', '…', 4) FROM t "
                                  "WHERE t MATCH '伙伴'"),
                        "…立[伙伴]关系…"); /* 4 tokens: 立伙 伙伴 伴关 关系 */
    /* a quoted string with a space: the runs as written, not the contiguous text */
    query(db, "INSERT INTO t(rowid, title, body) VALUES (6, '', '日美 同盟')");
    assert_string_equal(query(db, "SELECT rowid FROM t WHERE t MATCH '\"日美 同盟\"'"), "6");
    assert_string_equal(query(db, "SELECT rowid FROM t WHERE t MATCH '日美同盟'"), "1");
    assert_string_equal(query(db, "SELECT rowid FROM t WHERE t MATCH '日美 同盟' ORDER BY rowid"),
                        "1\n6");
    sqlite3_close(db);
}

static void test_cjkfts_highlight(void **state)
{
    (void)state;
    sqlite3 *db = news_db("cjkfts");
    /* one phrase: the same as highlight() */
    assert_string_equal(query(db, "SELECT cjkfts_highlight(t, 1, '[', ']') FROM t "
                                  "WHERE t MATCH '同盟关系'"),
                        "日美[同盟關係]發生重大轉變。");
    /* matches sharing a character become one span */
    assert_string_equal(query(db, "SELECT cjkfts_highlight(t, 1, '[', ']') FROM t "
                                  "WHERE t MATCH '美同 同盟'"),
                        "日[美同盟]關係發生重大轉變。");
    assert_string_equal(query(db, "SELECT cjkfts_highlight(t, 1, '[', ']') FROM t "
                                  "WHERE t MATCH '哈哈'"),
                        "[哈哈哈哈]");
    /* separate matches stay separate; other columns untouched */
    assert_string_equal(query(db, "SELECT cjkfts_highlight(t, 1, '(', ')'), "
                                  "cjkfts_highlight(t, 0, '(', ')') FROM t "
                                  "WHERE t MATCH '日本 建立 关系'"),
                        "(日本)与北约发布共同政治宣言，(建立)伙伴(关系)。|(日本)与北约");
    assert_string_equal(query(db, "SELECT cjkfts_highlight(t, 0, '[', ']') FROM t "
                                  "WHERE t MATCH 'body:转变'"),
                        "美日關係");
    /* NULL markers are empty; a NULL column gives NULL */
    assert_string_equal(query(db, "SELECT cjkfts_highlight(t, 1, NULL, '|') FROM t "
                                  "WHERE t MATCH '转变'"),
                        "日美同盟關係發生重大轉變|。");
    query(db, "INSERT INTO t(rowid, title, body) VALUES (5, NULL, '同盟')");
    assert_string_equal(query(db, "SELECT cjkfts_highlight(t, 0, '[', ']') FROM t "
                                  "WHERE rowid = 5 AND t MATCH '同盟'"),
                        "NULL");
    /* wrong number of arguments */
    char *err = NULL;
    assert_int_equal(sqlite3_exec(db, "SELECT cjkfts_highlight(t, 1) FROM t WHERE t MATCH "
                                      "'同盟'", NULL, NULL, &err), SQLITE_ERROR);
    assert_non_null(strstr(err, "wrong number of arguments"));
    sqlite3_free(err);
    sqlite3_close(db);
}

static void test_cjkfts_snippet(void **state)
{
    (void)state;
    sqlite3 *db = news_db("cjkfts");
    /* one phrase: the same fragment as snippet() */
    assert_string_equal(query(db, "SELECT cjkfts_snippet(t, 1, '[', ']', '…', 4) FROM t "
                                  "WHERE t MATCH '伙伴'"),
                        "…立[伙伴]关系…");
    /* body of row 1: 日美0 美同1 同盟2 盟關3 ...; windows of 3 around 美同 and 同盟 score
     * alike (both phrases), the earliest wins; overlapping matches are one span */
    assert_string_equal(query(db, "SELECT cjkfts_snippet(t, 1, '[', ']', '…', 3) FROM t "
                                  "WHERE t MATCH '美同 同盟'"),
                        "日[美同盟]…");
    /* a window reaching the end of the text takes the rest of it, without ellipsis */
    assert_string_equal(query(db, "SELECT cjkfts_snippet(t, 1, '[', ']', '…', 3) FROM t "
                                  "WHERE t MATCH '转变'"),
                        "…大[轉變]。");
    /* column -1: the one with the most matches, the first on a tie; title tokens are
     * 美日0 日關1 關係2 係3 */
    assert_string_equal(query(db, "SELECT cjkfts_snippet(t, -1, '[', ']', '…', 2) FROM t "
                                  "WHERE t MATCH '关系' AND rowid = 1"),
                        "…[關係]");
    /* body: ... 同政8 政治9 治宣10 ... 伙伴15 ...: windows 8-10 and 14-16 score alike */
    assert_string_equal(query(db, "SELECT cjkfts_snippet(t, -1, '[', ']', '…', 3) FROM t "
                                  "WHERE t MATCH '伙伴 政治'"),
                        "…同[政治]宣…");
    /* a column without matches: its beginning; short text whole */
    assert_string_equal(query(db, "SELECT cjkfts_snippet(t, 0, '[', ']', '…', 8) FROM t "
                                  "WHERE t MATCH '伙伴'"),
                        "日本与北约");
    assert_string_equal(query(db, "SELECT cjkfts_snippet(t, 1, '[', ']', '…', 2) FROM t "
                                  "WHERE t MATCH 'title:日本'"),
                        "日本与…"); /* 日本 本与 */
    /* bad arguments */
    static const char *const bad[] = {
        "SELECT cjkfts_snippet(t, 1, '[', ']', '…') FROM t WHERE t MATCH '同盟'",
        "SELECT cjkfts_snippet(t, 1, '[', ']', '…', 0) FROM t WHERE t MATCH '同盟'",
        "SELECT cjkfts_snippet(t, 1, '[', ']', '…', 65) FROM t WHERE t MATCH '同盟'",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *err = NULL;
        assert_int_equal(sqlite3_exec(db, bad[i], NULL, NULL, &err), SQLITE_ERROR);
        sqlite3_free(err);
    }
    /* a column number out of range gives NULL, as with snippet() and highlight() */
    assert_string_equal(query(db, "SELECT cjkfts_snippet(t, 7, '[', ']', '…', 5), "
                                  "cjkfts_highlight(t, 7, '[', ']'), highlight(t, 7, '[', ']') "
                                  "FROM t WHERE t MATCH '同盟' AND rowid = 1"),
                        "NULL|NULL|NULL");
    sqlite3_close(db);
}

static void test_nofold_table(void **state)
{
    (void)state;
    sqlite3 *db = news_db("cjkfts nofold stemmer none");
    assert_string_equal(query(db, "SELECT count(*) FROM t WHERE t MATCH '关系'"), "1");
    assert_string_equal(query(db, "SELECT rowid FROM t WHERE t MATCH '關係'"), "1");
    assert_string_equal(query(db, "SELECT count(*) FROM t WHERE t MATCH 'runs'"), "0");
    assert_string_equal(query(db, "SELECT rowid FROM t WHERE t MATCH 'running'"), "3");
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document_tokens), cmocka_unit_test(test_query_tokens),
        cmocka_unit_test(test_arguments),       cmocka_unit_test(test_callback_errors),
        cmocka_unit_test(test_alloc_failures),  cmocka_unit_test(test_sql_search),
        cmocka_unit_test(test_cjkfts_highlight), cmocka_unit_test(test_cjkfts_snippet),
        cmocka_unit_test(test_nofold_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
