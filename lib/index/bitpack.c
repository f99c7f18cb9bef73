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
    uint64_t acc = 0;
    unsigned have = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= (uint64_t)v[i] << have;
        have += bw;
        while (have >= 8) {
            out[o++] = (uint8_t)acc;
            acc >>= 8;
            have -= 8;
        }
    }
    if (have > 0)
        out[o++] = (uint8_t)acc;
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
