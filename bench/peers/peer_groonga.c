/* peer_groonga.c: benchmark adapter for Groonga (TokenBigram + NormalizerAuto).
 *
 * Index: table Docs (key = id; columns title Text, body LongText) loaded through the C API,
 * then the inverted index (Terms lexicon, TokenBigram, index column with positions and
 * sections over title and body) built in one pass afterwards, the bulk-load path Groonga's
 * documentation recommends. Postings+positions = the lexicon and its index column (Groonga
 * keeps positions inside the postings); stored = Docs and its columns.
 * Queries run through the select command (--match_columns 'title * 2 || body', sorted by
 * _score). AND: each word a quoted phrase, words ANDed. OR: bigrams of the question joined by
 * OR. Groonga's _score is the count of matched terms weighted per column, not BM25. */
#include "peer_common.h"

#include <dirent.h>
#include <groonga.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct gr {
    grn_ctx *ctx;
    grn_obj *db, *docs, *title, *body;
    grn_obj value;
    char *cmd, *q;
    size_t cmd_len, cmd_cap, q_len, q_cap;
} gr;

/* Run one command; its output (when out is not NULL) stays valid until the next call. */
static int gr_cmd(gr *g, const char *cmd, size_t len, char **out, unsigned *out_len)
{
    char *str;
    unsigned n;
    int flags;
    grn_ctx_send(g->ctx, cmd, (unsigned)len, 0);
    if (g->ctx->rc != GRN_SUCCESS) {
        fprintf(stderr, "groonga: %.*s: %s\n", (int)len, cmd, g->ctx->errbuf);
        return 1;
    }
    do {
        grn_ctx_recv(g->ctx, &str, &n, &flags);
    } while (flags & GRN_CTX_MORE);
    if (g->ctx->rc != GRN_SUCCESS) {
        fprintf(stderr, "groonga: %.*s: %s\n", (int)len, cmd, g->ctx->errbuf);
        return 1;
    }
    if (out) {
        *out = str;
        *out_len = n;
    }
    return 0;
}

static int gr_open(gr **out, const char *dir, int create)
{
    char path[4096];
    if (grn_init() != GRN_SUCCESS)
        return 1;
    if (create && mkdir(dir, 0755) != 0) {
        perror(dir);
        return 1;
    }
    snprintf(path, sizeof path, "%s/db", dir);
    gr *g = calloc(1, sizeof *g);
    if (!g)
        return 1;
    g->ctx = grn_ctx_open(0);
    g->db = create ? grn_db_create(g->ctx, path, NULL) : grn_db_open(g->ctx, path);
    if (!g->db) {
        fprintf(stderr, "groonga: %s: %s\n", path, g->ctx->errbuf);
        return 1;
    }
    GRN_TEXT_INIT(&g->value, 0);
    *out = g;
    return 0;
}

static void gr_close(gr *g)
{
    GRN_OBJ_FIN(g->ctx, &g->value);
    grn_obj_close(g->ctx, g->db);
    grn_ctx_close(g->ctx);
    grn_fin();
    free(g->cmd);
    free(g->q);
    free(g);
}

#define CMD(g, s) gr_cmd((g), (s), strlen(s), NULL, NULL)

static int gr_index_begin(void **st, const char *dir)
{
    gr *g;
    if (gr_open(&g, dir, 1))
        return 1;
    *st = g;
    if (CMD(g, "table_create Docs TABLE_HASH_KEY ShortText") ||
        CMD(g, "column_create Docs title COLUMN_SCALAR Text") ||
        CMD(g, "column_create Docs body COLUMN_SCALAR LongText") ||
        CMD(g, "table_create Terms TABLE_PAT_KEY ShortText --default_tokenizer TokenBigram"
               " --normalizer NormalizerAuto"))
        return 1;
    g->docs = grn_ctx_get(g->ctx, "Docs", 4);
    g->title = grn_ctx_get(g->ctx, "Docs.title", 10);
    g->body = grn_ctx_get(g->ctx, "Docs.body", 9);
    return g->docs && g->title && g->body ? 0 : 1;
}

static int gr_set(gr *g, grn_obj *col, grn_id id, const char *s, size_t n)
{
    GRN_TEXT_SET(g->ctx, &g->value, s, n);
    if (grn_obj_set_value(g->ctx, col, id, &g->value, GRN_OBJ_SET) != GRN_SUCCESS) {
        fprintf(stderr, "groonga: set value: %s\n", g->ctx->errbuf);
        return 1;
    }
    return 0;
}

static int gr_index_add(void *st, const pc_doc *d)
{
    gr *g = st;
    if (d->id_len > 4095) {
        fprintf(stderr, "groonga: id longer than 4095 bytes\n");
        return 1;
    }
    grn_id id = grn_table_add(g->ctx, g->docs, d->id, (unsigned)d->id_len, NULL);
    if (id == GRN_ID_NIL) {
        fprintf(stderr, "groonga: add: %s\n", g->ctx->errbuf);
        return 1;
    }
    return gr_set(g, g->title, id, d->title, d->title_len) ||
           gr_set(g, g->body, id, d->body, d->body_len);
}

