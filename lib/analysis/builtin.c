/* builtin.c: the built-in "cjk" analyzer class: UTF-8 decoding and ICU NFKC_Casefold
 * normalization segment by segment (so every output character keeps the exact byte span of
 * the original characters it came from), feeding tokens.c.
 *
 * A normalization segment is a code point with a normalization boundary before it plus the
 * following code points without one (combining marks, the half-width voiced sound mark...).
 * Normalizing segment by segment gives the same result as normalizing the whole text, so all
 * the output characters of a segment get its span: ｶﾞ -> ガ spans both original characters.
 * Most segments are a single code point that NFKC_Casefold leaves alone (every common Han and
 * kana character, lower-case ASCII): those skip ICU entirely. */
#include <stdio.h>
#include <string.h>

#include <unicode/utf16.h>

#include "analysis.h"

typedef struct an_state {
    an_chars chars;
    an_stem stem;
    bool fold, strict;
    UChar in[2 * AN_SEG_MAX]; /* the current segment when it has several code points */
    UChar *out;               /* normalized segment */
    int32_t out_cap;
    /* for a BMP code point that NFKC_Casefold changes: what a segment of it alone becomes,
     * when that is one BMP code point (full-width punctuation...); 0 = not yet known,
     * NORM1_NONE = something else */
    uint16_t *norm1;
    an_tok tok;
} an_state;

typedef struct an_seg {
    uint32_t cp; /* first code point */
    uint8_t info;
    size_t start;  /* byte offset of the segment in the original text */
    size_t n;      /* code points; when > 1 they are all in in[0..in_len) */
    int32_t in_len;
} an_seg;

/* ---- create / destroy ---------------------------------------------------------------------- */

static void b_destroy(void *state)
{
    an_state *st = state;
    if (!st)
        return;
    an_chars_free(&st->chars);
    an_stem_close(&st->stem);
    cf_free(st->out);
    cf_free(st->norm1);
    cf_free(st);
}

static int b_create(const cjkfts_analyzer_options *o, void **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!memchr(o->stemmer, 0, sizeof o->stemmer)) {
        snprintf(err, errlen, "stemmer name is not NUL-terminated");
        return CJKFTS_EINVAL;
    }
    an_state *st = cf_calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return CJKFTS_ENOMEM;
    }
    st->fold = o->fold_variants != 0;
    st->strict = o->utf8_strict != 0;
    int rc = an_chars_init(&st->chars, err, errlen);
    if (!rc)
        rc = an_stem_open(&st->stem, o->stemmer, err, errlen);
    if (!rc && !(st->norm1 = cf_calloc(0x10000, sizeof *st->norm1))) {
        snprintf(err, errlen, "out of memory");
        rc = CJKFTS_ENOMEM;
    }
    if (rc) {
        b_destroy(st);
        return rc;
    }
    *out = st;
    return 0;
}

/* ---- segments ------------------------------------------------------------------------------ */

static int grow_out(an_state *st, int32_t need, char *err, size_t errlen)
{
    int32_t cap = st->out_cap ? st->out_cap : 64;
    while (cap < need)
        cap *= 2;
    UChar *p = cf_realloc(st->out, (size_t)cap * sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return CJKFTS_ENOMEM;
    }
    st->out = p, st->out_cap = cap;
    return 0;
}

/* Normalize in[0..n) with ICU and pass every output code point on with the span. */
static int seg_normalize(an_state *st, int32_t n, size_t start, size_t end, char *err,
                         size_t errlen)
{
    UErrorCode e = U_ZERO_ERROR;
    int32_t m = unorm2_normalize(st->chars.nf, st->in, n, st->out, st->out_cap, &e);
    if (e == U_BUFFER_OVERFLOW_ERROR) {
        int rc = grow_out(st, m, err, errlen);
        if (rc)
            return rc;
        e = U_ZERO_ERROR;
        m = unorm2_normalize(st->chars.nf, st->in, n, st->out, st->out_cap, &e);
    }
    if (U_FAILURE(e)) {
        snprintf(err, errlen, "ICU normalization failed at byte %zu: %s", start,
                 u_errorName(e));
        return CJKFTS_EDEPEND;
    }
    int rc = 0;
    for (int32_t i = 0; i < m && !rc;) {
        UChar32 c;
        U16_NEXT(st->out, i, m, c);
        int cls = an_chars_get(&st->chars, (uint32_t)c) & AN_CLASS_MASK;
        rc = an_tok_put(&st->tok, (uint32_t)c, cls, start, end);
    }
    return rc;
}

#define NORM1_NONE 0xffffu

/* st->norm1[cp] for a BMP code point that is not stable (computed on first use). */
static int norm1_of(an_state *st, uint32_t cp, char *err, size_t errlen)
{
    if (st->norm1[cp])
        return 0;
    UChar in[1] = {(UChar)cp}, out[4];
    UErrorCode e = U_ZERO_ERROR;
    int32_t m = unorm2_normalize(st->chars.nf, in, 1, out, 4, &e);
    if (U_FAILURE(e) && e != U_BUFFER_OVERFLOW_ERROR) {
        snprintf(err, errlen, "ICU normalization failed: %s", u_errorName(e));
        return CJKFTS_EDEPEND;
    }
    st->norm1[cp] = U_SUCCESS(e) && m == 1 && !U16_IS_SURROGATE(out[0]) && out[0] != 0 &&
                            out[0] != NORM1_NONE
                        ? out[0]
                        : NORM1_NONE;
    return 0;
}

