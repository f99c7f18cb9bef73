/* test_search.c: search end to end through the public API on small hand-made corpora indexed
 * with the predictable analyzer of test_query_mini.h: exact result lists and BM25 scores
 * computed here from the corpus' own numbers, phrases, one-character queries, NOT, fields,
 * dates, OR mode, deletions, explain, snippets, errors; and pruned top-k equal to exhaustive
 * scoring on random queries over a generated multi-segment corpus. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ftw.h>
#include <pthread.h>
#include <math.h>
#include <unistd.h>

#include "search/search.h"
#include "test_query_mini.h"

/* ---- helpers ------------------------------------------------------------------------------- */

static char *tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/cjkfts-search-XXXXXX", base && *base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static void rmtree(char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

typedef struct tdoc {
    const char *id, *title, *body, *date;
} tdoc;

static cjkfts_index *open_index(const char *dir, const cjkfts_analyzer_class *cls)
{
    cjkfts_index_options o;
    cjkfts_index_options_init(&o);
    o.analyzer_class = cls;
    o.merge_factor = 1000;
    cjkfts_index *ix = NULL;
    int rc = cjkfts_index_open(dir, &o, CJKFTS_OPEN_CREATE, &ix);
    if (rc)
        fail_msg("index_open: %s", cjkfts_errmsg(ix));
    return ix;
}

/* Add docs, committing after every `per_commit` documents (one segment each). */
static void add_docs(cjkfts_index *ix, const tdoc *docs, size_t n, size_t per_commit)
{
    cjkfts_writer *w = NULL;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    for (size_t i = 0; i < n; i++) {
        cjkfts_doc d = {0};
        d.id = docs[i].id, d.id_len = CJKFTS_NTS;
        d.title = docs[i].title, d.title_len = CJKFTS_NTS;
        d.body = docs[i].body, d.body_len = CJKFTS_NTS;
        d.date = docs[i].date;
        if (cjkfts_writer_add(w, &d))
            fail_msg("add: %s", cjkfts_errmsg(w));
        if ((i + 1) % per_commit == 0)
            assert_int_equal(cjkfts_writer_commit(w), 0);
    }
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
}

typedef struct fixture {
    char *dir;
    cjkfts_index *ix;
    cjkfts_reader *r;
} fixture;

static void fixture_open(fixture *f, const cjkfts_analyzer_class *cls, const tdoc *docs,
                         size_t n, size_t per_commit)
{
    f->dir = tmpdir();
    f->ix = open_index(f->dir, cls);
    add_docs(f->ix, docs, n, per_commit);
    assert_int_equal(cjkfts_reader_open(f->ix, &f->r), 0);
}

static void fixture_reopen(fixture *f)
{
    cjkfts_reader_close(f->r);
    assert_int_equal(cjkfts_reader_open(f->ix, &f->r), 0);
}

static void fixture_close(fixture *f)
{
    cjkfts_reader_close(f->r);
    cjkfts_index_close(f->ix);
    rmtree(f->dir);
}

static cjkfts_hits *search(fixture *f, const char *q, int mode, const cjkfts_search_options *o)
{
    cjkfts_hits *h = NULL;
    int rc = cjkfts_search_string(f->r, q, mode, o, &h);
    if (rc)
        fail_msg("search [%s]: %s", q, cjkfts_errmsg(h));
    return h;
}

/* The ids of the hits, space-separated. */
static char *ids_of(const cjkfts_hits *h)
{
    static char buf[4096];
    buf[0] = 0;
    for (size_t i = 0; i < cjkfts_hits_count(h); i++) {
        if (i)
            strcat(buf, " ");
        strcat(buf, cjkfts_hits_get(h, i)->id);
    }
    return buf;
}

static void check_ids(fixture *f, const char *q, int mode, const char *want)
{
    cjkfts_hits *h = search(f, q, mode, NULL);
    const char *got = ids_of(h);
    if (strcmp(got, want) != 0)
        fail_msg("query [%s]\n  got  [%s]\n  want [%s]", q, got, want);
    int exact;
    assert_int_equal(cjkfts_hits_total(h, &exact), cjkfts_hits_count(h));
    cjkfts_hits_free(h);
}

