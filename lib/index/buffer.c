/* buffer.c: the in-RAM postings buffer of the writer: a hash of terms (xxHash) whose posting
 * lists grow as varint streams in chained slices of a paged byte pool, plus per-document
 * field lengths, dates and live flags; flushed, sorted by term, into a segment.
 *
 * Invariants. Every pool allocation lies inside one page, except that one larger than a page
 * gets consecutive page slots backed by one allocation, so an address (page << 16 | offset)
 * always reaches contiguous bytes. A stream is a chain of slices of growing size; the last
 * 4 bytes of a full slice hold the address of the next. A term's doc stream holds
 * (delta << 1 | freq == 1, [freq]) for every document but the last, whose id and frequency
 * stay in the term until flush; its positions stream holds within-document position deltas
 * for every occurrence. */
#include <stdlib.h>
#include <string.h>

#include "index/index.h"

#define PAGE_SHIFT 16
#define PAGE_SIZE (1u << PAGE_SHIFT)
#define NLEVELS 8
static const uint32_t level_size[NLEVELS] = {16, 32, 64, 128, 256, 512, 1024, 2048};

typedef struct bterm {
    uint32_t hash, key, key_len;
    uint32_t doc_cur, doc_end, doc_start; /* doc stream: write address, end of slice data */
    uint32_t pos_cur, pos_end, pos_start;
    uint32_t last_doc, freq, last_pos, doc_freq, prev_doc; /* prev_doc: last one in the stream */
    uint64_t total;
    uint8_t doc_level, pos_level;
} bterm;

typedef struct bdoc {
    uint32_t len[IX_NFIELDS];
    int32_t date;
} bdoc;

