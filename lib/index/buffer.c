/* buffer.c: the in-RAM postings buffer of the writer: a hash of terms (xxHash) whose posting
 * lists grow as varint streams in chained slices of a paged byte pool, plus per-document
 * field lengths, dates and live flags; flushed, sorted by term, into a segment.
 *
 * Invariants. Every pool allocation lies inside one page, except that one larger than a page
 * gets consecutive page slots backed by one allocation, so an address (page << 16 | offset)
 * always reaches contiguous bytes. A term's stream is a chain of slices of growing size (the
 * first 4 bytes of a full slice hold the address of the next, so that a reader entering a
 * slice can fetch the next one into the cache while it reads this one); it holds, per document,
 * varint (doc delta << 1 | freq == 1), [varint freq], then for title and body the freq
 * within-document position deltas. One stream per term keeps the bytes a document adds to a
 * term in one place. A term has no other record than its hash slot (keys longer than 8 bytes
 * are kept in the pool). */
#include <stdlib.h>
#include <string.h>

#include "index/index.h"

#define PAGE_SHIFT 16
#define PAGE_SIZE (1u << PAGE_SHIFT)
#define NLEVELS 8
static const uint32_t level_size[NLEVELS] = {16, 32, 64, 128, 256, 512, 1024, 2048};

/* klen of a key longer than 8 bytes (kept in the pool: its length as a u32, then its bytes) */
#define LONG_KEY 9

/* A term is its slot in the hash table and nothing else: what adding a posting reads and
 * writes, the key's first 8 bytes, which are the whole key for CJK bigrams (field byte + 6
 * bytes of UTF-8) and most words, and the start of its stream for the flush. Adding a posting
 * touches one slot and the end of the term's stream; the flush sorts (key prefix, slot)
 * pairs, then reads each term's slot and stream. 32 bytes, two per cache line (the table is
 * 64-byte aligned). */
typedef struct bslot {
    uint64_t key8;  /* key bytes 0..7 loaded little-endian, zero-padded */
    uint32_t start; /* stream: its first slice */
    uint32_t key;   /* klen == LONG_KEY: the key's pool address */
    uint32_t cur;   /* stream write address */
    uint32_t last_doc, doc_freq;
    uint16_t left; /* bytes left in the stream's current slice */
    uint8_t level; /* the current slice's size class */
    uint8_t klen;  /* 0: empty; the key length when it is <= 8 (key8 is the whole key), else
                      LONG_KEY */
} bslot;

_Static_assert(sizeof(bslot) == 32, "two slots per cache line");

/* Slots in use at most 7/10 of the table. */
#define LOAD_NUM 7
#define LOAD_DEN 10

typedef struct bdoc {
    uint32_t len[IX_NFIELDS];
    int32_t date;
} bdoc;

struct ix_buffer {
    uint8_t **pages;
    uint8_t *owned; /* 1 where pages[i] is the start of its own allocation */
    uint32_t npages, pagecap, npages_used;
    uint32_t top; /* bytes used in the current page */
    uint32_t nterms;
    void *slots_raw;
    bslot *slots; /* slots_raw rounded up to 64 bytes; a power of two of them */
    uint32_t nslots;
    bdoc *docs;
    uint8_t *live;
    uint32_t ndocs, doccap;
    uint32_t cur_doc; /* document being added */
};

/* ---- pool --------------------------------------------------------------------------------- */

static inline uint8_t *at(const ix_buffer *b, uint32_t addr)
{
    return b->pages[addr >> PAGE_SHIFT] + (addr & (PAGE_SIZE - 1));
}

static int grow_pages(ix_buffer *b, uint32_t need)
{
    if (b->npages + need <= b->pagecap)
        return 0;
    uint32_t cap = b->pagecap ? b->pagecap : 64;
    while (cap < b->npages + need)
        cap *= 2;
    if (cap > (1u << (32 - PAGE_SHIFT)))
        return CJKFTS_ETOOBIG;
    uint8_t **p = cf_realloc(b->pages, cap * sizeof *p);
    if (!p)
        return CJKFTS_ENOMEM;
    b->pages = p;
    uint8_t *o = cf_realloc(b->owned, cap);
    if (!o)
        return CJKFTS_ENOMEM;
    b->owned = o;
    b->pagecap = cap;
    return 0;
}

