/* hash.c: CRC32C (ISA-L) for file checksums and xxHash for in-memory hash tables. */
#include <isa-l/crc.h>
#include <limits.h>
#include <xxhash.h>

#include "util.h"

uint32_t cf_crc32c(uint32_t crc, const void *p, size_t n)
{
    const unsigned char *b = p;
    crc = ~crc;
    while (n > 0) { /* ISA-L takes an int length */
        int chunk = n > (size_t)INT_MAX / 2 ? INT_MAX / 2 : (int)n;
        crc = crc32_iscsi((unsigned char *)b, chunk, crc);
        b += chunk;
        n -= (size_t)chunk;
    }
    return ~crc;
}

uint64_t cf_hash64(const void *p, size_t n)
{
    return XXH3_64bits(p, n);
}
