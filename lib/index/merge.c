/* merge.c: streaming merge of segments into one (dropping deleted documents) and the log
 * merge policy that keeps the segment count low.
 *
 * The merge never holds a whole posting list: terms are merged in order from each input's
 * dictionary, and each list is re-encoded document by document into the new segment. Stored
 * fields are copied block by block, columns record by record. */
#include <string.h>

#include "index/index.h"

#define POLICY_MIN_DOCS 1000 /* segments up to this size all count as level 0 */
#define RELEASE_EVERY (8u << 20) /* bytes written between dropping the inputs' pages */

/* ---- document id maps --------------------------------------------------------------------- */

typedef struct docmap {
    const ix_segment *g;
    uint32_t base;
    uint32_t *rank; /* live documents before each 64-document word; NULL without deletions */
} docmap;

static uint64_t live_word(const uint8_t *live, size_t nbytes, size_t w)
{
    uint64_t v = 0;
    for (size_t k = 0; k < 8 && w * 8 + k < nbytes; k++)
        v |= (uint64_t)live[w * 8 + k] << (8 * k);
    return v;
}

static int docmap_init(docmap *m, const ix_segment *g, uint32_t base)
{
    m->g = g;
    m->base = base;
    m->rank = NULL;
    if (!g->live)
        return 0;
    size_t nb = ix_live_bytes(g->doc_count), nw = (nb + 7) / 8;
    m->rank = cf_malloc((nw ? nw : 1) * sizeof *m->rank);
    if (!m->rank)
        return CJKFTS_ENOMEM;
    uint32_t acc = 0;
    for (size_t w = 0; w < nw; w++) {
        m->rank[w] = acc;
        acc += (uint32_t)__builtin_popcountll(live_word(g->live, nb, w));
    }
    return 0;
}

static uint32_t docmap_get(const docmap *m, uint32_t doc)
{
    if (!m->rank)
        return m->base + doc;
    size_t w = doc / 64;
    uint64_t bits = live_word(m->g->live, ix_live_bytes(m->g->doc_count), w);
    uint64_t below = (doc % 64) ? bits & (((uint64_t)1 << (doc % 64)) - 1) : 0;
    return m->base + m->rank[w] + (uint32_t)__builtin_popcountll(below);
}

/* ---- stored fields and columns ------------------------------------------------------------ */

static int copy_docs(ix_segw *w, const ix_segment *g, cf_err *err)
{
    ix_stored_cursor c;
    ix_stored_cursor_init(&c, g);
    int rc = 0;
    for (uint32_t d = 0; d < g->doc_count && !rc; d++) {
        const uint8_t *raw;
        size_t len;
        rc = ix_stored_cursor_next(&c, &raw, &len, err);
        if (rc == 0)
            rc = cf_fail(err, CJKFTS_ECORRUPT, "%s: fewer stored documents than %u",
                         ix_seg_path(g, IX_F_STO), g->doc_count);
        if (rc < 0)
            break;
        rc = 0;
        if (d % 4096 == 4095)
            ix_seg_release_pages(g);
        if (!ix_seg_is_live(g, d))
            continue;
        rc = ix_segw_stored(w, raw, len, err);
        if (!rc)
            rc = ix_segw_cols(w, ix_seg_field_length(g, IX_FIELD_TITLE, d),
                              ix_seg_field_length(g, IX_FIELD_BODY, d), ix_seg_date(g, d), err);
    }
    ix_stored_cursor_free(&c);
    return rc;
}

/* ---- postings ----------------------------------------------------------------------------- */

typedef struct head {
    ix_term_iter *it;
    const uint8_t *key;
    size_t klen;
    ix_term_info ti;
    bool done;
} head;

static int head_next(head *h, cf_err *err)
{
    int rc = ix_term_iter_next_key(h->it, &h->key, &h->klen, &h->ti, err);
    if (rc < 0)
        return rc;
    h->done = rc == 0;
    return 0;
}

static int key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    size_t m = al < bl ? al : bl;
    int c = m ? memcmp(a, b, m) : 0;
    return c ? c : (al < bl ? -1 : al > bl);
}