/* Pages are allocated one at a time while the pool is small, then in chunks of CHUNK_PAGES
 * (8 MiB, mostly backed by huge pages where the system allows: streams are written and read
 * at random, so TLB misses would otherwise cost as much as the cache misses). */
#define CHUNK_PAGES 128u

/* Allocate n bytes of contiguous pool memory; *addr gets its address. */
static int pool_alloc(ix_buffer *b, uint32_t n, uint32_t *addr)
{
    if (b->npages_used > 0 && n <= PAGE_SIZE - b->top) {
        *addr = (b->npages_used - 1) << PAGE_SHIFT | b->top;
        b->top += n;
        return 0;
    }
    if (n <= PAGE_SIZE && b->npages_used < b->npages) {
        /* the next page already allocated: of the current chunk, or kept from before the
         * last reset */
        *addr = b->npages_used++ << PAGE_SHIFT;
        b->top = n;
        return 0;
    }
    /* a fresh allocation of k pages; pages kept from before are dropped past this point */
    uint32_t k = (n + PAGE_SIZE - 1) / PAGE_SIZE;
    uint32_t alloc = k == 1 && b->npages_used >= CHUNK_PAGES ? CHUNK_PAGES : k;
    for (uint32_t i = b->npages_used; i < b->npages; i++)
        if (b->owned[i])
            cf_free(b->pages[i]);
    b->npages = b->npages_used;
    int rc = grow_pages(b, alloc);
    if (rc)
        return rc;
    uint8_t *mem = cf_malloc((size_t)alloc * PAGE_SIZE);
    if (!mem)
        return CJKFTS_ENOMEM;
    if (alloc > 1)
        cf_advise_huge(mem, (size_t)alloc * PAGE_SIZE);
    for (uint32_t i = 0; i < alloc; i++) {
        b->pages[b->npages + i] = mem + (size_t)i * PAGE_SIZE;
        b->owned[b->npages + i] = i == 0;
    }
    *addr = b->npages << PAGE_SHIFT;
    b->npages += alloc;
    b->npages_used += k;
    b->top = n - (k - 1) * PAGE_SIZE;
    return 0;
}

/* Append one byte to a stream, chaining a new slice when the current one is full (its data
 * ends at *cur, so it starts level_size[*level] bytes before; its first 4 bytes get the next
 * slice's address). */
static inline int stream_put(ix_buffer *b, uint32_t *cur, uint16_t *left, uint8_t *level,
                             uint8_t byte)
{
    if (*left == 0) {
        uint8_t lv = *level + 1 < NLEVELS ? *level + 1 : *level;
        uint32_t addr;
        int rc = pool_alloc(b, level_size[lv], &addr);
        if (rc)
            return rc;
        cf_put_u32le(at(b, *cur - level_size[*level]), addr);
        *cur = addr + 4;
        *left = (uint16_t)(level_size[lv] - 4);
        *level = lv;
    }
    *at(b, (*cur)++) = byte;
    (*left)--;
    return 0;
}

static inline int stream_varint(ix_buffer *b, uint32_t *cur, uint16_t *left, uint8_t *level,
                                uint32_t v)
{
    if (v < 0x80 && *left > 0) { /* the common case */
        *at(b, (*cur)++) = (uint8_t)v;
        (*left)--;
        return 0;
    }
    while (v >= 0x80) {
        int rc = stream_put(b, cur, left, level, (uint8_t)(v | 0x80));
        if (rc)
            return rc;
        v >>= 7;
    }
    return stream_put(b, cur, left, level, (uint8_t)v);
}

static int stream_new(ix_buffer *b, uint32_t *start, uint32_t *cur, uint16_t *left,
                      uint8_t *level)
{
    int rc = pool_alloc(b, level_size[0], start);
    *cur = *start + 4;
    *left = (uint16_t)(level_size[0] - 4);
    *level = 0;
    return rc;
}

/* A stream reader; end is the stream's write address (where its data ends). */
typedef struct stream_rd {
    const ix_buffer *b;
    uint32_t cur, left, slice, end;
    uint8_t level;
} stream_rd;

/* Whether the slice at slice, of level lv, has a next one: the stream's end lies outside it
 * (a slice lies in one page, so addresses compare as offsets there; an end just past its last
 * byte means it is full but nothing follows yet). */
static inline bool slice_full(uint32_t slice, uint8_t lv, uint32_t end)
{
    return end - slice - 4 > level_size[lv] - 4;
}

