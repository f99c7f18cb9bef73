/* test_search_fold.c: search with the built-in analyzer: traditional / simplified / Japanese
 * forms find each other and highlights keep the text's own form; stemming and width folding
 * reach queries; the bundled seed articles (from CJKFTS_TEST_DATA) give snippets that hold the
 * match, in valid UTF-8. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <math.h>

#include "search/search.h"

static char *tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/cjkfts-fold-XXXXXX", base && *base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

typedef struct fixture {
    char *dir;
    cjkfts_index *ix;
    cjkfts_writer *w;
    cjkfts_reader *r;
} fixture;

static void open_fixture(fixture *f)
{
    f->dir = tmpdir();
    assert_int_equal(cjkfts_index_open(f->dir, NULL, CJKFTS_OPEN_CREATE, &f->ix), 0);
    assert_int_equal(cjkfts_writer_open(f->ix, &f->w), 0);
}

static void add(fixture *f, const char *id, const char *title, const char *body, size_t len)
{
    cjkfts_doc d = {0};
    d.id = id, d.id_len = CJKFTS_NTS;
    d.title = title, d.title_len = CJKFTS_NTS;
    d.body = body, d.body_len = len;
    if (cjkfts_writer_add(f->w, &d))
        fail_msg("add %s: %s", id, cjkfts_errmsg(f->w));
}

static void commit_and_read(fixture *f)
{
    assert_int_equal(cjkfts_writer_commit(f->w), 0);
    cjkfts_writer_close(f->w);
    f->w = NULL;
    assert_int_equal(cjkfts_reader_open(f->ix, &f->r), 0);
}

static void close_fixture(fixture *f)
{
    cjkfts_reader_close(f->r);
    cjkfts_writer_close(f->w);
    cjkfts_index_close(f->ix);
    nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(f->dir);
}

/* "id:snippet|id:snippet..." of a search. */
static void check(fixture *f, const char *q, int mode, const char *want)
{
    cjkfts_hits *h = NULL;
    if (cjkfts_search_string(f->r, q, mode, NULL, &h))
        fail_msg("search [%s]: %s", q, cjkfts_errmsg(h));
    char got[4096] = "";
    for (size_t i = 0; i < cjkfts_hits_count(h); i++) {
        const cjkfts_hit *x = cjkfts_hits_get(h, i);
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s:%s", i ? "|" : "", x->id,
                 x->snippet);
    }
    if (strcmp(got, want) != 0)
        fail_msg("query [%s]\n  got  %s\n  want %s", q, got, want);
    cjkfts_hits_free(h);
}

static void test_variant_forms(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f);
    add(&f, "tw", "", "美日安保條約的歷史與未來", CJKFTS_NTS);
    add(&f, "ja", "", "日米安保条約の改定", CJKFTS_NTS);
    add(&f, "cn", "", "日美安保条约签署", CJKFTS_NTS);
    add(&f, "un", "", "安保理事会と条約", CJKFTS_NTS);
    commit_and_read(&f);
    /* equal tf and idf: the shorter body ranks first (8, 9, 12 tokens) */
    const char *all = "cn:日美[安保条约]签署|ja:日米[安保条約]の改定|tw:美日[安保條約]的歷史與未來";
    check(&f, "安保条约", CJKFTS_MODE_AND, all);
    check(&f, "安保條約", CJKFTS_MODE_AND, all);
    check(&f, "安保条約", CJKFTS_MODE_AND, all);
    check(&f, "\"安保 条约\"", CJKFTS_MODE_AND, all); /* the space does not matter */
    check(&f, "\"条约 安保\"", CJKFTS_MODE_AND, "");
    check(&f, "約", CJKFTS_MODE_AND,
          "cn:日美安保条[约]签署|un:安保理事会と条[約]|ja:日米安保条[約]の改定|"
          "tw:美日安保條[約]的歷史與未來");
    close_fixture(&f);
}

