/* test_index_builtin.c: the index with the built-in CJK analyzer on real news (the first
 * articles of livedoor and xinwenlianbo from CJKFTS_TEST_DATA): every posting equals what
 * the analyzer gives for the stored text, after small flushes, merges, replacements, deletions
 * and optimize; one-character prefix ranges; dates; the deep check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "index_helpers.h"

static const char *data_dir(void)
{
    const char *d = getenv("CJKFTS_TEST_DATA");
    return d && *d ? d : "../shared/corpus";
}

/* ---- a minimal JSON string field reader (enough for the corpus files) ---------------------- */

static void put_utf8(char **o, uint32_t cp)
{
    uint8_t b[4];
    size_t n = cf_utf8_encode(cp, b);
    memcpy(*o, b, n);
    *o += n;
}

static unsigned hex4(const char *p)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v = v * 16 + (unsigned)(c >= '0' && c <= '9' ? c - '0' : (c | 32) - 'a' + 10);
    }
    return v;
}

/* The string value of "key" in a one-line JSON object, unescaped; NULL when absent. */
static char *json_str(const char *line, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": \"", key);
    const char *p = strstr(line, pat);
    if (!p)
        return NULL;
    p += strlen(pat);
    char *out = malloc(strlen(p) + 1), *o = out;
    while (*p && *p != '"') {
        if (*p != '\\') {
            *o++ = *p++;
            continue;
        }
        p++;
        switch (*p) {
        case 'n': *o++ = '\n'; p++; break;
        case 't': *o++ = '\t'; p++; break;
        case 'r': *o++ = '\r'; p++; break;
        case 'b': *o++ = '\b'; p++; break;
        case 'f': *o++ = '\f'; p++; break;
        case 'u': {
            uint32_t cp = hex4(p + 1);
            p += 5;
            if (cp >= 0xd800 && cp < 0xdc00 && p[0] == '\\' && p[1] == 'u') {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (hex4(p + 2) - 0xdc00);
                p += 6;
            }
            put_utf8(&o, cp);
            break;
        }
        default: *o++ = *p++; break;
        }
    }
    *o = 0;
    return out;
}

/* Up to max articles of a corpus file; returns how many were read (0 when missing). */
static size_t load(const char *file, tdoc *docs, size_t max)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", data_dir(), file);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char *line = NULL;
    size_t cap = 0, n = 0;
    while (n < max && getline(&line, &cap, f) > 0) {
        tdoc *d = &docs[n];
        memset(d, 0, sizeof *d);
        char *id = json_str(line, "id"), *date = json_str(line, "date"),
             *url = json_str(line, "url");
        snprintf(d->id, sizeof d->id, "%s", id ? id : "");
        snprintf(d->date, sizeof d->date, "%s", date ? date : "");
        snprintf(d->url, sizeof d->url, "%s", url ? url : "");
        d->title = json_str(line, "title");
        d->body = json_str(line, "body");
        d->live = 1;
        assert_non_null(d->title);
        assert_non_null(d->body);
        free(id);
        free(date);
        free(url);
        n++;
    }
    free(line);
    fclose(f);
    return n;
}

/* ---- expected postings from the analyzer --------------------------------------------------- */

typedef struct expect_ctx {
    strvec *out;
    int field;
    const char *id;
} expect_ctx;

static int expect_cb(void *ctx, const cjkfts_token *t)
{
    expect_ctx *c = ctx;
    sv_push(c->out, "%d %.*s %s %08u", c->field, (int)t->term_len, t->term, c->id, t->position);
    return 0;
}

static void expected(cjkfts_analyzer *a, const tdoc *docs, size_t n, strvec *out)
{
    for (size_t i = 0; i < n; i++) {
        if (!docs[i].live)
            continue;
        expect_ctx c = {out, IX_FIELD_TITLE, docs[i].id};
        assert_int_equal(cjkfts_analyzer_tokenize(a, docs[i].title, CJKFTS_NTS, expect_cb, &c),
                         0);
        c.field = IX_FIELD_BODY;
        assert_int_equal(cjkfts_analyzer_tokenize(a, docs[i].body, CJKFTS_NTS, expect_cb, &c),
                         0);
    }
    sv_sort(out);
}

