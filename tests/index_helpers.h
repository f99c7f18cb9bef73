/* index_helpers.h: shared pieces of the index tests: a small whitespace analyzer plugged in
 * through cjkfts_analyzer_class, a deterministic document generator, temporary directories,
 * and a full dump of an index's postings as sorted (field, term, id, position) lines that is
 * compared with the same lines computed from the documents. Include after cmocka.h. */
#ifndef INDEX_HELPERS_H
#define INDEX_HELPERS_H

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index/index.h"

#define TH_UNUSED __attribute__((unused))

/* ---- whitespace analyzer: words split on ' ' and '\n'; a word "_" only takes a position ---- */

static int ws_create(const cjkfts_analyzer_options *o, void **st, char *err, size_t n)
{
    (void)o, (void)err, (void)n;
    static const int dummy = 1;
    *st = (void *)&dummy;
    return 0;
}

static int ws_tokenize(void *st, const char *t, size_t len, cjkfts_token_cb cb, void *ctx,
                       char *err, size_t n)
{
    (void)st, (void)err, (void)n;
    uint32_t pos = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && (t[i] == ' ' || t[i] == '\n'))
            i++;
        size_t s = i;
        while (i < len && t[i] != ' ' && t[i] != '\n')
            i++;
        if (i == s)
            break;
        if (!(i - s == 1 && t[s] == '_')) {
            cjkfts_token tk = {t + s, i - s, pos, CJKFTS_TOKEN_WORD, s, i};
            if (cb(ctx, &tk))
                return CJKFTS_EABORT;
        }
        pos++;
    }
    return 0;
}

static void ws_destroy(void *st)
{
    (void)st;
}

static const cjkfts_analyzer_class ws_class = {CJKFTS_ANALYZER_API, "test-ws", 1, ws_create,
                                               ws_tokenize, ws_destroy};

/* Tokens of a text as the whitespace analyzer makes them: calls f(term, len, pos). */
static TH_UNUSED void ws_each(const char *t, void (*f)(void *, const char *, size_t, uint32_t),
                              void *ctx)
{
    uint32_t pos = 0;
    size_t i = 0, len = strlen(t);
    while (i < len) {
        while (i < len && (t[i] == ' ' || t[i] == '\n'))
            i++;
        size_t s = i;
        while (i < len && t[i] != ' ' && t[i] != '\n')
            i++;
        if (i == s)
            break;
        if (!(i - s == 1 && t[s] == '_'))
            f(ctx, t + s, i - s, pos);
        pos++;
    }
}

/* ---- string vectors ---------------------------------------------------------------------- */

typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

static TH_UNUSED __attribute__((format(printf, 2, 3))) void sv_push(strvec *s, const char *fmt,
                                                                    ...)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        assert_non_null(s->v);
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = malloc((size_t)n + 1);
    assert_non_null(p);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    s->v[s->n++] = p;
}

static int sv_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static TH_UNUSED void sv_sort(strvec *s)
{
    if (s->n)
        qsort(s->v, s->n, sizeof *s->v, sv_cmp);
}

static TH_UNUSED void sv_free(strvec *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static TH_UNUSED void sv_assert_equal(const strvec *want, const strvec *got)
{
    size_t n = want->n < got->n ? want->n : got->n;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(want->v[i], got->v[i]) != 0) {
            print_error("line %zu differs: want \"%s\" got \"%s\"\n", i, want->v[i], got->v[i]);
            fail();
        }
    }
    if (want->n != got->n) {
        print_error("want %zu lines, got %zu (first extra: \"%s\")\n", want->n, got->n,
                    want->n > got->n ? want->v[n] : got->v[n]);
        fail();
    }
}

/* ---- temporary directories ---------------------------------------------------------------- */

