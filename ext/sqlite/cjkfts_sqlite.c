/* cjkfts_sqlite.c: a loadable SQLite extension adding the FTS5 tokenizer "cjkfts" (the cjkfts
 * analyzer: variant folding, CJK bigrams, stemming) and the auxiliary function cjkfts_highlight().
 *
 * USE
 *     .load ./cjkfts_sqlite                      -- or sqlite3_load_extension(db, path, 0, &err)
 *     CREATE VIRTUAL TABLE news USING fts5(title, body, tokenize='cjkfts');
 *     SELECT highlight(news, 1, '[', ']') FROM news WHERE news MATCH '日美同盟' ORDER BY rank;
 *
 * TOKENIZER ARGUMENTS (after the name, in any order; fixed when the table is created)
 *     nofold         do not fold traditional/simplified/Japanese variants (default: fold)
 *     fold           fold them (the default)
 *     stemmer LANG   Snowball stemmer for Latin words (default english); none disables it
 *   e.g. tokenize='cjkfts nofold', tokenize='cjkfts stemmer french'. An unknown argument makes
 *   CREATE VIRTUAL TABLE fail.
 *
 * TOKENS
 *   Documents are tokenized as by cjkfts itself: a CJK run of n characters gives n-1
 *   overlapping bigrams and its last character alone (日美同盟 -> 日美 美同 同盟 盟), one token
 *   per position; each token carries the byte range of the original text it came from, so
 *   highlight() and snippet() mark the original (for instance traditional) characters.
 *
 * QUERIES
 *   FTS5 hands each bareword or quoted string of a MATCH expression to the tokenizer and
 *   matches the tokens it gets back as a phrase. A CJK run therefore matches as a phrase of
 *   its bigrams, anywhere in a longer run: MATCH '日美同盟' finds 日美同盟關係. For that the
 *   last token of a query string is dropped when it is a run's final character (so a query of
 *   2+ characters is exactly its bigrams); a final character in the middle of a quoted string
 *   is kept, as it holds the place of the punctuation or space that ended its run.
 *     日美同盟           a phrase: 日美 美同 同盟
 *     日美 同盟          two phrases, both required (implicit AND); OR and NOT work as usual
 *     盟*                one character: every occurrence (a single character is indexed only
 *                        as the first half of a bigram or as a run's last character, so a
 *                        one-character query needs the prefix star)
 *     盟                 one character without star: only where it ends a run or stands alone
 *     日美同*            prefix query: the same as 日美同
 *
 * cjkfts_highlight(tbl, col, open, close) is highlight() for tokens whose byte ranges
 * overlap: two matches that share a character (日美 and 美同 in 日美同) are marked as one
 * span. FTS5's highlight() marks them separately and, because bigrams overlap, repeats text
 * between them; use cjkfts_highlight() when a query has several terms.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include "cjkfts.h"

#if defined(__GNUC__)
#define CT_EXPORT __attribute__((visibility("default")))
#else
#define CT_EXPORT
#endif

/* ---- tokenizer --------------------------------------------------------------------------- */

typedef struct ct_tokenizer {
    cjkfts_analyzer *analyzer;
} ct_tokenizer;

/* Map a cjkfts status to an SQLite result code. */
static int ct_sqlite_rc(int rc)
{
    if (rc == CJKFTS_OK)
        return SQLITE_OK;
    return rc == CJKFTS_ENOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
}

