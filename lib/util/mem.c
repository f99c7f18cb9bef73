/* mem.c: the library's allocator wrappers, with a fail-after-N hook for fault-injection tests. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util.h"

/* < 0: never fail. >= 0: allocations left before every allocation fails. Tests only. */
static _Atomic long alloc_countdown = -1;

void cf_alloc_fail_after(long countdown)
{
    atomic_store(&alloc_countdown, countdown);
}

static bool alloc_allowed(void)
{
    long c = atomic_load(&alloc_countdown);
    if (c < 0)
        return true;
    while (c > 0) {
        if (atomic_compare_exchange_weak(&alloc_countdown, &c, c - 1))
            return true;
    }
    return false;
}

void *cf_malloc(size_t n)
{
    return alloc_allowed() ? malloc(n ? n : 1) : NULL;
}

void *cf_calloc(size_t n, size_t size)
{
    return alloc_allowed() ? calloc(n ? n : 1, size ? size : 1) : NULL;
}

void *cf_realloc(void *p, size_t n)
{
    return alloc_allowed() ? realloc(p, n ? n : 1) : NULL;
}

void cf_free(void *p)
{
    free(p);
}

char *cf_strndup(const char *s, size_t n)
{
    char *d = cf_malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

void cf_advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1), hi = ((uintptr_t)p + n) & ~(huge - 1);
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE); /* advice only: failure is harmless */
#else
    (void)p;
    (void)n;
#endif
}
