/* bitpack.c: packs up to 128 unsigned 32-bit values at a fixed bit width (0..32), least
 * significant bit first, at any bit offset of a byte array, and unpacks them; the block codec
 * built on it (patched frame of reference, or Rice coding when smaller), whose encodings are
 * bit strings too: the posting and position streams are bit streams, so no value is rounded up
 * to a byte boundary. */
#include <string.h>

#include "index/index.h"

/* A writer of bits into out from a bit offset: acc holds the `have` (< 32 between calls) bits
 * not yet stored, starting with those before the offset in its byte (kept). */
typedef struct bitw {
    uint8_t *out;
    size_t o;
    unsigned have;
    uint64_t acc;
} bitw;

static inline bitw bitw_start(uint8_t *out, uint64_t bit)
{
    bitw w = {out, (size_t)(bit >> 3), (unsigned)(bit & 7), 0};
    w.acc = w.have ? out[w.o] & ((1u << w.have) - 1) : 0;
    return w;
}

/* Store the low 32 bits of acc. */
static inline void bitw_spill(bitw *w)
{
    cf_put_u32le(w->out + w->o, (uint32_t)w->acc);
    w->o += 4;
    w->acc >>= 32;
}

/* Store what is left, in whole bytes. */
static inline void bitw_end(bitw *w)
{
    for (; w->have > 0; w->have = w->have > 8 ? w->have - 8 : 0) {
        w->out[w->o++] = (uint8_t)w->acc;
        w->acc >>= 8;
    }
}

void ix_pack_at(uint8_t *out, uint64_t *bit, const uint32_t *v, size_t n, unsigned bw)
{
    if (bw == 0 || n == 0)
        return;
    bitw w = bitw_start(out, *bit);
    for (size_t i = 0; i < n; i++) {
        w.acc |= (uint64_t)v[i] << w.have; /* have < 32 and v < 2^32 */
        w.have += bw;
        if (w.have >= 32) {
            bitw_spill(&w);
            w.have -= 32;
        }
    }
    bitw_end(&w);
    *bit += (uint64_t)n * bw;
}

/* w (<= 57) bits at bit of in[0, bytes) (the caller checked bit + w <= bytes * 8). */
static inline uint64_t get_bits(const uint8_t *in, size_t bytes, uint64_t bit, unsigned w)
{
    size_t at = (size_t)(bit >> 3);
    uint64_t x = 0;
    if (at + 8 <= bytes) {
        memcpy(&x, in + at, 8);
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
        x = __builtin_bswap64(x);
#endif
    } else {
        for (size_t k = 0; at + k < bytes; k++)
            x |= (uint64_t)in[at + k] << (8 * k);
    }
    return (x >> (bit & 7)) & (w >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << w) - 1);
}

/* Unpack with a constant width so the compiler can specialize the loop. Values whose 8-byte
 * window would pass the end of the bytes are assembled byte by byte. */
static inline __attribute__((always_inline)) void unpack_w(const uint8_t *in, size_t bytes,
                                                           uint64_t bit0, uint32_t *v,
                                                           size_t n, unsigned bw)
{
    const uint64_t mask = bw == 32 ? 0xffffffffu : ((uint64_t)1 << bw) - 1;
    size_t i = 0;
    if (bytes >= 8) {
        uint64_t last = (uint64_t)(bytes - 8) * 8 + 7; /* the last bit an 8-byte load covers */
        size_t fast = bit0 <= last ? (size_t)((last - bit0) / bw) + 1 : 0;
        if (fast > n)
            fast = n;
        for (; i < fast; i++) {
            uint64_t bit = bit0 + (uint64_t)i * bw;
            uint64_t w;
            memcpy(&w, in + (bit >> 3), 8);
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
            w = __builtin_bswap64(w);
#endif
            v[i] = (uint32_t)((w >> (bit & 7)) & mask);
        }
    }
    for (; i < n; i++)
        v[i] = (uint32_t)get_bits(in, bytes, bit0 + (uint64_t)i * bw, bw);
}

#define UNPACK_CASE(b) \
    case b: unpack_w(in, bytes, bit, v, n, b); break;

void ix_unpack_at(const uint8_t *in, size_t bytes, uint64_t bit, uint32_t *v, size_t n,
                  unsigned bw)
{
    switch (bw) {
    case 0: memset(v, 0, n * sizeof *v); break;
    UNPACK_CASE(1) UNPACK_CASE(2) UNPACK_CASE(3) UNPACK_CASE(4) UNPACK_CASE(5) UNPACK_CASE(6)
    UNPACK_CASE(7) UNPACK_CASE(8) UNPACK_CASE(9) UNPACK_CASE(10) UNPACK_CASE(11)
    UNPACK_CASE(12) UNPACK_CASE(13) UNPACK_CASE(14) UNPACK_CASE(15) UNPACK_CASE(16)
    UNPACK_CASE(17) UNPACK_CASE(18) UNPACK_CASE(19) UNPACK_CASE(20) UNPACK_CASE(21)
    UNPACK_CASE(22) UNPACK_CASE(23) UNPACK_CASE(24) UNPACK_CASE(25) UNPACK_CASE(26)
    UNPACK_CASE(27) UNPACK_CASE(28) UNPACK_CASE(29) UNPACK_CASE(30) UNPACK_CASE(31)
    default: unpack_w(in, bytes, bit, v, n, 32); break;
    }
}