static void assert_score(const cjkfts_hits *h, size_t i, const char *id, double want)
{
    const cjkfts_hit *x = cjkfts_hits_get(h, i);
    assert_non_null(x);
    assert_string_equal(x->id, id);
    if (fabs(x->score - want) > 1e-12 * fmax(1, want))
        fail_msg("hit %zu (%s): score %.17g, want %.17g", i, id, x->score, want);
}

/* ---- the hand-made corpus ---------------------------------------------------------------------
 * Token counts with the mini analyzer (a run of n CJK characters gives n tokens):
 *   a  title 日美同盟 (4)  body 日美同盟是基石 (7)
 *   b  title -      (0)  body 日美关系与同盟 (7)
 *   c  title 安保    (2)  body 同盟与安保条约。同盟 (7 + 2 = 9)
 *   d  title 天气    (2)  body 今天天气很好 (6)
 * N = 4; title lengths sum 8 (avg 2); body lengths sum 29 (avg 7.25). */
static const tdoc corpus[] = {
    {"a", "日美同盟", "日美同盟是基石", "2024-01-15"},
    {"b", NULL, "日美关系与同盟", "2024-06-30"},
    {"c", "安保", "同盟与安保条约。同盟", "2023-12-31"},
    {"d", "天气", "今天天气很好", NULL},
};

static const double K1 = 1.2, B = 0.75;

static double idf(double n_docs, double df)
{
    return log(1 + (n_docs - df + 0.5) / (df + 0.5));
}

static double tfn(double tf, double len, double avglen)
{
    return tf * (K1 + 1) / (tf + K1 * (1 - B + B * len / avglen));
}

static void test_bm25_exact(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, &mini_class, corpus, 4, 2);
    /* 同盟: title df 1 (a); body df 3 (a 1, b 1, c 2) */
    cjkfts_hits *h = search(&f, "同盟", CJKFTS_MODE_AND, NULL);
    double it = idf(4, 1), ib = idf(4, 3);
    assert_int_equal(cjkfts_hits_count(h), 3);
    assert_score(h, 0, "a", 2 * it * tfn(1, 4, 2) + ib * tfn(1, 7, 7.25));
    assert_score(h, 1, "c", ib * tfn(2, 9, 7.25));
    assert_score(h, 2, "b", ib * tfn(1, 7, 7.25));
    int exact = 0;
    assert_int_equal(cjkfts_hits_total(h, &exact), 3);
    assert_int_equal(exact, 1);
    cjkfts_hits_free(h);
    /* title boost from the options */
    cjkfts_search_options o;
    cjkfts_search_options_init(&o);
    o.title_boost = 0.5;
    h = search(&f, "同盟", CJKFTS_MODE_AND, &o);
    assert_score(h, 0, "a", 0.5 * it * tfn(1, 4, 2) + ib * tfn(1, 7, 7.25));
    cjkfts_hits_free(h);
    /* two units: both must match; scores add */
    h = search(&f, "同盟 安保", CJKFTS_MODE_AND, NULL);
    assert_int_equal(cjkfts_hits_count(h), 1);
    assert_score(h, 0, "c", ib * tfn(2, 9, 7.25) + 2 * idf(4, 1) * tfn(1, 2, 2) +
                                idf(4, 1) * tfn(1, 9, 7.25));
    cjkfts_hits_free(h);
    fixture_close(&f);
}