/* Under $TMPDIR, else /dev/shm when there is one (commits fsync; memory is fast), else /tmp. */
static TH_UNUSED char *th_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    struct stat st;
    if (!base || !*base)
        base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0
                   ? "/dev/shm"
                   : "/tmp";
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/cjkfts-test-XXXXXX", base);
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static TH_UNUSED void th_rmdir(char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char p[1024];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            struct stat st;
            if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
                th_rmdir(strdup(p));
            else
                unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

/* The index directory as a path under a temporary directory (created by cjkfts_index_open). */
static TH_UNUSED char *th_path(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    assert_non_null(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

/* ---- documents ---------------------------------------------------------------------------- */

typedef struct tdoc {
    char id[48];
    char *title, *body;
    char date[40];
    char url[80];
    int live;
} tdoc;

typedef struct th_rng {
    uint64_t s;
} th_rng;

static TH_UNUSED uint32_t th_rand(th_rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (uint32_t)(r->s >> 11);
}

/* A word with a skewed distribution: "w0" is very common, "w999" rare. */
static TH_UNUSED void th_word(th_rng *r, char *out, size_t cap)
{
    uint32_t a = th_rand(r) % 1000, b = th_rand(r) % 1000;
    snprintf(out, cap, "w%u", a < b ? a * a / 1000 : b);
}

static TH_UNUSED char *th_text(th_rng *r, unsigned words)
{
    size_t cap = (size_t)words * 8 + 1, len = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    t[0] = 0;
    for (unsigned i = 0; i < words; i++) {
        char w[16];
        if (th_rand(r) % 50 == 0)
            strcpy(w, "_");
        else
            th_word(r, w, sizeof w);
        len += (size_t)snprintf(t + len, cap - len, "%s%s", i ? " " : "", w);
    }
    return t;
}

static TH_UNUSED void th_gen(tdoc *d, th_rng *r, unsigned i, unsigned body_words)
{
    snprintf(d->id, sizeof d->id, "doc-%06u", i);
    d->title = th_text(r, 1 + th_rand(r) % 6);
    d->body = th_text(r, body_words ? body_words : th_rand(r) % 120);
    snprintf(d->date, sizeof d->date, "20%02u-%02u-%02uT10:00:00+0900", 10 + i % 15,
             1 + i % 12, 1 + i % 28);
    snprintf(d->url, sizeof d->url, "http://example.com/%u", i);
    d->live = 1;
}

static TH_UNUSED void th_doc_free(tdoc *d)
{
    free(d->title);
    free(d->body);
    d->title = d->body = NULL;
}

static TH_UNUSED cjkfts_doc th_cdoc(const tdoc *d)
{
    cjkfts_doc c = {0};
    c.id = d->id;
    c.id_len = CJKFTS_NTS;
    c.title = d->title;
    c.title_len = CJKFTS_NTS;
    c.body = d->body;
    c.body_len = CJKFTS_NTS;
    c.date = d->date[0] ? d->date : NULL;
    c.url = d->url;
    return c;
}

/* ---- expected and actual postings --------------------------------------------------------- */

typedef struct th_tokctx {
    strvec *out;
    int field;
    const char *id;
} th_tokctx;

static TH_UNUSED void th_tok_line(void *ctx, const char *term, size_t len, uint32_t pos)
{
    th_tokctx *c = ctx;
    sv_push(c->out, "%d %.*s %s %08u", c->field, (int)len, term, c->id, pos);
}

/* The lines "field term id position" for every live document. */
static TH_UNUSED void th_expected(const tdoc *docs, size_t n, strvec *out)
{
    for (size_t i = 0; i < n; i++) {
        if (!docs[i].live)
            continue;
        th_tokctx c = {out, IX_FIELD_TITLE, docs[i].id};
        ws_each(docs[i].title, th_tok_line, &c);
        c.field = IX_FIELD_BODY;
        ws_each(docs[i].body, th_tok_line, &c);
    }
    sv_sort(out);
}

/* Same lines from the index, walking every term, document and position, live documents only.
 * Also checks doc_freq/total_freq against what the lists hold. */
static TH_UNUSED void th_actual(const ix_snapshot *s, strvec *out)
{
    cf_err e = CF_ERR_INIT;
    for (uint32_t gi = 0; gi < ix_snapshot_segment_count(s); gi++) {
        const ix_segment *g = ix_snapshot_segment(s, gi);
        uint32_t nd = ix_seg_doc_count(g);
        char **ids = calloc(nd ? nd : 1, sizeof *ids);
        for (uint32_t d = 0; d < nd; d++) {
            ix_stored_doc sd;
            assert_int_equal(ix_seg_stored_get(g, d, &sd, &e), 0);
            ids[d] = strdup(sd.fields[0].value);
            ix_stored_doc_free(&sd);
        }
        for (int f = 0; f < IX_NFIELDS; f++) {
            ix_term_iter *it;
            assert_int_equal(ix_seg_prefix_iter(g, f, "", 0, &it, &e), 0);
            const char *term;
            size_t tl;
            ix_term_info ti;
            int r;
            while ((r = ix_term_iter_next(it, &term, &tl, &ti, &e)) == 1) {
                ix_postings *p;
                assert_int_equal(ix_postings_open(g, &ti, IX_POST_POSITIONS, &p, &e), 0);
                uint32_t df = 0, prev = 0;
                uint64_t tf = 0;
                for (uint32_t d; (d = ix_postings_next(p)) != IX_NO_MORE_DOCS;) {
                    if (df)
                        assert_true(d > prev);
                    prev = d;
                    df++;
                    uint32_t fr = ix_postings_freq(p);
                    tf += fr;
                    const uint32_t *pos;
                    assert_int_equal(ix_postings_positions(p, &pos), (int)fr);
                    for (uint32_t k = 0; k < fr; k++) {
                        if (k)
                            assert_true(pos[k] >= pos[k - 1]);
                        if (ix_seg_is_live(g, d))
                            sv_push(out, "%d %.*s %s %08u", f, (int)tl, term, ids[d], pos[k]);
                    }
                }
                assert_int_equal(ix_postings_error(p, &e), 0);
                assert_int_equal(df, ti.doc_freq);
                assert_true(tf == ti.total_freq);
                ix_postings_free(p);
            }
            assert_int_equal(r, 0);
            ix_term_iter_free(it);
        }
        for (uint32_t d = 0; d < nd; d++)
            free(ids[d]);
        free(ids);
    }
    cf_handle_destroy(&e);
    sv_sort(out);
}

/* Open an index with the whitespace analyzer and the given budget (0: default). */
static TH_UNUSED cjkfts_index *th_open(const char *path, size_t budget, int merge_factor)
{
    cjkfts_index_options o;
    cjkfts_index_options_init(&o);
    o.analyzer_class = &ws_class;
    if (budget)
        o.ram_budget = budget;
    if (merge_factor)
        o.merge_factor = merge_factor;
    cjkfts_index *ix;
    int rc = cjkfts_index_open(path, &o, CJKFTS_OPEN_CREATE, &ix);
    if (rc)
        print_error("open %s: %s\n", path, cjkfts_errmsg(ix));
    assert_int_equal(rc, 0);
    return ix;
}

/* Compare an index (its last commit) with the live documents. */
static TH_UNUSED void th_verify(cjkfts_index *ix, const tdoc *docs, size_t n)
{
    cjkfts_reader *r;
    assert_int_equal(cjkfts_reader_open(ix, &r), 0);
    strvec want = {0}, got = {0};
    th_expected(docs, n, &want);
    th_actual(ix_reader_snapshot(r), &got);
    if (getenv("TH_DEBUG"))
        fprintf(stderr, "verify: %zu lines\n", got.n);
    sv_assert_equal(&want, &got);
    sv_free(&want);
    sv_free(&got);
    uint64_t live = 0;
    for (size_t i = 0; i < n; i++)
        live += docs[i].live != 0;
    assert_int_equal(cjkfts_reader_doc_count(r), live);
    cjkfts_reader_close(r);
}

static TH_UNUSED void th_add(cjkfts_writer *w, const tdoc *d)
{
    cjkfts_doc c = th_cdoc(d);
    int rc = cjkfts_writer_add(w, &c);
    if (rc)
        print_error("add %s: %s\n", d->id, cjkfts_errmsg(w));
    assert_int_equal(rc, 0);
}

#endif