/* The next slice of a full slice. */
static inline uint32_t slice_next(const ix_buffer *b, uint32_t slice)
{
    return cf_get_u32le(at(b, slice));
}

static void stream_rd_init(stream_rd *r, const ix_buffer *b, uint32_t start, uint32_t end)
{
    r->b = b;
    r->slice = start;
    r->end = end;
    r->cur = start + 4;
    r->left = level_size[0] - 4;
    r->level = 0;
}

static inline uint8_t stream_get(stream_rd *r)
{
    if (r->left == 0) {
        r->slice = slice_next(r->b, r->slice);
        r->cur = r->slice + 4;
        r->level = r->level + 1 < NLEVELS ? r->level + 1 : r->level;
        r->left = level_size[r->level] - 4;
        if (slice_full(r->slice, r->level, r->end)) /* fetch the one after while reading */
            __builtin_prefetch(at(r->b, slice_next(r->b, r->slice)));
    }
    r->left--;
    return *at(r->b, r->cur++);
}

static inline uint32_t stream_get_varint(stream_rd *r)
{
    if (r->left >= 5) { /* the whole varint is in this slice */
        const uint8_t *p = at(r->b, r->cur);
        uint32_t v = p[0] & 0x7f, m = 1;
        if (p[0] & 0x80) {
            for (unsigned shift = 7;; shift += 7) {
                uint8_t c = p[m++];
                v |= (uint32_t)(c & 0x7f) << shift;
                if (!(c & 0x80) || shift >= 28)
                    break;
            }
        }
        r->cur += m;
        r->left -= m;
        return v;
    }
    uint32_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        uint8_t c = stream_get(r);
        v |= (uint32_t)(c & 0x7f) << shift;
        if (!(c & 0x80) || shift >= 28)
            return v;
    }
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

int ix_buffer_new(ix_buffer **out)
{
    *out = cf_calloc(1, sizeof **out);
    return *out ? 0 : CJKFTS_ENOMEM;
}

void ix_buffer_reset(ix_buffer *b)
{
    b->npages_used = 0;
    b->top = 0;
    b->nterms = 0;
    b->ndocs = 0;
    if (b->nslots)
        memset(b->slots, 0, b->nslots * sizeof *b->slots);
}

void ix_buffer_free(ix_buffer *b)
{
    if (!b)
        return;
    for (uint32_t i = 0; i < b->npages; i++)
        if (b->owned[i])
            cf_free(b->pages[i]);
    cf_free(b->pages);
    cf_free(b->owned);
    cf_free(b->slots_raw);
    cf_free(b->docs);
    cf_free(b->live);
    cf_free(b);
}

/* Bytes per term that the flush needs to sort the terms (an entry and its copy). */
#define SORT_MEM 32

/* Memory in use: pages, terms and documents kept from before a reset are reused as the
 * buffer fills again, so what counts against the budget is the part filled since, plus what
 * the flush will need to sort. */
size_t ix_buffer_mem(const ix_buffer *b)
{
    size_t slots = (size_t)b->nterms * 3 + 1024; /* the table at its fullest, as filled now */
    if (slots > b->nslots)
        slots = b->nslots;
    return (size_t)b->npages_used * PAGE_SIZE + (size_t)b->nterms * SORT_MEM +
           slots * sizeof *b->slots + (size_t)b->ndocs * (sizeof(bdoc) + 1) + sizeof *b;
}

uint32_t ix_buffer_docs(const ix_buffer *b)
{
    return b->ndocs;
}

bool ix_buffer_is_live(const ix_buffer *b, uint32_t doc)
{
    return doc < b->ndocs && b->live[doc];
}

void ix_buffer_delete(ix_buffer *b, uint32_t doc)
{
    if (doc < b->ndocs)
        b->live[doc] = 0;
}

/* ---- term hash ---------------------------------------------------------------------------- */

/* A long key's length; its bytes follow. */
static inline uint32_t long_key(const ix_buffer *b, uint32_t addr, const uint8_t **key)
{
    const uint8_t *p = at(b, addr);
    *key = p + 4;
    return cf_get_u32le(p);
}