/* Bytes of the files of one object: its path and path.* (chunks, sub-files). */
static int64_t gr_obj_bytes(gr *g, const char *dir, grn_obj *obj)
{
    const char *path = obj ? grn_obj_path(g->ctx, obj) : NULL;
    if (!path)
        return 0;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t blen = strlen(base);
    int64_t total = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, base, blen) || (e->d_name[blen] && e->d_name[blen] != '.'))
            continue;
        char full[8192];
        struct stat sb;
        snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
        if (stat(full, &sb) == 0)
            total += (int64_t)sb.st_blocks * 512;
    }
    if (d)
        closedir(d);
    return total;
}

static int gr_index_end(void *st, const char *dir, pc_sizes *sz)
{
    gr *g = st;
    if (CMD(g, "column_create Terms docs_index COLUMN_INDEX|WITH_POSITION|WITH_SECTION Docs"
               " title,body"))
        return 1;
    grn_obj_flush_recursive(g->ctx, g->db);
    sz->postings = gr_obj_bytes(g, dir, grn_ctx_get(g->ctx, "Terms", 5)) +
                   gr_obj_bytes(g, dir, grn_ctx_get(g->ctx, "Terms.docs_index", 16));
    sz->positions = -1;
    sz->stored = gr_obj_bytes(g, dir, g->docs) + gr_obj_bytes(g, dir, g->title) +
                 gr_obj_bytes(g, dir, g->body);
    sz->other = -1;
    gr_close(g);
    return 0;
}

static int gr_query_open(void **st, const char *dir)
{
    gr *g;
    if (gr_open(&g, dir, 0))
        return 1;
    *st = g;
    return 0;
}

static void grow(char **p, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *p = realloc(*p, *cap);
        if (!*p)
            exit(2);
    }
    memcpy(*p + *len, s, n);
    *len += n;
    (*p)[*len] = '\0';
}

/* Append s to the query as a quoted phrase (query syntax escapes " and \ with \). */
static void q_phrase(gr *g, const char *sep, const char *s)
{
    if (g->q_len)
        grow(&g->q, &g->q_len, &g->q_cap, sep, strlen(sep));
    grow(&g->q, &g->q_len, &g->q_cap, "\"", 1);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            grow(&g->q, &g->q_len, &g->q_cap, "\\", 1);
        grow(&g->q, &g->q_len, &g->q_cap, s, 1);
    }
    grow(&g->q, &g->q_len, &g->q_cap, "\"", 1);
}

static int gr_query_run(void *st, const char *text, int mode_or, int k, pc_result *res)
{
    gr *g = st;
    char **w;
    size_t nw = pc_split_words(text, &w);
    g->q_len = 0;
    for (size_t i = 0; i < nw; i++) {
        if (!mode_or) {
            q_phrase(g, " ", w[i]);
            continue;
        }
        char **t;
        size_t nt = pc_or_terms(w[i], &t);
        for (size_t j = 0; j < nt; j++)
            q_phrase(g, " OR ", t[j]);
        pc_words_free(t, nt);
    }
    pc_words_free(w, nw);
    if (g->q_len == 0)
        return 0;
    char head[256];
    g->cmd_len = 0;
    snprintf(head, sizeof head,
             "select Docs --match_columns 'title * 2 || body' --output_columns _key"
             " --output_type json --cache no --sort_keys -_score --limit %d --query \"", k);
    grow(&g->cmd, &g->cmd_len, &g->cmd_cap, head, strlen(head));
    for (size_t i = 0; i < g->q_len; i++) {
        if (g->q[i] == '"' || g->q[i] == '\\')
            grow(&g->cmd, &g->cmd_len, &g->cmd_cap, "\\", 1);
        grow(&g->cmd, &g->cmd_len, &g->cmd_cap, g->q + i, 1);
    }
    grow(&g->cmd, &g->cmd_len, &g->cmd_cap, "\"", 1);
    char *out;
    unsigned n;
    if (gr_cmd(g, g->cmd, g->cmd_len, &out, &n))
        return 1;
    /* JSON: [[[TOTAL],[["_key","ShortText"]],["id1"],["id2"],...]] */
    char *end = out + n, *p = memchr(out, '[', n);
    while (p && p < end && *p == '[')
        p++;
    if (!p || p >= end) {
        fprintf(stderr, "groonga: unexpected output %.*s\n", (int)n, out);
        return 1;
    }
    res->total = strtoll(p, NULL, 10);
    char *hdr = strstr(p, "\"ShortText\"]]");
    p = hdr ? hdr + 13 : end;
    while (p < end && (p = memchr(p, '"', (size_t)(end - p))) != NULL) {
        char *q = ++p;
        size_t len = 0;
        while (q < end && *q != '"') {
            if (*q == '\\' && q + 1 < end)
                q++;
            p[len++] = *q++;
        }
        pc_result_add(res, p, len);
        p = q + 1;
    }
    return 0;
}

static void gr_query_close(void *st)
{
    gr_close(st);
}

int main(int argc, char **argv)
{
    pc_engine e = {"groonga", grn_get_version(), gr_index_begin, gr_index_add,
                   gr_index_end, gr_query_open, gr_query_run, gr_query_close};
    return pc_main(argc, argv, &e);
}
