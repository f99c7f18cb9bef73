/* text.c: small text helpers shared by the tools: a growable string, UTF-8 checks, numbers. */
#include "text.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- growable string ------------------------------------------------------------------------
 * Invariant: data == NULL && len == cap == 0, or data[len] == '\0' && len < cap. */

void tx_buf_init(tx_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void tx_buf_free(tx_buf *b)
{
    free(b->data);
    tx_buf_init(b);
}

void tx_buf_clear(tx_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

int tx_buf_reserve(tx_buf *b, size_t extra)
{
    if (extra >= SIZE_MAX - b->len)
        return -1;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return -1;
    if (!b->data)
        p[0] = '\0';
    b->data = p;
    b->cap = cap;
    return 0;
}

int tx_buf_append(tx_buf *b, const char *p, size_t n)
{
    if (tx_buf_reserve(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int tx_buf_puts(tx_buf *b, const char *s)
{
    return tx_buf_append(b, s, strlen(s));
}

int tx_buf_putc(tx_buf *b, char c)
{
    return tx_buf_append(b, &c, 1);
}

int tx_buf_printf(tx_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || tx_buf_reserve(b, (size_t)n) < 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

const char *tx_buf_str(const tx_buf *b)
{
    return b->data ? b->data : "";
}

/* ---- UTF-8 ------------------------------------------------------------------------------- */

int32_t tx_utf8_next_any(const char *str, size_t len, size_t *i)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t p = *i;
    unsigned c = s[p];
    if (c < 0x80) {
        *i = p + 1;
        return (int32_t)c;
    }
    int need;
    uint32_t cp;
    unsigned lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) {
        need = 1, cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 2, cp = c & 0x0f;
        if (c == 0xe0)
            lo = 0xa0; /* no overlongs */
        else if (c == 0xed)
            hi = 0x9f; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3, cp = c & 0x07;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f; /* nothing above U+10FFFF */
    } else {
        *i = p + 1;
        return TX_UTF8_INVALID;
    }
    p++;
    for (int k = 0; k < need; k++, p++) {
        unsigned b = p < len ? s[p] : 0;
        if (p >= len || b < lo || b > hi) {
            *i = p; /* the maximal subpart ends before the offending byte */
            return TX_UTF8_INVALID;
        }
        cp = cp << 6 | (b & 0x3f);
        lo = 0x80, hi = 0xbf;
    }
    *i = p;
    return (int32_t)cp;
}

size_t tx_utf8_put(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xc0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xe0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (unsigned char)(0xf0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

bool tx_utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        if (tx_utf8_next(s, len, &i) == TX_UTF8_INVALID)
            return false;
    }
    return true;
}

void tx_utf8_scan(const char *s, size_t len, tx_utf8_stats *st)
{
    memset(st, 0, sizeof *st);
    st->first_invalid = len;
    size_t i = 0;
    while (i < len) {
        size_t at = i;
        if (s[i] == '\0')
            st->nul++;
        if (tx_utf8_next(s, len, &i) == TX_UTF8_INVALID) {
            if (st->invalid++ == 0)
                st->first_invalid = at;
        }
        st->chars++;
    }
}

int tx_utf8_sanitize(const char *s, size_t len, int nul_to_space, tx_buf *out, size_t *replaced)
{
    static const char fffd[] = "\xef\xbf\xbd";
    size_t n_repl = 0, i = 0, run = 0; /* s[run..i) is valid and not yet copied */
    if (tx_buf_reserve(out, len) < 0)
        return -1;
    while (i < len) {
        size_t at = i;
        int32_t cp = tx_utf8_next(s, len, &i);
        if (cp != TX_UTF8_INVALID && !(cp == 0 && nul_to_space))
            continue;
        if (tx_buf_append(out, s + run, at - run) < 0)
            return -1;
        if (cp == 0) {
            if (tx_buf_putc(out, ' ') < 0)
                return -1;
        } else {
            if (tx_buf_append(out, fffd, 3) < 0)
                return -1;
            n_repl++;
        }
        run = i;
    }
    if (tx_buf_append(out, s + run, len - run) < 0)
        return -1;
    if (replaced)
        *replaced = n_repl;
    return 0;
}

unsigned long tx_line_of(const char *s, size_t off)
{
    unsigned long line = 1;
    for (const char *p = s; (p = memchr(p, '\n', (size_t)(s + off - p))) != NULL; p++)
        line++;
    return line;
}

int tx_cp_width(uint32_t cp)
{
    if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) ||
        (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0x3099 && cp <= 0x309a))
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
        (cp >= 0x3041 && cp <= 0x33ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
        (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
        (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
        (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
        (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

/* ---- numbers ----------------------------------------------------------------------------- */

int tx_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

int tx_parse_double(const char *s, double lo, double hi, double *out)
{
    if (!s || !*s)
        return -1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}
