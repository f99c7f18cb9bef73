/* bench_analyzer.c: analyzer throughput (MB/s of input, tokens/s) on the news corpora, with
 * a plain UTF-8 decoding pass over the same bytes as the baseline.
 *
 * Usage: bench_analyzer CORPUS_DIR [REPEATS]
 * Reads livedoor.jsonl and xinwenlianbo.jsonl, takes the title and body strings of every
 * line (json-c), then times tokenizing all of them with the default analyzer (best of
 * REPEATS runs, default 3), single-threaded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "cjkfts.h"
#include "util/util.h"

typedef struct texts {
    char **s;
    size_t *len;
    size_t n, cap, bytes;
} texts;

static void add_text(texts *t, const char *s, size_t len)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 1024;
        t->s = realloc(t->s, t->cap * sizeof *t->s);
        t->len = realloc(t->len, t->cap * sizeof *t->len);
        if (!t->s || !t->len) {
            fprintf(stderr, "bench_analyzer: out of memory\n");
            exit(1);
        }
    }
    t->s[t->n] = malloc(len + 1);
    if (!t->s[t->n]) {
        fprintf(stderr, "bench_analyzer: out of memory\n");
        exit(1);
    }
    memcpy(t->s[t->n], s, len);
    t->len[t->n++] = len;
    t->bytes += len;
}

static int load(const char *dir, const char *name, texts *t)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_analyzer: cannot open %s\n", path);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        json_object *o = json_tokener_parse(line);
        if (!o)
            continue;
        static const char *fields[] = {"title", "body"};
        for (int i = 0; i < 2; i++) {
            json_object *v;
            if (json_object_object_get_ex(o, fields[i], &v) && json_object_is_type(v, json_type_string))
                add_text(t, json_object_get_string(v), (size_t)json_object_get_string_len(v));
        }
        json_object_put(o);
    }
    free(line);
    fclose(f);
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int count_cb(void *ctx, const cjkfts_token *t)
{
    (void)t;
    ++*(uint64_t *)ctx;
    return 0;
}

static double time_analyzer(cjkfts_analyzer *a, const texts *t, uint64_t *tokens)
{
    *tokens = 0;
    double t0 = now();
    for (size_t i = 0; i < t->n; i++)
        if (cjkfts_analyzer_tokenize(a, t->s[i], t->len[i], count_cb, tokens)) {
            fprintf(stderr, "bench_analyzer: %s\n", cjkfts_errmsg(a));
            exit(1);
        }
    return now() - t0;
}

static double time_decode(const texts *t, uint64_t *sum)
{
    uint64_t acc = 0;
    double t0 = now();
    for (size_t i = 0; i < t->n; i++) {
        const uint8_t *s = (const uint8_t *)t->s[i];
        size_t len = t->len[i], k = 0;
        while (k < len)
            acc += (uint32_t)cf_utf8_decode(s, len, &k);
    }
    *sum = acc;
    return now() - t0;
}

static void bench_file(const char *dir, const char *name, int repeats)
{
    texts t = {0};
    if (load(dir, name, &t))
        return;
    cjkfts_analyzer *a = NULL;
    if (cjkfts_analyzer_open(NULL, NULL, &a)) {
        fprintf(stderr, "bench_analyzer: %s\n", a ? cjkfts_errmsg(a) : "open failed");
        exit(1);
    }
    double best_a = 1e30, best_d = 1e30;
    uint64_t tokens = 0, sum = 0;
    for (int r = 0; r < repeats; r++) {
        double ta = time_analyzer(a, &t, &tokens), td = time_decode(&t, &sum);
        if (ta < best_a)
            best_a = ta;
        if (td < best_d)
            best_d = td;
    }
    double mb = (double)t.bytes / 1e6;
    printf("%-20s %8.1f MB %7zu texts %10llu tokens | analyzer %7.1f MB/s %6.2f Mtok/s | "
           "utf8 decode %7.1f MB/s | ratio %.1fx\n",
           name, mb, t.n, (unsigned long long)tokens, mb / best_a, (double)tokens / best_a / 1e6,
           mb / best_d, best_a / best_d);
    (void)sum;
    cjkfts_analyzer_close(a);
    for (size_t i = 0; i < t.n; i++)
        free(t.s[i]);
    free(t.s), free(t.len);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_analyzer CORPUS_DIR [REPEATS]\n");
        return 2;
    }
    int repeats = argc > 2 ? atoi(argv[2]) : 3;
    if (repeats < 1)
        repeats = 1;
    bench_file(argv[1], "livedoor.jsonl", repeats);
    bench_file(argv[1], "xinwenlianbo.jsonl", repeats);
    return 0;
}
