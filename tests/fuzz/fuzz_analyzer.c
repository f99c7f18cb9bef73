/* fuzz_analyzer.c: libFuzzer target for the built-in analyzer on arbitrary bytes. The first
 * byte picks the options (variant folding, strict UTF-8, stemming); the rest is the text.
 * Invariants: every token's byte range lies inside the input with start < end, terms are
 * non-empty well-formed UTF-8, kinds are known, positions never decrease; strict mode fails
 * with CJKFTS_EUTF8 exactly when the text is not well-formed; tokenizing the same text again
 * (with the same analyzer and with a fresh one) gives the same tokens. */
#include "fuzz_common.h"

#include "util/util.h"

typedef struct tok {
    size_t off, len; /* term bytes in the collector's arena */
    uint32_t pos;
    int kind;
    size_t start, end;
} tok;

typedef struct collector {
    size_t text_len;
    tok *t;
    size_t n, cap;
    char *arena;
    size_t alen, acap;
} collector;

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    p = realloc(p, c * elem);
    if (!p)
        fz_die("out of memory in the harness");
    *cap = c;
    return p;
}

static int on_token(void *ctx, const cjkfts_token *t)
{
    collector *c = ctx;
    if (!(t->start < t->end && t->end <= c->text_len))
        fz_die("token range [%zu, %zu) outside the input of %zu bytes or empty", t->start,
               t->end, c->text_len);
    if (t->term_len == 0 || !t->term)
        fz_die("empty term at position %u", t->position);
    if (!cf_utf8_valid((const uint8_t *)t->term, t->term_len))
        fz_die("term at position %u is not well-formed UTF-8", t->position);
    if (t->kind < CJKFTS_TOKEN_WORD || t->kind > CJKFTS_TOKEN_TAIL)
        fz_die("unknown token kind %d", t->kind);
    if (c->n && t->position < c->t[c->n - 1].pos)
        fz_die("position %u after %u", t->position, c->t[c->n - 1].pos);
    c->t = grow(c->t, &c->cap, c->n + 1, sizeof *c->t);
    c->arena = grow(c->arena, &c->acap, c->alen + t->term_len, 1);
    memcpy(c->arena + c->alen, t->term, t->term_len);
    c->t[c->n++] = (tok){c->alen, t->term_len, t->position, t->kind, t->start, t->end};
    c->alen += t->term_len;
    return 0;
}

static void collector_free(collector *c)
{
    free(c->t);
    free(c->arena);
    memset(c, 0, sizeof *c);
}

static void same_tokens(const collector *a, const collector *b, const char *what)
{
    if (a->n != b->n)
        fz_die("%s: %zu tokens, then %zu", what, a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const tok *x = &a->t[i], *y = &b->t[i];
        if (x->len != y->len || memcmp(a->arena + x->off, b->arena + y->off, x->len) != 0 ||
            x->pos != y->pos || x->kind != y->kind || x->start != y->start || x->end != y->end)
            fz_die("%s: token %zu differs", what, i);
    }
}

static cjkfts_analyzer *analyzers[8];

static cjkfts_analyzer *open_analyzer(unsigned flags)
{
    cjkfts_analyzer_options o;
    cjkfts_analyzer_options_init(&o);
    o.fold_variants = !(flags & 1);
    o.utf8_strict = (flags & 2) != 0;
    if (flags & 4)
        o.stemmer[0] = 0;
    cjkfts_analyzer *a = NULL;
    int rc = cjkfts_analyzer_open(NULL, &o, &a);
    if (rc)
        fz_die("analyzer_open: %s", a ? cjkfts_errmsg(a) : cjkfts_strerror(rc));
    return a;
}

static void free_analyzers(void)
{
    for (unsigned i = 0; i < 8; i++)
        cjkfts_analyzer_close(analyzers[i]);
}

static int run(cjkfts_analyzer *a, const char *text, size_t len, collector *c)
{
    c->text_len = len;
    int rc = cjkfts_analyzer_tokenize(a, text, len, on_token, c);
    fz_check_rc(rc, "tokenize");
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned flags = data[0] & 7;
    static bool registered;
    if (!registered)
        registered = !atexit(free_analyzers);
    if (!analyzers[flags])
        analyzers[flags] = open_analyzer(flags);
    /* a heap copy of exactly the text, so ASan sees any read past its end */
    size_t len = size - 1;
    char *text = malloc(len ? len : 1);
    memcpy(text, data + 1, len);
    collector a = {0}, b = {0}, c = {0};
    int rc = run(analyzers[flags], text, len, &a);
    bool valid = cf_utf8_valid((const uint8_t *)text, len);
    if (flags & 2) {
        if (valid ? rc != 0 : rc != CJKFTS_EUTF8)
            fz_die("strict mode: rc %d on %s UTF-8", rc, valid ? "valid" : "invalid");
    } else if (rc) {
        fz_die("tokenize failed: %s", cjkfts_errmsg(analyzers[flags]));
    }
    if (rc == 0) {
        run(analyzers[flags], text, len, &b);
        same_tokens(&a, &b, "same analyzer twice");
        if (data[0] & 0x80) { /* now and then: a fresh analyzer with the same options */
            cjkfts_analyzer *fresh = open_analyzer(flags);
            run(fresh, text, len, &c);
            cjkfts_analyzer_close(fresh);
            same_tokens(&a, &c, "fresh analyzer");
        }
    }
    collector_free(&a);
    collector_free(&b);
    collector_free(&c);
    free(text);
    return 0;
}