static void test_phrase(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, &mini_class, corpus, 4, 1);
    /* 日美同盟 = phrase 日美 美同 同盟: b has 日美 and 同盟 apart and must not match */
    cjkfts_hits *h = search(&f, "日美同盟", CJKFTS_MODE_AND, NULL);
    assert_string_equal(ids_of(h), "a");
    double t = 3 * idf(4, 1);                      /* title df: 1, 1, 1 */
    double b = idf(4, 2) + idf(4, 1) + idf(4, 3);  /* body df: 日美 2, 美同 1, 同盟 3 */
    assert_score(h, 0, "a", 2 * t * tfn(1, 4, 2) + b * tfn(1, 7, 7.25));
    assert_string_equal(cjkfts_hits_get(h, 0)->snippet, "[日美同盟]是基石");
    cjkfts_hits_free(h);
    check_ids(&f, "\"日美 同盟\"", CJKFTS_MODE_AND, "a");
    check_ids(&f, "日美 同盟", CJKFTS_MODE_AND, "a b");
    check_ids(&f, "\"同盟 安保\"", CJKFTS_MODE_AND, "");
    check_ids(&f, "安保条约", CJKFTS_MODE_AND, "c");
    fixture_close(&f);
}

static void test_one_character(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, &mini_class, corpus, 4, 3);
    /* 盟: a title (TAIL), a body (盟是), b body (TAIL), c body (盟与 and TAIL) */
    cjkfts_hits *h = search(&f, "盟", CJKFTS_MODE_AND, NULL);
    double it = idf(4, 1), ib = idf(4, 3);
    assert_int_equal(cjkfts_hits_count(h), 3);
    assert_score(h, 0, "a", 2 * it * tfn(1, 4, 2) + ib * tfn(1, 7, 7.25));
    assert_score(h, 1, "c", ib * tfn(2, 9, 7.25));
    assert_score(h, 2, "b", ib * tfn(1, 7, 7.25));
    cjkfts_hits_free(h);
    /* 美: first character of 美同 (a title, a body) and 美关 (b) */
    check_ids(&f, "美", CJKFTS_MODE_AND, "a b");
    check_ids(&f, "气", CJKFTS_MODE_AND, "d");
    check_ids(&f, "今", CJKFTS_MODE_AND, "d");
    check_ids(&f, "龙", CJKFTS_MODE_AND, "");
    /* in OR mode a one-character run is the exact unigram only */
    check_ids(&f, "盟", CJKFTS_MODE_OR, "a b c");
    check_ids(&f, "美", CJKFTS_MODE_OR, "");
    h = search(&f, "美", CJKFTS_MODE_AND, NULL);
    assert_string_equal(cjkfts_hits_get(h, 0)->snippet, "日[美]同盟是基石");
    cjkfts_hits_free(h);
    fixture_close(&f);
}

static void test_filters(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, &mini_class, corpus, 4, 2);
    check_ids(&f, "同盟 -安保", CJKFTS_MODE_AND, "a b");
    check_ids(&f, "同盟 NOT (安保 OR 基石)", CJKFTS_MODE_AND, "b");
    check_ids(&f, "title:同盟", CJKFTS_MODE_AND, "a");
    check_ids(&f, "body:安保", CJKFTS_MODE_AND, "c");
    check_ids(&f, "title:安保 OR title:天气", CJKFTS_MODE_AND, "c d");
    check_ids(&f, "同盟 date:2024", CJKFTS_MODE_AND, "a b");
    check_ids(&f, "同盟 date:..2023", CJKFTS_MODE_AND, "c");
    check_ids(&f, "同盟 date:2024-01..2024-06", CJKFTS_MODE_AND, "a b");
    check_ids(&f, "同盟 date:2024-02..", CJKFTS_MODE_AND, "b");
    check_ids(&f, "同盟 -date:2024", CJKFTS_MODE_AND, "c");
    check_ids(&f, "date:2024-06-30", CJKFTS_MODE_AND, "b");
    check_ids(&f, "date:2023 OR date:2024-01", CJKFTS_MODE_AND, "a c");
    check_ids(&f, "-date:2024 -同盟", CJKFTS_MODE_AND, "d");
    check_ids(&f, "天气 OR (同盟 date:2023)", CJKFTS_MODE_AND, "d c");
    fixture_close(&f);
}

