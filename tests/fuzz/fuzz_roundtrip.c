/* fuzz_roundtrip.c: libFuzzer target for index -> search round trips. The input becomes up to
 * eight documents (byte 0: count and options; the rest cut into that many pieces, each a title
 * and a body, invalid UTF-8 and NUL bytes included), each given a term of its own (a marker word
 * "qzx" + letters). They are indexed (in one or several segments), some deleted, and then:
 * every live document is found by its marker and deleted ones are not, and likewise by the
 * original text of the first token of its body that can stand as a query; stored title and body
 * come back byte for byte; the reader counts the live documents; the deep integrity check
 * (postings against the re-analyzed stored text) passes; and the same holds after optimize.
 * With byte 0's bit 6, ids end with input bytes, dates come from the input (a document whose
 * date does not parse is refused with CJKFTS_EINVAL and must then be absent) and an extra field
 * holds the title; ids, dates and extra fields come back byte for byte. */
#include "fuzz_common.h"

#include <strings.h>

#include "util/util.h"

#define MAXDOCS 8

typedef struct rdoc {
    char id[32], marker[16];
    size_t id_len;
    char date[16]; /* "" = none */
    const uint8_t *title, *body; /* slices of the input */
    size_t title_len, body_len;
    char *body_full; /* body + "\n" + marker */
    size_t body_full_len;
    bool live, added;
} rdoc;

static char *root;

static void cleanup(void)
{
    if (root)
        fz_rmtree(root);
    free(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    root = fz_tmpdir("roundtrip");
    atexit(cleanup);
    return 0;
}

/* weird: ids end with input bytes (NUL and invalid UTF-8 included), dates come from the input
 * (the add fails with CJKFTS_EINVAL when they are not dates), an extra field holds the title. */
static void make_docs(const uint8_t *p, size_t n, rdoc *d, unsigned nd, bool weird)
{
    size_t at = 0;
    for (unsigned i = 0; i < nd; i++) {
        size_t piece = i + 1 == nd ? n - at : n / nd;
        const uint8_t *s = p + at;
        at += piece;
        size_t tl = piece / 4;
        int k = snprintf(d[i].id, sizeof d[i].id, weird ? "doc%u-" : "doc%u", i);
        size_t extra = weird ? (piece < 8 ? piece : 8) : 0;
        memcpy(d[i].id + k, s, extra);
        d[i].id_len = (size_t)k + extra;
        size_t dl = weird ? (piece < 12 ? piece : 12) : 0;
        memcpy(d[i].date, s + piece - dl, dl);
        d[i].date[dl] = 0;
        snprintf(d[i].marker, sizeof d[i].marker, "qzx%c%c", 'a' + i, 'k' + i);
        d[i].title = s, d[i].title_len = tl;
        d[i].body = s + tl, d[i].body_len = piece - tl;
        d[i].body_full_len = d[i].body_len + 1 + strlen(d[i].marker);
        d[i].body_full = malloc(d[i].body_full_len + 1);
        memcpy(d[i].body_full, d[i].body, d[i].body_len);
        d[i].body_full[d[i].body_len] = '\n';
        memcpy(d[i].body_full + d[i].body_len + 1, d[i].marker, strlen(d[i].marker) + 1);
        d[i].live = d[i].added = true;
    }
}

static void add_doc(cjkfts_writer *w, rdoc *d)
{
    cjkfts_field x = {"xf", (const char *)d->title, d->title_len};
    cjkfts_doc c = {d->id, d->id_len, (const char *)d->title, d->title_len, d->body_full,
                    d->body_full_len, d->date[0] ? d->date : NULL, NULL, &x, 1};
    int rc = cjkfts_writer_add(w, &c);
    if (rc == CJKFTS_EINVAL && d->date[0]) { /* not a date: refused, nothing else changed */
        d->live = d->added = false;
        return;
    }
    if (rc)
        fz_die("add %s: %s", d->id, cjkfts_errmsg(w));
}

static bool field_is(cjkfts_hits *h, size_t i, const char *name, const void *want, size_t len)
{
    size_t got = 0;
    const char *v = cjkfts_hits_field(h, i, name, &got);
    return v ? got == len && memcmp(v, want, len) == 0 : len == 0;
}

/* The hits of one marker: the live document with it must be there with its exact text. */
static void check_doc(cjkfts_reader *r, const rdoc *docs, unsigned nd, const rdoc *d)
{
    cjkfts_search_options o;
    cjkfts_search_options_init(&o);
    o.k = nd + 1;
    cjkfts_hits *h = NULL;
    int rc = cjkfts_search_string(r, d->marker, CJKFTS_MODE_AND, &o, &h);
    if (rc)
        fz_die("search %s: %s", d->marker, cjkfts_errmsg(h));
    bool found = false;
    for (size_t i = 0; i < cjkfts_hits_count(h); i++) {
        const cjkfts_hit *x = cjkfts_hits_get(h, i);
        bool known = false;
        for (unsigned k = 0; k < nd; k++)
            known |= docs[k].live && field_is(h, i, "id", docs[k].id, docs[k].id_len);
        if (!known)
            fz_die("search %s found %s, which is deleted or unknown", d->marker, x->id);
        if (!field_is(h, i, "id", d->id, d->id_len))
            continue; /* another document may contain this marker in its own text */
        found = true;
        if (!field_is(h, i, "date", d->date, strlen(d->date)) || strcmp(x->date, d->date) != 0)
            fz_die("%s: stored date differs", d->id);
        if (!field_is(h, i, "xf", d->title, d->title_len))
            fz_die("%s: stored extra field differs", d->id);
        size_t tl = 0, bl = 0;
        const char *t = cjkfts_hits_field(h, i, "title", &tl);
        const char *b = cjkfts_hits_field(h, i, "body", &bl);
        if (!t || tl != d->title_len || memcmp(t, d->title, tl) != 0)
            fz_die("%s: stored title differs (%zu bytes, want %zu)", d->id, tl, d->title_len);
        if (!b || bl != d->body_full_len || memcmp(b, d->body_full, bl) != 0)
            fz_die("%s: stored body differs (%zu bytes, want %zu)", d->id, bl, d->body_full_len);
    }
    if (found != d->live)
        fz_die("%s (%s) %s", d->marker, d->id, d->live ? "not found" : "found after deletion");
    cjkfts_hits_free(h);
}

/* ---- a term of the document's own text --------------------------------------------------- */

/* The document's tokens: terms (for membership tests) and the first few candidates whose
 * original text can be a query by itself. */
typedef struct pick {
    const char *text;
    char **terms;
    size_t nterms, cap;
    size_t cand[16][2];
    size_t ncand;
    bool all_known; /* while re-analyzing a candidate */
    size_t seen;
} pick;

/* Original text a query can carry as is: no white space, controls, ASCII punctuation but
 * ' , . inside numbers and words, no keyword. */
static bool plain(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80 && !(c >= '0' && c <= '9') && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z') &&
            c != '\'' && c != ',' && c != '.')
            return false;
    }
    static const char *const kw[] = {"or", "and", "not"};
    for (size_t k = 0; k < 3; k++)
        if (n == strlen(kw[k]) && strncasecmp(s, kw[k], n) == 0)
            return false;
    return cf_utf8_valid((const uint8_t *)s, n);
}