struct ix_buffer {
    uint8_t **pages;
    uint8_t *owned; /* 1 where pages[i] is the start of its own allocation */
    uint32_t npages, pagecap, npages_used;
    uint32_t top; /* bytes used in the current page */
    bterm *terms;
    uint32_t nterms, termcap;
    uint32_t *slots; /* term index + 1, 0 = empty */
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

/* Allocate n bytes of contiguous pool memory; *addr gets its address. */
static int pool_alloc(ix_buffer *b, uint32_t n, uint32_t *addr)
{
    if (b->npages_used > 0 && n <= PAGE_SIZE - b->top) {
        *addr = (b->npages_used - 1) << PAGE_SHIFT | b->top;
        b->top += n;
        return 0;
    }
    if (n <= PAGE_SIZE && b->npages_used < b->npages && b->owned[b->npages_used]) {
        /* reuse a page kept from before the last reset */
        *addr = b->npages_used++ << PAGE_SHIFT;
        b->top = n;
        return 0;
    }
    /* a fresh allocation of k pages; pages kept from before are dropped past this point */
    uint32_t k = (n + PAGE_SIZE - 1) / PAGE_SIZE;
    for (uint32_t i = b->npages_used; i < b->npages; i++)
        if (b->owned[i])
            cf_free(b->pages[i]);
    b->npages = b->npages_used;
    int rc = grow_pages(b, k);
    if (rc)
        return rc;
    uint8_t *mem = cf_malloc((size_t)k * PAGE_SIZE);
    if (!mem)
        return CJKFTS_ENOMEM;
    for (uint32_t i = 0; i < k; i++) {
        b->pages[b->npages + i] = mem + (size_t)i * PAGE_SIZE;
        b->owned[b->npages + i] = i == 0;
    }
    *addr = b->npages << PAGE_SHIFT;
    b->npages += k;
    b->npages_used = b->npages;
    b->top = n - (k - 1) * PAGE_SIZE;
    return 0;
}

/* Append one byte to a stream, chaining a new slice when the current one is full. */
static inline int stream_put(ix_buffer *b, uint32_t *cur, uint32_t *end, uint8_t *level,
                             uint8_t byte)
{
    if (*cur == *end) {
        uint8_t lv = *level + 1 < NLEVELS ? *level + 1 : *level;
        uint32_t addr;
        int rc = pool_alloc(b, level_size[lv], &addr);
        if (rc)
            return rc;
        cf_put_u32le(at(b, *end), addr);
        *cur = addr;
        *end = addr + level_size[lv] - 4;
        *level = lv;
    }
    *at(b, (*cur)++) = byte;
    return 0;
}

static int stream_varint(ix_buffer *b, uint32_t *cur, uint32_t *end, uint8_t *level, uint64_t v)
{
    while (v >= 0x80) {
        int rc = stream_put(b, cur, end, level, (uint8_t)(v | 0x80));
        if (rc)
            return rc;
        v >>= 7;
    }
    return stream_put(b, cur, end, level, (uint8_t)v);
}

static int stream_new(ix_buffer *b, uint32_t *start, uint32_t *cur, uint32_t *end,
                      uint8_t *level)
{
    int rc = pool_alloc(b, level_size[0], start);
    *cur = *start;
    *end = *start + level_size[0] - 4;
    *level = 0;
    return rc;
}

typedef struct stream_rd {
    const ix_buffer *b;
    uint32_t cur, end;
    uint8_t level;
} stream_rd;

static void stream_rd_init(stream_rd *r, const ix_buffer *b, uint32_t start)
{
    r->b = b;
    r->cur = start;
    r->end = start + level_size[0] - 4;
    r->level = 0;
}

static inline uint8_t stream_get(stream_rd *r)
{
    if (r->cur == r->end) {
        uint32_t next = cf_get_u32le(at(r->b, r->end));
        r->level = r->level + 1 < NLEVELS ? r->level + 1 : r->level;
        r->cur = next;
        r->end = next + level_size[r->level] - 4;
    }
    return *at(r->b, r->cur++);
}

static uint64_t stream_get_varint(stream_rd *r)
{
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        uint8_t c = stream_get(r);
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
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
    cf_free(b->terms);
    cf_free(b->slots);
    cf_free(b->docs);
    cf_free(b->live);
    cf_free(b);
}

size_t ix_buffer_mem(const ix_buffer *b)
{
    return (size_t)b->npages * PAGE_SIZE + (size_t)b->termcap * sizeof(bterm) +
           (size_t)b->nslots * 4 + (size_t)b->doccap * (sizeof(bdoc) + 1) + sizeof *b;
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

static uint32_t key_hash(int field, const char *term, size_t len)
{
    uint64_t h = cf_hash64(term, len) ^ ((uint64_t)(field + 1) * 0x9e3779b97f4a7c15ull);
    return (uint32_t)(h ^ h >> 32);
}

static bool key_eq(const ix_buffer *b, const bterm *t, int field, const char *term, size_t len)
{
    if (t->key_len != len + 1)
        return false;
    const uint8_t *k = at(b, t->key);
    return k[0] == field && memcmp(k + 1, term, len) == 0;
}

static int grow_slots(ix_buffer *b)
{
    uint32_t n = b->nslots ? b->nslots * 2 : 1024;
    if (n == 0)
        return CJKFTS_ETOOBIG;
    uint32_t *s = cf_calloc(n, sizeof *s);
    if (!s)
        return CJKFTS_ENOMEM;
    for (uint32_t i = 0; i < b->nterms; i++) {
        uint32_t j = b->terms[i].hash & (n - 1);
        while (s[j])
            j = (j + 1) & (n - 1);
        s[j] = i + 1;
    }
    cf_free(b->slots);
    b->slots = s;
    b->nslots = n;
    return 0;
}

/* Find a term; *slot gets the slot where it is or where it would go. */
static bterm *find_term(const ix_buffer *b, int field, const char *term, size_t len,
                        uint32_t h, uint32_t *slot)
{
    uint32_t mask = b->nslots - 1, j = h & mask;
    for (;;) {
        uint32_t s = b->slots[j];
        if (!s)
            break;
        bterm *t = &b->terms[s - 1];
        if (t->hash == h && key_eq(b, t, field, term, len)) {
            *slot = j;
            return t;
        }
        j = (j + 1) & mask;
    }
    *slot = j;
    return NULL;
}

static int new_term(ix_buffer *b, int field, const char *term, size_t len, uint32_t h,
                    uint32_t slot, bterm **out)
{
    if (len + 1 > UINT32_MAX / 2)
        return CJKFTS_ETOOBIG;
    if (b->nterms == b->termcap) {
        uint32_t cap = b->termcap ? b->termcap * 2 : 1024;
        bterm *t = cf_realloc(b->terms, (size_t)cap * sizeof *t);
        if (!t)
            return CJKFTS_ENOMEM;
        b->terms = t;
        b->termcap = cap;
    }
    bterm *t = &b->terms[b->nterms];
    memset(t, 0, sizeof *t);
    t->hash = h;
    t->key_len = (uint32_t)len + 1;
    int rc = pool_alloc(b, t->key_len, &t->key);
    if (!rc)
        rc = stream_new(b, &t->doc_start, &t->doc_cur, &t->doc_end, &t->doc_level);
    if (!rc && field < IX_NFIELDS)
        rc = stream_new(b, &t->pos_start, &t->pos_cur, &t->pos_end, &t->pos_level);
    if (rc)
        return rc;
    uint8_t *k = at(b, t->key);
    k[0] = (uint8_t)field;
    memcpy(k + 1, term, len);
    t->last_doc = UINT32_MAX;
    b->slots[slot] = ++b->nterms;
    *out = t;
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

/* Record one occurrence of term in field of the current document. */
int ix_buffer_token(ix_buffer *b, int field, const char *term, size_t len, uint32_t pos)
{
    if (b->nterms >= b->nslots / 2) {
        int rc = grow_slots(b);
        if (rc)
            return rc;
    }
    uint32_t h = key_hash(field, term, len), slot;
    bterm *t = find_term(b, field, term, len, h, &slot);
    int rc = 0;
    if (!t && (rc = new_term(b, field, term, len, h, slot, &t)))
        return rc;
    uint32_t doc = b->cur_doc;
    if (t->last_doc != doc) {
        if (t->last_doc != UINT32_MAX) { /* move the finished document into the stream */
            uint32_t delta = t->last_doc - t->prev_doc;
            rc = stream_varint(b, &t->doc_cur, &t->doc_end, &t->doc_level,
                               (uint64_t)delta << 1 | (t->freq == 1));
            if (!rc && t->freq != 1)
                rc = stream_varint(b, &t->doc_cur, &t->doc_end, &t->doc_level, t->freq);
            if (rc)
                return rc;
            t->prev_doc = t->last_doc;
        }
        t->last_doc = doc;
        t->freq = 0;
        t->last_pos = 0;
        t->doc_freq++;
    }
    if (t->freq == UINT32_MAX)
        return CJKFTS_ETOOBIG;
    t->freq++;
    t->total++;
    if (field < IX_NFIELDS) {
        rc = stream_varint(b, &t->pos_cur, &t->pos_end, &t->pos_level, pos - t->last_pos);
        t->last_pos = pos;
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
    uint32_t slot;
    const bterm *t = find_term(b, IX_FIELD_ID, id, len, key_hash(IX_FIELD_ID, id, len), &slot);
    if (!t || t->last_doc >= b->ndocs)
        return CJKFTS_ENOTFOUND;
    *doc = t->last_doc; /* earlier documents with this id were deleted when it was re-added */
    return 0;
}

/* ---- flush -------------------------------------------------------------------------------- */

typedef struct sort_ent {
    uint64_t prefix; /* first 8 key bytes, big-endian, for fast comparisons */
    uint32_t term;
    const ix_buffer *b;
} sort_ent;

static int cmp_ent(const void *pa, const void *pb)
{
    const sort_ent *a = pa, *b = pb;
    if (a->prefix != b->prefix)
        return a->prefix < b->prefix ? -1 : 1;
    const bterm *ta = &a->b->terms[a->term], *tb = &b->b->terms[b->term];
    size_t la = ta->key_len, lb = tb->key_len;
    int c = memcmp(at(a->b, ta->key), at(b->b, tb->key), la < lb ? la : lb);
    return c ? c : (la < lb ? -1 : la > lb);
}

static int flush_term(const ix_buffer *b, const bterm *t, ix_segw *w, cf_err *err)
{
    int field = *at(b, t->key);
    int rc = ix_segw_term_begin(w, at(b, t->key), t->key_len, err);
    stream_rd dr, pr;
    stream_rd_init(&dr, b, t->doc_start);
    stream_rd_init(&pr, b, t->pos_start);
    uint32_t doc = 0;
    for (uint32_t j = 0; j < t->doc_freq && !rc; j++) {
        uint32_t freq;
        if (j + 1 < t->doc_freq) {
            uint64_t code = stream_get_varint(&dr);
            doc += (uint32_t)(code >> 1);
            freq = code & 1 ? 1 : (uint32_t)stream_get_varint(&dr);
        } else {
            doc = t->last_doc;
            freq = t->freq;
        }
        uint32_t len = field < IX_NFIELDS ? b->docs[doc].len[field] : 0;
        rc = ix_postw_doc(&w->post, doc, freq, len, err);
        for (uint32_t k = 0; k < freq && !rc && field < IX_NFIELDS; k++)
            rc = ix_postw_pos(&w->post, (uint32_t)stream_get_varint(&pr), err);
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
    sort_ent *ents = cf_malloc((size_t)(b->nterms ? b->nterms : 1) * sizeof *ents);
    if (!ents)
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < b->nterms; i++) {
        const bterm *t = &b->terms[i];
        const uint8_t *k = at(b, t->key);
        uint64_t p = 0;
        for (uint32_t j = 0; j < 8; j++)
            p = p << 8 | (j < t->key_len ? k[j] : 0);
        ents[i] = (sort_ent){p, i, b};
    }
    qsort(ents, b->nterms, sizeof *ents, cmp_ent);
    for (uint32_t i = 0; i < b->nterms && !rc; i++)
        rc = flush_term(b, &b->terms[ents[i].term], w, err);
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