/* Fill opts from the tokenizer arguments; SQLITE_ERROR on an unknown or incomplete one. */
static int ct_parse_args(const char **azArg, int nArg, cjkfts_analyzer_options *opts)
{
    cjkfts_analyzer_options_init(opts);
    for (int i = 0; i < nArg; i++) {
        const char *a = azArg[i];
        if (sqlite3_stricmp(a, "nofold") == 0) {
            opts->fold_variants = 0;
        } else if (sqlite3_stricmp(a, "fold") == 0) {
            opts->fold_variants = 1;
        } else if (sqlite3_stricmp(a, "stemmer") == 0 && i + 1 < nArg) {
            const char *lang = azArg[++i];
            if (sqlite3_stricmp(lang, "none") == 0)
                lang = "";
            if (strlen(lang) >= sizeof opts->stemmer)
                return SQLITE_ERROR;
            strcpy(opts->stemmer, lang);
        } else {
            return SQLITE_ERROR;
        }
    }
    return SQLITE_OK;
}

static int ct_create(void *user, const char **azArg, int nArg, Fts5Tokenizer **out)
{
    (void)user;
    *out = NULL;
    cjkfts_analyzer_options opts;
    int rc = ct_parse_args(azArg, nArg, &opts);
    if (rc != SQLITE_OK)
        return rc;
    ct_tokenizer *t = sqlite3_malloc(sizeof *t);
    if (!t)
        return SQLITE_NOMEM;
    rc = cjkfts_analyzer_open(NULL, &opts, &t->analyzer);
    if (rc != CJKFTS_OK) {
        cjkfts_analyzer_close(t->analyzer);
        sqlite3_free(t);
        return ct_sqlite_rc(rc);
    }
    *out = (Fts5Tokenizer *)t;
    return SQLITE_OK;
}

static void ct_delete(Fts5Tokenizer *tok)
{
    ct_tokenizer *t = (ct_tokenizer *)tok;
    if (!t)
        return;
    cjkfts_analyzer_close(t->analyzer);
    sqlite3_free(t);
}

/* One tokenize call. In query mode a token is held back until the next one arrives, so the
 * last token of the string can be dropped when it is a run's final character. */
typedef struct ct_run {
    void *ctx;
    int (*xToken)(void *, int, const char *, int, int, int);
    int query;
    int rc;             /* SQLite code returned by xToken, or SQLITE_NOMEM */
    int have_prev;      /* a token was emitted (document mode) or is held (query mode) */
    uint32_t prev_pos;  /* position of the last token seen */
    char *held;         /* query mode: the held token's term (sqlite3_malloc'ed) */
    int held_cap, held_len, held_kind, held_flags, held_start, held_end;
} ct_run;

static int ct_emit(ct_run *r, int flags, const char *term, int len, int start, int end)
{
    r->rc = r->xToken(r->ctx, flags, term, len, start, end);
    return r->rc != SQLITE_OK;
}

static int ct_hold(ct_run *r, const cjkfts_token *tok, int flags)
{
    if ((int)tok->term_len > r->held_cap) {
        int cap = (int)tok->term_len * 2 + 16;
        char *p = sqlite3_realloc(r->held, cap);
        if (!p) {
            r->rc = SQLITE_NOMEM;
            return 1;
        }
        r->held = p;
        r->held_cap = cap;
    }
    memcpy(r->held, tok->term, tok->term_len);
    r->held_len = (int)tok->term_len;
    r->held_kind = tok->kind;
    r->held_flags = flags;
    r->held_start = (int)tok->start;
    r->held_end = (int)tok->end;
    return 0;
}

static int ct_on_token(void *ctx, const cjkfts_token *tok)
{
    ct_run *r = ctx;
    if (tok->term_len > INT_MAX) {
        r->rc = SQLITE_TOOBIG;
        return 1;
    }
    /* FTS5 numbers tokens itself; a token at the same position as the previous one is a
     * colocated alternative. */
    int flags = r->have_prev && tok->position == r->prev_pos ? FTS5_TOKEN_COLOCATED : 0;
    int was_held = r->have_prev;
    r->have_prev = 1;
    r->prev_pos = tok->position;
    if (!r->query)
        return ct_emit(r, flags, tok->term, (int)tok->term_len, (int)tok->start, (int)tok->end);
    if (was_held && ct_emit(r, r->held_flags, r->held, r->held_len, r->held_start, r->held_end))
        return 1;
    return ct_hold(r, tok, flags);
}

