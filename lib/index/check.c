/* check.c: cjkfts_index_check: checksums of every file of the last commit, the structure of
 * each segment (dictionary order, posting lists, skip and block-max data, columns, stored
 * fields, ids), and with CJKFTS_CHECK_DEEP that the postings are exactly what re-analyzing
 * the stored title and body gives: a sum of hashes of every (document, field, position, term)
 * is computed from both sides and compared, as SQLite FTS5's integrity check does. */
#include <string.h>

#include "index/index.h"

typedef struct checker {
    const ix_segment *g;
    cf_err *err;
    bool deep;
    cjkfts_analyzer *an;
    uint64_t sum_postings, sum_text; /* deep: the two checksums */
    uint8_t *id_seen;                /* documents that have an id posting */
    /* tokenizer callback state */
    uint32_t doc, ntok;
    int field;
} checker;

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ x >> 31;
}

static uint64_t tuple_hash(uint64_t term_hash, uint32_t doc, int field, uint32_t pos)
{
    return mix64(term_hash ^ mix64((uint64_t)doc << 34 ^ (uint64_t)field << 32 ^ pos));
}

static int bad(checker *c, const char *file, const char *what, const char *a,
               unsigned long long n)
{
    return cf_fail(c->err, CJKFTS_ECORRUPT, "%s: %s %s (%llu)", file, what, a ? a : "", n);
}

/* ---- files -------------------------------------------------------------------------------- */

static int check_crcs(checker *c)
{
    const ix_segment *g = c->g;
    for (int f = 0; f < IX_NFILES; f++) {
        const cf_map *m = &g->map[f];
        int rc = ix_env_check(m->data, m->len, ix_file_kind(f), ix_seg_path(g, f), true,
                              c->err);
        if (rc)
            return rc;
        if (cf_get_u32le(m->data + m->len - 4) != g->sums[f].crc)
            return cf_fail(c->err, CJKFTS_ECORRUPT, "%s: checksum differs from the one "
                           "recorded in %s", ix_seg_path(g, f), ix_seg_path(g, IX_F_SEG));
    }
    return 0;
}

static int check_columns(checker *c)
{
    const ix_segment *g = c->g;
    uint64_t sum[IX_NFIELDS] = {0};
    for (uint32_t d = 0; d < g->doc_count; d++)
        for (int f = 0; f < IX_NFIELDS; f++)
            sum[f] += ix_seg_field_length(g, f, d);
    for (int f = 0; f < IX_NFIELDS; f++)
        if (sum[f] != g->len_sum[f])
            return bad(c, ix_seg_path(g, IX_F_COL), "field length sum differs from meta, field",
                       NULL, (unsigned long long)f);
    return 0;
}

/* ---- postings ----------------------------------------------------------------------------- */

typedef struct list_state {
    uint32_t n, prev, blk_maxf, blk_minl, blk_first, list_maxf, list_minl;
    uint64_t tf;
} list_state;

/* Compare the block-max data of the block that just ended (postings [n-k, n)). */
static int check_block(checker *c, ix_postings *p, list_state *s, const char *term)
{
    uint32_t mf, ml;
    uint32_t last = ix_postings_block_max(p, s->blk_first, &mf, &ml);
    if (last != s->prev || mf != s->blk_maxf || ml != s->blk_minl)
        return bad(c, ix_seg_path(c->g, IX_F_DOC), "wrong block-max data for term", term,
                   s->n);
    s->blk_maxf = 0;
    s->blk_minl = UINT32_MAX;
    return 0;
}

static int check_positions(checker *c, ix_postings *p, uint32_t d, int field, uint64_t th,
                           const char *term)
{
    const uint32_t *pos;
    int n = ix_postings_positions(p, &pos);
    if (n < 0)
        return ix_postings_error(p, c->err) ? c->err->rc : n;
    if ((uint32_t)n != ix_postings_freq(p))
        return bad(c, ix_seg_path(c->g, IX_F_POS), "position count differs for term", term, d);
    for (int k = 0; k < n; k++) {
        if (k && pos[k] < pos[k - 1])
            return bad(c, ix_seg_path(c->g, IX_F_POS), "positions out of order for term", term,
                       d);
        c->sum_postings += tuple_hash(th, d, field, pos[k]);
    }
    return 0;
}

