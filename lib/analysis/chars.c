/* chars.c: per-code-point facts for the analyzer (normalization boundary, stability under
 * NFKC_Casefold, variant folding, character class), asked of ICU once per analyzer and cached
 * for the BMP in blocks of 64 code points (so a short query pays only for the blocks it
 * touches). */
#include <stdio.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf16.h>

#include "analysis.h"

int an_chars_init(an_chars *c, char *err, size_t errlen)
{
    UErrorCode e = U_ZERO_ERROR;
    c->nf = unorm2_getNFKCCasefoldInstance(&e);
    if (U_FAILURE(e)) {
        snprintf(err, errlen, "ICU NFKC_Casefold data unavailable: %s", u_errorName(e));
        return CJKFTS_EDEPEND;
    }
    c->bmp = cf_calloc(0x10000, 1);
    if (!c->bmp) {
        snprintf(err, errlen, "out of memory");
        return CJKFTS_ENOMEM;
    }
    return 0;
}

void an_chars_free(an_chars *c)
{
    cf_free(c->bmp);
    c->bmp = NULL;
}

static bool is_cjk_script(UScriptCode s)
{
    return s == USCRIPT_HAN || s == USCRIPT_HIRAGANA || s == USCRIPT_KATAKANA ||
           s == USCRIPT_HANGUL || s == USCRIPT_BOPOMOFO || s == USCRIPT_KATAKANA_OR_HIRAGANA;
}

int an_class_of(uint32_t cp)
{
    UChar32 c = (UChar32)cp;
    switch (cp) {
    case 0x27: case 0x2019: return AN_APOS;
    case 0x2e: return AN_DOT;
    case 0x2c: return AN_COMMA;
    /* prolonged sound mark and iteration marks: part of CJK runs whatever their script */
    case 0x30fc: case 0x3005: case 0x3006: case 0x309d: case 0x309e: case 0x30fd: case 0x30fe:
        return AN_CJK;
    default: break;
    }
    if (cp >= '0' && cp <= '9')
        return AN_DIGIT;
    int8_t gc = u_charType(c);
    UErrorCode e = U_ZERO_ERROR;
    switch (gc) {
    case U_UPPERCASE_LETTER: case U_LOWERCASE_LETTER: case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER: case U_OTHER_LETTER: case U_LETTER_NUMBER: {
        UScriptCode s = uscript_getScript(c, &e);
        if (is_cjk_script(s))
            return AN_CJK;
        return s == USCRIPT_LATIN ? AN_LATIN : AN_LETTER;
    }
    case U_DECIMAL_DIGIT_NUMBER:
        return AN_LETTER;
    case U_NON_SPACING_MARK: case U_COMBINING_SPACING_MARK: case U_ENCLOSING_MARK:
        return AN_MARK;
    default:
        return AN_SEP;
    }
}

static uint8_t compute(const UNormalizer2 *nf, uint32_t cp)
{
    unsigned v = AN_F_DONE | (unsigned)an_class_of(cp) | (an_fold(cp) != cp ? AN_F_FOLD : 0);
    /* inert: unchanged, boundaries before and after, never combines (most Han and kana) */
    if (unorm2_isInert(nf, (UChar32)cp))
        return (uint8_t)(v | AN_F_BB | AN_F_ST);
    UChar u[2];
    int32_t n = 0;
    UErrorCode e = U_ZERO_ERROR;
    U16_APPEND_UNSAFE(u, n, (UChar32)cp);
    if (unorm2_hasBoundaryBefore(nf, (UChar32)cp))
        v |= AN_F_BB;
    if (unorm2_isNormalized(nf, u, n, &e) && U_SUCCESS(e))
        v |= AN_F_ST;
    return (uint8_t)v;
}

uint8_t an_chars_compute(an_chars *c, uint32_t cp)
{
    if (cp >= 0x10000)
        return compute(c->nf, cp);
    uint32_t base = cp & ~(uint32_t)(AN_CHARS_BLOCK - 1);
    for (uint32_t k = 0; k < AN_CHARS_BLOCK; k++)
        c->bmp[base + k] = compute(c->nf, base + k);
    return c->bmp[cp];
}
