/* bench_index.c: indexing throughput (MB/s of title+body text, end to end: JSON line ->
 * analyzer -> buffer -> segments -> commit), peak RSS, and index size against the input.
 *
 * Usage: bench_index CORPUS_DIR [--repeat N] [--ram MIB] [--only NAME] [--dir DIR] [--keep]
 *                               [--check]
 *   Indexes livedoor.jsonl and xinwenlianbo.jsonl (or only NAME), each N times (default 1)
 *   with distinct ids, into a fresh index under DIR (default $TMPDIR or /tmp), streaming the
 *   file (nothing is kept in memory). --only mix indexes both into one index, one after the
 *   other, N times. --ram sets the writer's RAM budget (default 256).
 *   --check runs cjkfts_index_check (deep) after indexing. Peak RSS is the process's
 *   ru_maxrss, so run one corpus per process (--only) when measuring memory.
 *   A >= 500 MB run: bench_index CORPUS_DIR --only mix --repeat 9 --ram 64 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "cjkfts.h"

typedef struct cfg {
    const char *corpus, *only, *dir;
    unsigned repeat;
    size_t ram_mib;
    int keep, check;
} cfg;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_secs(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static const char *jstr(json_object *o, const char *k, size_t *len)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string)) {
        *len = 0;
        return NULL;
    }
    *len = (size_t)json_object_get_string_len(v);
    return json_object_get_string(v);
}

/* Add every line of one file, ids suffixed with the round number; counts text bytes. */
static int add_file(cjkfts_writer *w, const char *path, unsigned round, uint64_t *docs,
                    uint64_t *bytes)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_index: cannot open %s\n", path);
        return -1;
    }
    char *line = NULL, id[1100];
    size_t cap = 0;
    int rc = 0;
    while (rc == 0 && getline(&line, &cap, f) > 0) {
        json_object *o = json_tokener_parse(line);
        if (!o)
            continue;
        cjkfts_doc d = {0};
        size_t idl, dl, ul, cl;
        const char *jid = jstr(o, "id", &idl);
        snprintf(id, sizeof id, "%.*s#%u", (int)(idl > 1000 ? 1000 : idl), jid ? jid : "",
                 round);
        d.id = id;
        d.id_len = CJKFTS_NTS;
        d.title = jstr(o, "title", &d.title_len);
        d.body = jstr(o, "body", &d.body_len);
        d.date = jstr(o, "date", &dl);
        d.url = jstr(o, "url", &ul);
        cjkfts_field cat = {"category", jstr(o, "category", &cl), 0};
        cat.len = cl;
        if (cat.value) {
            d.extra = &cat;
            d.n_extra = 1;
        }
        rc = cjkfts_writer_add(w, &d);
        if (rc)
            fprintf(stderr, "bench_index: add %s: %s\n", id, cjkfts_errmsg(w));
        *docs += 1;
        *bytes += d.title_len + d.body_len;
        json_object_put(o);
    }
    free(line);
    fclose(f);
    return rc;
}

static void remove_tree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_index: could not remove %s\n", dir);
}

static const char *const corpora[] = {"livedoor", "xinwenlianbo"};