static int collect(void *ctx, const cjkfts_token *t)
{
    pick *p = ctx;
    if (p->nterms == p->cap)
        p->terms = realloc(p->terms, (p->cap = p->cap ? 2 * p->cap : 64) * sizeof *p->terms);
    p->terms[p->nterms] = malloc(t->term_len + 1);
    memcpy(p->terms[p->nterms], t->term, t->term_len);
    p->terms[p->nterms++][t->term_len] = 0;
    if (p->ncand < 16 && plain(p->text + t->start, t->end - t->start)) {
        p->cand[p->ncand][0] = t->start;
        p->cand[p->ncand++][1] = t->end;
    }
    return 0;
}

static int known(void *ctx, const cjkfts_token *t)
{
    pick *p = ctx;
    if (t->kind == CJKFTS_TOKEN_TAIL) /* queries drop the tails of longer runs */
        return 0;
    bool in = false;
    for (size_t i = 0; i < p->nterms && !in; i++)
        in = strlen(p->terms[i]) == t->term_len && memcmp(p->terms[i], t->term, t->term_len) == 0;
    p->all_known &= in;
    p->seen++;
    return 0;
}

/* The first token of the body whose original text can be a query by itself, and analyzes by
 * itself into terms of the document (a character like ¾ gives "3" in context but "3" and "4"
 * alone), must find the document (when live). */