/* key8 holds the field byte: equal key8 and length make the whole key equal up to 8 bytes. */
static inline bool slot_matches(const ix_buffer *b, const bslot *s, uint64_t key8,
                                const char *term, size_t len)
{
    if (s->key8 != key8)
        return false;
    if (len <= 7)
        return s->klen == len + 1;
    if (s->klen != LONG_KEY)
        return false;
    const uint8_t *k;
    return long_key(b, s->key, &k) == len + 1 && memcmp(k + 8, term + 7, len - 7) == 0;
}

/* The hash of a slot's key (as ix_term_hash gave it when the term was added). */
static uint32_t slot_hash(const ix_buffer *b, const bslot *s)
{
    if (s->klen != LONG_KEY) /* the hash of a key of at most 8 bytes reads only key8 */
        return ix_term_hash(s->key8, NULL, s->klen - 1u);
    const uint8_t *k;
    uint32_t n = long_key(b, s->key, &k);
    return ix_term_hash(s->key8, (const char *)k + 1, n - 1);
}

static int grow_slots(ix_buffer *b)
{
    uint32_t n = b->nslots ? b->nslots * 2 : 1024;
    if (n == 0 || n > UINT32_MAX / LOAD_DEN)
        return CJKFTS_ETOOBIG;
    uint8_t *raw = cf_calloc((size_t)n + 2, sizeof(bslot));
    if (!raw)
        return CJKFTS_ENOMEM;
    bslot *s = (bslot *)(void *)(raw + ((64 - ((uintptr_t)raw & 63)) & 63));
    cf_advise_huge(raw, ((size_t)n + 2) * sizeof(bslot));
    for (uint32_t i = 0; i < b->nslots; i++) {
        const bslot *v = &b->slots[i];
        if (!v->klen)
            continue;
        uint32_t j = slot_hash(b, v) & (n - 1);
        while (s[j].klen)
            j = (j + 1) & (n - 1);
        s[j] = *v;
    }
    cf_free(b->slots_raw);
    b->slots_raw = raw;
    b->slots = s;
    b->nslots = n;
    return 0;
}

/* The slot of a term, or the empty slot where it would go. */
static inline bslot *find_slot(const ix_buffer *b, const char *term, size_t len, uint32_t h,
                               uint64_t key8)
{
    uint32_t mask = b->nslots - 1, j = h & mask;
    while (b->slots[j].klen && !slot_matches(b, &b->slots[j], key8, term, len))
        j = (j + 1) & mask;
    return &b->slots[j];
}

static int new_term(ix_buffer *b, int field, const char *term, size_t len, uint64_t key8,
                    bslot *s)
{
    if (len + 1 > UINT32_MAX / 2)
        return CJKFTS_ETOOBIG;
    bslot v = {.key8 = key8, .last_doc = UINT32_MAX,
               .klen = (uint8_t)(len <= 7 ? len + 1 : LONG_KEY)};
    int rc;
    if (len > 7) {
        if ((rc = pool_alloc(b, (uint32_t)len + 5, &v.key)))
            return rc;
        uint8_t *k = at(b, v.key);
        cf_put_u32le(k, (uint32_t)len + 1);
        k[4] = (uint8_t)field;
        memcpy(k + 5, term, len);
    }
    if ((rc = stream_new(b, &v.start, &v.cur, &v.left, &v.level)))
        return rc;
    b->nterms++;
    *s = v;
    return 0;
}

/* ---- adding ------------------------------------------------------------------------------- */

int ix_buffer_begin_doc(ix_buffer *b, uint32_t *doc)
{
    if (b->ndocs == UINT32_MAX - 1)
        return CJKFTS_ETOOBIG;
    if (b->ndocs == b->doccap) {
        uint32_t cap = b->doccap ? b->doccap * 2 : 256;
        bdoc *d = cf_realloc(b->docs, (size_t)cap * sizeof *d);
        if (!d)
            return CJKFTS_ENOMEM;
        b->docs = d;
        uint8_t *l = cf_realloc(b->live, cap);
        if (!l)
            return CJKFTS_ENOMEM;
        b->live = l;
        b->doccap = cap;
    }
    b->cur_doc = b->ndocs;
    memset(&b->docs[b->cur_doc], 0, sizeof b->docs[0]);
    b->docs[b->cur_doc].date = IX_NO_DATE;
    b->live[b->cur_doc] = 0;
    *doc = b->cur_doc;
    return 0;
}