static void test_or_mode(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, &mini_class, corpus, 4, 4);
    /* 日美关系: bigrams 日美 (a, b) 美关 (b) 关系 (b) */
    cjkfts_hits *h = search(&f, "日美关系", CJKFTS_MODE_OR, NULL);
    double t_rimei = idf(4, 1), b_rimei = idf(4, 2), b_one = idf(4, 1);
    assert_int_equal(cjkfts_hits_count(h), 2);
    assert_score(h, 0, "b", (b_rimei + 2 * b_one) * tfn(1, 7, 7.25));
    assert_score(h, 1, "a", 2 * t_rimei * tfn(1, 4, 2) + b_rimei * tfn(1, 7, 7.25));
    cjkfts_hits_free(h);
    /* a repeated bigram counts twice (query term frequency) */
    h = search(&f, "基石基石", CJKFTS_MODE_OR, NULL); /* 基石 ×2, 石基 */
    assert_score(h, 0, "a", 2 * idf(4, 1) * tfn(1, 7, 7.25));
    cjkfts_hits_free(h);
    check_ids(&f, "日美关系 -基石", CJKFTS_MODE_OR, "b");
    check_ids(&f, "天气很好 date:2024", CJKFTS_MODE_OR, "");
    check_ids(&f, "date:2024 AND -基石", CJKFTS_MODE_OR, "b");
    check_ids(&f, "date:2024", CJKFTS_MODE_OR, "a b");
    fixture_close(&f);
}

static void test_deleted_documents(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, &mini_class, corpus, 4, 4);
    cjkfts_writer *w;
    assert_int_equal(cjkfts_writer_open(f.ix, &w), 0);
    assert_int_equal(cjkfts_writer_delete(w, "c", CJKFTS_NTS), 0);
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
    fixture_reopen(&f);
    /* N = 3; body lengths 7 7 6 (avg 20/3); title 4 0 2 (avg 2); 同盟 body df 2, title df 1 */
    cjkfts_hits *h = search(&f, "同盟", CJKFTS_MODE_AND, NULL);
    assert_int_equal(cjkfts_hits_count(h), 2);
    assert_score(h, 0, "a", 2 * idf(3, 1) * tfn(1, 4, 2) + idf(3, 2) * tfn(1, 7, 20.0 / 3));
    assert_score(h, 1, "b", idf(3, 2) * tfn(1, 7, 20.0 / 3));
    cjkfts_hits_free(h);
    check_ids(&f, "盟", CJKFTS_MODE_AND, "a b");
    check_ids(&f, "安保", CJKFTS_MODE_OR, "");
    fixture_close(&f);
}

static void test_hits_fields_paging_explain(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, &mini_class, corpus, 4, 2);
    cjkfts_search_options o;
    cjkfts_search_options_init(&o);
    o.k = 1;
    o.offset = 1;
    o.explain = 1;
    o.hl_open = "<b>";
    o.hl_close = "</b>";
    cjkfts_hits *h = search(&f, "同盟", CJKFTS_MODE_AND, &o);
    assert_int_equal(cjkfts_hits_count(h), 1);
    const cjkfts_hit *x = cjkfts_hits_get(h, 0);
    assert_string_equal(x->id, "c");
    assert_string_equal(x->title, "安保");
    assert_string_equal(x->date, "2023-12-31");
    assert_string_equal(x->url, "");
    assert_string_equal(x->snippet, "<b>同盟</b>与安保条约。<b>同盟</b>");
    size_t len;
    assert_string_equal(cjkfts_hits_field(h, 0, "body", &len), "同盟与安保条约。同盟");
    assert_int_equal(len, strlen("同盟与安保条约。同盟"));
    assert_null(cjkfts_hits_field(h, 0, "nope", NULL));
    assert_null(cjkfts_hits_get(h, 1));
    double ib = idf(4, 3), sc = ib * tfn(2, 9, 7.25);
    char want[1024];
    snprintf(want, sizeof want,
             "%.6f = sum of: weight * idf * tf*(k1+1) / (tf + norm), norm = k1*(1 - b + "
             "b*len/avglen); k1=1.2 b=0.75 N=4\n"
             "  %.6f  body term 同盟: tf=2 idf=%.6f len=9 avglen=7.250000 norm=%.6f weight=1\n",
             sc, sc, ib, K1 * (1 - B + B * 9 / 7.25));
    assert_string_equal(x->explain, want);
    int exact;
    assert_int_equal(cjkfts_hits_total(h, &exact), 3);
    cjkfts_hits_free(h);
    /* phrase explain lists the terms' idfs */
    o.k = 10;
    o.offset = 0;
    o.snippet_chars = 0;
    h = search(&f, "body:日美同盟", CJKFTS_MODE_AND, &o);
    x = cjkfts_hits_get(h, 0);
    assert_string_equal(x->snippet, "");
    double b1 = idf(4, 2), b2 = idf(4, 1), b3 = idf(4, 3), bs = b1 + b2 + b3;
    snprintf(want, sizeof want,
             "%.6f = sum of: weight * idf * tf*(k1+1) / (tf + norm), norm = k1*(1 - b + "
             "b*len/avglen); k1=1.2 b=0.75 N=4\n"
             "  %.6f  body phrase \"日美 美同 同盟\": tf=1 idf=%.6f (%.6f+%.6f+%.6f) len=7 "
             "avglen=7.250000 norm=%.6f weight=1\n",
             bs * tfn(1, 7, 7.25), bs * tfn(1, 7, 7.25), bs, b1, b2, b3,
             K1 * (1 - B + B * 7 / 7.25));
    assert_string_equal(x->explain, want);
    cjkfts_hits_free(h);
    fixture_close(&f);
}