/* ---- patched frame of reference ------------------------------------------------------------
 * head:  [8 bits: width | 0x40 when there are exceptions]
 *        exceptions: [8 bits: count][8 bits: high width | 0x80 when their places are a bitmap]
 * body:  exceptions: their places (count indexes at the width of n - 1, or a bitmap of n bits),
 *        then their high parts at the high width;
 *        the n values' low `width` bits.
 * Everything is one bit string, no part rounded to a byte. A value's high part (v >> width) is
 * OR-ed back at its place. The encoder picks the width (and the cheaper way to give the places)
 * that minimizes the size, or Rice coding (head: 33 + k, then the sum of the high parts in a
 * byte; body: the k-bit low parts, then each high part in unary) when that is smaller still.
 * The head can be kept apart from the body (the dictionary keeps the heads of short lists):
 * the size of the body follows from the head alone. */

#define PFOR_EXC 0x40
#define PFOR_BITMAP 0x80

static unsigned bit_len(uint32_t v)
{
    return 63u - (unsigned)__builtin_clzll((uint64_t)v << 1 | 1); /* no branch for 0 */
}

static unsigned index_width(size_t n)
{
    return n > 1 ? bit_len((uint32_t)(n - 1)) : 0;
}

/* Bits of the places of ne exceptions among n values (iw = index_width(n)). */
static inline uint64_t places_bits(size_t n, uint64_t ne, uint64_t iw, bool *bitmap)
{
    uint64_t list = ne * iw;
    *bitmap = n < list;
    return *bitmap ? n : list;
}

/* Unary codes of the high parts v[i] >> k, whose sum is q: that many 0 bits, then a 1 bit. */
static void put_unary(uint8_t *out, uint64_t *bit, const uint32_t *v, size_t n, unsigned k,
                      uint64_t q)
{
    bitw w = bitw_start(out, *bit);
    for (size_t i = 0; i < n; i++) {
        uint32_t z = v[i] >> k;
        for (; z >= 32; z -= 32) /* a word's worth of zeros */
            bitw_spill(&w);
        w.acc |= (uint64_t)1 << (w.have + z); /* have + z < 63 */
        w.have += z + 1;
        if (w.have >= 32) {
            bitw_spill(&w);
            w.have -= 32;
        }
    }
    bitw_end(&w);
    *bit += n + q;
}

#define RICE_MAX_Q 0xffu /* the sum of the high parts fits the head's second byte */

/* The cheapest Rice parameter for v (whose sum is given), among the three from bitlen(mean) - 2
 * to bitlen(mean) (the optimum, near log2(mean * ln 2), lies there), with its size in bits
 * (head included); UINT64_MAX when none fits the head. */
static uint64_t rice_choose(const uint32_t *v, size_t n, uint64_t sum, unsigned *k_out,
                            uint64_t *q_out)
{
    unsigned top = n ? bit_len((uint32_t)(sum / n)) : 0; /* the mean is below 2^32 */
    unsigned k0 = top > 2 ? top - 2 : 0;
    /* 32-bit sums of high parts capped at 2^16 (any of them makes q too big for the head
     * anyway) cannot overflow for 128 values */
    uint32_t q0 = 0, q1 = 0, q2 = 0;
    uint64_t best = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        uint32_t t = v[i] >> k0;
        t = t < 0x10000 ? t : 0x10000;
        q0 += t;
        q1 += t >> 1;
        q2 += t >> 2;
    }
    const uint32_t q[3] = {q0, q1, q2};
    for (unsigned j = 0; j < 3 && k0 + j <= top && k0 + j <= 30; j++) {
        if (q[j] > RICE_MAX_Q)
            continue;
        uint64_t bits = 16 + (uint64_t)n * (k0 + j + 1) + q[j];
        if (bits < best) {
            best = bits;
            *k_out = k0 + j;
            *q_out = q[j];
        }
    }
    return best;
}