static void verify(cjkfts_index *ix, cjkfts_analyzer *a, const tdoc *docs, size_t n)
{
    cjkfts_reader *r;
    assert_int_equal(cjkfts_reader_open(ix, &r), 0);
    strvec want = {0}, got = {0};
    expected(a, docs, n, &want);
    th_actual(ix_reader_snapshot(r), &got);
    sv_assert_equal(&want, &got);
    sv_free(&want);
    sv_free(&got);
    cjkfts_reader_close(r);
    int rc = cjkfts_index_check(ix, CJKFTS_CHECK_DEEP);
    if (rc)
        print_error("check: %s\n", cjkfts_errmsg(ix));
    assert_int_equal(rc, 0);
}

static int32_t days_of(const char *date)
{
    struct tm tm = {0};
    assert_int_equal(sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday), 3);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int32_t)(timegm(&tm) / 86400);
}

static void test_news(void **state)
{
    (void)state;
    enum { PER = 120 };
    tdoc *docs = calloc(2 * PER, sizeof *docs);
    size_t n = load("livedoor.jsonl", docs, PER);
    n += load("xinwenlianbo.jsonl", docs + n, PER);
    if (n == 0) {
        print_message("skipped: no corpus in %s\n", data_dir());
        free(docs);
        skip();
    }
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    cjkfts_index_options o;
    cjkfts_index_options_init(&o);
    o.ram_budget = 1u << 20;
    o.merge_factor = 3;
    cjkfts_index *ix;
    assert_int_equal(cjkfts_index_open(path, &o, CJKFTS_OPEN_CREATE, &ix), 0);
    assert_string_equal(cjkfts_index_get_options(ix)->analyzer_class->name,
                        cjkfts_analyzer_builtin()->name);
    cjkfts_analyzer *a;
    assert_int_equal(cjkfts_analyzer_open(NULL, NULL, &a), 0);
    cjkfts_writer *w;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    for (size_t i = 0; i < n; i++) {
        th_add(w, &docs[i]);
        if (i % 70 == 69)
            assert_int_equal(cjkfts_writer_commit(w), 0);
    }
    assert_int_equal(cjkfts_writer_commit(w), 0);
    verify(ix, a, docs, n);
    /* dates: livedoor's carry a time and +0900, xinwenlianbo's are plain dates */
    cjkfts_reader *r;
    assert_int_equal(cjkfts_reader_open(ix, &r), 0);
    const ix_snapshot *s = ix_reader_snapshot(r);
    cf_err e = CF_ERR_INIT;
    size_t seen = 0;
    for (uint32_t gi = 0; gi < ix_snapshot_segment_count(s); gi++) {
        const ix_segment *g = ix_snapshot_segment(s, gi);
        for (uint32_t d = 0; d < ix_seg_doc_count(g); d++) {
            ix_stored_doc sd;
            assert_int_equal(ix_seg_stored_get(g, d, &sd, &e), 0);
            for (size_t i = 0; i < n; i++)
                if (strcmp(docs[i].id, sd.fields[0].value) == 0) {
                    assert_string_equal(sd.fields[3].value, docs[i].date);
                    assert_int_equal(ix_seg_date(g, d), days_of(docs[i].date));
                    assert_string_equal(sd.fields[1].value, docs[i].title);
                    seen++;
                }
            ix_stored_doc_free(&sd);
        }
    }
    assert_int_equal(seen, n);
    /* one-character prefixes: the terms of a field starting with 日 / 国 / の */
    const char *chars[] = {"日", "国", "の", "中"};
    strvec all = {0};
    expected(a, docs, n, &all);
    for (size_t c = 0; c < 4; c++) {
        strvec want = {0}, got = {0};
        char pre[16];
        snprintf(pre, sizeof pre, "1 %s", chars[c]);
        for (size_t i = 0; i < all.n; i++) {
            if (strncmp(all.v[i], pre, strlen(pre)) != 0)
                continue;
            const char *sp = strchr(all.v[i] + 2, ' ');
            char term[300];
            snprintf(term, sizeof term, "%.*s", (int)(sp - all.v[i] - 2), all.v[i] + 2);
            if (!want.n || strcmp(want.v[want.n - 1], term) != 0)
                sv_push(&want, "%s", term);
        }
        assert_true(want.n > 0);
        /* per segment, the union of their ranges */
        for (uint32_t gi = 0; gi < ix_snapshot_segment_count(s); gi++) {
            ix_term_iter *it;
            assert_int_equal(ix_seg_prefix_iter(ix_snapshot_segment(s, gi), IX_FIELD_BODY,
                                                chars[c], strlen(chars[c]), &it, &e), 0);
            const char *t;
            size_t tl;
            ix_term_info ti;
            while (ix_term_iter_next(it, &t, &tl, &ti, &e) == 1) {
                assert_memory_equal(t, chars[c], strlen(chars[c]));
                sv_push(&got, "%.*s", (int)tl, t);
            }
            ix_term_iter_free(it);
        }
        sv_sort(&got);
        size_t u = 0;
        for (size_t i = 0; i < got.n; i++) {
            if (u && strcmp(got.v[u - 1], got.v[i]) == 0) {
                free(got.v[i]);
                continue;
            }
            got.v[u++] = got.v[i];
        }
        got.n = u;
        sv_assert_equal(&want, &got);
        sv_free(&want);
        sv_free(&got);
    }
    sv_free(&all);
    cf_handle_destroy(&e);
    cjkfts_reader_close(r);
    /* replace every 7th article with another's text, delete every 11th, optimize */
    for (size_t i = 0; i < n; i += 7) {
        size_t j = (i + n / 2) % n;
        free(docs[i].body);
        docs[i].body = strdup(docs[j].body);
        th_add(w, &docs[i]);
    }
    for (size_t i = 3; i < n; i += 11) {
        assert_int_equal(cjkfts_writer_delete(w, docs[i].id, CJKFTS_NTS), 0);
        docs[i].live = 0;
    }
    assert_int_equal(cjkfts_writer_commit(w), 0);
    verify(ix, a, docs, n);
    assert_int_equal(cjkfts_writer_optimize(w), 0);
    verify(ix, a, docs, n);
    cjkfts_index_stats st;
    assert_int_equal(cjkfts_index_stats_get(ix, &st), 0);
    assert_int_equal(st.segments, 1);
    assert_int_equal(st.deleted_docs, 0);
    cjkfts_writer_close(w);
    cjkfts_analyzer_close(a);
    cjkfts_index_close(ix);
    for (size_t i = 0; i < n; i++)
        th_doc_free(&docs[i]);
    free(docs);
    free(path);
    th_rmdir(tmp);
}

