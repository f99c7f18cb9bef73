/* soak_limits.c: how time and memory grow with input size, to catch quadratic behaviour. For
 * each kind of pathological document (CJK prose, Latin prose, one repeated character, one huge
 * word, a run of combining marks, invalid UTF-8, digit groups, NUL bytes) and sizes doubling
 * from 1 MB, one child process tokenizes it, adds and commits it, searches it (with a snippet),
 * and deep-checks the index; then queries with doubling numbers of terms and bytes. Prints
 * seconds and the ratio to the previous size (about 2 is linear, 4 quadratic) and the peak RSS
 * per document byte. Usage: soak_limits [max MB (default 16)] [dir (default /tmp)] */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cjkfts.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

typedef struct kind {
    const char *name, *unit, *query;
} kind;

static const kind kinds[] = {
    {"cjk prose", "日本の国会で予算案が可決された。", "予算案"},
    {"latin prose", "Parliament passed the budget after a long debate. ", "parliament"},
    {"one CJK char", "日", "日日日"},
    {"one huge word", "k", "zqxend"},
    {"combining marks", "e\xcc\x81\xcc\x88\xcc\xa3", "zqxend"},
    {"invalid UTF-8", "\xff\xfe\x80", "zqxend"},
    {"digit groups", "1,000,", "zqxend"},
    {"NUL bytes", "a\0", "zqxend"},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

static char *make_text(const kind *k, size_t size, size_t *len)
{
    size_t ul = strcmp(k->name, "NUL bytes") == 0 ? 2 : strlen(k->unit);
    char *t = malloc(size + 16);
    size_t n = 0;
    while (n + ul <= size) {
        memcpy(t + n, k->unit, ul);
        n += ul;
    }
    memcpy(t + n, " zqxend", 8);
    *len = n + 7;
    return t;
}

static int count_tok(void *ctx, const cjkfts_token *t)
{
    (void)t;
    ++*(size_t *)ctx;
    return 0;
}

static double rss_bytes(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss * 1024.0;
}

/* In a child: the timings of one document and the peak RSS after adding it, written to fd as
 * 6 doubles. */
static void run_doc(const kind *k, size_t size, const char *dir, int fd)
{
    size_t len;
    char *text = make_text(k, size, &len);
    double t[6] = {0};
    cjkfts_analyzer *a = NULL;
    cjkfts_analyzer_open(NULL, NULL, &a);
    size_t ntok = 0;
    double t0 = now();
    cjkfts_analyzer_tokenize(a, text, len, count_tok, &ntok);
    t[0] = now() - t0;
    cjkfts_analyzer_close(a);
    cjkfts_index_options o;
    cjkfts_index_options_init(&o);
    cjkfts_index *ix = NULL;
    cjkfts_writer *w = NULL;
    if (cjkfts_index_open(dir, &o, CJKFTS_OPEN_CREATE, &ix) || cjkfts_writer_open(ix, &w))
        _exit(2);
    cjkfts_doc d = {"doc", CJKFTS_NTS, "title", CJKFTS_NTS, text, len, NULL, NULL, NULL, 0};
    t0 = now();
    int rc = cjkfts_writer_add(w, &d);
    if (!rc)
        rc = cjkfts_writer_commit(w);
    t[1] = now() - t0;
    t[5] = rss_bytes();
    cjkfts_writer_close(w);
    if (rc)
        fprintf(stderr, "%s %zu: %s\n", k->name, size, cjkfts_strerror(rc));
    cjkfts_reader *r = NULL;
    cjkfts_hits *h = NULL;
    cjkfts_reader_open(ix, &r);
    t0 = now();
    rc = cjkfts_search_string(r, k->query, CJKFTS_MODE_AND, NULL, &h);
    t[2] = now() - t0;
    if (rc || cjkfts_hits_count(h) != 1)
        fprintf(stderr, "%s %zu: search %s: %d hits (%s)\n", k->name, size, k->query,
                (int)cjkfts_hits_count(h), cjkfts_errmsg(h));
    cjkfts_hits_free(h);
    cjkfts_search_options so;
    cjkfts_search_options_init(&so);
    so.snippet_chars = 0;
    t0 = now();
    cjkfts_search_string(r, k->query, CJKFTS_MODE_AND, &so, &h);
    t[3] = now() - t0;
    cjkfts_hits_free(h);
    cjkfts_reader_close(r);
    t0 = now();
    if (cjkfts_index_check(ix, CJKFTS_CHECK_DEEP))
        fprintf(stderr, "%s %zu: check: %s\n", k->name, size, cjkfts_errmsg(ix));
    t[4] = now() - t0;
    cjkfts_index_close(ix);
    if (write(fd, t, sizeof t) != (ssize_t)sizeof t)
        _exit(3);
    _exit(0);
}

static void doc_table(size_t max_mb, const char *base)
{
    printf("documents: seconds (ratio to half the size); peak RSS in bytes per document byte "
           "after adding and at the end\n");
    printf("%-16s %6s %16s %16s %16s %16s %16s %7s %7s\n", "kind", "MB", "tokenize",
           "add+commit", "search+snippet", "search", "deep check", "RSS/B", "end");
    for (size_t k = 0; k < NKINDS; k++) {
        double prev[5] = {0};
        for (size_t mb = 1; mb <= max_mb; mb *= 2) {
            char dir[600];
            snprintf(dir, sizeof dir, "%s/cjkfts-soak-limits-%d", base, (int)getpid());
            nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
            int p[2];
            if (pipe(p))
                return;
            fflush(NULL);
            pid_t pid = fork();
            if (pid == 0) {
                close(p[0]);
                run_doc(&kinds[k], mb << 20, dir, p[1]);
            }
            close(p[1]);
            double t[6] = {0};
            ssize_t got = read(p[0], t, sizeof t);
            close(p[0]);
            int st;
            struct rusage ru;
            wait4(pid, &st, 0, &ru);
            nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
            if (got != (ssize_t)sizeof t) {
                printf("%-16s %6zu  child failed\n", kinds[k].name, mb);
                continue;
            }
            printf("%-16s %6zu", kinds[k].name, mb);
            for (int i = 0; i < 5; i++) {
                char c[32];
                if (prev[i] > 0.002)
                    snprintf(c, sizeof c, "%.3f (%4.1f)", t[i], t[i] / prev[i]);
                else
                    snprintf(c, sizeof c, "%.3f", t[i]);
                printf(" %16s", c);
                prev[i] = t[i];
            }
            printf(" %7.1f %7.1f\n", t[5] / (double)(mb << 20),
                   (double)ru.ru_maxrss * 1024.0 / (double)(mb << 20));
            fflush(stdout);
        }
    }
}

/* Queries: parse + search time against the number of terms and bytes. */
static void query_table(const char *base)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/cjkfts-soak-limits-q-%d", base, (int)getpid());
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    cjkfts_index *ix = NULL;
    cjkfts_writer *w = NULL;
    if (cjkfts_index_open(dir, NULL, CJKFTS_OPEN_CREATE, &ix) || cjkfts_writer_open(ix, &w))
        return;
    char id[32], body[256];
    for (int i = 0; i < 2000; i++) {
        snprintf(id, sizeof id, "d%d", i);
        snprintf(body, sizeof body, "w%d w%d w%d 日本の国会 東京%d", i % 997, i % 13, i % 101, i);
        cjkfts_doc d = {id, CJKFTS_NTS, NULL, 0, body, CJKFTS_NTS, NULL, NULL, NULL, 0};
        cjkfts_writer_add(w, &d);
    }
    cjkfts_writer_commit(w);
    cjkfts_writer_close(w);
    cjkfts_reader *r = NULL;
    cjkfts_reader_open(ix, &r);
    printf("\nqueries over 2000 documents: seconds per parse+search (ratio to half as many)\n");
    printf("%-26s %6s %16s %16s\n", "query", "terms", "AND", "OR");
    static const char *const names[] = {"distinct words", "CJK + digits", "OR groups"};
    for (int s = 0; s < 3; s++) {
        double prev[2] = {0};
        for (int n = 64; n <= 1024; n *= 2) {
            char *q = malloc((size_t)n * 24 + 1);
            size_t l = 0;
            for (int i = 0; i < n / (s == 2 ? 2 : 1); i++) {
                if (s == 0)
                    l += (size_t)sprintf(q + l, "w%d ", i);
                else if (s == 1)
                    l += (size_t)sprintf(q + l, "日本%d ", i);
                else
                    l += (size_t)sprintf(q + l, "(w%d OR w1) ", i);
            }
            printf("%-26s %6d", names[s], n);
            for (int mode = 0; mode < 2; mode++) {
                cjkfts_hits *h = NULL;
                double t0 = now();
                int rc = cjkfts_search_string(r, q, mode, NULL, &h);
                double t = now() - t0;
                cjkfts_hits_free(h);
                char c[40];
                if (rc)
                    snprintf(c, sizeof c, "%s", cjkfts_strerror(rc));
                else if (prev[mode] > 0.0005)
                    snprintf(c, sizeof c, "%.4f (%4.1f)", t, t / prev[mode]);
                else
                    snprintf(c, sizeof c, "%.4f", t);
                printf(" %16s", c);
                prev[mode] = t;
            }
            printf("\n");
            free(q);
        }
    }
    cjkfts_reader_close(r);
    cjkfts_index_close(ix);
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(int argc, char **argv)
{
    size_t max_mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 16;
    const char *base = argc > 2 ? argv[2] : "/tmp";
    doc_table(max_mb ? max_mb : 16, base);
    query_table(base);
    return 0;
}
