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
 * [u8 width | 0x40 when there are exceptions]
 * exceptions: [u8 count][u8 high width][count x u8 index][count high parts packed]
 * then the n values' low `width` bits packed. A value's high part (v >> width) is OR-ed back
 * at its index. The width is the one that minimizes the encoded size. */

#define PFOR_EXC 0x40

static unsigned bit_len(uint32_t v)
{
    return v ? 32u - (unsigned)__builtin_clz(v) : 0;
}

size_t ix_pfor_encode(uint8_t *out, const uint32_t *v, size_t n)
{
    unsigned hist[33] = {0}, maxb = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned b = bit_len(v[i]);
        hist[b]++;
        maxb = b > maxb ? b : maxb;
    }
    /* size in bits for each width: plain, or with exceptions above it */
    unsigned best = maxb;
    size_t best_bits = n * maxb, exc = 0;
    for (unsigned b = maxb; b-- > 0;) {
        exc += hist[b + 1];
        if (exc > n / 4)
            break;
        size_t bits = n * b + 16 + exc * (8 + (maxb - b));
        if (bits < best_bits) {
            best_bits = bits;
            best = b;
        }
    }
    uint32_t low[IX_BLOCK], high[IX_BLOCK];
    uint8_t idx[IX_BLOCK];
    size_t ne = 0, o = 1;
    uint32_t mask = best >= 32 ? 0xffffffffu : ((uint32_t)1 << best) - 1;
    for (size_t i = 0; i < n; i++) {
        low[i] = v[i] & mask;
        if (best < 32 && (v[i] >> best) != 0) {
            idx[ne] = (uint8_t)i;
            high[ne++] = v[i] >> best;
        }
    }
    out[0] = (uint8_t)(best | (ne ? PFOR_EXC : 0));
    if (ne) {
        unsigned hb = maxb - best;
        out[o++] = (uint8_t)ne;
        out[o++] = (uint8_t)hb;
        memcpy(out + o, idx, ne);
        o += ne;
        o += ix_pack(out + o, high, ne, hb);
    }
    o += ix_pack(out + o, ne ? low : v, n, best);
    return o;
}

const uint8_t *ix_pfor_decode(const uint8_t *in, const uint8_t *end, uint32_t *v, size_t n)
{
    if (in >= end)
        return NULL;
    unsigned b = in[0] & 0x3f;
    bool exc = (in[0] & PFOR_EXC) != 0;
    if (b > 32 || (in[0] & 0x80))
        return NULL;
    const uint8_t *p = in + 1;
    size_t ne = 0;
    unsigned hb = 0;
    const uint8_t *idx = NULL, *highs = NULL;
    if (exc) {
        if (end - p < 2)
            return NULL;
        ne = p[0];
        hb = p[1];
        p += 2;
        if (ne == 0 || ne > n || hb == 0 || hb + b > 32 || (size_t)(end - p) < ne)
            return NULL;
        idx = p;
        p += ne;
        highs = p;
        size_t hs = ix_packed_size(ne, hb);
        if ((size_t)(end - p) < hs)
            return NULL;
        p += hs;
    }
    size_t ls = ix_packed_size(n, b);
    if ((size_t)(end - p) < ls)
        return NULL;
    ix_unpack(p, v, n, b);
    if (exc) {
        uint32_t h[IX_BLOCK];
        ix_unpack(highs, h, ne, hb);
        for (size_t i = 0; i < ne; i++) {
            if (idx[i] >= n)
                return NULL;
            v[idx[i]] |= h[i] << b;
        }
    }
    return p + ls;
}

size_t ix_pfor_size(const uint8_t *in, const uint8_t *end, size_t n)
{
    if (in >= end || (in[0] & 0x80) || (in[0] & 0x3f) > 32)
        return 0;
    unsigned b = in[0] & 0x3f;
    size_t size = 1;
    if (in[0] & PFOR_EXC) {
        if (end - in < 3)
            return 0;
        size_t ne = in[1];
        unsigned hb = in[2];
        if (ne == 0 || ne > n || hb == 0 || hb + b > 32)
            return 0;
        size += 2 + ne + ix_packed_size(ne, hb);
    }
    size += ix_packed_size(n, b);
    return size <= (size_t)(end - in) ? size : 0;
}
