/* test_query_mini.h: a small, fully predictable analyzer class for the query, snippet and
 * search tests, so their expected strings do not depend on ICU or Snowball:
 *   - CJK characters (Han, kana) form runs: overlapping bigrams + TAIL unigram, a one-character
 *     run is a UNIGRAM; a run of n characters takes n positions;
 *   - a tiny variant table folds 條->条 約->约 國->国 (to test original-text highlights);
 *   - ASCII letters form lower-cased words (no stemming), ASCII digits numbers;
 *   - everything else separates tokens and takes no position.
 * Include it in one test file only once. */
#ifndef TEST_QUERY_MINI_H
#define TEST_QUERY_MINI_H

#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static int mini_is_cjk(int32_t c)
{
    return (c >= 0x3040 && c <= 0x30ff && c != 0x30fb) || (c >= 0x3400 && c <= 0x9fff) ||
           (c >= 0xf900 && c <= 0xfaff) || c >= 0x20000;
}

static int32_t mini_fold(int32_t c)
{
    switch (c) {
    case 0x689d: return 0x6761; /* 條 -> 条 */
    case 0x7d04: return 0x7ea6; /* 約 -> 约 */
    case 0x570b: return 0x56fd; /* 國 -> 国 */
    default: return c;
    }
}

static int mini_create(const cjkfts_analyzer_options *o, void **st, char *err, size_t n)
{
    (void)o, (void)err, (void)n;
    *st = malloc(1);
    return *st ? 0 : CJKFTS_ENOMEM;
}

static void mini_destroy(void *st)
{
    free(st);
}

typedef struct mini_char {
    int32_t cp;
    size_t start, end;
} mini_char;

/* Emit the tokens of the CJK run r[0..n) starting at position *pos. */
static int mini_run(const mini_char *r, size_t n, uint32_t *pos, cjkfts_token_cb cb, void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        char term[8];
        size_t len = cf_utf8_encode((uint32_t)r[i].cp, (uint8_t *)term);
        int kind = n == 1 ? CJKFTS_TOKEN_UNIGRAM : CJKFTS_TOKEN_TAIL;
        size_t end = r[i].end;
        if (i + 1 < n) {
            len += cf_utf8_encode((uint32_t)r[i + 1].cp, (uint8_t *)term + len);
            kind = CJKFTS_TOKEN_BIGRAM;
            end = r[i + 1].end;
        }
        cjkfts_token t = {term, len, (*pos)++, kind, r[i].start, end};
        if (cb(ctx, &t))
            return CJKFTS_EABORT;
    }
    return 0;
}

static int mini_tokenize(void *st, const char *text, size_t len, cjkfts_token_cb cb, void *ctx,
                         char *err, size_t errlen)
{
    (void)st, (void)err, (void)errlen;
    const uint8_t *s = (const uint8_t *)text;
    mini_char *run = malloc((len + 1) * sizeof *run);
    char *word = malloc(len + 1);
    if (!run || !word) {
        free(run), free(word);
        return CJKFTS_ENOMEM;
    }
    size_t nrun = 0, i = 0;
    uint32_t pos = 0;
    int rc = 0;
    while (i < len && !rc) {
        size_t start = i;
        int32_t c = cf_utf8_decode(s, len, &i);
        if (mini_is_cjk(c)) {
            run[nrun++] = (mini_char){mini_fold(c), start, i};
            continue;
        }
        if (nrun)
            rc = mini_run(run, nrun, &pos, cb, ctx), nrun = 0;
        int digit = c >= '0' && c <= '9';
        int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (rc || (!digit && !alpha))
            continue;
        size_t wl = 0, j = start;
        while (j < len && ((digit && s[j] >= '0' && s[j] <= '9') ||
                           (alpha && ((s[j] | 0x20) >= 'a' && (s[j] | 0x20) <= 'z'))))
            word[wl++] = (char)(alpha ? (s[j] | 0x20) : s[j]), j++;
        i = j;
        cjkfts_token t = {word, wl, pos++, digit ? CJKFTS_TOKEN_NUMBER : CJKFTS_TOKEN_WORD,
                          start, j};
        if (cb(ctx, &t))
            rc = CJKFTS_EABORT;
    }
    if (!rc && nrun)
        rc = mini_run(run, nrun, &pos, cb, ctx);
    free(run);
    free(word);
    return rc;
}

static const cjkfts_analyzer_class mini_class = {CJKFTS_ANALYZER_API, "mini", 1, mini_create,
                                                 mini_tokenize, mini_destroy};

#endif
