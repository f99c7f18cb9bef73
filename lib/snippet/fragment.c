/* fragment.c: chooses the best window of a stored text around the query's occurrences and
 * writes it with highlight markers, cut at character boundaries, as valid UTF-8. */
#include <string.h>

#include "snippet/snippet.h"

/* The text as characters. An invalid UTF-8 subpart counts as one character (written as
 * U+FFFD). Character i is found from a checkpoint kept every CK characters (the byte offset of
 * character k * CK), so huge texts need little memory: about len / 24 bytes for CJK text. */
#define CK 64

typedef struct chars {
    const uint8_t *s;
    size_t len, n;
    size_t *ck;
} chars;

static int chars_init(chars *c, const char *text, size_t len)
{
    c->s = (const uint8_t *)text;
    c->len = len;
    c->n = 0;
    c->ck = cf_malloc((len / CK + 2) * sizeof *c->ck);
    if (!c->ck)
        return CJKFTS_ENOMEM;
    for (size_t i = 0; i < len;) {
        if (c->n % CK == 0)
            c->ck[c->n / CK] = i;
        c->n++;
        cf_utf8_decode(c->s, len, &i);
    }
    if (c->n % CK == 0)
        c->ck[c->n / CK] = len;
    return 0;
}

/* A position in the text: character idx starts at byte b. */
typedef struct cur {
    size_t idx, b;
} cur;

/* The cursor at character i (i <= n). */
static cur cur_at(const chars *c, size_t i)
{
    cur k = {i / CK * CK, c->ck[i / CK]};
    while (k.idx < i) {
        cf_utf8_decode(c->s, c->len, &k.b);
        k.idx++;
    }
    return k;
}

/* The code point under the cursor (CF_UTF8_INVALID for an invalid subpart); moves past it. */
static int32_t cur_next(const chars *c, cur *k)
{
    k->idx++;
    return cf_utf8_decode(c->s, c->len, &k->b);
}

/* Index of the character holding byte b (b <= len). */
static size_t char_at(const chars *c, size_t b)
{
    size_t lo = 0, hi = c->n / CK; /* last checkpoint at or before b */
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if (c->ck[mid] <= b)
            lo = mid;
        else
            hi = mid - 1;
    }
    cur k = {lo * CK, c->ck[lo]};
    while (k.idx < c->n) {
        cur next = k;
        cur_next(c, &next);
        if (next.b > b)
            break;
        k = next;
    }
    return k.idx;
}

/* Index of the first character starting at or after byte b. */
static size_t char_from(const chars *c, size_t b)
{
    size_t i = char_at(c, b);
    return i < c->n && cur_at(c, i).b < b ? i + 1 : i;
}

static bool is_blank(int32_t cp)
{
    return cp == CF_UTF8_INVALID ? false : cp <= 0x20 || cp == 0x7f || cp == 0x3000;
}

static bool ends_sentence(int32_t cp)
{
    return cp == 0x3002 || cp == 0xff01 || cp == 0xff1f || cp == '!' || cp == '?' || cp == '\n';
}

typedef struct span {
    size_t a, b; /* characters [a, b) */
    uint32_t unit;
} span;

/* The first occurrence i and end j (exclusive) of the best window of w characters. */
static void best_window(const span *sp, size_t n, const double *weight, size_t w,
                        uint32_t *count, size_t *bi, size_t *bj)
{
    double score = 0, best = -1;
    size_t j = 0;
    *bi = *bj = 0;
    for (size_t i = 0; i < n; i++) {
        while (j < n && (j == i || sp[j].b - sp[i].a <= w)) { /* always holds i */
            double wu = weight[sp[j].unit];
            score += count[sp[j].unit]++ ? wu / 10 : wu;
            j++;
        }
        if (score > best + 1e-9) {
            best = score;
            *bi = i;
            *bj = j;
        }
        double wu = weight[sp[i].unit];
        score -= --count[sp[i].unit] ? wu / 10 : wu;
    }
}

/* The first character in [s, limit) that is not blank, or limit. */
static size_t skip_blanks(const chars *c, size_t s, size_t limit)
{
    for (cur k = cur_at(c, s); k.idx < limit; s = k.idx)
        if (!is_blank(cur_next(c, &k)))
            break;
    return s;
}

/* The character after the last (or first) sentence end in [from, to), or none. */
static bool sentence_start(const chars *c, size_t from, size_t to, bool last, size_t *at)
{
    bool found = false;
    for (cur k = cur_at(c, from); k.idx < to;)
        if (ends_sentence(cur_next(c, &k))) {
            *at = k.idx;
            found = true;
            if (!last)
                break;
        }
    return found;
}

/* The window [*start, *end) for the matched region [a, b): the whole text when it fits;
 * otherwise starting after the sentence end closest before the matches within the slack (or
 * centred on them), moved back when the text ends before the window is full. */
static void place_window(const chars *c, size_t a, size_t b, size_t w, size_t *start,
                         size_t *end)
{
    size_t s, e;
    if (c->n <= w) {
        s = 0, e = c->n;
    } else if (b - a >= w) {
        s = a, e = a + w;
    } else {
        size_t slack = w - (b - a), lo = a - (a < slack ? a : slack);
        if (!sentence_start(c, lo, a, true, &s))
            s = a - (a < slack / 2 ? a : slack / 2);
        e = s + w < c->n ? s + w : c->n;
        if (e - s < w) {
            s = e - w;
            sentence_start(c, s, a, false, &s);
        }
    }
    *start = skip_blanks(c, s, a);
    *end = e;
}

