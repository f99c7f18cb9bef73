/* bitpack.c: packs up to 128 unsigned 32-bit values at a fixed bit width (0..32), least
 * significant bit first, into ceil(n * width / 8) bytes, and unpacks them. */
#include <string.h>

#include "index/index.h"

unsigned ix_bits_needed(const uint32_t *v, size_t n)
{
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= v[i];
    unsigned b = 0;
    while (b < 32 && (acc >> b) != 0)
        b++;
    return b;
}

size_t ix_pack(uint8_t *out, const uint32_t *v, size_t n, unsigned bw)
{
    size_t bytes = ix_packed_size(n, bw);
    if (bw == 0)
        return 0;
    /* whole 64-bit words: a value never spans more than two */
    uint64_t acc = 0;
    unsigned have = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= (uint64_t)v[i] << have;
        have += bw;
        if (have >= 64) {
            cf_put_u64le(out + o, acc);
            o += 8;
            have -= 64;
            acc = have ? (uint64_t)v[i] >> (bw - have) : 0;
        }
    }
    for (; have > 0 && o < bytes; have = have > 8 ? have - 8 : 0) {
        out[o++] = (uint8_t)acc;
        acc >>= 8;
    }
    return bytes;
}

/* Unpack with a constant width so the compiler can specialize the loop. Values whose 8-byte
 * window would pass the end of the packed bytes are assembled byte by byte. */
static inline __attribute__((always_inline)) void unpack_w(const uint8_t *in, uint32_t *v,
                                                           size_t n, unsigned bw)
{
    const size_t bytes = ix_packed_size(n, bw);
    const uint64_t mask = bw == 32 ? 0xffffffffu : ((uint64_t)1 << bw) - 1;
    size_t i = 0;
    if (bytes >= 8) {
        size_t fast = ((bytes - 8) * 8) / bw + 1; /* values i with (i*bw)/8 + 8 <= bytes */
        if (fast > n)
            fast = n;
        for (; i < fast; i++) {
            size_t bit = i * bw;
            uint64_t w;
            memcpy(&w, in + (bit >> 3), 8);
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
            w = __builtin_bswap64(w);
#endif
            v[i] = (uint32_t)((w >> (bit & 7)) & mask);
        }
    }
    for (; i < n; i++) {
        size_t bit = i * bw, byte = bit >> 3;
        uint64_t w = 0;
        for (size_t k = 0; k < 8 && byte + k < bytes; k++)
            w |= (uint64_t)in[byte + k] << (8 * k);
        v[i] = (uint32_t)((w >> (bit & 7)) & mask);
    }
}

#define UNPACK_CASE(b) \
    case b: unpack_w(in, v, n, b); break;

void ix_unpack(const uint8_t *in, uint32_t *v, size_t n, unsigned bw)
{
    switch (bw) {
    case 0: memset(v, 0, n * sizeof *v); break;
    UNPACK_CASE(1) UNPACK_CASE(2) UNPACK_CASE(3) UNPACK_CASE(4) UNPACK_CASE(5) UNPACK_CASE(6)
    UNPACK_CASE(7) UNPACK_CASE(8) UNPACK_CASE(9) UNPACK_CASE(10) UNPACK_CASE(11)
    UNPACK_CASE(12) UNPACK_CASE(13) UNPACK_CASE(14) UNPACK_CASE(15) UNPACK_CASE(16)
    UNPACK_CASE(17) UNPACK_CASE(18) UNPACK_CASE(19) UNPACK_CASE(20) UNPACK_CASE(21)
    UNPACK_CASE(22) UNPACK_CASE(23) UNPACK_CASE(24) UNPACK_CASE(25) UNPACK_CASE(26)
    UNPACK_CASE(27) UNPACK_CASE(28) UNPACK_CASE(29) UNPACK_CASE(30) UNPACK_CASE(31)
    default: unpack_w(in, v, n, 32); break;
    }
}