/* Strict UTF-8: a document with invalid bytes is refused before anything changes; the writer
 * goes on. Lenient (default): it is indexed with U+FFFD as a separator, stored as given. */
static void test_invalid_utf8(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *p1 = th_path(tmp, "strict"), *p2 = th_path(tmp, "lenient");
    for (int strict = 1; strict >= 0; strict--) {
        cjkfts_index_options o;
        cjkfts_index_options_init(&o);
        o.analyzer.utf8_strict = strict;
        cjkfts_index *ix;
        assert_int_equal(cjkfts_index_open(strict ? p1 : p2, &o, CJKFTS_OPEN_CREATE, &ix), 0);
        cjkfts_writer *w;
        assert_int_equal(cjkfts_writer_open(ix, &w), 0);
        cjkfts_doc bad = {.id = "bad", .id_len = CJKFTS_NTS, .title = "日本\xff語",
                          .title_len = CJKFTS_NTS};
        cjkfts_doc good = {.id = "good", .id_len = CJKFTS_NTS, .body = "東京都",
                           .body_len = CJKFTS_NTS};
        int rc = cjkfts_writer_add(w, &bad);
        assert_int_equal(rc, strict ? CJKFTS_EUTF8 : 0);
        if (strict)
            assert_non_null(strstr(cjkfts_errmsg(w), "UTF-8"));
        assert_int_equal(cjkfts_writer_add(w, &good), 0);
        assert_int_equal(cjkfts_writer_commit(w), 0);
        cjkfts_writer_close(w);
        cjkfts_reader *r;
        assert_int_equal(cjkfts_reader_open(ix, &r), 0);
        assert_int_equal(cjkfts_reader_doc_count(r), strict ? 1 : 2);
        const ix_segment *g = ix_snapshot_segment(ix_reader_snapshot(r), 0);
        cf_err e = CF_ERR_INIT;
        ix_term_info ti;
        assert_int_equal(ix_seg_term_get(g, IX_FIELD_TITLE, "本", 3, &ti, &e),
                         strict ? CJKFTS_ENOTFOUND : 0);
        if (!strict) {
            ix_stored_doc sd;
            assert_int_equal(ix_seg_stored_get(g, 0, &sd, &e), 0);
            assert_string_equal(sd.fields[1].value, "日本\xff語");
            ix_stored_doc_free(&sd);
        }
        cjkfts_reader_close(r);
        assert_int_equal(cjkfts_index_check(ix, CJKFTS_CHECK_DEEP), 0);
        cjkfts_index_close(ix);
    }
    free(p1);
    free(p2);
    th_rmdir(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_news),
        cmocka_unit_test(test_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
