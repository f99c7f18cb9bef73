/* utf8.c: strict UTF-8 decoding with maximal-subpart replacement, and encoding. */
#include "util.h"

int32_t cf_utf8_decode(const uint8_t *s, size_t len, size_t *i)
{
    size_t k = *i;
    uint8_t c = s[k];
    if (c < 0x80) {
        *i = k + 1;
        return c;
    }
    int need;
    uint32_t cp;
    uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) {
        need = 1, cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 2, cp = c & 0x0f;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3, cp = c & 0x07;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        *i = k + 1;
        return CF_UTF8_INVALID;
    }
    size_t j = k + 1;
    for (int n = 0; n < need; n++, j++) {
        if (j >= len || s[j] < lo || s[j] > hi) {
            *i = j; /* maximal subpart: the valid prefix is consumed as one error */
            return CF_UTF8_INVALID;
        }
        cp = cp << 6 | (s[j] & 0x3f);
        lo = 0x80, hi = 0xbf;
    }
    *i = j;
    return (int32_t)cp;
}

size_t cf_utf8_encode(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xc0 | cp >> 6);
        out[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xe0 | cp >> 12);
        out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (uint8_t)(0xf0 | cp >> 18);
    out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}

bool cf_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len)
        if (cf_utf8_next(s, len, &i) == CF_UTF8_INVALID)
            return false;
    return true;
}