static int check_list(checker *c, const uint8_t *key, size_t klen, const ix_term_info *ti,
                      const char *term)
{
    const ix_segment *g = c->g;
    int field = key[0];
    ix_postings *p;
    int rc = ix_postings_open(g, ti, field < IX_NFIELDS ? IX_POST_POSITIONS : 0, &p, c->err);
    if (rc)
        return rc;
    uint64_t th = cf_hash64(key + 1, klen - 1);
    list_state s = {0, 0, 0, UINT32_MAX, 0, 0, UINT32_MAX, 0};
    for (uint32_t d; !rc && (d = ix_postings_next(p)) != IX_NO_MORE_DOCS;) {
        if (s.n && d <= s.prev)
            rc = bad(c, ix_seg_path(g, IX_F_DOC), "document ids out of order for term", term, d);
        uint32_t f = ix_postings_freq(p), len = ix_seg_field_length(g, field, d);
        if (s.n % IX_BLOCK == 0)
            s.blk_first = d;
        s.n++;
        s.prev = d;
        s.tf += f;
        s.blk_maxf = f > s.blk_maxf ? f : s.blk_maxf;
        s.blk_minl = len < s.blk_minl ? len : s.blk_minl;
        s.list_maxf = f > s.list_maxf ? f : s.list_maxf;
        s.list_minl = len < s.list_minl ? len : s.list_minl;
        if (!rc && field < IX_NFIELDS)
            rc = check_positions(c, p, d, field, th, term);
        if (!rc && field == IX_FIELD_ID) {
            if (c->id_seen[d >> 3] >> (d & 7) & 1)
                rc = bad(c, ix_seg_path(g, IX_F_TID), "document has two ids:", term, d);
            c->id_seen[d >> 3] |= (uint8_t)(1u << (d & 7));
        }
        if (!rc && (s.n % IX_BLOCK == 0 || s.n == ti->doc_freq))
            rc = check_block(c, p, &s, term);
    }
    if (!rc)
        rc = ix_postings_error(p, c->err);
    uint32_t mf, ml;
    ix_postings_list_max(p, &mf, &ml);
    if (!rc && (s.n != ti->doc_freq || s.tf != ti->total_freq))
        rc = bad(c, ix_seg_path(g, IX_F_DOC), "document or occurrence count differs for term",
                 term, s.n);
    if (!rc && (mf != s.list_maxf || ml != s.list_minl))
        rc = bad(c, ix_seg_path(g, IX_F_DOC), "wrong list-max data for term", term, s.n);
    ix_postings_free(p);
    return rc;
}

static int check_terms(checker *c)
{
    const ix_segment *g = c->g;
    ix_term_iter *it;
    int rc = ix_seg_key_iter(g, NULL, 0, &it, c->err);
    if (rc)
        return rc;
    cf_buf prev, name;
    cf_buf_init(&prev);
    cf_buf_init(&name);
    uint64_t counts[IX_NKEYFIELDS] = {0};
    const uint8_t *key;
    size_t klen;
    ix_term_info ti;
    bool first = true;
    while (!rc && (rc = ix_term_iter_next_key(it, &key, &klen, &ti, c->err)) == 1) {
        rc = 0;
        name.len = 0;
        if (cf_buf_printf(&name, "\"%.*s\" (field %d)", (int)(klen > 200 ? 199 : klen - 1),
                          (const char *)key + 1, key[0])) {
            rc = cf_fail(c->err, CJKFTS_ENOMEM, "out of memory");
            break;
        }
        size_t m = klen < prev.len ? klen : prev.len;
        int cmp = first ? -1 : memcmp(prev.data, key, m);
        if (cmp > 0 || (cmp == 0 && !first && klen <= prev.len))
            rc = bad(c, ix_seg_path(g, IX_F_TID), "terms out of order at", (char *)name.data,
                     0);
        first = false;
        counts[key[0]]++;
        prev.len = 0;
        if (!rc && cf_buf_append(&prev, key, klen))
            rc = cf_fail(c->err, CJKFTS_ENOMEM, "out of memory");
        if (!rc)
            rc = check_list(c, key, klen, &ti, (const char *)name.data);
    }
    for (int f = 0; f < IX_NKEYFIELDS && !rc; f++)
        if (counts[f] != g->n_terms[f] || counts[f] != g->dict_terms[f])
            rc = bad(c, ix_seg_path(g, IX_F_TID), "term count differs from meta, field", NULL,
                     (unsigned long long)f);
    if (!rc && ix_live_count(c->id_seen, g->doc_count) != g->doc_count)
        rc = bad(c, ix_seg_path(g, IX_F_TID), "documents without an id:", NULL,
                 g->doc_count - ix_live_count(c->id_seen, g->doc_count));
    ix_term_iter_free(it);
    cf_buf_free(&prev);
    cf_buf_free(&name);
    return rc;
}

/* ---- stored fields and re-analysis -------------------------------------------------------- */

static int on_token(void *ctx, const cjkfts_token *t)
{
    checker *c = ctx;
    c->sum_text += tuple_hash(cf_hash64(t->term, t->term_len), c->doc, c->field, t->position);
    c->ntok++;
    return 0;
}

static int check_id(checker *c, uint32_t d, const ix_stored_doc *sd)
{
    ix_term_info ti;
    ix_postings *p = NULL;
    int rc = ix_seg_term_get(c->g, IX_FIELD_ID, sd->fields[0].value, sd->fields[0].value_len,
                             &ti, c->err);
    if (!rc)
        rc = ix_postings_open(c->g, &ti, 0, &p, c->err);
    if (!rc && ix_postings_advance(p, d) != d)
        rc = CJKFTS_ENOTFOUND;
    ix_postings_free(p);
    if (rc == CJKFTS_ENOTFOUND)
        rc = bad(c, ix_seg_path(c->g, IX_F_TID), "stored id not indexed:", sd->fields[0].value,
                 d);
    return rc;
}

