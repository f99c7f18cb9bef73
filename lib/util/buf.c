/* buf.c: growable byte buffers and varint encoding. */
#include <stdio.h>
#include <string.h>

#include "util.h"

void cf_buf_init(cf_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void cf_buf_free(cf_buf *b)
{
    cf_free(b->data);
    cf_buf_init(b);
}

int cf_buf_reserve(cf_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len)
        return CJKFTS_ENOMEM;
    size_t need = b->len + extra;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *d = cf_realloc(b->data, cap);
    if (!d)
        return CJKFTS_ENOMEM;
    b->data = d;
    b->cap = cap;
    return 0;
}

int cf_buf_append(cf_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    if (cf_buf_reserve(b, n))
        return CJKFTS_ENOMEM;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

int cf_buf_putc(cf_buf *b, uint8_t c)
{
    return cf_buf_append(b, &c, 1);
}

int cf_buf_put_u32le(cf_buf *b, uint32_t v)
{
    uint8_t t[4];
    cf_put_u32le(t, v);
    return cf_buf_append(b, t, 4);
}

int cf_buf_put_u64le(cf_buf *b, uint64_t v)
{
    uint8_t t[8];
    cf_put_u64le(t, v);
    return cf_buf_append(b, t, 8);
}

int cf_buf_put_varint(cf_buf *b, uint64_t v)
{
    uint8_t t[10];
    return cf_buf_append(b, t, cf_varint_put(t, v));
}

int cf_buf_printf(cf_buf *b, const char *fmt, ...)
{
    va_list ap, aq;
    va_start(ap, fmt);
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    int rc = n < 0 ? CJKFTS_ERROR : cf_buf_reserve(b, (size_t)n + 1);
    if (rc == 0) {
        vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
        b->len += (size_t)n;
    }
    va_end(ap);
    return rc;
}

size_t cf_varint_put(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

int cf_varint_get(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        if (p >= end)
            return -1;
        uint8_t c = *p++;
        if (shift == 63 && c > 1)
            return -1;
        r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *pp = p;
            *v = r;
            return 0;
        }
    }
    return -1;
}
