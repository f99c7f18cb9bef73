/* bench_search.c: retrieval quality and query latency.
 *
 * Usage: bench_search CORPUS_DIR [QUERIES_PER_KIND]
 *
 * Quality: each eval/NAME.docs.jsonl (id, title, body) is indexed with the public API and its
 * NAME.queries.tsv questions are run as ranked OR queries (k = 10); MRR@10 and recall@10 of
 * the gold paragraph (NAME.qrels) are printed, with the query latency.
 *
 * Latency: livedoor.jsonl and xinwenlianbo.jsonl (HTML tags stripped from bodies) are
 * indexed; AND queries of 1, 2, 3 and 4 CJK characters and of two 2-character words are
 * sampled deterministically from the bodies, and questions come from the eval sets of the same
 * language (JSQuAD for livedoor, CMRC 2018 for xinwenlianbo) run in ranked OR mode, pruned
 * and exhaustive. Latencies are per query (parse included), single-threaded, k = 10: the
 * ranking alone (statistics, matching, scoring, top-k), then the full cjkfts_search call that
 * also reads the 10 hits' stored fields, and for some kinds with 100-character snippets. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <dirent.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "cjkfts.h"
#include "index/index.h"
#include "search/search.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const void *handle)
{
    fprintf(stderr, "bench_search: %s: %s\n", what, handle ? cjkfts_errmsg(handle) : "failed");
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "bench_search: out of memory\n");
        exit(1);
    }
    return p;
}

/* ---- strings --------------------------------------------------------------------------------- */

typedef struct strs {
    char **v;
    size_t n, cap;
} strs;

static void strs_push(strs *s, const char *p, size_t len)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v)
            die("out of memory", NULL);
    }
    char *c = xmalloc(len + 1);
    memcpy(c, p, len);
    c[len] = 0;
    s->v[s->n++] = c;
}

static void strs_free(strs *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* Remove <...> tags in place. */
static size_t strip_tags(char *s, size_t len)
{
    size_t o = 0;
    bool in = false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '<')
            in = true;
        else if (s[i] == '>' && in)
            in = false;
        else if (!in)
            s[o++] = s[i];
    }
    s[o] = 0;
    return o;
}

/* ---- indexing -------------------------------------------------------------------------------- */

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static char *tmp_index(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/cjkfts-bench-XXXXXX", base && *base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    if (!d)
        die("mkdtemp", NULL);
    return strdup(d);
}

static const char *jstr(json_object *o, const char *key, size_t *len)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) {
        *len = 0;
        return NULL;
    }
    *len = (size_t)json_object_get_string_len(v);
    return json_object_get_string(v);
}

/* Index a JSON Lines file; keep the bodies in *bodies when not NULL. Returns seconds. */
static double index_jsonl(const char *path, cjkfts_index *ix, bool html, strs *bodies,
                          size_t *n_docs)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_search: cannot open %s\n", path);
        exit(1);
    }
    cjkfts_writer *w;
    if (cjkfts_writer_open(ix, &w))
        die("writer_open", ix);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    double t0 = now();
    *n_docs = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        json_object *o = json_tokener_parse(line);
        if (!o)
            continue;
        cjkfts_doc d = {0};
        size_t blen;
        const char *body = jstr(o, "body", &blen);
        char *b = xmalloc(blen + 1);
        memcpy(b, body ? body : "", blen);
        b[blen] = 0;
        if (html)
            blen = strip_tags(b, blen);
        d.id = jstr(o, "id", &d.id_len);
        d.title = jstr(o, "title", &d.title_len);
        d.body = b;
        d.body_len = blen;
        size_t dl;
        d.date = jstr(o, "date", &dl);
        if (d.id && cjkfts_writer_add(w, &d))
            die("writer_add", w);
        if (bodies)
            strs_push(bodies, b, blen);
        free(b);
        json_object_put(o);
        (*n_docs)++;
    }
    if (cjkfts_writer_commit(w))
        die("commit", w);
    double t = now() - t0;
    cjkfts_writer_close(w);
    free(line);
    fclose(f);
    return t;
}