static int reanalyze(checker *c, uint32_t d, const ix_stored_doc *sd)
{
    for (int f = 0; f < IX_NFIELDS; f++) {
        const ix_stored_field *sf = &sd->fields[1 + f];
        c->doc = d;
        c->field = f;
        c->ntok = 0;
        int rc = cjkfts_analyzer_tokenize(c->an, sf->value, sf->value_len, on_token, c);
        if (rc) /* the text was analyzed when it was added: only a lack of memory is not damage */
            return cf_fail(c->err, rc == CJKFTS_ENOMEM ? rc : CJKFTS_ECORRUPT,
                           "%s: document %u: re-analyzing failed: %s",
                           ix_seg_path(c->g, IX_F_STO), d, cjkfts_errmsg(c->an));
        if (c->ntok != ix_seg_field_length(c->g, f, d))
            return bad(c, ix_seg_path(c->g, IX_F_COL), "field length differs from the "
                       "re-analyzed text, document", NULL, d);
    }
    return 0;
}

static int check_stored(checker *c)
{
    const ix_segment *g = c->g;
    ix_stored_cursor cur;
    ix_stored_cursor_init(&cur, g);
    int rc = 0;
    for (uint32_t d = 0; d < g->doc_count && !rc; d++) {
        const uint8_t *raw;
        size_t len;
        rc = ix_stored_cursor_next(&cur, &raw, &len, c->err);
        if (rc == 0)
            rc = bad(c, ix_seg_path(g, IX_F_STO), "stored documents missing from", NULL, d);
        if (rc < 0)
            break;
        ix_stored_doc sd = {0};
        cf_buf_init(&sd.buf);
        rc = ix_stored_parse(raw, len, &sd, c->err);
        if (rc == CJKFTS_ECORRUPT)
            rc = bad(c, ix_seg_path(g, IX_F_STO), "malformed stored document", NULL, d);
        if (!rc && c->deep)
            rc = check_id(c, d, &sd);
        if (!rc && c->deep)
            rc = reanalyze(c, d, &sd);
        ix_stored_doc_free(&sd);
    }
    ix_stored_cursor_free(&cur);
    return rc;
}

static int check_segment(checker *c)
{
    size_t nb = ix_live_bytes(c->g->doc_count);
    c->id_seen = cf_calloc(nb ? nb : 1, 1);
    if (!c->id_seen)
        return cf_fail(c->err, CJKFTS_ENOMEM, "out of memory");
    c->sum_postings = c->sum_text = 0;
    int rc = check_columns(c);
    if (!rc)
        rc = ix_dict_check_layout(c->g, c->err);
    if (!rc)
        rc = check_terms(c);
    if (!rc)
        rc = check_stored(c);
    if (!rc && c->deep && c->sum_postings != c->sum_text)
        rc = cf_fail(c->err, CJKFTS_ECORRUPT, "segment %llu: postings differ from the "
                     "re-analyzed stored text (checksum %016llx vs %016llx)",
                     (unsigned long long)c->g->segnum, (unsigned long long)c->sum_postings,
                     (unsigned long long)c->sum_text);
    cf_free(c->id_seen);
    c->id_seen = NULL;
    return rc;
}

CJKFTS_API int cjkfts_index_check(cjkfts_index *ix, int flags)
{
    int rc = ix_index_usable(ix);
    if (rc)
        return rc;
    cf_err e = CF_ERR_INIT;
    checker c = {0};
    c.err = &e;
    c.deep = (flags & CJKFTS_CHECK_DEEP) != 0;
    if (c.deep) {
        rc = cjkfts_analyzer_open(ix->opts.analyzer_class, &ix->opts.analyzer, &c.an);
        if (rc)
            rc = cf_fail(&e, rc, "check: cannot open the analyzer: %s",
                         c.an ? cjkfts_errmsg(c.an) : cjkfts_strerror(rc));
    }
    ix_snapshot *s = NULL;
    if (!rc)
        rc = ix_snapshot_open(ix->path, &s, &e);
    for (uint32_t i = 0; !rc && i < s->nsegs; i++) { /* checksums of everything first */
        c.g = s->segs[i];
        rc = check_crcs(&c);
    }
    for (uint32_t i = 0; !rc && i < s->nsegs; i++) {
        c.g = s->segs[i];
        rc = check_segment(&c);
    }
    ix_snapshot_close(s);
    cjkfts_analyzer_close(c.an);
    if (rc)
        ix_index_fail(ix, &e);
    else
        ix_index_ok(ix);
    cf_handle_destroy(&e);
    return rc;
}
