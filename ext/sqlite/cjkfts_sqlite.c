/* cjkfts_sqlite.c: a loadable SQLite extension adding the FTS5 tokenizer "cjkfts" (the cjkfts
 * analyzer: variant folding, CJK bigrams, stemming) and the auxiliary functions
 * cjkfts_highlight() and cjkfts_snippet().
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
 * HIGHLIGHTING
 *   highlight() and snippet() work for a query of one CJK run or of words that do not touch.
 *   Two matches at adjacent positions whose characters overlap (日美 and 美同 in 日美同, or
 *   哈哈 twice in 哈哈哈) break them: FTS5 assumes tokens do not overlap, and prints text
 *   twice or the whole rest of the column. The extension adds two functions that merge such
 *   matches into one span; they take the same arguments as the built-in ones:
 *     cjkfts_highlight(tbl, col, open, close)
 *     cjkfts_snippet(tbl, col, open, close, ellipsis, ntokens)   ntokens 1..64; col -1: the
 *                                                                column with most matches
 *   A snippet of n tokens spans about n+1 characters of CJK text (bigrams overlap).
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
    size_t held_cap;
    int held_len, held_kind, held_flags, held_start, held_end;
} ct_run;

static int ct_emit(ct_run *r, int flags, const char *term, int len, int start, int end)
{
    r->rc = r->xToken(r->ctx, flags, term, len, start, end);
    return r->rc != SQLITE_OK;
}

static int ct_hold(ct_run *r, const cjkfts_token *tok, int flags)
{
    if (tok->term_len > r->held_cap) {
        size_t cap = tok->term_len * 2 + 16;
        char *p = sqlite3_realloc64(r->held, cap);
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

/* ---- cjkfts_highlight() and cjkfts_snippet() --------------------------------------------- */

/* A range: first and last position of a phrase instance, or the start and end (exclusive)
 * byte offsets of a token or of a span to mark. */
typedef struct ct_span {
    int start, end;
    int phrase; /* instances: the query phrase they match */
} ct_span;

typedef struct ct_spans {
    ct_span *v;
    int n, cap;
} ct_spans;

static int ct_spans_add(ct_spans *s, int start, int end, int phrase)
{
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 16;
        ct_span *v = sqlite3_realloc64(s->v, (sqlite3_uint64)cap * sizeof *v);
        if (!v)
            return SQLITE_NOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = (ct_span){start, end, phrase};
    return SQLITE_OK;
}

