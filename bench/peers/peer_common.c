/* peer_common.c: the adapter protocol driver shared by the C and C++ benchmark adapters. */
#include "peer_common.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return q;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void pc_result_add(pc_result *r, const char *id, size_t len)
{
    if (r->len + len + 1 > r->cap) {
        r->cap = (r->len + len + 1) * 2;
        r->buf = xrealloc(r->buf, r->cap);
    }
    if (r->count > 0)
        r->buf[r->len - 1] = '\t';
    memcpy(r->buf + r->len, id, len);
    r->len += len;
    r->buf[r->len++] = '\0';
    r->count++;
}

size_t pc_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t need;
    uint32_t c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0) {
        need = 2;
        c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        need = 3;
        c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        need = 4;
        c &= 0x07;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (need > n) {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    *cp = c;
    return need;
}

int pc_is_cjk(uint32_t c)
{
    return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF) ||
           (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0xFF66 && c <= 0xFF9F) || (c >= 0x20000 && c <= 0x3FFFF);
}

size_t pc_split_words(const char *text, char ***words)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text), i = 0, count = 0, start = 0;
    int inword = 0;
    char **out = NULL;
    while (i <= n) {
        uint32_t cp = 0;
        size_t len = i < n ? pc_utf8_next(s + i, n - i, &cp) : 1;
        int space = i == n || cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' ||
                    cp == 0x3000;
        if (space && inword) {
            out = xrealloc(out, (count + 1) * sizeof *out);
            out[count] = xrealloc(NULL, i - start + 1);
            memcpy(out[count], text + start, i - start);
            out[count][i - start] = '\0';
            count++;
            inword = 0;
        } else if (!space && !inword) {
            inword = 1;
            start = i;
        }
        i += len;
    }
    *words = out;
    return count;
}

void pc_words_free(char **words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(words[i]);
    free(words);
}

static int is_alnum(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x370 && c <= 0x52F) ||
           (c >= 0xFF10 && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) ||
           (c >= 0xFF41 && c <= 0xFF5A);
}

static void add_term(char ***terms, size_t *n, const char *p, size_t len)
{
    *terms = xrealloc(*terms, (*n + 1) * sizeof **terms);
    (*terms)[*n] = xrealloc(NULL, len + 1);
    memcpy((*terms)[*n], p, len);
    (*terms)[*n][len] = '\0';
    (*n)++;
}

size_t pc_or_terms(const char *word, char ***terms)
{
    const unsigned char *s = (const unsigned char *)word;
    size_t n = strlen(word), i = 0, count = 0;
    size_t prev = 0, prev_len = 0; /* previous CJK character of the current run */
    size_t run = 0;                /* characters in the current CJK run */
    size_t alnum_start = 0;
    int in_alnum = 0;
    *terms = NULL;
    while (i <= n) {
        uint32_t cp = 0;
        size_t len = i < n ? pc_utf8_next(s + i, n - i, &cp) : 0;
        int cjk = i < n && pc_is_cjk(cp), an = i < n && is_alnum(cp);
        if (in_alnum && !an) {
            add_term(terms, &count, word + alnum_start, i - alnum_start);
            in_alnum = 0;
        }
        if (!cjk && run == 1)
            add_term(terms, &count, word + prev, prev_len);
        if (cjk) {
            if (run >= 1)
                add_term(terms, &count, word + prev, prev_len + len);
            run++;
            prev = i;
            prev_len = len;
        } else {
            run = 0;
        }
        if (an && !in_alnum) {
            in_alnum = 1;
            alnum_start = i;
        }
        if (i == n)
            break;
        i += len;
    }
    return count;
}

int64_t pc_dir_bytes(const char *path)
{
    struct stat st;
    int64_t total = 0;
    if (lstat(path, &st) != 0)
        return 0;
    if (S_ISREG(st.st_mode))
        return (int64_t)st.st_blocks * 512;
    if (!S_ISDIR(st.st_mode))
        return 0;
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        char *sub = xrealloc(NULL, len);
        snprintf(sub, len, "%s/%s", path, e->d_name);
        total += pc_dir_bytes(sub);
        free(sub);
    }
    closedir(d);
    return total;
}

static const char *json_str(json_object *o, const char *key, size_t *len)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) {
        *len = 0;
        return "";
    }
    *len = (size_t)json_object_get_string_len(v);
    return json_object_get_string(v);
}