static void test_errors(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, &mini_class, corpus, 4, 4);
    cjkfts_query *q = (cjkfts_query *)1;
    assert_int_equal(cjkfts_query_parse(f.r, "(日本", CJKFTS_NTS, CJKFTS_MODE_AND, &q),
                     CJKFTS_ESYNTAX);
    assert_null(q);
    assert_string_equal(cjkfts_errmsg(f.r),
                        "unbalanced parenthesis: '(' at byte 0 is not closed");
    assert_int_equal(cjkfts_query_parse(f.r, "日本", CJKFTS_NTS, CJKFTS_MODE_AND, &q), 0);
    assert_string_equal(cjkfts_errmsg(f.r), "");
    cjkfts_hits *h = NULL;
    assert_int_equal(cjkfts_search(f.r, q, NULL, &h), 0);
    assert_int_equal(cjkfts_hits_count(h), 0);
    cjkfts_hits_free(h);
    cjkfts_query_free(q);
    assert_int_equal(cjkfts_search_string(f.r, "、、", CJKFTS_MODE_AND, NULL, &h),
                     CJKFTS_ESYNTAX);
    assert_string_equal(cjkfts_errmsg(h), "query has no searchable terms");
    cjkfts_hits_free(h);
    assert_int_equal(cjkfts_search_string(f.r, "x", 7, NULL, &h), CJKFTS_EINVAL);
    cjkfts_hits_free(h);
    assert_int_equal(cjkfts_search(f.r, NULL, NULL, &h), CJKFTS_EINVAL);
    cjkfts_hits_free(h);
    cjkfts_search_options o;
    cjkfts_search_options_init(&o);
    o.hl_open = NULL;
    assert_int_equal(cjkfts_search_string(f.r, "同盟", CJKFTS_MODE_AND, &o, &h), CJKFTS_EINVAL);
    cjkfts_hits_free(h);
    fixture_close(&f);
}