static int ct_span_cmp(const void *a, const void *b)
{
    const ct_span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

/* One column of the current row: its text, the bytes of the token at each position and the
 * phrase instances in it, sorted by first position. */
typedef struct ct_col {
    const char *text;
    int len;
    ct_spans toks; /* toks.v[p]: byte range of the token at position p */
    ct_spans inst; /* first and last position of each phrase instance */
} ct_col;

static int ct_col_token(void *ctx, int tflags, const char *term, int n, int start, int end)
{
    (void)term, (void)n;
    if (tflags & FTS5_TOKEN_COLOCATED)
        return SQLITE_OK;
    return ct_spans_add(&((ct_col *)ctx)->toks, start, end, 0);
}

/* Load column col. The text is tokenized when it has instances or when always is set. */
static int ct_col_load(const Fts5ExtensionApi *api, Fts5Context *fts, int col, int always,
                       ct_col *c)
{
    memset(c, 0, sizeof *c);
    int rc = api->xColumnText(fts, col, &c->text, &c->len);
    int n = 0;
    if (rc == SQLITE_OK && c->text)
        rc = api->xInstCount(fts, &n);
    for (int i = 0; rc == SQLITE_OK && i < n; i++) {
        int phrase, icol, off;
        rc = api->xInst(fts, i, &phrase, &icol, &off);
        int size = rc == SQLITE_OK && icol == col ? api->xPhraseSize(fts, phrase) : 0;
        if (size > 0)
            rc = ct_spans_add(&c->inst, off, off + size - 1, phrase);
    }
    if (rc == SQLITE_OK && c->inst.n > 1)
        qsort(c->inst.v, (size_t)c->inst.n, sizeof *c->inst.v, ct_span_cmp);
    if (rc == SQLITE_OK && c->text && (c->inst.n > 0 || always))
        rc = api->xTokenize(fts, c->text, c->len, c, ct_col_token);
    return rc;
}

static void ct_col_free(ct_col *c)
{
    sqlite3_free(c->toks.v);
    sqlite3_free(c->inst.v);
}

/* Append text[from..to) to s, wrapping in open/close the parts of the instances that lie in
 * positions [p0, p1]; parts that overlap (bigrams share characters) become one span. */
static int ct_render(const ct_col *c, int from, int to, int p0, int p1, const char *open,
                     const char *close, sqlite3_str *s)
{
    ct_spans marks = {NULL, 0, 0};
    int rc = SQLITE_OK;
    for (int i = 0; rc == SQLITE_OK && i < c->inst.n; i++) {
        int a = c->inst.v[i].start > p0 ? c->inst.v[i].start : p0;
        int b = c->inst.v[i].end < p1 ? c->inst.v[i].end : p1;
        if (b >= c->toks.n)
            b = c->toks.n - 1;
        if (a > b)
            continue;
        int start = c->toks.v[a].start, end = c->toks.v[a].end;
        for (int p = a + 1; p <= b; p++) {
            start = c->toks.v[p].start < start ? c->toks.v[p].start : start;
            end = c->toks.v[p].end > end ? c->toks.v[p].end : end;
        }
        rc = ct_spans_add(&marks, start, end, 0);
    }
    if (rc == SQLITE_OK && marks.n > 1)
        qsort(marks.v, (size_t)marks.n, sizeof *marks.v, ct_span_cmp);
    int off = from;
    for (int i = 0; rc == SQLITE_OK && i < marks.n;) {
        int start = marks.v[i].start, end = marks.v[i].end;
        for (i++; i < marks.n && marks.v[i].start < end; i++)
            end = marks.v[i].end > end ? marks.v[i].end : end;
        start = start > off ? start : off;
        end = end < to ? end : to;
        if (start >= end)
            continue;
        sqlite3_str_append(s, c->text + off, start - off);
        sqlite3_str_appendall(s, open);
        sqlite3_str_append(s, c->text + start, end - start);
        sqlite3_str_appendall(s, close);
        off = end;
    }
    if (rc == SQLITE_OK && off < to)
        sqlite3_str_append(s, c->text + off, to - off);
    sqlite3_free(marks.v);
    return rc == SQLITE_OK ? sqlite3_str_errcode(s) : rc;
}

/* Set the function's result to the string built in s (finishing s in any case). */
static void ct_result(sqlite3_context *ctx, sqlite3_str *s, int rc)
{
    if (rc == SQLITE_OK)
        rc = sqlite3_str_errcode(s);
    char *out = sqlite3_str_finish(s);
    if (rc != SQLITE_OK) {
        sqlite3_free(out);
        sqlite3_result_error_code(ctx, rc);
    } else if (out) {
        sqlite3_result_text(ctx, out, -1, sqlite3_free);
    } else {
        sqlite3_result_text(ctx, "", 0, SQLITE_STATIC); /* an empty sqlite3_str gives NULL */
    }
}

static const char *ct_arg_text(sqlite3_value *v)
{
    const char *t = (const char *)sqlite3_value_text(v);
    return t ? t : "";
}

/* cjkfts_highlight(tbl, col, open, close): the whole column with the matches marked. */
static void ct_highlight(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                         int argc, sqlite3_value **argv)
{
    if (argc != 3) {
        sqlite3_result_error(ctx, "wrong number of arguments to function cjkfts_highlight()",
                             -1);
        return;
    }
    ct_col c;
    int rc = ct_col_load(api, fts, sqlite3_value_int(argv[0]), 0, &c);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
    } else if (c.text) {
        sqlite3_str *s = sqlite3_str_new(NULL);
        rc = ct_render(&c, 0, c.len, 0, INT_MAX, ct_arg_text(argv[1]), ct_arg_text(argv[2]), s);
        ct_result(ctx, s, rc);
    }
    ct_col_free(&c);
}

