/* text.h: small text helpers shared by the tools: a growable string, UTF-8 checks, numbers. */
#ifndef CJKFTS_TOOLS_TEXT_H
#define CJKFTS_TOOLS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable byte string. data is NULL until the first append, and NUL-terminated after it
 * (the NUL is not counted in len). Functions returning int give 0 or -1 when out of memory. */
typedef struct tx_buf {
    char *data;
    size_t len, cap;
} tx_buf;

void tx_buf_init(tx_buf *b);
void tx_buf_free(tx_buf *b);
void tx_buf_clear(tx_buf *b); /* len = 0, keeps the memory */
int tx_buf_reserve(tx_buf *b, size_t extra);
int tx_buf_append(tx_buf *b, const char *p, size_t n);
int tx_buf_puts(tx_buf *b, const char *s);
int tx_buf_putc(tx_buf *b, char c);
int tx_buf_printf(tx_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The contents as a C string ("" when nothing was ever appended). */
const char *tx_buf_str(const tx_buf *b);

/* ---- UTF-8 ---------------------------------------------------------------------------------
 * Decoding follows Unicode's "maximal subpart" rule: an invalid sequence advances by the
 * length of its longest valid prefix (at least one byte), as a U+FFFD-substituting decoder. */
#define TX_UTF8_INVALID (-1)
/* The code point at s[*i] (*i < len), *i moved past it. */
int32_t tx_utf8_next_any(const char *s, size_t len, size_t *i);
/* The same, with ASCII and well-formed three-byte sequences (the CJK of the corpora) decoded
 * inline. */
static inline int32_t tx_utf8_next(const char *str, size_t len, size_t *i)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t p = *i;
    unsigned c = s[p];
    if (c < 0x80) {
        *i = p + 1;
        return (int32_t)c;
    }
    /* leads E1..EC and EE..EF take any two continuation bytes (E0 and ED restrict them) */
    if (c - 0xe1u < 0x0fu && c != 0xed && len - p > 2 && (s[p + 1] & 0xc0) == 0x80 &&
        (s[p + 2] & 0xc0) == 0x80) {
        *i = p + 3;
        return (int32_t)((c & 0x0f) << 12 | (unsigned)(s[p + 1] & 0x3f) << 6 | (s[p + 2] & 0x3f));
    }
    return tx_utf8_next_any(str, len, i);
}
size_t tx_utf8_put(uint32_t cp, char *out); /* out needs 4 bytes; returns bytes written */
bool tx_utf8_valid(const char *s, size_t len);

/* Counts over s[0..len): code points (valid or not), invalid subparts, NUL bytes, and the
 * byte offset of the first invalid subpart (len when there is none). */
typedef struct tx_utf8_stats {
    size_t chars, invalid, nul, first_invalid;
} tx_utf8_stats;
void tx_utf8_scan(const char *s, size_t len, tx_utf8_stats *st);

/* Append s[0..len) to out with every invalid subpart replaced by U+FFFD (and, when nul_to_space
 * is set, every NUL byte by a space). *replaced (may be NULL) gets the number replaced. */
int tx_utf8_sanitize(const char *s, size_t len, int nul_to_space, tx_buf *out, size_t *replaced);

/* 1-based line number of byte offset off in s (lines end with '\n'). */
unsigned long tx_line_of(const char *s, size_t off);

/* Columns a code point takes on a terminal: 0 for combining marks, 2 for East Asian wide and
 * full-width characters, 1 otherwise. */
int tx_cp_width(uint32_t cp);

/* ---- numbers from the command line ---------------------------------------------------------
 * Whole string required, no sign, at most max. Return 0 or -1. */
int tx_parse_u64(const char *s, uint64_t max, uint64_t *out);
/* A finite decimal number in [lo, hi]. */
int tx_parse_double(const char *s, double lo, double hi, double *out);

#endif
