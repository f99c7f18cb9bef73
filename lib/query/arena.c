/* arena.c: a bump allocator for query trees and plans, freed in one call. */
#include <stdint.h>
#include <string.h>

#include "query/query.h"

struct qy_arena_block {
    qy_arena_block *next;
    size_t pad; /* keeps data 16-byte aligned on 64-bit targets */
    _Alignas(16) unsigned char data[];
};

#define QY_ARENA_BLOCK 4096

void qy_arena_init(qy_arena *a)
{
    a->head = NULL;
    a->used = a->cap = 0;
}

void *qy_arena_alloc(qy_arena *a, size_t n)
{
    if (n > SIZE_MAX / 2)
        return NULL;
    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    if (!a->head || a->cap - a->used < n) {
        size_t cap = n > QY_ARENA_BLOCK ? n : QY_ARENA_BLOCK;
        qy_arena_block *b = cf_malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->next = a->head;
        a->head = b;
        a->used = 0;
        a->cap = cap;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    memset(p, 0, n);
    return p;
}

void qy_arena_free(qy_arena *a)
{
    qy_arena_block *b = a->head;
    while (b) {
        qy_arena_block *next = b->next;
        cf_free(b);
        b = next;
    }
    qy_arena_init(a);
}