static int run_index(const pc_engine *eng, const char *dir, const char *corpus)
{
    FILE *f = fopen(corpus, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s\n", corpus, strerror(errno));
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    uint64_t docs = 0, bytes = 0, lineno = 0;
    void *st = NULL;
    int rc = 0;
    double t0 = now_seconds();
    if (eng->index_begin(&st, dir) != 0) {
        fclose(f);
        return 1;
    }
    while (rc == 0 && (got = getline(&line, &cap, f)) > 0) {
        lineno++;
        bytes += (uint64_t)got;
        json_object *o = json_tokener_parse(line);
        if (!o) {
            if (strspn(line, " \t\r\n") == (size_t)got)
                continue;
            fprintf(stderr, "%s:%llu: not JSON\n", corpus, (unsigned long long)lineno);
            rc = 1;
            break;
        }
        pc_doc d;
        d.id = json_str(o, "id", &d.id_len);
        d.title = json_str(o, "title", &d.title_len);
        d.body = json_str(o, "body", &d.body_len);
        if (d.id_len == 0) {
            fprintf(stderr, "%s:%llu: no id\n", corpus, (unsigned long long)lineno);
            rc = 1;
        } else {
            rc = eng->index_add(st, &d);
            docs++;
        }
        json_object_put(o);
    }
    free(line);
    fclose(f);
    pc_sizes sz = {-1, -1, -1, -1};
    if (eng->index_end(st, dir, &sz) != 0 || rc != 0)
        return 1;
    double secs = now_seconds() - t0;
    printf("engine\t%s\t%s\n", eng->name, eng->version);
    printf("docs\t%llu\ninput_bytes\t%llu\nindex_seconds\t%.6f\n", (unsigned long long)docs,
           (unsigned long long)bytes, secs);
    printf("size\tpostings\t%lld\nsize\tpositions\t%lld\nsize\tstored\t%lld\n",
           (long long)sz.postings, (long long)sz.positions, (long long)sz.stored);
    printf("size\tother\t%lld\nsize\ttotal\t%lld\n", (long long)sz.other,
           (long long)pc_dir_bytes(dir));
    return 0;
}

typedef struct query {
    char *qid, *text;
} query;

static query *read_queries(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return NULL;
    }
    query *q = NULL;
    size_t count = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    while ((got = getline(&line, &lcap, f)) > 0) {
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = '\0';
        q = xrealloc(q, (count + 1) * sizeof *q);
        q[count].qid = strdup(line);
        q[count].text = strdup(tab + 1);
        count++;
    }
    free(line);
    fclose(f);
    *n = count;
    return q;
}

static int run_queries(const pc_engine *eng, const char *dir, const char *qfile, int mode_or,
                       int k)
{
    size_t n = 0;
    query *q = read_queries(qfile, &n);
    if (!q)
        return 1;
    void *st = NULL;
    if (eng->query_open(&st, dir) != 0)
        return 1;
    pc_result res = {0};
    double *lat = xrealloc(NULL, (n ? n : 1) * sizeof *lat);
    char **ids = calloc(n ? n : 1, sizeof *ids);
    int64_t *totals = xrealloc(NULL, (n ? n : 1) * sizeof *totals);
    int rc = 0;
    double w0 = now_seconds();
    /* Warm-up: every query once, and at least PC_WARMUP_RUNS runs in all. */
    size_t runs = n == 0 ? 0 : n > PC_WARMUP_RUNS ? n : PC_WARMUP_RUNS;
    for (size_t i = 0; i < runs && rc == 0; i++) {
        res.len = res.count = 0;
        rc = eng->query_run(st, q[i % n].text, mode_or, k, &res);
    }
    double warm = now_seconds() - w0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        res.len = res.count = 0;
        res.total = -1;
        double t0 = now_seconds();
        rc = eng->query_run(st, q[i].text, mode_or, k, &res);
        lat[i] = now_seconds() - t0;
        ids[i] = strdup(res.count ? res.buf : "");
        totals[i] = res.total;
    }
    eng->query_close(st);
    if (rc == 0) {
        printf("engine\t%s\t%s\nwarmup_seconds\t%.6f\n", eng->name, eng->version, warm);
        for (size_t i = 0; i < n; i++)
            printf("q\t%s\t%.3f\t%lld\t%s\n", q[i].qid, lat[i] * 1e6, (long long)totals[i],
                   ids[i]);
    }
    for (size_t i = 0; i < n; i++) {
        free(ids[i]);
        free(q[i].qid);
        free(q[i].text);
    }
    free(q);
    free(lat);
    free(ids);
    free(totals);
    free(res.buf);
    return rc ? 1 : 0;
}

int pc_main(int argc, char **argv, const pc_engine *eng)
{
    if (argc == 4 && !strcmp(argv[1], "index"))
        return run_index(eng, argv[2], argv[3]);
    if (argc == 6 && !strcmp(argv[1], "query") &&
        (!strcmp(argv[4], "and") || !strcmp(argv[4], "or")) && atoi(argv[5]) > 0)
        return run_queries(eng, argv[2], argv[3], !strcmp(argv[4], "or"), atoi(argv[5]));
    fprintf(stderr,
            "usage: %s index INDEXDIR CORPUS.jsonl\n"
            "       %s query INDEXDIR QUERIES.tsv and|or K\n",
            argv[0], argv[0]);
    return 2;
}