/* Append the live documents of one input's list for the current term. */
static int copy_list(ix_segw *w, const docmap *m, const ix_term_info *ti, cf_err *err)
{
    int field = (int)(ti->opaque[3] & 0xff);
    bool pos = field < IX_NFIELDS;
    ix_postings *p;
    int rc = ix_postings_open(m->g, ti, pos ? IX_POST_POSITIONS : 0, &p, err);
    if (rc)
        return rc;
    for (uint32_t d; !rc && (d = ix_postings_next(p)) != IX_NO_MORE_DOCS;) {
        if (!ix_seg_is_live(m->g, d))
            continue;
        uint32_t freq = ix_postings_freq(p);
        rc = ix_postw_doc(&w->post, docmap_get(m, d), freq,
                          ix_seg_field_length(m->g, field, d), err);
        if (rc || !pos)
            continue;
        const uint32_t *pv;
        int n = ix_postings_positions(p, &pv);
        if (n < 0) {
            rc = ix_postings_error(p, err);
            break;
        }
        for (int j = 0; j < n && !rc; j++)
            rc = ix_postw_pos(&w->post, j ? pv[j] - pv[j - 1] : pv[0], err);
    }
    if (!rc)
        rc = ix_postings_error(p, err);
    ix_postings_free(p);
    return rc;
}

static int merge_terms(ix_segw *w, const docmap *maps, head *h, uint32_t n, cf_err *err)
{
    int rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++) {
        rc = ix_seg_key_iter(maps[i].g, NULL, 0, &h[i].it, err);
        if (!rc)
            rc = head_next(&h[i], err);
    }
    uint64_t released_at = 0;
    while (!rc) {
        uint64_t written = w->out[IX_F_DOC].pos + w->out[IX_F_POS].pos;
        if (written - released_at > RELEASE_EVERY) {
            for (uint32_t i = 0; i < n; i++)
                ix_seg_release_pages(maps[i].g);
            released_at = written;
        }
        int min = -1;
        for (uint32_t i = 0; i < n; i++)
            if (!h[i].done && (min < 0 || key_cmp(h[i].key, h[i].klen, h[min].key,
                                                   h[min].klen) < 0))
                min = (int)i;
        if (min < 0)
            break;
        rc = ix_segw_term_begin(w, h[min].key, h[min].klen, err);
        for (uint32_t i = 0; i < n && !rc; i++) {
            if (h[i].done || key_cmp(h[i].key, h[i].klen, w->key.data, w->key.len) != 0)
                continue;
            rc = copy_list(w, &maps[i], &h[i].ti, err);
            if (!rc)
                rc = head_next(&h[i], err);
        }
        if (!rc)
            rc = ix_segw_term_end(w, err);
    }
    return rc;
}

int ix_merge_segments(const char *dir, ix_segment *const *in, uint32_t n, uint64_t segnum,
                      uint32_t *docs_out, cf_err *err)
{
    docmap *maps = cf_calloc(n, sizeof *maps);
    head *heads = cf_calloc(n, sizeof *heads);
    if (!maps || !heads) {
        cf_free(maps);
        cf_free(heads);
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    }
    int rc = 0;
    uint64_t base = 0;
    for (uint32_t i = 0; i < n && !rc; i++) {
        if (base + in[i]->live_count >= UINT32_MAX)
            rc = cf_fail(err, CJKFTS_ETOOBIG, "merge: more than 2^32 - 2 documents");
        else if (docmap_init(&maps[i], in[i], (uint32_t)base))
            rc = cf_fail(err, CJKFTS_ENOMEM, "out of memory");
        base += in[i]->live_count;
    }
    ix_segw w;
    if (!rc)
        rc = ix_segw_open(&w, dir, segnum, err);
    if (!rc) {
        rc = ix_segw_stored_train(&w, in, n, err);
        for (uint32_t i = 0; i < n && !rc; i++) {
            rc = copy_docs(&w, in[i], err);
            ix_seg_release_pages(in[i]);
        }
        if (!rc)
            rc = merge_terms(&w, maps, heads, n, err);
        if (!rc)
            rc = ix_segw_finish(&w, err);
        else
            ix_segw_abort(&w);
    }
    for (uint32_t i = 0; i < n; i++) {
        cf_free(maps[i].rank);
        ix_term_iter_free(heads[i].it);
        ix_seg_release_pages(in[i]);
    }
    cf_free(maps);
    cf_free(heads);
    *docs_out = (uint32_t)base;
    return rc;
}