/* Append a varint to a term's stream. */
static inline int put_varint(ix_buffer *b, bslot *t, uint32_t v)
{
    if (t->left >= 5) { /* room for any varint: no slice checks */
        uint8_t *o = at(b, t->cur);
        uint32_t m = 0;
        while (v >= 0x80) {
            o[m++] = (uint8_t)(v | 0x80);
            v >>= 7;
        }
        o[m++] = (uint8_t)v;
        t->cur += m;
        t->left = (uint16_t)(t->left - m);
        return 0;
    }
    return stream_varint(b, &t->cur, &t->left, &t->level, v);
}

/* Add the current document's occurrences of one term (key8 = ix_key8 of it; term is only
 * read when it is longer than 7 bytes): freq positions (none for the id). */
static int add_doc_term(ix_buffer *b, uint64_t key8, const char *term, size_t len, uint32_t h,
                        const ix_doctoks *d, const ix_dterm *dt)
{
    uint32_t freq = dt->count;
    int field = (uint8_t)key8;
    if ((uint64_t)b->nterms * LOAD_DEN >= (uint64_t)b->nslots * LOAD_NUM) {
        int rc = grow_slots(b);
        if (rc)
            return rc;
    }
    bslot *t = find_slot(b, term, len, h, key8);
    int rc = 0;
    if (!t->klen && (rc = new_term(b, field, term, len, key8, t)))
        return rc;
    uint32_t delta = b->cur_doc - (t->last_doc == UINT32_MAX ? 0 : t->last_doc);
    rc = put_varint(b, t, delta << 1 | (freq == 1));
    if (!rc && freq != 1)
        rc = put_varint(b, t, freq);
    t->last_doc = b->cur_doc;
    t->doc_freq++;
    if (rc || field >= IX_NFIELDS)
        return rc;
    rc = put_varint(b, t, dt->pos0);
    uint32_t last = dt->pos0;
    for (uint32_t k = dt->more; k != IX_NO_TOK && !rc; k = d->tok[2 * k + 1]) {
        rc = put_varint(b, t, d->tok[2 * k] - last);
        last = d->tok[2 * k];
    }
    return rc;
}

/* Add the grouped terms of the current document to the buffer. Looks ahead while adding:
 * the slot of term i + L and the end of the stream of term i + L/2 are fetched into the cache
 * before they are needed, so the cache misses of several terms overlap. */
#define LOOKAHEAD 16

int ix_buffer_add_doc(ix_buffer *b, ix_doctoks *d)
{
    int rc = 0;
    uint32_t n = d->nterms;
    for (uint32_t i = 0; i < n && !rc; i++) {
        if (b->nslots) {
            uint32_t mask = b->nslots - 1;
            if (i + LOOKAHEAD < n)
                __builtin_prefetch(&b->slots[d->terms[i + LOOKAHEAD].hash & mask]);
            if (i + LOOKAHEAD / 2 < n) {
                const bslot *s = &b->slots[d->terms[i + LOOKAHEAD / 2].hash & mask];
                if (s->klen && s->key8 == d->terms[i + LOOKAHEAD / 2].key8)
                    __builtin_prefetch(at(b, s->cur), 1);
            }
        }
        const ix_dterm *t = &d->terms[i];
        const char *term = t->len > 7 ? (const char *)d->bytes.data + t->off : NULL;
        rc = add_doc_term(b, t->key8, term, t->len, t->hash, d, t);
    }
    return rc;
}

void ix_buffer_end_doc(ix_buffer *b, const uint32_t len[IX_NFIELDS], int32_t date)
{
    bdoc *d = &b->docs[b->cur_doc];
    for (int f = 0; f < IX_NFIELDS; f++)
        d->len[f] = len[f];
    d->date = date;
    b->live[b->cur_doc] = 1;
    b->ndocs++;
}

int ix_buffer_find_id(const ix_buffer *b, const char *id, size_t len, uint32_t *doc)
{
    if (!b->nslots)
        return CJKFTS_ENOTFOUND;
    uint64_t key8 = ix_key8(IX_FIELD_ID, id, len);
    const bslot *t = find_slot(b, id, len, ix_term_hash(key8, id, len), key8);
    if (!t->klen || t->last_doc >= b->ndocs)
        return CJKFTS_ENOTFOUND;
    *doc = t->last_doc; /* earlier documents with this id were deleted when it was re-added */
    return 0;
}

/* ---- flush -------------------------------------------------------------------------------- */

/* A term of the flush: its slot, and the key's first 8 bytes big-endian for fast
 * comparisons. */