static void test_words_and_numbers(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f);
    add(&f, "1", "Running", "The ＮＡＴＯ summit had 54,000 visitors.", CJKFTS_NTS);
    add(&f, "2", "", "A quiet day.", CJKFTS_NTS);
    commit_and_read(&f);
    check(&f, "nato run", CJKFTS_MODE_AND, "1:The [ＮＡＴＯ] summit had 54,000 visitors.");
    check(&f, "54000", CJKFTS_MODE_AND, "1:The ＮＡＴＯ summit had [54,000] visitors.");
    check(&f, "title:runs", CJKFTS_MODE_AND, "1:The ＮＡＴＯ summit had 54,000 visitors.");
    check(&f, "quiet OR summit", CJKFTS_MODE_AND,
          "2:A [quiet] day.|1:The ＮＡＴＯ [summit] had 54,000 visitors.");
    close_fixture(&f);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    *len = fread(s, 1, (size_t)n, fp);
    s[*len] = 0;
    fclose(fp);
    return s;
}

#define HL_OPEN "\xe2\x9f\xa6"  /* U+27E6, absent from the articles */
#define HL_CLOSE "\xe2\x9f\xa7" /* U+27E7 */

/* Every highlighted span of the snippet is one of the allowed forms. */
static void check_spans(const char *snippet, const char *const *forms, size_t n_forms)
{
    assert_true(cf_utf8_valid((const uint8_t *)snippet, strlen(snippet)));
    const char *p = snippet;
    int spans = 0;
    while ((p = strstr(p, HL_OPEN)) != NULL) {
        p += 3;
        const char *e = strstr(p, HL_CLOSE);
        assert_non_null(e);
        bool ok = false;
        for (size_t i = 0; i < n_forms; i++)
            ok |= (size_t)(e - p) == strlen(forms[i]) && memcmp(p, forms[i], strlen(forms[i])) == 0;
        if (!ok)
            fail_msg("unexpected highlight [%.*s] in %s", (int)(e - p), p, snippet);
        spans++;
        p = e + 3;
    }
    assert_true(spans > 0);
}

static void test_seed_articles(void **state)
{
    (void)state;
    const char *data = getenv("CJKFTS_TEST_DATA");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/seeds", data && *data ? data : "../shared/corpus");
    DIR *d = opendir(dir);
    if (!d) {
        skip();
        return;
    }
    fixture f;
    open_fixture(&f);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)) != NULL) {
        if (!strstr(e->d_name, ".txt"))
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len = 0;
        char *body = read_file(path, &len);
        assert_non_null(body);
        add(&f, e->d_name, e->d_name, body, len);
        free(body);
        files++;
    }
    closedir(d);
    assert_true(files >= 5);
    commit_and_read(&f);
    static const char *anpo[] = {"安保條約", "安保条約", "安保条约"};
    static const char *alliance[] = {"日美同盟", "日米同盟"};
    const struct {
        const char *q;
        int mode;
        const char *const *forms;
        size_t n;
    } cases[] = {
        {"安保条约", CJKFTS_MODE_AND, anpo, 3},
        {"日美同盟", CJKFTS_MODE_AND, alliance, 1},
        {"日米同盟", CJKFTS_MODE_AND, alliance + 1, 1},
    };
    cjkfts_search_options o;
    cjkfts_search_options_init(&o);
    o.hl_open = HL_OPEN;
    o.hl_close = HL_CLOSE;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        cjkfts_hits *h = NULL;
        assert_int_equal(cjkfts_search_string(f.r, cases[c].q, cases[c].mode, &o, &h), 0);
        for (size_t i = 0; i < cjkfts_hits_count(h); i++)
            check_spans(cjkfts_hits_get(h, i)->snippet, cases[c].forms, cases[c].n);
        if (c < 2)
            assert_true(cjkfts_hits_count(h) > 0);
        cjkfts_hits_free(h);
    }
    /* a ranked question: every snippet is valid UTF-8 and scores descend */
    cjkfts_hits *h = NULL;
    assert_int_equal(cjkfts_search_string(f.r, "美國在亞太地區的軍事部署與日本的關係是什麼？",
                                          CJKFTS_MODE_OR, NULL, &h), 0);
    assert_true(cjkfts_hits_count(h) > 0);
    for (size_t i = 0; i < cjkfts_hits_count(h); i++) {
        const cjkfts_hit *x = cjkfts_hits_get(h, i);
        assert_true(cf_utf8_valid((const uint8_t *)x->snippet, strlen(x->snippet)));
        if (i)
            assert_true(x->score <= cjkfts_hits_get(h, i - 1)->score);
    }
    cjkfts_hits_free(h);
    close_fixture(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_variant_forms),
        cmocka_unit_test(test_words_and_numbers),
        cmocka_unit_test(test_seed_articles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