static cjkfts_index *open_new(char **dir)
{
    *dir = tmp_index();
    cjkfts_index *ix;
    if (cjkfts_index_open(*dir, NULL, CJKFTS_OPEN_CREATE, &ix))
        die("index_open", ix);
    return ix;
}

static void close_index(cjkfts_index *ix, char *dir)
{
    cjkfts_index_close(ix);
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

/* ---- latency --------------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct lat {
    double *ms;
    size_t n;
    double hits;
    size_t failed;
} lat;

static void lat_summary(lat *l, double *p50, double *p99)
{
    *p50 = *p99 = 0;
    if (l->n == 0)
        return;
    qsort(l->ms, l->n, sizeof *l->ms, cmp_double);
    *p50 = l->ms[l->n / 2];
    *p99 = l->ms[(size_t)ceil(0.99 * (double)l->n) - 1];
}

/* Ranking only: statistics, matching, scoring and top-k of the query, no hits built. */
static int engine_only(cjkfts_reader *r, const cjkfts_query *q, int flags, uint64_t *total)
{
    se_ctx c;
    se_result res = {0};
    int rc = se_ctx_open(&c, ix_reader_snapshot(r), q->plan, ix_reader_options(r), -1);
    if (!rc)
        rc = se_collect(&c, 10, flags, &res);
    *total = res.total;
    se_topk_free(&res.top);
    se_ctx_close(&c);
    return rc;
}

enum { RUN_ENGINE, RUN_HITS, RUN_SNIPPETS };

/* Run each query once (parse included); record latency. */
static void run_queries(cjkfts_reader *r, const strs *qs, int mode, int what, int flags,
                        lat *l)
{
    l->ms = xmalloc((qs->n + 1) * sizeof *l->ms);
    l->n = 0;
    l->hits = 0;
    l->failed = 0;
    cjkfts_search_options o;
    cjkfts_search_options_init(&o);
    o.snippet_chars = what == RUN_SNIPPETS ? 100 : 0;
    for (size_t i = 0; i < qs->n; i++) {
        double t0 = now();
        cjkfts_query *q = NULL;
        cjkfts_hits *h = NULL;
        uint64_t total = 0;
        int rc = cjkfts_query_parse(r, qs->v[i], CJKFTS_NTS, mode, &q);
        if (!rc && what == RUN_ENGINE)
            rc = engine_only(r, q, flags, &total);
        else if (!rc) {
            rc = se_search(r, q, &o, flags, &h);
            total = cjkfts_hits_total(h, NULL);
        }
        double t = now() - t0;
        if (rc) {
            l->failed++;
        } else {
            l->ms[l->n++] = t * 1000;
            l->hits += (double)total;
        }
        cjkfts_hits_free(h);
        cjkfts_query_free(q);
    }
}

/* One line: ranking only, then with the 10 hits' stored fields (and snippets). */
static void measure(cjkfts_reader *r, const char *label, const strs *qs, int mode, int flags,
                    bool snippets)
{
    lat e, h, sn = {0};
    run_queries(r, qs, mode, RUN_ENGINE, flags, &e);
    run_queries(r, qs, mode, RUN_HITS, flags, &h);
    if (snippets)
        run_queries(r, qs, mode, RUN_SNIPPETS, flags, &sn);
    double e50, e99, h50, h99, s50, s99;
    lat_summary(&e, &e50, &e99);
    lat_summary(&h, &h50, &h99);
    lat_summary(&sn, &s50, &s99);
    printf("  %-24s n=%-4zu hits %6.0f | ranking p50 %6.3f p99 %6.3f | +stored p50 %6.3f "
           "p99 %6.3f", label, e.n, e.n ? e.hits / (double)e.n : 0, e50, e99, h50, h99);
    if (snippets)
        printf(" | +snippets p50 %6.3f p99 %6.3f", s50, s99);
    printf("%s\n", e.failed || h.failed ? "  (some failed)" : "");
    free(e.ms), free(h.ms), free(sn.ms);
}

typedef struct rng {
    uint64_t s;
} rng;

static uint32_t rnd(rng *r, uint32_t n)
{
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    return n ? (uint32_t)((r->s >> 33) % n) : 0;
}

static bool is_cjk(int32_t c)
{
    return (c >= 0x3040 && c <= 0x30ff && c != 0x30fb) || (c >= 0x3400 && c <= 0x9fff) ||
           (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x3ffff);
}

/* n consecutive CJK characters from a random place of a random body, or NULL. */
static char *sample_chars(const strs *bodies, rng *r, int n)
{
    for (int attempt = 0; attempt < 1000; attempt++) {
        const char *b = bodies->v[rnd(r, (uint32_t)bodies->n)];
        size_t len = strlen(b);
        if (len < 16)
            continue;
        size_t i = rnd(r, (uint32_t)len);
        while (i < len && ((unsigned char)b[i] & 0xc0) == 0x80)
            i++;
        size_t start = i;
        int k = 0;
        while (k < n && i < len) {
            int32_t c = cf_utf8_decode((const uint8_t *)b, len, &i);
            if (!is_cjk(c))
                break;
            k++;
        }
        if (k == n)
            return strndup(b + start, i - start);
    }
    return NULL;
}

static void sample(const strs *bodies, rng *r, int n, size_t count, strs *out)
{
    while (out->n < count) {
        char *s = sample_chars(bodies, r, n);
        if (!s)
            break;
        strs_push(out, s, strlen(s));
        free(s);
    }
}

static void sample_two_words(const strs *bodies, rng *r, size_t count, strs *out)
{
    while (out->n < count) {
        char *a = sample_chars(bodies, r, 2), *b = sample_chars(bodies, r, 2);
        if (!a || !b) {
            free(a), free(b);
            break;
        }
        char buf[64];
        snprintf(buf, sizeof buf, "%s %s", a, b);
        strs_push(out, buf, strlen(buf));
        free(a), free(b);
    }
}

/* Questions of a queries.tsv file (second column). */
static void load_questions(const char *path, size_t max, strs *out, strs *qids)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0 && out->n < max) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        strs_push(out, tab + 1, strlen(tab + 1));
        if (qids)
            strs_push(qids, line, (size_t)(tab - line));
    }
    free(line);
    fclose(f);
}