typedef struct sort_ent {
    uint64_t prefix;
    uint32_t slot, klen; /* klen as in the slot */
} sort_ent;

_Static_assert(2 * sizeof(sort_ent) <= SORT_MEM, "SORT_MEM covers the flush's sort");

/* The key of an entry and its length (short keys are spelled out in buf). */
static inline const uint8_t *ent_key(const ix_buffer *b, const sort_ent *e, uint8_t buf[8],
                                     uint32_t *len)
{
    if (e->klen == LONG_KEY) {
        const uint8_t *k;
        *len = long_key(b, b->slots[e->slot].key, &k);
        return k;
    }
    cf_put_u64le(buf, __builtin_bswap64(e->prefix));
    *len = e->klen;
    return buf;
}

/* A run of entries sharing their 8-byte prefix is sorted by the whole keys. */
typedef struct tie_ent {
    const uint8_t *key; /* NULL: the key is in buf */
    uint32_t len;
    uint8_t buf[8];
    sort_ent e;
} tie_ent;

static int cmp_tie(const void *pa, const void *pb)
{
    const tie_ent *a = pa, *b = pb;
    const uint8_t *ka = a->key ? a->key : a->buf, *kb = b->key ? b->key : b->buf;
    int c = memcmp(ka, kb, a->len < b->len ? a->len : b->len);
    return c ? c : (a->len < b->len ? -1 : a->len > b->len);
}

static int sort_ties(const ix_buffer *b, sort_ent *e, uint32_t n)
{
    tie_ent *t = cf_malloc((size_t)n * sizeof *t);
    if (!t)
        return CJKFTS_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        t[i].e = e[i];
        t[i].key = ent_key(b, &e[i], t[i].buf, &t[i].len);
        if (t[i].key == t[i].buf)
            t[i].key = NULL;
    }
    qsort(t, n, sizeof *t, cmp_tie);
    for (uint32_t i = 0; i < n; i++)
        e[i] = t[i].e;
    cf_free(t);
    return 0;
}

/* Sort by key: least-significant-digit radix sort on the 8-byte prefix (the counts of every
 * byte taken in one pass; the two arrays take turns, bytes where all keys agree are skipped),
 * then the runs that share a prefix (keys longer than 8 bytes) by full comparison. The
 * sorted entries end up in *e (which may then be the other array; both are freed by the
 * caller through *e and *other). */
static int sort_ents(const ix_buffer *b, sort_ent **e, sort_ent **other, uint32_t n)
{
    sort_ent *src = *e, *dst = *other;
    uint32_t (*count)[256] = cf_calloc(8, sizeof *count);
    if (!count)
        return CJKFTS_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t p = src[i].prefix;
        for (unsigned byte = 0; byte < 8; byte++)
            count[byte][p >> 8 * byte & 0xff]++;
    }
    for (unsigned byte = 0; byte < 8 && n; byte++) {
        unsigned shift = 8 * byte;
        uint32_t *c = count[byte];
        if (c[src[0].prefix >> shift & 0xff] == n)
            continue; /* every key has the same byte here */
        uint32_t at_ = 0;
        for (unsigned k = 0; k < 256; k++) {
            uint32_t m = c[k];
            c[k] = at_;
            at_ += m;
        }
        for (uint32_t i = 0; i < n; i++)
            dst[c[src[i].prefix >> shift & 0xff]++] = src[i];
        sort_ent *t = src;
        src = dst;
        dst = t;
    }
    cf_free(count);
    *e = src;
    *other = dst;
    for (uint32_t i = 0; i < n;) {
        uint32_t j = i + 1;
        while (j < n && src[j].prefix == src[i].prefix)
            j++;
        if (j - i > 1 && sort_ties(b, src + i, j - i))
            return CJKFTS_ENOMEM;
        i = j;
    }
    return 0;
}

/* flen[f][doc]: the length of field f of every document (one array per field, so that the
 * lengths of the field being written stay in the cache). */