static int ct_tokenize(Fts5Tokenizer *tok, void *ctx, int flags, const char *text, int len,
                       int (*xToken)(void *, int, const char *, int, int, int))
{
    ct_tokenizer *t = (ct_tokenizer *)tok;
    ct_run r = {.ctx = ctx, .xToken = xToken, .query = (flags & FTS5_TOKENIZE_QUERY) != 0};
    if (len < 0)
        return SQLITE_ERROR;
    int rc = cjkfts_analyzer_tokenize(t->analyzer, text ? text : "", (size_t)len, ct_on_token,
                                      &r);
    if (rc == CJKFTS_EABORT)
        rc = r.rc;
    else
        rc = ct_sqlite_rc(rc);
    if (rc == SQLITE_OK && r.query && r.have_prev && r.held_kind != CJKFTS_TOKEN_TAIL)
        rc = xToken(ctx, r.held_flags, r.held, r.held_len, r.held_start, r.held_end);
    sqlite3_free(r.held);
    return rc;
}

/* ---- cjkfts_highlight() ------------------------------------------------------------------ */

/* A range: first and last position of a phrase instance, or start and end (exclusive) byte
 * offsets of a span to mark. */
typedef struct ct_span {
    int start, end;
} ct_span;

typedef struct ct_spans {
    ct_span *v;
    int n, cap;
} ct_spans;

static int ct_spans_add(ct_spans *s, int start, int end)
{
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 16;
        ct_span *v = sqlite3_realloc64(s->v, (sqlite3_uint64)cap * sizeof *v);
        if (!v)
            return SQLITE_NOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n].start = start;
    s->v[s->n].end = end;
    s->n++;
    return SQLITE_OK;
}