void ix_pfor_put(uint8_t *out, uint64_t *bit, const uint32_t *v, size_t n, uint32_t *head)
{
    unsigned hist[33] = {0}, maxb = 0;
    uint64_t sum = 0, lens = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned b = bit_len(v[i]);
        hist[b]++;
        maxb = b > maxb ? b : maxb;
        sum += v[i];
        lens += b;
    }
    /* size in bits for each width: plain, or with exceptions above it (ties keep the wider) */
    unsigned best = maxb;
    uint64_t best_bits = 8 + (uint64_t)n * maxb, exc = 0;
    bool bitmap;
    const uint64_t iw = index_width(n);
    for (unsigned b = maxb; b-- > 0;) {
        exc += hist[b + 1];
        uint64_t bits = 24 + places_bits(n, exc, iw, &bitmap) + exc * (maxb - b) + (uint64_t)n * b;
        if (bits < best_bits) {
            best_bits = bits;
            best = b;
        }
    }
    unsigned rk = 0;
    uint64_t rq = 0;
    /* A value of bit length L costs at least L + 1 bits in Rice at any k, so Rice cannot win
     * unless 16 + n + the sum of the lengths is below the PFOR size. */
    if (16 + n + lens < best_bits && rice_choose(v, n, sum, &rk, &rq) < best_bits) {
        uint32_t h = (IX_PFOR_RICE + rk) | (uint32_t)rq << 8;
        if (head)
            *head = h;
        else
            ix_pack_at(out, bit, &h, 1, 16);
        if (rk) {
            uint32_t mask = ((uint32_t)1 << rk) - 1, low[IX_BLOCK];
            for (size_t i = 0; i < n; i++)
                low[i] = v[i] & mask;
            ix_pack_at(out, bit, low, n, rk);
        }
        put_unary(out, bit, v, n, rk, rq);
        return;
    }
    uint32_t low[IX_BLOCK], high[IX_BLOCK], idx[IX_BLOCK];
    size_t ne = 0;
    uint32_t mask = best >= 32 ? 0xffffffffu : ((uint32_t)1 << best) - 1;
    for (size_t i = 0; i < n; i++) {
        low[i] = v[i] & mask;
        if (best < 32 && (v[i] >> best) != 0) {
            idx[ne] = (uint32_t)i;
            high[ne++] = v[i] >> best;
        }
    }
    unsigned hb = maxb - best;
    places_bits(n, ne, iw, &bitmap);
    uint32_t h[3] = {best | (ne ? PFOR_EXC : 0), (uint32_t)ne, hb | (bitmap ? PFOR_BITMAP : 0)};
    if (head)
        *head = ne ? h[0] | h[1] << 8 | h[2] << 16 : h[0];
    else
        ix_pack_at(out, bit, h, ne ? 3 : 1, 8);
    if (ne) {
        if (bitmap) {
            uint32_t map[IX_BLOCK / 32] = {0};
            for (size_t k = 0; k < ne; k++)
                map[idx[k] / 32] |= 1u << (idx[k] % 32);
            size_t full = n / 32;
            ix_pack_at(out, bit, map, full, 32);
            if (n % 32)
                ix_pack_at(out, bit, map + full, 1, (unsigned)(n % 32));
        } else {
            ix_pack_at(out, bit, idx, ne, (unsigned)iw);
        }
        ix_pack_at(out, bit, high, ne, hb);
    }
    ix_pack_at(out, bit, ne ? low : v, n, best);
}

size_t ix_pfor_encode(uint8_t *out, const uint32_t *v, size_t n)
{
    uint64_t bit = 0;
    ix_pfor_put(out, &bit, v, n, NULL);
    return (size_t)((bit + 7) / 8);
}

size_t ix_pfor_head_put(uint8_t *out, uint32_t head)
{
    unsigned len = ix_pfor_head_len((uint8_t)head);
    for (unsigned i = 0; i < len; i++)
        out[i] = (uint8_t)(head >> (8 * i));
    return len;
}

bool ix_pfor_get_head(const uint8_t *in, size_t bytes, uint64_t *bit, uint32_t *head)
{
    uint64_t avail = (uint64_t)bytes * 8;
    if (*bit > avail || avail - *bit < 8)
        return false;
    unsigned len = 8 * ix_pfor_head_len((uint8_t)get_bits(in, bytes, *bit, 8));
    if (avail - *bit < len)
        return false;
    *head = (uint32_t)get_bits(in, bytes, *bit, len);
    *bit += len;
    return true;
}

/* The parts of a head (checked by ix_pfor_body_bits). */
typedef struct pfor_head {
    unsigned b, hb;
    size_t ne;
    bool bitmap;
} pfor_head;

static void head_parts(uint32_t head, pfor_head *h)
{
    h->b = head & 0x3f;
    bool exc = (head & PFOR_EXC) != 0;
    h->ne = exc ? (head >> 8) & 0xff : 0;
    h->hb = exc ? (head >> 16) & 0x7f : 0;
    h->bitmap = exc && ((head >> 16) & PFOR_BITMAP) != 0;
}

