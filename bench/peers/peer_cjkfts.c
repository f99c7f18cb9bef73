/* peer_cjkfts.c: benchmark adapter for cjkfts itself, through the public API only.
 *
 * Index: default options (bigrams with run-tail unigrams, variant folding, BM25 k1=1.2,
 * b=0.75, title boost 2.0, 256 MiB RAM budget), one writer, one commit. Sizes from
 * cjkfts_index_stats_get. AND: CJKFTS_MODE_AND (each CJK run a phrase of its bigrams, words
 * ANDed). OR: CJKFTS_MODE_OR (ranked OR of bigrams). Hits without snippets. */
#include "peer_common.h"

#include <cjkfts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cj {
    cjkfts_index *ix;
    cjkfts_writer *w;
    cjkfts_reader *r;
    cjkfts_search_options so;
} cj;

static int cj_fail(const char *what, int rc, const void *handle)
{
    fprintf(stderr, "cjkfts: %s: %s: %s\n", what, cjkfts_strerror(rc), cjkfts_errmsg(handle));
    return 1;
}

static void cj_free(cj *c)
{
    cjkfts_reader_close(c->r);
    cjkfts_writer_close(c->w);
    cjkfts_index_close(c->ix);
    free(c);
}

static int cj_index_begin(void **st, const char *dir)
{
    cj *c = calloc(1, sizeof *c);
    if (!c)
        return 1;
    *st = c;
    int rc = cjkfts_index_open(dir, NULL, CJKFTS_OPEN_CREATE | CJKFTS_OPEN_EXCL, &c->ix);
    if (rc)
        return cj_fail(dir, rc, c->ix);
    if ((rc = cjkfts_writer_open(c->ix, &c->w)) != 0)
        return cj_fail("writer", rc, c->ix);
    return 0;
}

static int cj_index_add(void *st, const pc_doc *d)
{
    cj *c = st;
    cjkfts_doc doc = {0};
    doc.id = d->id;
    doc.id_len = d->id_len;
    doc.title = d->title;
    doc.title_len = d->title_len;
    doc.body = d->body;
    doc.body_len = d->body_len;
    int rc = cjkfts_writer_add(c->w, &doc);
    return rc ? cj_fail("add", rc, c->w) : 0;
}

static int cj_index_end(void *st, const char *dir, pc_sizes *sz)
{
    cj *c = st;
    cjkfts_index_stats s;
    (void)dir;
    int rc = cjkfts_writer_commit(c->w);
    if (rc)
        return cj_fail("commit", rc, c->w);
    cjkfts_writer_close(c->w);
    c->w = NULL;
    if ((rc = cjkfts_index_stats_get(c->ix, &s)) != 0)
        return cj_fail("stats", rc, c->ix);
    sz->postings = (int64_t)s.postings_bytes;
    sz->positions = (int64_t)s.positions_bytes;
    sz->stored = (int64_t)s.stored_bytes;
    sz->other = (int64_t)s.total_bytes - sz->postings - sz->positions - sz->stored;
    cj_free(c);
    return 0;
}

static int cj_query_open(void **st, const char *dir)
{
    cj *c = calloc(1, sizeof *c);
    if (!c)
        return 1;
    *st = c;
    int rc = cjkfts_index_open(dir, NULL, CJKFTS_OPEN_READONLY, &c->ix);
    if (rc)
        return cj_fail(dir, rc, c->ix);
    if ((rc = cjkfts_reader_open(c->ix, &c->r)) != 0)
        return cj_fail("reader", rc, c->ix);
    cjkfts_search_options_init(&c->so);
    c->so.snippet_chars = 0;
    return 0;
}

static int cj_query_run(void *st, const char *text, int mode_or, int k, pc_result *res)
{
    cj *c = st;
    cjkfts_hits *h = NULL;
    c->so.k = (size_t)k;
    int rc = cjkfts_search_string(c->r, text, mode_or ? CJKFTS_MODE_OR : CJKFTS_MODE_AND,
                                  &c->so, &h);
    if (rc == CJKFTS_ESYNTAX) { /* reported, counted as no hits */
        fprintf(stderr, "cjkfts: query %s: %s\n", text, cjkfts_errmsg(c->r));
        cjkfts_hits_free(h);
        return 0;
    }
    if (rc) {
        cj_fail(text, rc, c->r);
        cjkfts_hits_free(h);
        return 1;
    }
    int exact = 1;
    uint64_t total = cjkfts_hits_total(h, &exact);
    res->total = exact ? (int64_t)total : -1;
    for (size_t i = 0, n = cjkfts_hits_count(h); i < n; i++) {
        const cjkfts_hit *hit = cjkfts_hits_get(h, i);
        pc_result_add(res, hit->id, strlen(hit->id));
    }
    cjkfts_hits_free(h);
    return 0;
}

static void cj_query_close(void *st)
{
    cj_free(st);
}

int main(int argc, char **argv)
{
    pc_engine e = {"cjkfts", cjkfts_version(), cj_index_begin, cj_index_add, cj_index_end,
                   cj_query_open, cj_query_run, cj_query_close};
    return pc_main(argc, argv, &e);
}