/* The column with the most phrase instances (the first on a tie; 0 when none has any). */
static int ct_best_column(const Fts5ExtensionApi *api, Fts5Context *fts, int *best)
{
    int ncol = api->xColumnCount(fts), n = 0;
    int *count = sqlite3_malloc64((sqlite3_uint64)(ncol > 0 ? ncol : 1) * sizeof *count);
    if (!count)
        return SQLITE_NOMEM;
    memset(count, 0, (size_t)(ncol > 0 ? ncol : 1) * sizeof *count);
    int rc = api->xInstCount(fts, &n);
    for (int i = 0; rc == SQLITE_OK && i < n; i++) {
        int phrase, col, off;
        rc = api->xInst(fts, i, &phrase, &col, &off);
        if (rc == SQLITE_OK && col >= 0 && col < ncol)
            count[col]++;
    }
    *best = 0;
    for (int i = 1; i < ncol; i++)
        if (count[i] > count[*best])
            *best = i;
    sqlite3_free(count);
    return rc;
}

/* Score of the window of positions [w, w + n): 1000 for each distinct phrase with an instance
 * wholly inside, plus 1 for each such instance. */
static int ct_window_score(const ct_col *c, int w, int n)
{
    int score = 0;
    uint64_t seen = 0;
    for (int i = 0; i < c->inst.n && c->inst.v[i].start < w + n; i++) {
        const ct_span *in = &c->inst.v[i];
        if (in->start < w || in->end >= w + n)
            continue;
        uint64_t bit = in->phrase < 64 ? (uint64_t)1 << in->phrase : 0;
        score += (bit && (seen & bit)) ? 1 : 1001;
        seen |= bit;
    }
    return score;
}

/* The first position of the best window of n tokens: windows are tried around each
 * instance (centred on it), the best score wins and the earliest on a tie. */
static int ct_best_window(const ct_col *c, int n)
{
    int best = 0, best_score = -1, last = c->toks.n - n;
    for (int i = 0; i < c->inst.n; i++) {
        int span = c->inst.v[i].end - c->inst.v[i].start + 1;
        int w = c->inst.v[i].start - (span < n ? (n - span) / 2 : 0);
        w = w > last ? last : w;
        w = w < 0 ? 0 : w;
        int score = ct_window_score(c, w, n);
        if (score > best_score || (score == best_score && w < best)) {
            best = w;
            best_score = score;
        }
    }
    return best;
}

/* cjkfts_snippet(tbl, col, open, close, ellipsis, ntokens): a fragment of about ntokens
 * tokens (1 to 64) of column col (-1: the column with the most matches), matches marked,
 * ellipsis where text was left out. */
static void ct_snippet(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                       int argc, sqlite3_value **argv)
{
    if (argc != 5) {
        sqlite3_result_error(ctx, "wrong number of arguments to function cjkfts_snippet()", -1);
        return;
    }
    int col = sqlite3_value_int(argv[0]), n = sqlite3_value_int(argv[4]), rc = SQLITE_OK;
    if (n < 1 || n > 64) {
        sqlite3_result_error(ctx, "cjkfts_snippet(): the token count must be from 1 to 64", -1);
        return;
    }
    if (col < 0)
        rc = ct_best_column(api, fts, &col);
    ct_col c;
    memset(&c, 0, sizeof c);
    if (rc == SQLITE_OK)
        rc = ct_col_load(api, fts, col, 1, &c);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
    } else if (c.text) {
        n = n < c.toks.n ? n : c.toks.n;
        int w = ct_best_window(&c, n), end = w + n - 1;
        int from = w > 0 ? c.toks.v[w].start : 0;
        int to = end < c.toks.n - 1 ? c.toks.v[end].end : c.len;
        const char *ellipsis = ct_arg_text(argv[3]);
        sqlite3_str *s = sqlite3_str_new(NULL);
        if (from > 0)
            sqlite3_str_appendall(s, ellipsis);
        rc = ct_render(&c, from, to, w, end, ct_arg_text(argv[1]), ct_arg_text(argv[2]), s);
        if (to < c.len)
            sqlite3_str_appendall(s, ellipsis);
        ct_result(ctx, s, rc);
    }
    ct_col_free(&c);
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
    if (rc == SQLITE_OK)
        rc = api->xCreateFunction(api, "cjkfts_snippet", NULL, ct_snippet, NULL);
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