static void latency_corpus(const char *dir, const char *file, bool html, const char *qfile,
                           size_t per_kind)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *idx;
    cjkfts_index *ix = open_new(&idx);
    strs bodies = {0};
    size_t n_docs;
    double t = index_jsonl(path, ix, html, &bodies, &n_docs);
    cjkfts_index_stats st;
    cjkfts_index_stats_get(ix, &st);
    printf("%s: %zu docs indexed in %.2f s (%.1f MB index, %u segments)\n", file, n_docs, t,
           (double)st.total_bytes / 1e6, st.segments);
    cjkfts_reader *r;
    if (cjkfts_reader_open(ix, &r))
        die("reader_open", ix);
    rng g = {12345};
    printf("  (ms per query; hits = average matching documents)\n");
    for (int n = 1; n <= 4; n++) {
        strs qs = {0};
        sample(&bodies, &g, n, per_kind, &qs);
        char label[64];
        snprintf(label, sizeof label, "AND %d-character", n);
        measure(r, label, &qs, CJKFTS_MODE_AND, 0, n == 2);
        strs_free(&qs);
    }
    strs qs = {0};
    sample_two_words(&bodies, &g, per_kind, &qs);
    measure(r, "AND two 2-char words", &qs, CJKFTS_MODE_AND, 0, false);
    strs_free(&qs);
    snprintf(path, sizeof path, "%s/eval/%s", dir, qfile);
    load_questions(path, per_kind, &qs, NULL);
    measure(r, "OR questions, pruned", &qs, CJKFTS_MODE_OR, 0, true);
    measure(r, "OR questions, exhaustive", &qs, CJKFTS_MODE_OR, SE_EXHAUSTIVE, false);
    strs_free(&qs);
    strs_free(&bodies);
    cjkfts_reader_close(r);
    close_index(ix, idx);
}

/* ---- quality --------------------------------------------------------------------------------- */

/* qid -> gold doc id (one relevant document per question). */
static char *gold_of(const strs *qrel_q, const strs *qrel_d, const char *qid)
{
    for (size_t i = 0; i < qrel_q->n; i++) /* files are small; linear is fine here */
        if (strcmp(qrel_q->v[i], qid) == 0)
            return qrel_d->v[i];
    return NULL;
}