static int flush_term(const ix_buffer *b, const sort_ent *e, const uint32_t *const *flen,
                      ix_segw *w, cf_err *err)
{
    uint8_t buf[8];
    uint32_t klen;
    const uint8_t *key = ent_key(b, e, buf, &klen);
    int field = key[0];
    int rc = ix_segw_term_begin(w, key, klen, err);
    stream_rd r;
    const bslot *s = &b->slots[e->slot];
    stream_rd_init(&r, b, s->start, s->cur);
    uint32_t doc = 0;
    if (field >= IX_NFIELDS) { /* ids: no positions, no length */
        for (uint32_t j = 0; j < s->doc_freq && !rc; j++) {
            uint32_t code = stream_get_varint(&r);
            doc += code >> 1;
            rc = ix_postw_doc(&w->post, doc, code & 1 ? 1 : stream_get_varint(&r), 0, err);
        }
        return rc ? rc : ix_segw_term_end(w, err);
    }
    const uint32_t *len = flen[field];
    for (uint32_t j = 0; j < s->doc_freq && !rc; j++) {
        uint32_t code = stream_get_varint(&r);
        doc += code >> 1;
        uint32_t freq = code & 1 ? 1 : stream_get_varint(&r);
        rc = ix_postw_doc(&w->post, doc, freq, len[doc], err);
        for (uint32_t k = 0; k < freq && !rc; k++)
            rc = ix_postw_pos(&w->post, stream_get_varint(&r), err);
    }
    return rc ? rc : ix_segw_term_end(w, err);
}

int ix_buffer_flush(const ix_buffer *b, ix_segw *w, cf_err *err)
{
    int rc = 0;
    for (uint32_t d = 0; d < b->ndocs && !rc; d++)
        rc = ix_segw_cols(w, b->docs[d].len[0], b->docs[d].len[1], b->docs[d].date, err);
    if (rc)
        return rc;
    size_t nents = b->nterms ? b->nterms : 1;
    sort_ent *ents = cf_malloc(nents * sizeof *ents), *other = cf_malloc(nents * sizeof *other);
    if (!ents || !other) {
        cf_free(ents);
        cf_free(other);
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < b->nslots && n < b->nterms; i++) {
        const bslot *s = &b->slots[i];
        if (s->klen) /* key8's bytes in big-endian order sort as the key's first 8 bytes */
            ents[n++] = (sort_ent){__builtin_bswap64(s->key8), i, s->klen};
    }
    rc = sort_ents(b, &ents, &other, n);
    cf_free(other);
    uint32_t *lens = rc ? NULL : cf_malloc((size_t)(b->ndocs ? b->ndocs : 1) * IX_NFIELDS * 4);
    if (!lens) {
        cf_free(ents);
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    }
    const uint32_t *flen[IX_NFIELDS];
    for (int f = 0; f < IX_NFIELDS; f++) {
        uint32_t *l = lens + (size_t)f * b->ndocs;
        for (uint32_t d = 0; d < b->ndocs; d++)
            l[d] = b->docs[d].len[f];
        flen[f] = l;
    }
    for (uint32_t i = 0; i < n && !rc; i++) {
        if (i + 2 * LOOKAHEAD < n)
            __builtin_prefetch(&b->slots[ents[i + 2 * LOOKAHEAD].slot]);
        if (i + LOOKAHEAD < n)
            __builtin_prefetch(at(b, b->slots[ents[i + LOOKAHEAD].slot].start));
        if (i + LOOKAHEAD / 2 < n) { /* the first slice is there by now: fetch the second */
            const bslot *s = &b->slots[ents[i + LOOKAHEAD / 2].slot];
            if (slice_full(s->start, 0, s->cur))
                __builtin_prefetch(at(b, slice_next(b, s->start)));
        }
        rc = flush_term(b, &ents[i], flen, w, err);
    }
    cf_free(lens);
    cf_free(ents);
    return rc;
}

/* The buffer's live flags as a bitmap (bit set = live); *live_count gets the count. */
int ix_buffer_live_bitmap(const ix_buffer *b, uint8_t **bits, uint32_t *live_count)
{
    *bits = NULL;
    *live_count = 0;
    uint32_t n = 0;
    for (uint32_t d = 0; d < b->ndocs; d++)
        n += b->live[d];
    *live_count = n;
    if (n == b->ndocs)
        return 0;
    uint8_t *m = cf_calloc(ix_live_bytes(b->ndocs) ? ix_live_bytes(b->ndocs) : 1, 1);
    if (!m)
        return CJKFTS_ENOMEM;
    for (uint32_t d = 0; d < b->ndocs; d++)
        if (b->live[d])
            m[d >> 3] |= (uint8_t)(1u << (d & 7));
    *bits = m;
    return 0;
}