static void check_own_term(cjkfts_reader *r, cjkfts_analyzer *an, const rdoc *d, unsigned nd)
{
    pick p = {d->body_full, NULL, 0, 0, {{0}}, 0, true, 0};
    cjkfts_analyzer_tokenize(an, d->body_full, d->body_len, collect, &p);
    size_t c = 0;
    for (; c < p.ncand; c++) {
        p.all_known = true, p.seen = 0;
        cjkfts_analyzer_tokenize(an, d->body_full + p.cand[c][0], p.cand[c][1] - p.cand[c][0],
                                 known, &p);
        if (p.all_known && p.seen > 0)
            break;
    }
    for (size_t i = 0; i < p.nterms; i++)
        free(p.terms[i]);
    free(p.terms);
    if (c == p.ncand)
        return;
    char q[80];
    size_t qs = p.cand[c][0], qe = p.cand[c][1];
    snprintf(q, sizeof q, "%.*s", (int)(qe - qs), d->body_full + qs);
    cjkfts_search_options o;
    cjkfts_search_options_init(&o);
    o.k = nd;
    o.snippet_chars = 0;
    cjkfts_hits *h = NULL;
    int rc = cjkfts_search_string(r, q, CJKFTS_MODE_AND, &o, &h);
    if (rc)
        fz_die("search \"%s\" (own text of %s): %s", q, d->id, cjkfts_errmsg(h));
    bool found = false;
    for (size_t i = 0; i < cjkfts_hits_count(h); i++)
        found |= field_is(h, i, "id", d->id, d->id_len);
    if (found != d->live)
        fz_die("\"%s\", bytes [%zu, %zu) of %s's body, %s", q, qs, qe, d->id,
               d->live ? "does not find it" : "finds it after deletion");
    cjkfts_hits_free(h);
}

static void verify(cjkfts_index *ix, const rdoc *docs, unsigned nd)
{
    if (cjkfts_index_check(ix, CJKFTS_CHECK_DEEP))
        fz_die("check: %s", cjkfts_errmsg(ix));
    cjkfts_reader *r = NULL;
    if (cjkfts_reader_open(ix, &r))
        fz_die("reader_open: %s", cjkfts_errmsg(ix));
    cjkfts_analyzer *an = NULL;
    const cjkfts_index_options *io = cjkfts_index_get_options(ix);
    if (cjkfts_analyzer_open(io->analyzer_class, &io->analyzer, &an))
        fz_die("analyzer_open: %s", cjkfts_errmsg(an));
    uint64_t live = 0;
    for (unsigned i = 0; i < nd; i++) {
        live += docs[i].live;
        check_doc(r, docs, nd, &docs[i]);
        check_own_term(r, an, &docs[i], nd);
    }
    cjkfts_analyzer_close(an);
    if (cjkfts_reader_doc_count(r) != live)
        fz_die("reader counts %llu documents, want %llu",
               (unsigned long long)cjkfts_reader_doc_count(r), (unsigned long long)live);
    cjkfts_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t f = data[0];
    unsigned nd = 1 + (f & 7);
    rdoc docs[MAXDOCS];
    memset(docs, 0, sizeof docs);
    make_docs(data + 1, size - 1, docs, nd, (f & 64) != 0);
    char path[600];
    snprintf(path, sizeof path, "%s/ix", root);
    fz_rmtree(path);
    cjkfts_index_options o;
    cjkfts_index_options_init(&o);
    o.analyzer.fold_variants = !(f & 8);
    o.merge_factor = 2 + (f >> 7);
    cjkfts_index *ix = NULL;
    cjkfts_writer *w = NULL;
    if (cjkfts_index_open(path, &o, CJKFTS_OPEN_CREATE, &ix) || cjkfts_writer_open(ix, &w))
        fz_die("open: %s", cjkfts_errmsg(ix));
    for (unsigned i = 0; i < nd; i++) {
        add_doc(w, &docs[i]);
        if ((f & 16) && i % 3 == 2 && cjkfts_writer_commit(w)) /* several segments */
            fz_die("commit: %s", cjkfts_errmsg(w));
    }
    if (cjkfts_writer_commit(w))
        fz_die("commit: %s", cjkfts_errmsg(w));
    if (f & 32) { /* delete every other document */
        for (unsigned i = 0; i < nd; i += 2) {
            if (!docs[i].added)
                continue;
            if (cjkfts_writer_delete(w, docs[i].id, docs[i].id_len))
                fz_die("delete %s: %s", docs[i].id, cjkfts_errmsg(w));
            docs[i].live = false;
        }
        if (cjkfts_writer_commit(w))
            fz_die("commit: %s", cjkfts_errmsg(w));
    }
    verify(ix, docs, nd);
    if (cjkfts_writer_optimize(w))
        fz_die("optimize: %s", cjkfts_errmsg(w));
    verify(ix, docs, nd);
    cjkfts_writer_close(w);
    cjkfts_index_close(ix);
    for (unsigned i = 0; i < nd; i++)
        free(docs[i].body_full);
    return 0;
}