static void test_empty_index_and_k0(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, &mini_class, NULL, 0, 1);
    cjkfts_hits *h = search(&f, "日美同盟", CJKFTS_MODE_AND, NULL);
    int exact = 0;
    assert_int_equal(cjkfts_hits_count(h), 0);
    assert_int_equal(cjkfts_hits_total(h, &exact), 0);
    assert_int_equal(exact, 1);
    assert_null(cjkfts_hits_get(h, 0));
    cjkfts_hits_free(h);
    h = search(&f, "date:2024", CJKFTS_MODE_OR, NULL);
    assert_int_equal(cjkfts_hits_count(h), 0);
    cjkfts_hits_free(h);
    fixture_close(&f);
    fixture_open(&f, &mini_class, corpus, 4, 4);
    cjkfts_search_options o;
    cjkfts_search_options_init(&o);
    o.k = 0;
    h = search(&f, "同盟", CJKFTS_MODE_OR, &o);
    assert_int_equal(cjkfts_hits_count(h), 0);
    assert_int_equal(cjkfts_hits_total(h, &exact), 3);
    assert_int_equal(exact, 1);
    cjkfts_hits_free(h);
    o.k = 2;
    o.offset = 5; /* past the end */
    h = search(&f, "同盟", CJKFTS_MODE_AND, &o);
    assert_int_equal(cjkfts_hits_count(h), 0);
    assert_int_equal(cjkfts_hits_total(h, NULL), 3);
    cjkfts_hits_free(h);
    fixture_close(&f);
}

/* ---- pruning equals exhaustive scoring ---------------------------------------------------- */

typedef struct rng {
    uint64_t s;
} rng;

static uint32_t rnd(rng *r, uint32_t n)
{
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((r->s >> 33) % n);
}

/* A character from a skewed alphabet of 40 Han characters (a few very common). */
static const char *skewed_char(rng *r)
{
    static const char *alpha[] = {"的", "国", "日", "美", "中", "同", "盟", "安", "保", "条",
                                  "约", "经", "济", "政", "治", "会", "议", "发", "展", "合",
                                  "作", "关", "系", "历", "史", "文", "化", "科", "技", "人",
                                  "民", "社", "年", "月", "市", "场", "新", "闻", "天", "气"};
    uint32_t a = rnd(r, 40), b = rnd(r, 40);
    return alpha[a < b ? a : b];
}

static char *random_text(rng *r, size_t max_chars)
{
    size_t n = 1 + rnd(r, (uint32_t)max_chars);
    char *s = malloc(n * 4 + 1);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        const char *c = rnd(r, 12) == 0 ? "。" : skewed_char(r);
        size_t cl = strlen(c);
        memcpy(s + len, c, cl);
        len += cl;
    }
    s[len] = 0;
    return s;
}

static void compare_modes(fixture *f, const char *q, int mode, size_t k)
{
    cjkfts_query *query = NULL;
    if (cjkfts_query_parse(f->r, q, CJKFTS_NTS, mode, &query))
        return; /* e.g. no searchable terms */
    cjkfts_search_options o;
    cjkfts_search_options_init(&o);
    o.k = k;
    o.snippet_chars = 0;
    cjkfts_hits *fast = NULL, *slow = NULL;
    assert_int_equal(se_search(f->r, query, &o, 0, &fast), 0);
    assert_int_equal(se_search(f->r, query, &o, SE_EXHAUSTIVE, &slow), 0);
    assert_int_equal(cjkfts_hits_count(fast), cjkfts_hits_count(slow));
    for (size_t i = 0; i < cjkfts_hits_count(slow); i++) {
        const cjkfts_hit *a = cjkfts_hits_get(fast, i), *b = cjkfts_hits_get(slow, i);
        if (strcmp(a->id, b->id) != 0 || a->score != b->score)
            fail_msg("query [%s] k %zu hit %zu: pruned %s %.17g, exhaustive %s %.17g", q, k, i,
                     a->id, a->score, b->id, b->score);
    }
    int fe, se;
    uint64_t ft = cjkfts_hits_total(fast, &fe), st = cjkfts_hits_total(slow, &se);
    assert_int_equal(se, 1);
    assert_true(ft <= st);
    if (fe)
        assert_int_equal(ft, st);
    cjkfts_hits_free(fast);
    cjkfts_hits_free(slow);
    cjkfts_query_free(query);
}

