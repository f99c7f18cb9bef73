/* tokens.c: from classified, normalized code points to tokens: CJK runs become overlapping
 * bigrams plus a tail unigram, letters and digits become words and numbers.
 *
 * Invariants: at most one of the CJK run (run_len > 0) and the word (wlen > 0) is open; an
 * infix (apostrophe, dot, comma) is only pending while a word is open; a pending thousands
 * separator (comma_pending) is never in word[] and is decided before anything else is
 * appended after its group of digits. Every emitted token gets the next position. */
#include <stdio.h>
#include <string.h>

#include <unicode/uscript.h>

#include "analysis.h"

void an_tok_begin(an_tok *t, an_stem *stem, bool fold, cjkfts_token_cb cb, void *ctx,
                  char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->cb = cb, t->ctx = ctx, t->stem = stem, t->fold = fold;
    t->err = err, t->errlen = errlen;
    t->last = AN_SEP;
    t->script = AN_SCRIPT_NONE;
}

/* The failures of an_tok_emit (kept out of line). */
int an_tok_emit_fail(an_tok *t, bool stopped, uint32_t position)
{
    if (!stopped) {
        snprintf(t->err, t->errlen, "more than 2^32 tokens in one text");
        return CJKFTS_ETOOBIG;
    }
    snprintf(t->err, t->errlen, "the token callback stopped at position %u", position);
    return CJKFTS_EABORT;
}

/* ---- CJK runs ------------------------------------------------------------------------------ */

static int cjk_end(an_tok *t)
{
    if (!t->run_len)
        return 0;
    int kind = t->run_len == 1 ? CJKFTS_TOKEN_UNIGRAM : CJKFTS_TOKEN_TAIL;
    t->run_len = 0;
    int rc = an_tok_emit(t, t->prev_utf8, t->prev_n, kind, t->prev_start, t->prev_end);
    t->prev_n = 0;
    return rc;
}

/* ---- words and numbers --------------------------------------------------------------------- */

static void word_reset(an_tok *t)
{
    t->wlen = 0;
    t->has_letter = t->formatted = t->seen_dot = t->cut = false;
    t->last = AN_SEP;
    t->script = AN_SCRIPT_NONE;
    t->group = t->ncommas = 0;
    t->infix = 0;
    t->comma_pending = false;
}

static int word_emit(an_tok *t, const uint8_t *w, size_t n, size_t start, size_t end)
{
    if (!t->has_letter)
        return an_tok_emit(t, w, n, CJKFTS_TOKEN_NUMBER, start, end);
    if (!t->cut && an_stem_applies(t->stem, t->script)) {
        size_t sn = 0;
        const uint8_t *r = an_stem_word(t->stem, w, n, &sn);
        if (!r) {
            snprintf(t->err, t->errlen, "stemmer: out of memory");
            return CJKFTS_ENOMEM;
        }
        if (sn)
            return an_tok_emit(t, r, sn, CJKFTS_TOKEN_WORD, start, end);
    }
    return an_tok_emit(t, w, n, CJKFTS_TOKEN_WORD, start, end);
}

/* A pending thousands separator turned out wrong: the number ends before it and the digits
 * after it begin the next number. */
static int comma_split(an_tok *t)
{
    int rc = an_tok_emit(t, t->word, t->comma_len, CJKFTS_TOKEN_NUMBER, t->wstart,
                         t->comma_prev_end);
    size_t rest = t->wlen - t->comma_len;
    memmove(t->word, t->word + t->comma_len, rest);
    t->wlen = rest;
    t->wstart = t->comma_next_start;
    t->formatted = t->seen_dot = false;
    t->ncommas = 0;
    t->comma_pending = false;
    return rc;
}

/* The group after a pending separator is complete: exactly three digits keep it. */
static int comma_resolve(an_tok *t)
{
    if (t->group != 3)
        return comma_split(t);
    t->comma_pending = false;
    t->ncommas++;
    t->formatted = true;
    return 0;
}

static int word_end(an_tok *t)
{
    int rc = 0;
    if (t->comma_pending)
        rc = comma_resolve(t);
    if (!rc && t->wlen)
        rc = word_emit(t, t->word, t->wlen, t->wstart, t->wend);
    word_reset(t);
    return rc;
}

static void word_script(an_tok *t, uint32_t cp, int cls)
{
    int s = USCRIPT_LATIN;
    if (cls != AN_LATIN) {
        UErrorCode e = U_ZERO_ERROR;
        s = uscript_getScript((UChar32)cp, &e);
        if (U_FAILURE(e) || s == USCRIPT_COMMON || s == USCRIPT_INHERITED)
            return;
    }
    if (t->script == AN_SCRIPT_NONE)
        t->script = s;
    else if (t->script != s)
        t->script = AN_SCRIPT_MIXED;
}