static void load_qrels(const char *path, strs *q, strs *d)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    char qid[512], zero[16], did[512];
    int rel;
    while (fscanf(f, "%511s %15s %511s %d", qid, zero, did, &rel) == 4)
        if (rel > 0) {
            strs_push(q, qid, strlen(qid));
            strs_push(d, did, strlen(did));
        }
    fclose(f);
}

static void quality(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/eval/%s.docs.jsonl", dir, name);
    char *idx;
    cjkfts_index *ix = open_new(&idx);
    size_t n_docs;
    double t = index_jsonl(path, ix, false, NULL, &n_docs);
    cjkfts_reader *r;
    if (cjkfts_reader_open(ix, &r))
        die("reader_open", ix);
    strs qs = {0}, qids = {0}, rq = {0}, rd = {0};
    snprintf(path, sizeof path, "%s/eval/%s.queries.tsv", dir, name);
    load_questions(path, SIZE_MAX, &qs, &qids);
    snprintf(path, sizeof path, "%s/eval/%s.qrels", dir, name);
    load_qrels(path, &rq, &rd);
    cjkfts_search_options o;
    cjkfts_search_options_init(&o);
    o.snippet_chars = 0;
    double mrr = 0, rec = 0;
    size_t failed = 0;
    double *ms = xmalloc(qs.n * sizeof *ms);
    for (size_t i = 0; i < qs.n; i++) {
        const char *gold = gold_of(&rq, &rd, qids.v[i]);
        cjkfts_hits *h = NULL;
        double t0 = now();
        int rc = cjkfts_search_string(r, qs.v[i], CJKFTS_MODE_OR, &o, &h);
        ms[i] = (now() - t0) * 1000;
        if (rc)
            failed++;
        for (size_t k = 0; !rc && gold && k < cjkfts_hits_count(h); k++)
            if (strcmp(cjkfts_hits_get(h, k)->id, gold) == 0) {
                mrr += 1.0 / (double)(k + 1);
                rec += 1;
                break;
            }
        cjkfts_hits_free(h);
    }
    qsort(ms, qs.n, sizeof *ms, cmp_double);
    double nq = qs.n ? (double)qs.n : 1;
    printf("  %-16s docs %5zu (indexed %.2f s)  questions %5zu  MRR@10 %.4f  recall@10 %.4f  "
           "p50 %.3f ms  p99 %.3f ms%s\n",
           name, n_docs, t, qs.n, mrr / nq, rec / nq, qs.n ? ms[qs.n / 2] : 0,
           qs.n ? ms[(size_t)ceil(0.99 * nq) - 1] : 0, failed ? "  (some questions failed)" : "");
    free(ms);
    strs_free(&qs), strs_free(&qids), strs_free(&rq), strs_free(&rd);
    cjkfts_reader_close(r);
    close_index(ix, idx);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_search CORPUS_DIR [QUERIES_PER_KIND]\n");
        return 2;
    }
    const char *dir = argv[1];
    size_t per_kind = argc > 2 ? (size_t)atol(argv[2]) : 500;
    char path[4096];
    snprintf(path, sizeof path, "%s/eval", dir);
    DIR *d = opendir(path);
    strs names = {0};
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        const char *suffix = strstr(e->d_name, ".docs.jsonl");
        if (suffix && suffix[11] == 0)
            strs_push(&names, e->d_name, (size_t)(suffix - e->d_name));
    }
    if (d)
        closedir(d);
    if (names.n)
        qsort(names.v, names.n, sizeof *names.v, cmp_str);
    printf("quality: questions as ranked OR queries (bigrams, BM25), k = 10\n");
    for (size_t i = 0; i < names.n; i++)
        quality(dir, names.v[i]);
    strs_free(&names);
    printf("latency: single thread, k = 10, no snippets unless said\n");
    latency_corpus(dir, "livedoor.jsonl", false, "jsquad-valid.queries.tsv", per_kind);
    latency_corpus(dir, "xinwenlianbo.jsonl", true, "cmrc2018-trial.queries.tsv", per_kind);
    return 0;
}