/* ---- patched frame of reference ------------------------------------------------------------
 * head:  [u8 width | 0x40 when there are exceptions]
 *        exceptions: [u8 count][u8 high width | 0x80 when their places are a bitmap]
 * body:  exceptions: their places (count indexes packed at the width of n - 1, or a bitmap of
 *        n bits), then their high parts packed at the high width
 *        the n values' low `width` bits packed.
 * A value's high part (v >> width) is OR-ed back at its place. The encoder picks the width (and
 * the cheaper way to give the places) that minimizes the size. The head is kept apart from the
 * body so that callers can store it elsewhere (the dictionary keeps the heads of short lists);
 * the size of the body follows from the head alone. */

#define PFOR_EXC 0x40
#define PFOR_BITMAP 0x80

static unsigned bit_len(uint32_t v)
{
    return v ? 32u - (unsigned)__builtin_clz(v) : 0;
}

static unsigned index_width(size_t n)
{
    return n > 1 ? bit_len((uint32_t)(n - 1)) : 0;
}

static size_t places_size(size_t n, size_t ne, bool *bitmap)
{
    size_t list = ix_packed_size(ne, index_width(n)), map = (n + 7) / 8;
    *bitmap = map < list;
    return *bitmap ? map : list;
}

size_t ix_pfor_encode(uint8_t *out, const uint32_t *v, size_t n)
{
    unsigned hist[33] = {0}, maxb = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned b = bit_len(v[i]);
        hist[b]++;
        maxb = b > maxb ? b : maxb;
    }
    /* size in bytes for each width: plain, or with exceptions above it (ties keep the wider) */
    unsigned best = maxb;
    size_t best_size = 1 + ix_packed_size(n, maxb), exc = 0;
    bool bitmap;
    for (unsigned b = maxb; b-- > 0;) {
        exc += hist[b + 1];
        size_t size = 3 + places_size(n, exc, &bitmap) + ix_packed_size(exc, maxb - b) +
                      ix_packed_size(n, b);
        if (size < best_size) {
            best_size = size;
            best = b;
        }
    }
    uint32_t low[IX_BLOCK], high[IX_BLOCK], idx[IX_BLOCK];
    size_t ne = 0, o = 1;
    uint32_t mask = best >= 32 ? 0xffffffffu : ((uint32_t)1 << best) - 1;
    for (size_t i = 0; i < n; i++) {
        low[i] = v[i] & mask;
        if (best < 32 && (v[i] >> best) != 0) {
            idx[ne] = (uint32_t)i;
            high[ne++] = v[i] >> best;
        }
    }
    out[0] = (uint8_t)(best | (ne ? PFOR_EXC : 0));
    if (ne) {
        unsigned hb = maxb - best;
        size_t ps = places_size(n, ne, &bitmap);
        out[o++] = (uint8_t)ne;
        out[o++] = (uint8_t)(hb | (bitmap ? PFOR_BITMAP : 0));
        if (bitmap) {
            memset(out + o, 0, ps);
            for (size_t k = 0; k < ne; k++)
                out[o + idx[k] / 8] |= (uint8_t)(1u << (idx[k] % 8));
            o += ps;
        } else {
            o += ix_pack(out + o, idx, ne, index_width(n));
        }
        o += ix_pack(out + o, high, ne, hb);
    }
    o += ix_pack(out + o, ne ? low : v, n, best);
    return o;
}