static void test_pruning_equals_exhaustive(void **state)
{
    (void)state;
    rng r = {42};
    enum { NDOCS = 1500 };
    tdoc *docs = calloc(NDOCS, sizeof *docs);
    char ids[NDOCS][8];
    static const char *dates[] = {"2023-05-01", "2024-01-31", "2024-06-15", NULL};
    for (size_t i = 0; i < NDOCS; i++) {
        snprintf(ids[i], sizeof ids[i], "%zu", i);
        docs[i].id = ids[i];
        docs[i].title = rnd(&r, 3) ? random_text(&r, 12) : NULL;
        /* every 25th document repeats an earlier one: equal scores, ties by document order */
        docs[i].body = i % 25 == 24 ? strdup(docs[i - 7].body) : random_text(&r, 300);
        if (i % 25 == 24 && docs[i - 7].title)
            docs[i].title = (free((char *)docs[i].title), strdup(docs[i - 7].title));
        docs[i].date = dates[rnd(&r, 4)];
    }
    fixture f;
    fixture_open(&f, &mini_class, docs, NDOCS, 400);
    /* delete some documents so that live counts differ from posting counts */
    cjkfts_writer *w;
    assert_int_equal(cjkfts_writer_open(f.ix, &w), 0);
    for (size_t i = 0; i < NDOCS; i += 17)
        assert_int_equal(cjkfts_writer_delete(w, ids[i], CJKFTS_NTS), 0);
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
    fixture_reopen(&f);
    int pruned_inexact = 0;
    for (int qn = 0; qn < 200; qn++) {
        char *words = random_text(&r, 2 + qn % 25), *w2 = random_text(&r, 3);
        char q[2048];
        switch (qn % 6) { /* plain questions, and clauses of other kinds among the bigrams */
        case 1: snprintf(q, sizeof q, "%s \"%s\"", words, w2); break;
        case 2: snprintf(q, sizeof q, "%s -%s", words, w2); break;
        case 3: snprintf(q, sizeof q, "%s (%s AND %s) date:2024", words, w2, w2 + 3); break;
        case 4: snprintf(q, sizeof q, "title:%s %s", w2, words); break;
        default: snprintf(q, sizeof q, "%s", words);
        }
        free(words);
        free(w2);
        size_t k = qn % 10 == 9 ? 100 : 1 + rnd(&r, 20);
        compare_modes(&f, q, CJKFTS_MODE_OR, k);
        if (qn % 5 == 0)
            compare_modes(&f, q, CJKFTS_MODE_AND, k);
        cjkfts_search_options o;
        cjkfts_search_options_init(&o);
        o.k = k;
        o.snippet_chars = 0;
        cjkfts_hits *h = NULL;
        if (cjkfts_search_string(f.r, q, CJKFTS_MODE_OR, &o, &h) == 0) {
            int exact;
            cjkfts_hits_total(h, &exact);
            pruned_inexact += !exact;
        }
        cjkfts_hits_free(h);
    }
    assert_true(pruned_inexact > 0); /* pruning did skip documents */
    fixture_close(&f);
    for (size_t i = 0; i < NDOCS; i++) {
        free((char *)docs[i].title);
        free((char *)docs[i].body);
    }
    free(docs);
}

/* Random strings of syntax pieces: every one either fails to parse with ESYNTAX/ETOOBIG or
 * searches without error, pruned and exhaustive giving the same hits. */
static void test_random_syntax(void **state)
{
    (void)state;
    static const char *pieces[] = {"日美", "同盟", "美", "安保条约", "天气", "\"", "(", ")",
                                   " OR ", " AND ", " NOT ", "-", "title:", "body:",
                                   "date:2024", "date:..2023", "、", " ", "a", "基石", "盟是"};
    enum { NP = sizeof pieces / sizeof pieces[0] };
    fixture f;
    fixture_open(&f, &mini_class, corpus, 4, 2);
    rng r = {99};
    int parsed = 0;
    for (int n = 0; n < 3000; n++) {
        char q[512] = "";
        int len = 1 + (int)rnd(&r, 10);
        for (int i = 0; i < len; i++)
            strcat(q, pieces[rnd(&r, NP)]);
        for (int mode = 0; mode < 2; mode++) {
            cjkfts_query *query = NULL;
            int rc = cjkfts_query_parse(f.r, q, CJKFTS_NTS, mode, &query);
            if (rc) {
                if (rc != CJKFTS_ESYNTAX && rc != CJKFTS_ETOOBIG)
                    fail_msg("[%s] mode %d: %d %s", q, mode, rc, cjkfts_errmsg(f.r));
                continue;
            }
            parsed++;
            cjkfts_query_free(query);
            compare_modes(&f, q, mode, 3);
        }
    }
    assert_true(parsed > 1000);
    fixture_close(&f);
}