/* Places of the exceptions from a bitmap of n bits at bit: exactly ne bits set. */
static bool bitmap_places(const uint8_t *in, size_t bytes, uint64_t bit, size_t n, size_t ne,
                          uint32_t *idx)
{
    size_t k = 0;
    for (size_t w = 0; w < n; w += 32) {
        unsigned len = n - w < 32 ? (unsigned)(n - w) : 32;
        uint32_t m = (uint32_t)get_bits(in, bytes, bit + w, len);
        while (m) {
            if (k == ne)
                return false;
            idx[k++] = (uint32_t)(w + (size_t)__builtin_ctz(m));
            m &= m - 1;
        }
    }
    return k == ne;
}

/* A Rice body of n values with parameter k in [p, end): the low parts, then exactly n unary
 * high parts ending at end; a value must fit 32 bits. The unary parts are read 57 bits at a
 * time, one value per 1 bit. */
static bool rice_get(const uint8_t *in, size_t bytes, uint64_t p, uint64_t end, uint32_t *v,
                     size_t n, unsigned k)
{
    ix_unpack_at(in, bytes, p, v, n, k);
    p += (uint64_t)n * k;
    const uint32_t qmax = 0xffffffffu >> k;
    uint32_t q = 0; /* zeros of the current value so far */
    size_t i = 0;
    while (i < n) {
        if (p >= end)
            return false;
        unsigned w = end - p < 57 ? (unsigned)(end - p) : 57, used = 0;
        uint64_t x = get_bits(in, bytes, p, w);
        for (; x; x &= x - 1) {
            if (i == n)
                return false; /* more 1 bits than values */
            unsigned z = (unsigned)__builtin_ctzll(x);
            q += z - used;
            if (q > qmax)
                return false;
            v[i++] |= q << k;
            q = 0;
            used = z + 1;
        }
        q += w - used;
        p += w;
    }
    return p == end && q == 0;
}

bool ix_pfor_get_body(uint32_t head, const uint8_t *in, size_t bytes, uint64_t *bit,
                      uint32_t *v, size_t n)
{
    pfor_head h;
    uint64_t avail = (uint64_t)bytes * 8, p = *bit, size = ix_pfor_body_bits(head, n);
    if (size == UINT64_MAX || p > avail || size > avail - p)
        return false;
    if (head > 32 && (head & 0x3f) >= IX_PFOR_RICE) {
        if (!rice_get(in, bytes, p, p + size, v, n, (head & 0x3f) - IX_PFOR_RICE))
            return false;
        *bit = p + size;
        return true;
    }
    head_parts(head, &h);
    uint32_t idx[IX_BLOCK], high[IX_BLOCK];
    if (h.ne) {
        if (h.bitmap) {
            if (!bitmap_places(in, bytes, p, n, h.ne, idx))
                return false;
            p += n;
        } else {
            unsigned iw = index_width(n);
            ix_unpack_at(in, bytes, p, idx, h.ne, iw);
            p += (uint64_t)h.ne * iw;
            for (size_t i = 0; i < h.ne; i++)
                if (idx[i] >= n)
                    return false;
        }
        ix_unpack_at(in, bytes, p, high, h.ne, h.hb);
        p += (uint64_t)h.ne * h.hb;
    }
    ix_unpack_at(in, bytes, p, v, n, h.b);
    for (size_t i = 0; i < h.ne; i++)
        v[idx[i]] |= high[i] << h.b;
    *bit = p + (uint64_t)n * h.b;
    return true;
}

bool ix_pfor_get(const uint8_t *in, size_t bytes, uint64_t *bit, uint32_t *v, size_t n)
{
    uint32_t head;
    uint64_t p = *bit;
    if (!ix_pfor_get_head(in, bytes, &p, &head) || !ix_pfor_get_body(head, in, bytes, &p, v, n))
        return false;
    *bit = p;
    return true;
}

uint64_t ix_pfor_bits_at(const uint8_t *in, size_t bytes, uint64_t bit, size_t n)
{
    uint32_t head;
    uint64_t p = bit;
    if (!ix_pfor_get_head(in, bytes, &p, &head))
        return 0;
    uint64_t s = ix_pfor_body_bits(head, n);
    if (s == UINT64_MAX || s > (uint64_t)bytes * 8 - p)
        return 0;
    return p - bit + s;
}

const uint8_t *ix_pfor_decode(const uint8_t *in, const uint8_t *end, uint32_t *v, size_t n)
{
    uint64_t bit = 0;
    if (in > end || !ix_pfor_get(in, (size_t)(end - in), &bit, v, n))
        return NULL;
    return in + (bit + 7) / 8;
}

size_t ix_pfor_size(const uint8_t *in, const uint8_t *end, size_t n)
{
    if (in > end)
        return 0;
    uint64_t bits = ix_pfor_bits_at(in, (size_t)(end - in), 0, n);
    return (size_t)((bits + 7) / 8);
}