bool ix_pfor_head_read(const uint8_t **p, const uint8_t *end, uint32_t *head)
{
    const uint8_t *s = *p;
    if (s >= end)
        return false;
    if (!(s[0] & PFOR_EXC)) {
        *head = s[0];
        *p = s + 1;
        return true;
    }
    if (end - s < 3)
        return false;
    *head = (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16;
    *p = s + 3;
    return true;
}

size_t ix_pfor_head_put(uint8_t *out, uint32_t head)
{
    out[0] = (uint8_t)head;
    if (!(head & PFOR_EXC))
        return 1;
    out[1] = (uint8_t)(head >> 8);
    out[2] = (uint8_t)(head >> 16);
    return 3;
}

/* The parts of a head; false when it cannot describe n values. */
typedef struct pfor_head {
    unsigned b, hb;
    size_t ne;
    bool bitmap;
} pfor_head;

static bool head_parse(uint32_t head, size_t n, pfor_head *h)
{
    uint8_t b0 = (uint8_t)head;
    h->b = b0 & 0x3f;
    h->ne = 0;
    h->hb = 0;
    h->bitmap = false;
    if (h->b > 32 || (b0 & 0x80) || n > IX_BLOCK || (head >> 24) != 0)
        return false;
    if (!(b0 & PFOR_EXC))
        return (head >> 8) == 0;
    h->ne = (head >> 8) & 0xff;
    h->hb = (head >> 16) & 0x7f;
    h->bitmap = ((head >> 16) & PFOR_BITMAP) != 0;
    return h->ne != 0 && h->ne <= n && h->hb != 0 && h->hb + h->b <= 32;
}

static size_t body_size(const pfor_head *h, size_t n)
{
    size_t s = ix_packed_size(n, h->b);
    if (h->ne)
        s += (h->bitmap ? (n + 7) / 8 : ix_packed_size(h->ne, index_width(n))) +
             ix_packed_size(h->ne, h->hb);
    return s;
}

size_t ix_pfor_body_size(uint32_t head, size_t n)
{
    pfor_head h;
    return head_parse(head, n, &h) ? body_size(&h, n) : SIZE_MAX;
}

/* Places of the exceptions from a bitmap: exactly ne bits set, none at n or above. */
static bool bitmap_places(const uint8_t *map, size_t n, size_t ne, uint32_t *idx)
{
    size_t k = 0, bytes = (n + 7) / 8;
    for (size_t w = 0; w < bytes; w += 8) {
        uint64_t m = 0;
        for (size_t j = 0; j < 8 && w + j < bytes; j++)
            m |= (uint64_t)map[w + j] << (8 * j);
        while (m) {
            size_t i = w * 8 + (size_t)__builtin_ctzll(m);
            m &= m - 1;
            if (i >= n || k == ne)
                return false;
            idx[k++] = (uint32_t)i;
        }
    }
    return k == ne;
}

const uint8_t *ix_pfor_decode_body(uint32_t head, const uint8_t *in, const uint8_t *end,
                                   uint32_t *v, size_t n)
{
    pfor_head h;
    if (!head_parse(head, n, &h) || in > end || body_size(&h, n) > (size_t)(end - in))
        return NULL;
    const uint8_t *p = in;
    uint32_t idx[IX_BLOCK], high[IX_BLOCK];
    if (h.ne) {
        if (h.bitmap) {
            if (!bitmap_places(p, n, h.ne, idx))
                return NULL;
            p += (n + 7) / 8;
        } else {
            unsigned iw = index_width(n);
            ix_unpack(p, idx, h.ne, iw);
            p += ix_packed_size(h.ne, iw);
            for (size_t i = 0; i < h.ne; i++)
                if (idx[i] >= n)
                    return NULL;
        }
        ix_unpack(p, high, h.ne, h.hb);
        p += ix_packed_size(h.ne, h.hb);
    }
    ix_unpack(p, v, n, h.b);
    for (size_t i = 0; i < h.ne; i++)
        v[idx[i]] |= high[i] << h.b;
    return p + ix_packed_size(n, h.b);
}

const uint8_t *ix_pfor_decode(const uint8_t *in, const uint8_t *end, uint32_t *v, size_t n)
{
    uint32_t head;
    if (!ix_pfor_head_read(&in, end, &head))
        return NULL;
    return ix_pfor_decode_body(head, in, end, v, n);
}

size_t ix_pfor_size(const uint8_t *in, const uint8_t *end, size_t n)
{
    const uint8_t *p = in;
    uint32_t head;
    if (!ix_pfor_head_read(&p, end, &head))
        return 0;
    size_t s = ix_pfor_body_size(head, n);
    if (s == SIZE_MAX || s > (size_t)(end - p))
        return 0;
    return (size_t)(p - in) + s;
}