static int ct_span_cmp(const void *a, const void *b)
{
    const ct_span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

/* Walks the column's tokens in position order and collects the byte ranges of those inside
 * a phrase instance. inst is sorted by first position; each end is the last position. */
typedef struct ct_hl {
    const ct_spans *inst;
    int next;      /* first instance not yet started */
    int cover_end; /* greatest last position of the instances started so far */
    int pos;       /* position of the next token */
    ct_spans bytes;
} ct_hl;

static int ct_hl_token(void *ctx, int tflags, const char *term, int len, int start, int end)
{
    (void)term, (void)len;
    ct_hl *h = ctx;
    if (tflags & FTS5_TOKEN_COLOCATED)
        return SQLITE_OK;
    int pos = h->pos++;
    while (h->next < h->inst->n && h->inst->v[h->next].start <= pos) {
        if (h->inst->v[h->next].end > h->cover_end)
            h->cover_end = h->inst->v[h->next].end;
        h->next++;
    }
    if (pos > h->cover_end)
        return h->next < h->inst->n ? SQLITE_OK : SQLITE_DONE;
    return ct_spans_add(&h->bytes, start, end);
}

/* Phrase instances of column col as [first, last] positions, sorted. */
static int ct_instances(const Fts5ExtensionApi *api, Fts5Context *fts, int col, ct_spans *out)
{
    int n = 0;
    int rc = api->xInstCount(fts, &n);
    for (int i = 0; rc == SQLITE_OK && i < n; i++) {
        int phrase, icol, off;
        rc = api->xInst(fts, i, &phrase, &icol, &off);
        if (rc == SQLITE_OK && icol == col) {
            int size = api->xPhraseSize(fts, phrase);
            if (size > 0)
                rc = ct_spans_add(out, off, off + size - 1);
        }
    }
    if (rc == SQLITE_OK && out->n > 1)
        qsort(out->v, (size_t)out->n, sizeof *out->v, ct_span_cmp);
    return rc;
}

/* text with the merged byte spans wrapped in open/close. */
static char *ct_mark(const char *text, int len, ct_spans *b, const char *open, const char *close)
{
    sqlite3_str *s = sqlite3_str_new(NULL);
    if (b->n > 1)
        qsort(b->v, (size_t)b->n, sizeof *b->v, ct_span_cmp);
    int off = 0;
    for (int i = 0; i < b->n;) {
        int start = b->v[i].start, end = b->v[i].end;
        for (i++; i < b->n && b->v[i].start < end; i++)
            if (b->v[i].end > end)
                end = b->v[i].end;
        if (start < off)
            start = off;
        if (end > len)
            end = len;
        if (start >= end)
            continue;
        sqlite3_str_append(s, text + off, start - off);
        sqlite3_str_appendall(s, open);
        sqlite3_str_append(s, text + start, end - start);
        sqlite3_str_appendall(s, close);
        off = end;
    }
    sqlite3_str_append(s, text + off, len - off);
    return sqlite3_str_finish(s);
}

static void ct_highlight(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                         int argc, sqlite3_value **argv)
{
    if (argc != 3) {
        sqlite3_result_error(ctx, "wrong number of arguments to function cjkfts_highlight()",
                             -1);
        return;
    }
    int col = sqlite3_value_int(argv[0]);
    const char *open = (const char *)sqlite3_value_text(argv[1]);
    const char *close = (const char *)sqlite3_value_text(argv[2]);
    const char *text = NULL;
    int len = 0;
    ct_spans inst = {NULL, 0, 0};
    ct_hl h = {&inst, 0, -1, 0, {NULL, 0, 0}};
    int rc = api->xColumnText(fts, col, &text, &len);
    if (rc == SQLITE_OK && text)
        rc = ct_instances(api, fts, col, &inst);
    if (rc == SQLITE_OK && text && inst.n > 0) {
        rc = api->xTokenize(fts, text, len, &h, ct_hl_token);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    if (rc == SQLITE_OK && text) {
        char *out = ct_mark(text, len, &h.bytes, open ? open : "", close ? close : "");
        if (out)
            sqlite3_result_text(ctx, out, -1, sqlite3_free);
        else
            rc = SQLITE_NOMEM;
    }
    if (rc != SQLITE_OK)
        sqlite3_result_error_code(ctx, rc);
    sqlite3_free(inst.v);
    sqlite3_free(h.bytes.v);
}

/* ---- registration ------------------------------------------------------------------------ */

/* The fts5_api of this connection, obtained the documented way; NULL without FTS5. */
static fts5_api *ct_fts5_api(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    return api;
}

static int ct_register(sqlite3 *db, char **errmsg)
{
    fts5_api *api = ct_fts5_api(db);
    if (!api || api->iVersion < 2) {
        if (errmsg)
            *errmsg = sqlite3_mprintf("cjkfts: this SQLite has no FTS5 (version 2 or later)");
        return SQLITE_ERROR;
    }
    fts5_tokenizer tok = {ct_create, ct_delete, ct_tokenize};
    int rc = api->xCreateTokenizer(api, "cjkfts", NULL, &tok, NULL);
    if (rc == SQLITE_OK)
        rc = api->xCreateFunction(api, "cjkfts_highlight", NULL, ct_highlight, NULL);
    if (rc != SQLITE_OK && errmsg)
        *errmsg = sqlite3_mprintf("cjkfts: cannot register with FTS5: %s", sqlite3_errstr(rc));
    return rc;
}

/* Entry point found by sqlite3_load_extension() for a file named cjkfts_sqlite.so. */
CT_EXPORT int sqlite3_cjkftssqlite_init(sqlite3 *db, char **errmsg,
                                        const sqlite3_api_routines *api);
CT_EXPORT int sqlite3_cjkftssqlite_init(sqlite3 *db, char **errmsg,
                                        const sqlite3_api_routines *api)
{
    SQLITE_EXTENSION_INIT2(api);
    return ct_register(db, errmsg);
}
