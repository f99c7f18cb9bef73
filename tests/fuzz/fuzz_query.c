/* fuzz_query.c: libFuzzer target for the query parser and planner on a real index, followed by
 * the search itself. The first byte picks the mode (AND / ranked OR), paging, explain and
 * snippet options; the rest is the query text. Invariants: every call returns 0 or a CJKFTS_E*
 * code; a failed parse leaves a message and no query; a search returns at most k hits, each
 * with an id and readable stored fields, scores never increase down the list, and
 * cjkfts_search_string gives the same hits as parse + search. */
#include "fuzz_common.h" /* first: it sets _XOPEN_SOURCE */

#include <math.h>

static char *dir;
static cjkfts_index *ix;
static cjkfts_reader *rd;

static void cleanup(void)
{
    cjkfts_reader_close(rd);
    cjkfts_index_close(ix);
    if (dir)
        fz_rmtree(dir);
    free(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    dir = fz_tmpdir("query");
    atexit(cleanup);
    if (fz_build_index(dir, NULL, 200, 140, 30))
        fz_die("cannot build the index");
    int rc = cjkfts_index_open(dir, NULL, CJKFTS_OPEN_READONLY, &ix);
    if (!rc)
        rc = cjkfts_reader_open(ix, &rd);
    if (rc)
        fz_die("opening the index: %s", cjkfts_errmsg(ix));
    return 0;
}

static void check_hits(cjkfts_hits *h, const cjkfts_search_options *o)
{
    size_t n = cjkfts_hits_count(h);
    if (n > o->k)
        fz_die("%zu hits for k = %zu", n, o->k);
    int exact;
    uint64_t total = cjkfts_hits_total(h, &exact);
    if (exact && total < n + o->offset && n > 0)
        fz_die("total %llu below the hits returned", (unsigned long long)total);
    double prev = INFINITY;
    for (size_t i = 0; i < n; i++) {
        const cjkfts_hit *x = cjkfts_hits_get(h, i);
        if (!x || !x->id || !*x->id || !x->title || !x->snippet || !x->date || !x->url)
            fz_die("hit %zu incomplete", i);
        if (!(x->score <= prev) || isnan(x->score))
            fz_die("hit %zu: score %g after %g", i, x->score, prev);
        prev = x->score;
        if (o->explain && !x->explain)
            fz_die("hit %zu: no explanation", i);
        size_t len = 0;
        const char *body = cjkfts_hits_field(h, i, "body", &len);
        if (body && strlen(body) > len)
            fz_die("hit %zu: body longer than its length", i);
        (void)cjkfts_hits_field(h, i, "source", NULL);
    }
    if (cjkfts_hits_get(h, n))
        fz_die("a hit past the end");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t f = data[0];
    int mode = f & 1 ? CJKFTS_MODE_OR : CJKFTS_MODE_AND;
    size_t len = size - 1;
    char *text = malloc(len + 1); /* exact size plus the NUL for the string call */
    memcpy(text, data + 1, len);
    text[len] = 0;
    cjkfts_search_options o;
    cjkfts_search_options_init(&o);
    o.k = 1 + (f >> 1 & 3) * 3;
    o.offset = f & 8 ? 2 : 0;
    o.explain = (f & 16) != 0;
    o.snippet_chars = f & 32 ? 0 : 40;
    cjkfts_query *q = NULL;
    int rc = cjkfts_query_parse(rd, text, len, mode, &q);
    fz_check_rc(rc, "query_parse");
    if (rc) {
        if (q)
            fz_die("failed parse returned a query");
        if (!*cjkfts_errmsg(rd))
            fz_die("failed parse without a message");
    } else {
        cjkfts_hits *h = NULL;
        rc = cjkfts_search(rd, q, &o, &h);
        fz_check_rc(rc, "search");
        if (rc && rc != CJKFTS_ENOMEM)
            fz_die("search failed on a valid index: %s", cjkfts_errmsg(h));
        if (!rc)
            check_hits(h, &o);
        if (!rc && memchr(text, 0, len) == NULL) { /* the string call sees the same text */
            cjkfts_hits *h2 = NULL;
            int rc2 = cjkfts_search_string(rd, text, mode, &o, &h2);
            if (rc2 || cjkfts_hits_count(h2) != cjkfts_hits_count(h))
                fz_die("search_string differs from parse + search (rc %d)", rc2);
            for (size_t i = 0; i < cjkfts_hits_count(h); i++)
                if (strcmp(cjkfts_hits_get(h, i)->id, cjkfts_hits_get(h2, i)->id) != 0)
                    fz_die("search_string hit %zu differs", i);
            cjkfts_hits_free(h2);
        }
        cjkfts_hits_free(h);
        cjkfts_query_free(q);
    }
    free(text);
    return 0;
}