typedef struct writer {
    cf_buf *out;
    bool pending_space, any;
    int rc;
} writer;

static void put(writer *wr, const void *p, size_t n)
{
    if (!wr->rc)
        wr->rc = cf_buf_append(wr->out, p, n);
}

/* Write the character under the cursor and move past it. */
static void put_char(writer *wr, const chars *c, cur *k)
{
    size_t from = k->b;
    int32_t cp = cur_next(c, k);
    if (cp != CF_UTF8_INVALID && (cp < 0x20 || cp == 0x7f || cp == ' ')) {
        wr->pending_space = wr->any;
        return;
    }
    if (wr->pending_space)
        put(wr, " ", 1);
    wr->pending_space = false;
    wr->any = true;
    if (cp == CF_UTF8_INVALID)
        put(wr, "\xef\xbf\xbd", 3);
    else
        put(wr, c->s + from, k->b - from);
}

/* True when a character that is not blank lies in [from, to). */
static bool any_text(const chars *c, size_t from, size_t to)
{
    return skip_blanks(c, from, to) < to;
}

/* Write characters [start, end) with markers around the merged spans sp[0..n). */
static int write_fragment(const chars *c, const span *sp, size_t n, size_t start, size_t end,
                          const sn_options *o, cf_buf *out)
{
    writer wr = {out, false, false, 0};
    size_t lo = strlen(o->hl_open), lc = strlen(o->hl_close), k = 0;
    if (any_text(c, 0, start))
        put(&wr, "\xe2\x80\xa6", 3);
    cur at = cur_at(c, start);
    for (size_t i = start; i < end; i++) {
        while (k < n && sp[k].b <= i)
            k++;
        bool open = k < n && sp[k].a <= i && (sp[k].a == i || i == start);
        if (open) {
            if (wr.pending_space)
                put(&wr, " ", 1), wr.pending_space = false;
            put(&wr, o->hl_open, lo);
        }
        put_char(&wr, c, &at);
        if (k < n && sp[k].a <= i && (sp[k].b == i + 1 || i + 1 == end))
            put(&wr, o->hl_close, lc);
    }
    if (any_text(c, end, c->n))
        put(&wr, "\xe2\x80\xa6", 3);
    if (!wr.rc && !(wr.rc = cf_buf_putc(out, 0)))
        out->len--;
    return wr.rc;
}

/* Occurrences as character spans, then the spans merged when they overlap or touch. */
static size_t merge_spans(span *sp, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && sp[i].a <= sp[m - 1].b) {
            if (sp[i].b > sp[m - 1].b)
                sp[m - 1].b = sp[i].b;
        } else
            sp[m++] = sp[i];
    }
    return m;
}

static int snippet_of(const chars *c, const sn_occ *occ, size_t n, const double *weight,
                      size_t n_units, const sn_options *o, cf_buf *out)
{
    span *sp = cf_malloc((n ? n : 1) * sizeof *sp);
    uint32_t *count = cf_calloc(n_units ? n_units : 1, sizeof *count);
    int rc = sp && count ? 0 : CJKFTS_ENOMEM;
    size_t start = 0, end = c->n < o->chars ? c->n : o->chars;
    for (size_t i = 0; i < n && !rc; i++) {
        sp[i] = (span){char_at(c, occ[i].start), char_from(c, occ[i].end), occ[i].unit};
        if (sp[i].b <= sp[i].a)
            sp[i].b = sp[i].a + 1;
    }
    if (!rc && n) {
        size_t bi, bj, b = 0;
        best_window(sp, n, weight, o->chars, count, &bi, &bj);
        for (size_t i = bi; i < bj; i++)
            b = sp[i].b > b ? sp[i].b : b;
        place_window(c, sp[bi].a, b, o->chars, &start, &end);
    } else
        start = skip_blanks(c, 0, end);
    if (!rc)
        rc = write_fragment(c, sp, merge_spans(sp, n), start, end, o, out);
    cf_free(sp);
    cf_free(count);
    return rc;
}

int sn_snippet(cjkfts_analyzer *an, const qy_plan *plan, const double *weight,
               const char *text, size_t len, const sn_options *o, cf_buf *out, cf_err *err)
{
    double *own = NULL;
    if (!weight) {
        own = cf_malloc((plan->n_units ? plan->n_units : 1) * sizeof *own);
        if (!own)
            return cf_fail(err, CJKFTS_ENOMEM, "out of memory building a snippet");
        sn_default_weights(plan, own);
        weight = own;
    }
    sn_occ *occ = NULL;
    size_t n = 0;
    chars c = {0};
    int rc = sn_find(an, plan, weight, text, len, &occ, &n, err);
    if (!rc && (rc = chars_init(&c, text, len)) == 0)
        rc = snippet_of(&c, occ, n, weight, plan->n_units, o, out);
    if (rc == CJKFTS_ENOMEM)
        cf_fail(err, rc, "out of memory building a snippet");
    cf_free(c.ck);
    cf_free(occ);
    cf_free(own);
    return rc;
}

static void mark(const qy_plan *plan, const qy_node *n, double *w)
{
    if (n->kind == QY_N_NOT)
        return;
    if (n->kind == QY_N_UNIT) {
        w[n->unit] = plan->units[n->unit].fields & QY_FIELD_BODY ? 1 : 0;
        return;
    }
    for (size_t i = 0; i < n->n_kids; i++)
        mark(plan, n->kids[i], w);
}

void sn_default_weights(const qy_plan *plan, double *w)
{
    for (size_t i = 0; i < plan->n_units; i++)
        w[i] = 0;
    mark(plan, plan->root, w);
}