/* ---- several threads searching one reader ----------------------------------------------- */

static const char *thread_queries[] = {"同盟", "日美同盟", "盟", "日美关系 -基石", "title:安保 OR 天气",
                                       "同盟 date:2024", "安保条约"};
enum { N_TQ = sizeof thread_queries / sizeof thread_queries[0] };

typedef struct thread_job {
    cjkfts_reader *r;
    char want[N_TQ][512];
    int failures;
} thread_job;

/* The hits of a query as "id score snippet;..." */
static void describe_hits(cjkfts_reader *r, int qi, char *out, size_t cap)
{
    cjkfts_hits *h = NULL;
    int mode = qi == 3 ? CJKFTS_MODE_OR : CJKFTS_MODE_AND;
    out[0] = 0;
    if (cjkfts_search_string(r, thread_queries[qi], mode, NULL, &h) == 0)
        for (size_t i = 0; i < cjkfts_hits_count(h); i++) {
            const cjkfts_hit *x = cjkfts_hits_get(h, i);
            size_t n = strlen(out);
            snprintf(out + n, cap - n, "%s %.17g %s;", x->id, x->score, x->snippet);
        }
    cjkfts_hits_free(h);
}

static void *thread_main(void *arg)
{
    thread_job *j = arg;
    char got[512];
    for (int round = 0; round < 30; round++)
        for (int qi = 0; qi < N_TQ; qi++) {
            describe_hits(j->r, qi, got, sizeof got);
            j->failures += strcmp(got, j->want[qi]) != 0;
        }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, &mini_class, corpus, 4, 2);
    thread_job job = {f.r, {{0}}, 0};
    for (int qi = 0; qi < N_TQ; qi++)
        describe_hits(f.r, qi, job.want[qi], sizeof job.want[qi]);
    thread_job jobs[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = job;
        assert_int_equal(pthread_create(&t[i], NULL, thread_main, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(jobs[i].failures, 0);
    }
    fixture_close(&f);
}

/* Every allocation failure gives CJKFTS_ENOMEM (with a failed hits handle) or success. */
static void test_alloc_failures(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, &mini_class, corpus, 4, 2);
    const char *queries[] = {"日美同盟 OR 盟", "日美关系 -基石 date:2024"};
    int modes[] = {CJKFTS_MODE_AND, CJKFTS_MODE_OR};
    cjkfts_search_options o;
    cjkfts_search_options_init(&o);
    o.explain = 1;
    for (int qi = 0; qi < 2; qi++) {
        int ok = 0;
        for (long n = 0; n < 2000 && !ok; n++) {
            cjkfts_hits *h = NULL;
            cf_alloc_fail_after(n);
            int rc = cjkfts_search_string(f.r, queries[qi], modes[qi], &o, &h);
            cf_alloc_fail_after(-1);
            if (rc == 0)
                ok = 1;
            else if (rc != CJKFTS_ENOMEM)
                fail_msg("query %d after %ld allocations: %d %s", qi, n, rc, cjkfts_errmsg(h));
            cjkfts_hits_free(h);
        }
        assert_true(ok);
    }
    fixture_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bm25_exact),
        cmocka_unit_test(test_phrase),
        cmocka_unit_test(test_one_character),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_or_mode),
        cmocka_unit_test(test_deleted_documents),
        cmocka_unit_test(test_hits_fields_paging_explain),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_empty_index_and_k0),
        cmocka_unit_test(test_pruning_equals_exhaustive),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_random_syntax),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