/* Append a letter, digit or mark (cls) or a kept infix character (cls AN_APOS/AN_DOT). A word
 * that would exceed AN_TERM_MAX bytes is emitted as a piece first. */
static int word_append(an_tok *t, uint32_t cp, int cls, size_t start, size_t end)
{
    uint8_t b[4];
    size_t n = cf_utf8_encode(cp, b);
    if (t->wlen + n > AN_TERM_MAX) {
        if (t->comma_pending) { /* a piece boundary: keep the separator */
            t->comma_pending = false;
            t->formatted = true;
        }
        t->cut = true;
        int rc = word_emit(t, t->word, t->wlen, t->wstart, t->wend);
        bool letter = t->has_letter;
        word_reset(t);
        t->cut = true;
        t->has_letter = letter; /* the next piece is of the same kind */
        if (rc)
            return rc;
    }
    if (!t->wlen)
        t->wstart = start;
    memcpy(t->word + t->wlen, b, n);
    t->wlen += n;
    t->wend = end;
    if (cls == AN_DIGIT) {
        t->group++;
        t->last = cls;
    } else if (cls == AN_LATIN || cls == AN_LETTER) {
        t->has_letter = true;
        t->last = cls;
        word_script(t, cp, cls);
    }
    return 0;
}

/* Decide a pending infix now that a letter or digit follows it: keep it inside the token or
 * end the token before it. */
static int infix_decide(an_tok *t, bool letter, size_t start)
{
    int inf = t->infix;
    bool after_digit = t->last == AN_DIGIT && !t->has_letter;
    bool join;
    t->infix = 0;
    if (t->wlen + 1 + 4 > AN_TERM_MAX)
        join = false;
    else if (inf == AN_APOS)
        join = letter && (t->last == AN_LATIN || t->last == AN_LETTER);
    else if (inf == AN_DOT)
        join = !letter && after_digit;
    else
        join = !letter && after_digit && !t->seen_dot &&
               (t->ncommas ? t->group == 3 : t->group >= 1 && t->group <= 3);
    if (!join)
        return word_end(t);
    if (inf == AN_APOS)
        return word_append(t, '\'', AN_APOS, t->wend, t->wend);
    if (inf == AN_DOT) {
        t->seen_dot = t->formatted = true;
        t->group = 0;
        return word_append(t, '.', AN_DOT, t->wend, t->wend);
    }
    t->comma_pending = true;
    t->comma_len = t->wlen;
    t->comma_prev_end = t->wend;
    t->comma_next_start = start;
    t->group = 0;
    return 0;
}

static int word_push(an_tok *t, uint32_t cp, int cls, size_t start, size_t end)
{
    int rc = 0;
    bool letter = cls != AN_DIGIT;
    if (t->comma_pending) {
        if (letter)
            rc = comma_resolve(t);
        else if (t->group == 3) /* a fourth digit: not a thousands separator */
            rc = comma_split(t);
    } else if (t->infix) {
        rc = infix_decide(t, letter, start);
    }
    if (!rc && letter && t->wlen && !t->has_letter && t->formatted)
        rc = word_end(t); /* "3.5mm": the number ends where the letters begin */
    return rc ? rc : word_append(t, cp, cls, start, end);
}

/* Everything but a CJK character outside a word. */
int an_tok_put_other(an_tok *t, uint32_t cp, int cls, size_t start, size_t end)
{
    int rc;
    switch (cls) {
    case AN_CJK:
        if (t->wlen && (rc = word_end(t)))
            return rc;
        return an_tok_cjk(t, t->fold ? an_fold(cp) : cp, start, end);
    case AN_LATIN: case AN_LETTER: case AN_DIGIT:
        if (t->run_len && (rc = cjk_end(t)))
            return rc;
        return word_push(t, cp, cls, start, end);
    case AN_MARK: /* extends the word it follows, ignored elsewhere (runs, numbers) */
        if (t->infix)
            return word_end(t);
        return t->has_letter ? word_append(t, cp, cls, start, end) : 0;
    case AN_APOS: case AN_DOT: case AN_COMMA:
        if (t->wlen && !t->infix) {
            if (t->comma_pending && (rc = comma_resolve(t)))
                return rc;
            t->infix = cls;
            return 0;
        }
        /* fall through */
    default:
        if (t->wlen && (rc = word_end(t)))
            return rc;
        return cjk_end(t);
    }
}

int an_tok_put(an_tok *t, uint32_t cp, int cls, size_t start, size_t end)
{
    return an_tok_put_folded(t, cls == AN_CJK && t->fold ? an_fold(cp) : cp, cls, start, end);
}

int an_tok_finish(an_tok *t)
{
    int rc = 0;
    if (t->wlen)
        rc = word_end(t);
    if (!rc)
        rc = cjk_end(t);
    return rc;
}