/* seg_flush of a segment that NFKC_Casefold may change. */
static __attribute__((noinline)) int seg_flush_changed(an_state *st, an_seg *sg, size_t end,
                                                       char *err, size_t errlen)
{
    if (sg->n == 1) {
        if (sg->cp - 'A' < 26u)
            return an_tok_put(&st->tok, sg->cp + 32, AN_LATIN, sg->start, end);
        if (sg->cp < 0x10000) { /* what seg_normalize would do, from the cache */
            int rc = norm1_of(st, sg->cp, err, errlen);
            if (rc)
                return rc;
            uint32_t c = st->norm1[sg->cp];
            if (c != NORM1_NONE)
                return an_tok_put(&st->tok, c, an_chars_get(&st->chars, c) & AN_CLASS_MASK,
                                  sg->start, end);
        }
        sg->in_len = 0;
        U16_APPEND_UNSAFE(st->in, sg->in_len, (UChar32)sg->cp);
    }
    return seg_normalize(st, sg->in_len, sg->start, end, err, errlen);
}

/* The segment sg ends at byte `end`: normalize it and pass its characters on. The common case,
 * one code point that NFKC_Casefold leaves unchanged, goes straight on (folded when variant
 * folding changes it; only CJK code points have AN_F_FOLD). */
static inline __attribute__((always_inline)) int seg_flush(an_state *st, an_seg *sg,
                                                           size_t end, char *err, size_t errlen)
{
    if (sg->n == 1 && (sg->info & AN_F_ST))
        return an_tok_put_folded(&st->tok,
                                 st->fold && (sg->info & AN_F_FOLD) ? an_fold(sg->cp) : sg->cp,
                                 sg->info & AN_CLASS_MASK, sg->start, end);
    return seg_flush_changed(st, sg, end, err, errlen);
}

static void seg_begin(an_seg *sg, uint32_t cp, uint8_t info, size_t start)
{
    sg->cp = cp, sg->info = info, sg->start = start, sg->n = 1;
}

/* cp (at byte `start`) has no boundary before it: it joins the segment, unless the segment is
 * already AN_SEG_MAX code points long (then the segment is cut there). */
static int seg_add(an_state *st, an_seg *sg, uint32_t cp, uint8_t info, size_t start,
                   char *err, size_t errlen)
{
    if (sg->n == AN_SEG_MAX) {
        int rc = seg_flush(st, sg, start, err, errlen);
        seg_begin(sg, cp, info, start);
        return rc;
    }
    if (sg->n == 1) {
        sg->in_len = 0;
        U16_APPEND_UNSAFE(st->in, sg->in_len, (UChar32)sg->cp);
    }
    U16_APPEND_UNSAFE(st->in, sg->in_len, (UChar32)cp);
    sg->n++;
    return 0;
}

/* ---- tokenize ------------------------------------------------------------------------------ */

static int check_strict(const uint8_t *s, size_t len, char *err, size_t errlen)
{
    size_t i = 0;
    while (i < len) {
        size_t at = i;
        if (cf_utf8_next(s, len, &i) == CF_UTF8_INVALID) {
            snprintf(err, errlen, "invalid UTF-8 at byte offset %zu", at);
            return CJKFTS_EUTF8;
        }
    }
    return 0;
}

static int run(an_state *st, const uint8_t *s, size_t len, char *err, size_t errlen)
{
    an_seg sg = {0};
    size_t i = 0;
    int rc = 0;
    while (i < len && !rc) {
        size_t start = i;
        int32_t c = cf_utf8_next(s, len, &i);
        uint32_t cp = c == CF_UTF8_INVALID ? 0xFFFDu : (uint32_t)c;
        uint8_t info = an_chars_get(&st->chars, cp);
        if ((info & AN_F_BB) || sg.n == 0) {
            if (sg.n)
                rc = seg_flush(st, &sg, start, err, errlen);
            seg_begin(&sg, cp, info, start);
        } else {
            rc = seg_add(st, &sg, cp, info, start, err, errlen);
        }
    }
    if (!rc && sg.n)
        rc = seg_flush(st, &sg, len, err, errlen);
    if (!rc)
        rc = an_tok_finish(&st->tok);
    return rc;
}

static int b_tokenize(void *state, const char *text, size_t len, cjkfts_token_cb cb, void *ctx,
                      char *err, size_t errlen)
{
    an_state *st = state;
    const uint8_t *s = (const uint8_t *)text;
    if (st->strict) {
        int rc = check_strict(s, len, err, errlen);
        if (rc)
            return rc;
    }
    an_tok_begin(&st->tok, &st->stem, st->fold, cb, ctx, err, errlen);
    return run(st, s, len, err, errlen);
}

static const cjkfts_analyzer_class builtin = {
    CJKFTS_ANALYZER_API, "cjk", 1, b_create, b_tokenize, b_destroy,
};

CJKFTS_API const cjkfts_analyzer_class *cjkfts_analyzer_builtin(void)
{
    return &builtin;
}