/* ---- replacing segments in the writer's list ---------------------------------------------- */

/* Merge the segments at positions idx[0..k) (ascending) into one that takes the place of the
 * first of them. */
static int merge_group(const char *dir, ix_wseg *segs, uint32_t *nsegs, const uint32_t *idx,
                       uint32_t k, uint64_t *next_segnum, cf_handle *h)
{
    ix_segment **in = cf_malloc(k * sizeof *in);
    if (!in)
        return cf_fail(h, CJKFTS_ENOMEM, "out of memory");
    uint64_t live = 0;
    for (uint32_t i = 0; i < k; i++) {
        in[i] = segs[idx[i]].seg;
        live += segs[idx[i]].live_count;
    }
    ix_wseg out = {NULL, NULL, 0, 0, false, true, NULL};
    int rc = 0;
    if (live > 0) {
        uint64_t segnum = (*next_segnum)++;
        uint32_t docs;
        rc = ix_merge_segments(dir, in, k, segnum, &docs, h);
        if (!rc)
            rc = ix_seg_open(dir, segnum, docs, docs, 0, &out.seg, h);
        if (rc)
            ix_seg_files_remove(dir, segnum);
        out.live_count = docs;
    }
    cf_free(in);
    if (rc)
        return rc;
    /* release the inputs, put the output at the first one's place, close the gaps */
    uint32_t j = 0, m = 0;
    for (uint32_t i = 0; i < *nsegs; i++) {
        if (m < k && idx[m] == i) {
            ix_wseg_release(&segs[i]);
            if (m++ == 0 && out.seg)
                segs[j++] = out;
            continue;
        }
        segs[j++] = segs[i];
    }
    *nsegs = j;
    return 0;
}

static unsigned level_of(uint32_t live, int factor)
{
    unsigned l = 0;
    for (uint64_t t = POLICY_MIN_DOCS; live > t; t *= (uint64_t)factor)
        l++;
    return l;
}

int ix_writer_merge_policy(const char *dir, ix_wseg **segs, uint32_t *nsegs,
                           uint64_t *next_segnum, int factor, cf_handle *h)
{
    uint32_t *idx = cf_malloc((*nsegs ? *nsegs : 1) * sizeof *idx);
    if (!idx)
        return cf_fail(h, CJKFTS_ENOMEM, "out of memory");
    int rc = 0;
    for (;;) {
        /* the lowest level holding at least `factor` segments */
        unsigned best = UINT32_MAX;
        for (uint32_t i = 0; i < *nsegs; i++) {
            unsigned l = level_of((*segs)[i].live_count, factor), count = 0;
            if (l >= best)
                continue;
            for (uint32_t j = 0; j < *nsegs; j++)
                count += level_of((*segs)[j].live_count, factor) == l;
            if (count >= (unsigned)factor)
                best = l;
        }
        if (best == UINT32_MAX)
            break;
        uint32_t k = 0;
        for (uint32_t i = 0; i < *nsegs && k < (uint32_t)factor; i++)
            if (level_of((*segs)[i].live_count, factor) == best)
                idx[k++] = i;
        if ((rc = merge_group(dir, *segs, nsegs, idx, k, next_segnum, h)))
            break;
    }
    cf_free(idx);
    return rc;
}

int ix_writer_merge_all(const char *dir, ix_wseg **segs, uint32_t *nsegs,
                        uint64_t *next_segnum, bool *changed, cf_handle *h)
{
    if (*nsegs == 0 || (*nsegs == 1 && (*segs)[0].live_count == (*segs)[0].seg->doc_count))
        return 0;
    uint32_t *idx = cf_malloc(*nsegs * sizeof *idx);
    if (!idx)
        return cf_fail(h, CJKFTS_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < *nsegs; i++)
        idx[i] = i;
    int rc = merge_group(dir, *segs, nsegs, idx, *nsegs, next_segnum, h);
    cf_free(idx);
    if (!rc)
        *changed = true;
    return rc;
}