static int run(const cfg *c, const char *name)
{
    char src[2][4096], dir[4096];
    bool mix = strcmp(name, "mix") == 0;
    for (int k = 0; k < 2; k++)
        snprintf(src[k], sizeof src[k], "%s/%s.jsonl", c->corpus, mix ? corpora[k] : name);
    snprintf(dir, sizeof dir, "%s/bench-index-%s-%ld", c->dir, name, (long)getpid());
    remove_tree(dir);
    cjkfts_index_options o;
    cjkfts_index_options_init(&o);
    o.ram_budget = c->ram_mib << 20;
    cjkfts_index *ix;
    cjkfts_writer *w = NULL;
    int rc = cjkfts_index_open(dir, &o, CJKFTS_OPEN_CREATE, &ix);
    if (!rc)
        rc = cjkfts_writer_open(ix, &w);
    if (rc) {
        fprintf(stderr, "bench_index: %s\n", cjkfts_errmsg(ix));
        cjkfts_index_close(ix);
        return 1;
    }
    uint64_t docs = 0, bytes = 0;
    double t0 = now(), c0 = cpu_secs();
    for (unsigned r = 0; r < c->repeat && rc == 0; r++)
        for (int k = 0; k < (mix ? 2 : 1) && rc == 0; k++)
            rc = add_file(w, src[k], r, &docs, &bytes);
    double t1 = now();
    if (!rc && (rc = cjkfts_writer_commit(w)))
        fprintf(stderr, "bench_index: commit: %s\n", cjkfts_errmsg(w));
    double t2 = now(), c2 = cpu_secs();
    cjkfts_writer_close(w);
    cjkfts_index_stats st;
    if (!rc && (rc = cjkfts_index_stats_get(ix, &st)))
        fprintf(stderr, "bench_index: stats: %s\n", cjkfts_errmsg(ix));
    if (!rc) {
        double mb = (double)bytes / 1e6, secs = t2 - t0, cpu = c2 - c0;
        printf("%-13s x%-3u %8llu docs %9.1f MB text  %6.2f s (add %.2f + commit %.2f)  "
               "%6.1f MB/s  cpu %.2f s = %.1f MB/s per core  peak RSS %ld MiB\n", name,
               c->repeat, (unsigned long long)docs, mb, secs, t1 - t0, t2 - t1, mb / secs, cpu,
               mb / cpu, peak_rss_kib() / 1024);
        printf("%-13s segments %u  terms %llu  postings %.1f MB + positions %.1f MB = %.3f x "
               "text  stored %.1f MB = %.3f x  total %.1f MB = %.3f x\n", name, st.segments,
               (unsigned long long)st.terms, st.postings_bytes / 1e6, st.positions_bytes / 1e6,
               (double)(st.postings_bytes + st.positions_bytes) / (double)bytes,
               st.stored_bytes / 1e6, (double)st.stored_bytes / (double)bytes,
               st.total_bytes / 1e6, (double)st.total_bytes / (double)bytes);
    }
    if (!rc && c->check) {
        double t3 = now();
        rc = cjkfts_index_check(ix, CJKFTS_CHECK_DEEP);
        printf("%-13s deep check: %s (%.2f s)\n", name, rc ? cjkfts_errmsg(ix) : "OK",
               now() - t3);
    }
    cjkfts_index_close(ix);
    if (!c->keep)
        remove_tree(dir);
    else
        printf("%-13s kept in %s\n", name, dir);
    fflush(stdout);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    cfg c = {NULL, NULL, NULL, 1, 256, 0, 0};
    const char *t = getenv("TMPDIR");
    c.dir = t && *t ? t : "/tmp";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            c.repeat = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--ram") == 0 && i + 1 < argc)
            c.ram_mib = (size_t)atol(argv[++i]);
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            c.only = argv[++i];
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            c.dir = argv[++i];
        else if (strcmp(argv[i], "--keep") == 0)
            c.keep = 1;
        else if (strcmp(argv[i], "--check") == 0)
            c.check = 1;
        else if (!c.corpus && argv[i][0] != '-')
            c.corpus = argv[i];
        else {
            fprintf(stderr, "usage: bench_index CORPUS_DIR [--repeat N] [--ram MIB] "
                            "[--only NAME] [--dir DIR] [--keep] [--check]\n");
            return 2;
        }
    }
    if (!c.corpus || c.repeat == 0) {
        fprintf(stderr, "usage: bench_index CORPUS_DIR [--repeat N] [--ram MIB] ...\n");
        return 2;
    }
    if (c.only && strcmp(c.only, "mix") == 0)
        return run(&c, "mix");
    int status = 0;
    for (int i = 0; i < 2; i++)
        if (!c.only || strcmp(c.only, corpora[i]) == 0)
            status |= run(&c, corpora[i]);
    return status;
}
