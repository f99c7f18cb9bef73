/* test_index.c: the on-disk index round trip: documents in, commit, reopen, and every posting,
 * position, field length, date and stored field read back; prefix iteration; postings blocks,
 * skip data and block-max data; every shape of posting list the format distinguishes; empty
 * and big documents; dates; options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "index_helpers.h"

static unsigned count_tokens(const char *t)
{
    unsigned n = 0;
    size_t i = 0, len = strlen(t);
    while (i < len) {
        while (i < len && (t[i] == ' ' || t[i] == '\n'))
            i++;
        size_t s = i;
        while (i < len && t[i] != ' ' && t[i] != '\n')
            i++;
        if (i > s && !(i - s == 1 && t[s] == '_'))
            n++;
    }
    return n;
}

/* Days since 1970-01-01 computed through the C library, independently of the index code. */
static int32_t days_of(const char *date)
{
    struct tm tm = {0};
    assert_int_equal(sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday), 3);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    return (int32_t)(t / 86400);
}

static void commit_all(cjkfts_index *ix, const tdoc *docs, size_t n)
{
    cjkfts_writer *w;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    for (size_t i = 0; i < n; i++)
        th_add(w, &docs[i]);
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
}

static void test_roundtrip(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    enum { N = 400 };
    static tdoc docs[N];
    th_rng rng = {42};
    for (unsigned i = 0; i < N; i++)
        th_gen(&docs[i], &rng, i, 0);
    cjkfts_index *ix = th_open(path, 0, 0);
    commit_all(ix, docs, N);
    cjkfts_index_close(ix);

    ix = th_open(path, 0, 0);
    th_verify(ix, docs, N);
    cjkfts_reader *r;
    assert_int_equal(cjkfts_reader_open(ix, &r), 0);
    const ix_snapshot *s = ix_reader_snapshot(r);
    assert_int_equal(ix_snapshot_segment_count(s), 1);
    const ix_segment *g = ix_snapshot_segment(s, 0);
    assert_int_equal(ix_seg_doc_count(g), N);
    assert_int_equal(ix_seg_live_count(g), N);
    uint64_t sum[2] = {0, 0};
    cf_err e = CF_ERR_INIT;
    for (uint32_t d = 0; d < N; d++) {
        assert_true(ix_seg_is_live(g, d));
        assert_int_equal(ix_seg_field_length(g, IX_FIELD_TITLE, d), count_tokens(docs[d].title));
        assert_int_equal(ix_seg_field_length(g, IX_FIELD_BODY, d), count_tokens(docs[d].body));
        sum[0] += count_tokens(docs[d].title);
        sum[1] += count_tokens(docs[d].body);
        assert_int_equal(ix_seg_date(g, d), days_of(docs[d].date));
        ix_stored_doc sd;
        assert_int_equal(ix_seg_stored_get(g, d, &sd, &e), 0);
        assert_int_equal(sd.n_fields, 5);
        const char *want[5] = {docs[d].id, docs[d].title, docs[d].body, docs[d].date,
                               docs[d].url};
        const char *names[5] = {"id", "title", "body", "date", "url"};
        for (int k = 0; k < 5; k++) {
            assert_string_equal(sd.fields[k].name, names[k]);
            assert_string_equal(sd.fields[k].value, want[k]);
            assert_int_equal(sd.fields[k].value_len, strlen(want[k]));
        }
        ix_stored_doc_free(&sd);
    }
    assert_false(ix_seg_is_live(g, N));
    assert_true(ix_snapshot_field_length_sum(s, IX_FIELD_TITLE) == sum[0]);
    assert_true(ix_snapshot_field_length_sum(s, IX_FIELD_BODY) == sum[1]);
    assert_int_equal(ix_snapshot_live_docs(s), N);
    /* exact lookups: present, absent, id field */
    ix_term_info ti;
    assert_int_equal(ix_seg_term_get(g, IX_FIELD_BODY, "w0", 2, &ti, &e), 0);
    assert_true(ti.doc_freq > 128);
    assert_int_equal(ix_seg_term_get(g, IX_FIELD_BODY, "nope", 4, &ti, &e), CJKFTS_ENOTFOUND);
    assert_int_equal(ix_seg_term_get(g, IX_FIELD_BODY, "", 0, &ti, &e), CJKFTS_ENOTFOUND);
    assert_int_equal(ix_seg_term_get(g, IX_FIELD_ID, "doc-000123", 10, &ti, &e), 0);
    assert_int_equal(ti.doc_freq, 1);
    ix_postings *p;
    assert_int_equal(ix_postings_open(g, &ti, 0, &p, &e), 0);
    assert_int_equal(ix_postings_next(p), 123);
    assert_int_equal(ix_postings_next(p), IX_NO_MORE_DOCS);
    ix_postings_free(p);
    /* the id filter: every id in, few false positives */
    ix_idfilter *idf;
    assert_int_equal(ix_idfilter_build(g, &idf, &e), 0);
    for (unsigned i = 0; i < N; i++)
        assert_true(ix_idfilter_maybe(idf, docs[i].id, strlen(docs[i].id)));
    unsigned fp = 0;
    for (unsigned i = 0; i < 10000; i++) {
        char id[32];
        snprintf(id, sizeof id, "other-%u", i);
        fp += ix_idfilter_maybe(idf, id, strlen(id));
    }
    assert_true(fp < 300);
    ix_idfilter_free(idf);
    cjkfts_index_stats st;
    assert_int_equal(cjkfts_index_stats_get(ix, &st), 0);
    assert_int_equal(st.generation, 1);
    assert_int_equal(st.docs, N);
    assert_int_equal(st.deleted_docs, 0);
    assert_int_equal(st.segments, 1);
    assert_true(st.total_bytes > st.postings_bytes + st.positions_bytes + st.stored_bytes);
    cf_handle_destroy(&e);
    cjkfts_reader_close(r);
    cjkfts_index_close(ix);
    for (unsigned i = 0; i < N; i++)
        th_doc_free(&docs[i]);
    free(path);
    th_rmdir(tmp);
}

/* ---- prefix iteration --------------------------------------------------------------------- */

static void collect_terms(void *ctx, const char *term, size_t len, uint32_t pos)
{
    (void)pos;
    sv_push(ctx, "%.*s", (int)len, term);
}

static void test_prefix_iter(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    enum { N = 200 };
    static tdoc docs[N];
    th_rng rng = {7};
    for (unsigned i = 0; i < N; i++)
        th_gen(&docs[i], &rng, i, 0);
    cjkfts_index *ix = th_open(path, 0, 0);
    commit_all(ix, docs, N);
    cjkfts_reader *r;
    assert_int_equal(cjkfts_reader_open(ix, &r), 0);
    const ix_segment *g = ix_snapshot_segment(ix_reader_snapshot(r), 0);
    /* distinct body terms, sorted */
    strvec all = {0};
    for (unsigned i = 0; i < N; i++)
        ws_each(docs[i].body, collect_terms, &all);
    sv_sort(&all);
    size_t u = 0;
    for (size_t i = 0; i < all.n; i++) {
        if (u && strcmp(all.v[u - 1], all.v[i]) == 0) {
            free(all.v[i]);
            continue;
        }
        all.v[u++] = all.v[i];
    }
    all.n = u;
    const char *prefixes[] = {"", "w1", "w99", "w5", "w", "x", "w999999", "v"};
    cf_err e = CF_ERR_INIT;
    for (size_t k = 0; k < sizeof prefixes / sizeof *prefixes; k++) {
        const char *pre = prefixes[k];
        strvec want = {0}, got = {0};
        for (size_t i = 0; i < all.n; i++)
            if (strncmp(all.v[i], pre, strlen(pre)) == 0)
                sv_push(&want, "%s", all.v[i]);
        ix_term_iter *it;
        assert_int_equal(ix_seg_prefix_iter(g, IX_FIELD_BODY, pre, strlen(pre), &it, &e), 0);
        const char *t;
        size_t tl;
        ix_term_info ti;
        while (ix_term_iter_next(it, &t, &tl, &ti, &e) == 1)
            sv_push(&got, "%.*s", (int)tl, t);
        ix_term_iter_free(it);
        sv_assert_equal(&want, &got); /* iteration order is byte order already */
        sv_free(&want);
        sv_free(&got);
    }
    /* the id field: ids doc-000010 .. doc-000019 */
    ix_term_iter *it;
    assert_int_equal(ix_seg_prefix_iter(g, IX_FIELD_ID, "doc-00001", 9, &it, &e), 0);
    const char *t;
    size_t tl;
    ix_term_info ti;
    for (unsigned i = 10; i < 20; i++) {
        assert_int_equal(ix_term_iter_next(it, &t, &tl, &ti, &e), 1);
        char want[16];
        snprintf(want, sizeof want, "doc-%06u", i);
        assert_int_equal(tl, strlen(want));
        assert_memory_equal(t, want, tl);
        assert_int_equal(ti.doc_freq, 1);
    }
    assert_int_equal(ix_term_iter_next(it, &t, &tl, &ti, &e), 0);
    ix_term_iter_free(it);
    cf_handle_destroy(&e);
    sv_free(&all);
    cjkfts_reader_close(r);
    cjkfts_index_close(ix);
    for (unsigned i = 0; i < N; i++)
        th_doc_free(&docs[i]);
    free(path);
    th_rmdir(tmp);
}

/* ---- blocks, skip data, block-max --------------------------------------------------------- */

/* Document i holds "all" (i % 7 + 1) times, "odd" once when i is odd, "rare" when i % 97 == 0,
 * and i % 13 filler words, so frequencies and lengths vary from block to block. */
enum { NB = 1000 };

static unsigned all_freq(unsigned i)
{
    return i % 7 + 1 + (i == 700 ? 40 : 0);
}

static unsigned doc_len(unsigned i)
{
    return all_freq(i) + (i & 1) + (i % 97 == 0) + i % 13 + (i == 300 ? 0 : 2);
}

static char *block_body(unsigned i)
{
    char *b = malloc(4096);
    size_t n = 0;
    for (unsigned k = 0; k < all_freq(i); k++)
        n += (size_t)sprintf(b + n, "all ");
    if (i & 1)
        n += (size_t)sprintf(b + n, "odd ");
    if (i % 97 == 0)
        n += (size_t)sprintf(b + n, "rare ");
    for (unsigned k = 0; k < i % 13 + (i == 300 ? 0 : 2); k++)
        n += (size_t)sprintf(b + n, "f%u ", k);
    return b;
}

static void check_advance(const ix_segment *g, const ix_term_info *ti, bool (*has)(unsigned))
{
    cf_err e = CF_ERR_INIT;
    /* advance to every target from a fresh iterator */
    for (unsigned target = 0; target <= NB; target += 1) {
        ix_postings *p;
        assert_int_equal(ix_postings_open(g, ti, IX_POST_POSITIONS, &p, &e), 0);
        uint32_t want = IX_NO_MORE_DOCS;
        for (unsigned d = target; d < NB; d++)
            if (has(d)) {
                want = d;
                break;
            }
        assert_int_equal(ix_postings_advance(p, target), want);
        if (want != IX_NO_MORE_DOCS) {
            assert_int_equal(ix_postings_doc(p), want);
            const uint32_t *pos;
            int n = ix_postings_positions(p, &pos);
            assert_int_equal(n, (int)ix_postings_freq(p));
            /* next() after advance continues in order */
            uint32_t nx = IX_NO_MORE_DOCS;
            for (unsigned d = want + 1; d < NB; d++)
                if (has(d)) {
                    nx = d;
                    break;
                }
            assert_int_equal(ix_postings_next(p), nx);
            /* advancing backwards stays put */
            assert_int_equal(ix_postings_advance(p, want), nx);
        }
        ix_postings_free(p);
    }
    /* leapfrogging through one iterator: steps of 1..300 */
    for (unsigned step = 1; step < 300; step += 37) {
        ix_postings *p;
        assert_int_equal(ix_postings_open(g, ti, 0, &p, &e), 0);
        unsigned target = 0;
        for (;;) {
            uint32_t want = IX_NO_MORE_DOCS;
            for (unsigned d = target; d < NB; d++)
                if (has(d)) {
                    want = d;
                    break;
                }
            assert_int_equal(ix_postings_advance(p, target), want);
            if (want == IX_NO_MORE_DOCS)
                break;
            target = want + step;
        }
        assert_int_equal(ix_postings_next(p), IX_NO_MORE_DOCS);
        ix_postings_free(p);
    }
    cf_handle_destroy(&e);
}

static bool has_all(unsigned d)
{
    (void)d;
    return true;
}
static bool has_odd(unsigned d)
{
    return d & 1;
}
static bool has_rare(unsigned d)
{
    return d % 97 == 0;
}

static void test_blocks(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    cjkfts_index *ix = th_open(path, 0, 0);
    cjkfts_writer *w;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    for (unsigned i = 0; i < NB; i++) {
        tdoc d = {0};
        snprintf(d.id, sizeof d.id, "b%u", i);
        d.title = strdup("");
        d.body = block_body(i);
        th_add(w, &d);
        th_doc_free(&d);
    }
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
    cjkfts_reader *r;
    assert_int_equal(cjkfts_reader_open(ix, &r), 0);
    const ix_segment *g = ix_snapshot_segment(ix_reader_snapshot(r), 0);
    cf_err e = CF_ERR_INIT;
    for (unsigned i = 0; i < NB; i++)
        assert_int_equal(ix_seg_field_length(g, IX_FIELD_BODY, i), doc_len(i));
    struct {
        const char *term;
        bool (*has)(unsigned);
    } cases[] = {{"all", has_all}, {"odd", has_odd}, {"rare", has_rare}};
    for (size_t c = 0; c < 3; c++) {
        ix_term_info ti;
        assert_int_equal(ix_seg_term_get(g, IX_FIELD_BODY, cases[c].term,
                                         strlen(cases[c].term), &ti, &e), 0);
        check_advance(g, &ti, cases[c].has);
        /* block-max: blocks of 128 postings in document order */
        unsigned docs[NB], n = 0;
        for (unsigned d = 0; d < NB; d++)
            if (cases[c].has(d))
                docs[n++] = d;
        assert_int_equal(ti.doc_freq, n);
        ix_postings *p;
        assert_int_equal(ix_postings_open(g, &ti, 0, &p, &e), 0);
        uint32_t lmf = 0, lml = UINT32_MAX;
        for (unsigned b = 0; b * 128 < n; b++) {
            uint32_t mf = 0, ml = UINT32_MAX, last = 0;
            for (unsigned k = b * 128; k < n && k < b * 128 + 128; k++) {
                unsigned d = docs[k], f = c == 0 ? all_freq(d) : 1;
                mf = f > mf ? f : mf;
                ml = doc_len(d) < ml ? doc_len(d) : ml;
                last = d;
            }
            lmf = mf > lmf ? mf : lmf;
            lml = ml < lml ? ml : lml;
            /* any target inside the block's range finds it */
            unsigned lo = b ? docs[b * 128 - 1] + 1 : 0;
            for (unsigned t = lo; t <= last; t += 5) {
                uint32_t gmf, gml;
                assert_int_equal(ix_postings_block_max(p, t, &gmf, &gml), last);
                assert_int_equal(gmf, mf);
                assert_int_equal(gml, ml);
            }
        }
        uint32_t gmf, gml;
        assert_int_equal(ix_postings_block_max(p, docs[n - 1] + 1, &gmf, &gml),
                         IX_NO_MORE_DOCS);
        ix_postings_list_max(p, &gmf, &gml);
        assert_int_equal(gmf, lmf);
        assert_int_equal(gml, lml);
        /* block_max does not move the iterator */
        assert_int_equal(ix_postings_next(p), docs[0]);
        ix_postings_free(p);
    }
    cf_handle_destroy(&e);
    cjkfts_reader_close(r);
    cjkfts_index_close(ix);
    free(path);
    th_rmdir(tmp);
}

/* ---- every shape of posting list ------------------------------------------------------------
 * The format stores a list differently by its size: one document (positions in the dictionary
 * entry up to 128 of them), one block of up to 128 documents (heads in the entry, frequencies
 * left out when all are 1, one chunk of positions or several), several blocks (all-1 blocks
 * flagged, skip table). Each shape, at its limits, must read back exactly, pass the deep check
 * and survive a merge. */

enum { SHAPE_DOCS = 300 };

typedef struct shape {
    const char *term;
    unsigned df;
    uint64_t tf;
} shape;

/* Occurrences of each shape term in document d (0: absent). */
static unsigned shape_freq(const char *term, unsigned d)
{
    if (!strcmp(term, "one1"))
        return d == 5;
    if (!strcmp(term, "one128"))
        return d == 7 ? 128 : 0;
    if (!strcmp(term, "one129"))
        return d == 8 ? 129 : 0;
    if (!strcmp(term, "pair")) /* consecutive documents: doc deltas of width 0 */
        return d <= 1;
    if (!strcmp(term, "ones40"))
        return d % 7 == 3 && d < 280;
    if (!strcmp(term, "mixed40"))
        return d % 7 == 4 && d < 280 ? 1 + d % 3 : 0;
    if (!strcmp(term, "full128"))
        return d < 128;
    if (!strcmp(term, "tf128")) /* 64 documents, 128 positions: one chunk */
        return d % 4 == 1 && d < 256 ? 2 : 0;
    if (!strcmp(term, "tf129")) /* 43 documents, 129 positions: two chunks */
        return d % 6 == 2 && d < 258 ? 3 : 0;
    if (!strcmp(term, "blocks129"))
        return d >= 100 && d < 229;
    if (!strcmp(term, "blocksmix")) /* a block of 1s, a block with 2s, a short block */
        return d < 260 ? 1 + (d >= 128 && d < 256 && d % 5 == 0) : 0;
    if (!strcmp(term, "outlier")) /* small gaps and one large one: an exception */
        return d <= 2 || d == 299;
    return 0;
}

static const shape shapes[] = {
    {"one1", 1, 1},        {"one128", 1, 128},   {"one129", 1, 129},
    {"pair", 2, 2},        {"ones40", 40, 40},   {"mixed40", 40, 80},
    {"full128", 128, 128}, {"tf128", 64, 128},   {"tf129", 43, 129},
    {"blocks129", 129, 129}, {"blocksmix", 260, 286}, {"outlier", 4, 4},
};

static char *shape_body(unsigned d)
{
    size_t cap = 64, len = 0;
    char *b = malloc(cap);
    assert_non_null(b);
    b[0] = 0;
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        unsigned f = shape_freq(shapes[k].term, d);
        for (unsigned j = 0; j < f; j++) {
            char w[40];
            /* filler between occurrences so that positions vary */
            int n = snprintf(w, sizeof w, "%s%s z%u", len ? " " : "", shapes[k].term,
                             (d + j) % 3);
            if (len + (size_t)n + 1 > cap) {
                cap = 2 * (len + (size_t)n + 1);
                b = realloc(b, cap);
                assert_non_null(b);
            }
            memcpy(b + len, w, (size_t)n + 1);
            len += (size_t)n;
        }
    }
    return b;
}

static void check_shapes(cjkfts_index *ix, const tdoc *docs, size_t n, unsigned copies)
{
    th_verify(ix, docs, n);
    assert_int_equal(cjkfts_index_check(ix, CJKFTS_CHECK_DEEP), 0);
    cjkfts_reader *r;
    assert_int_equal(cjkfts_reader_open(ix, &r), 0);
    const ix_snapshot *s = ix_reader_snapshot(r);
    assert_int_equal(ix_snapshot_segment_count(s), 1);
    const ix_segment *g = ix_snapshot_segment(s, 0);
    cf_err e = CF_ERR_INIT;
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        ix_term_info ti;
        assert_int_equal(ix_seg_term_get(g, IX_FIELD_BODY, shapes[k].term,
                                         strlen(shapes[k].term), &ti, &e), 0);
        assert_int_equal(ti.doc_freq, shapes[k].df * copies);
        assert_true(ti.total_freq == shapes[k].tf * copies);
        /* advance to every document of the list from just before it */
        ix_postings *p;
        assert_int_equal(ix_postings_open(g, &ti, IX_POST_POSITIONS, &p, &e), 0);
        for (unsigned d = 0; d < n; d++) {
            unsigned f = shape_freq(shapes[k].term, d % SHAPE_DOCS);
            if (!f)
                continue;
            assert_int_equal(ix_postings_advance(p, d), d);
            assert_int_equal(ix_postings_freq(p), f);
            const uint32_t *pos;
            assert_int_equal(ix_postings_positions(p, &pos), (int)f);
            for (unsigned j = 0; j < f; j++) /* "term zX " pairs in shape order */
                assert_true(j == 0 || pos[j] == pos[j - 1] + 2);
        }
        assert_int_equal(ix_postings_advance(p, (uint32_t)n), IX_NO_MORE_DOCS);
        assert_int_equal(ix_postings_error(p, &e), 0);
        ix_postings_free(p);
    }
    cf_handle_destroy(&e);
    cjkfts_reader_close(r);
}

static void test_list_shapes(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    static tdoc docs[2 * SHAPE_DOCS];
    for (unsigned i = 0; i < 2 * SHAPE_DOCS; i++) {
        tdoc *d = &docs[i];
        snprintf(d->id, sizeof d->id, "s%u", i);
        d->title = strdup(i % 2 ? "" : "ones40");
        d->body = shape_body(i % SHAPE_DOCS);
        snprintf(d->date, sizeof d->date, "2020-01-%02u", 1 + i % 28);
        d->live = 1;
    }
    cjkfts_index *ix = th_open(path, 0, 0);
    commit_all(ix, docs, SHAPE_DOCS);
    check_shapes(ix, docs, SHAPE_DOCS, 1);
    /* a second segment, then one merged segment: lists twice as long, written by the merge */
    commit_all(ix, docs + SHAPE_DOCS, SHAPE_DOCS);
    cjkfts_writer *w;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    assert_int_equal(cjkfts_writer_optimize(w), 0);
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
    check_shapes(ix, docs, 2 * SHAPE_DOCS, 2);
    cjkfts_index_close(ix);
    for (unsigned i = 0; i < 2 * SHAPE_DOCS; i++)
        th_doc_free(&docs[i]);
    free(path);
    th_rmdir(tmp);
}

/* ---- empty and big documents -------------------------------------------------------------- */

static void test_empty_and_big(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    cjkfts_index *ix = th_open(path, 0, 0);
    enum { N = 4 };
    tdoc docs[N] = {0};
    for (unsigned i = 0; i < N; i++) {
        snprintf(docs[i].id, sizeof docs[i].id, "e%u", i);
        docs[i].live = 1;
    }
    docs[0].title = strdup("");
    docs[0].body = strdup("");
    docs[1].title = strdup("   ");
    docs[1].body = strdup("_ _ _");
    /* a big document: 300,000 words, "big" at every third position */
    size_t cap = 300000 * 8, len = 0;
    docs[2].title = strdup("big title");
    docs[2].body = malloc(cap);
    for (unsigned k = 0; k < 300000; k++)
        len += (size_t)snprintf(docs[2].body + len, cap - len, "%s ",
                                k % 3 == 0 ? "big" : k % 3 == 1 ? "x" : "_");
    docs[3].title = strdup("after");
    docs[3].body = strdup("big small");
    cjkfts_writer *w;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    cjkfts_doc nulls = {.id = docs[0].id, .id_len = CJKFTS_NTS}; /* NULL title/body/date/url */
    assert_int_equal(cjkfts_writer_add(w, &nulls), 0);
    for (unsigned i = 1; i < N; i++)
        th_add(w, &docs[i]);
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
    th_verify(ix, docs, N);
    cjkfts_reader *r;
    assert_int_equal(cjkfts_reader_open(ix, &r), 0);
    const ix_segment *g = ix_snapshot_segment(ix_reader_snapshot(r), 0);
    assert_int_equal(ix_seg_field_length(g, IX_FIELD_BODY, 0), 0);
    assert_int_equal(ix_seg_field_length(g, IX_FIELD_TITLE, 1), 0);
    assert_int_equal(ix_seg_field_length(g, IX_FIELD_BODY, 1), 0);
    assert_int_equal(ix_seg_field_length(g, IX_FIELD_BODY, 2), 200000);
    assert_int_equal(ix_seg_date(g, 0), IX_NO_DATE);
    cf_err e = CF_ERR_INIT;
    ix_stored_doc sd;
    assert_int_equal(ix_seg_stored_get(g, 0, &sd, &e), 0);
    for (int k = 1; k < 5; k++)
        assert_string_equal(sd.fields[k].value, "");
    ix_stored_doc_free(&sd);
    assert_int_equal(ix_seg_stored_get(g, 2, &sd, &e), 0);
    assert_string_equal(sd.fields[2].value, docs[2].body);
    ix_stored_doc_free(&sd);
    ix_term_info ti;
    assert_int_equal(ix_seg_term_get(g, IX_FIELD_BODY, "big", 3, &ti, &e), 0);
    assert_int_equal(ti.doc_freq, 2);
    assert_true(ti.total_freq == 100001);
    ix_postings *p;
    assert_int_equal(ix_postings_open(g, &ti, IX_POST_POSITIONS, &p, &e), 0);
    assert_int_equal(ix_postings_advance(p, 1), 2);
    const uint32_t *pos;
    assert_int_equal(ix_postings_positions(p, &pos), 100000);
    for (unsigned k = 0; k < 100000; k++)
        assert_int_equal(pos[k], 3 * k);
    assert_int_equal(ix_postings_next(p), 3);
    assert_int_equal(ix_postings_positions(p, &pos), 1);
    assert_int_equal(pos[0], 0);
    uint32_t mf, ml;
    ix_postings_list_max(p, &mf, &ml);
    assert_int_equal(mf, 100000);
    assert_int_equal(ml, 2);
    ix_postings_free(p);
    cf_handle_destroy(&e);
    cjkfts_reader_close(r);
    cjkfts_index_close(ix);
    for (unsigned i = 0; i < N; i++)
        th_doc_free(&docs[i]);
    free(path);
    th_rmdir(tmp);
}

/* ---- dates, ids, extra fields ------------------------------------------------------------- */

static void test_dates(void **state)
{
    (void)state;
    struct {
        const char *s;
        int32_t days; /* INT32_MAX: invalid */
    } cases[] = {
        {"1970-01-01", 0},
        {"1970-01-02", 1},
        {"1969-12-31", -1},
        {"2000-02-29", 11016},
        {"2024-05-01", 19844},
        {"20240501", 19844},
        {"2010-05-22T14:30:00+0900", 14751},
        {"2010-05-22T23:59:59-12:00", 14751}, /* the date as written, not moved to UTC */
        {"2010-05-22 08:00Z", 14751},
        {"2010-05-22T08:00:00.123456Z", 14751},
        {"2010-05-22T08", 14751},
        {"2001-02-29", INT32_MAX},
        {"2024-13-01", INT32_MAX},
        {"2024-00-10", INT32_MAX},
        {"2024-1-1", INT32_MAX},
        {"May 1, 2024", INT32_MAX},
        {"2024-05-01T", INT32_MAX},
        {"2024-05-01T25:00", INT32_MAX},
        {"2024-05-01T10:00:00+0900x", INT32_MAX},
        {"2024-05-01junk", INT32_MAX},
        {"2024", INT32_MAX},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int32_t d = 12345;
        cf_err e = CF_ERR_INIT;
        int rc = ix_parse_date(cases[i].s, strlen(cases[i].s), &d, &e);
        if (cases[i].days == INT32_MAX) {
            assert_int_equal(rc, CJKFTS_EINVAL);
            assert_non_null(strstr(e.msg, cases[i].s));
        } else {
            if (rc)
                print_error("%s: %s\n", cases[i].s, e.msg);
            assert_int_equal(rc, 0);
            assert_int_equal(d, cases[i].days);
        }
        cf_handle_destroy(&e);
    }
    for (int y = 1900; y < 2100; y += 7) { /* against the C library */
        char s[16];
        snprintf(s, sizeof s, "%04d-%02d-%02d", y, 1 + y % 12, 1 + y % 28);
        int32_t d;
        cf_err e = CF_ERR_INIT;
        assert_int_equal(ix_parse_date(s, strlen(s), &d, &e), 0);
        assert_int_equal(d, days_of(s));
    }
}

static void test_doc_checks(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    cjkfts_index *ix = th_open(path, 0, 0);
    cjkfts_writer *w;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    cjkfts_doc d = {.id = "a", .id_len = CJKFTS_NTS, .body = "x y", .body_len = CJKFTS_NTS};
    d.date = "2024-02-30";
    assert_int_equal(cjkfts_writer_add(w, &d), CJKFTS_EINVAL);
    assert_non_null(strstr(cjkfts_errmsg(w), "2024-02-30"));
    d.date = NULL;
    d.id = "";
    assert_int_equal(cjkfts_writer_add(w, &d), CJKFTS_EINVAL);
    char longid[1026];
    memset(longid, 'i', 1025);
    longid[1025] = 0;
    d.id = longid;
    assert_int_equal(cjkfts_writer_add(w, &d), CJKFTS_EINVAL);
    longid[1024] = 0;
    assert_int_equal(cjkfts_writer_add(w, &d), 0); /* 1024 bytes is the limit */
    cjkfts_field ex[2] = {{"category", "news", CJKFTS_NTS}, {"title", "x", 1}};
    d.id = "b";
    d.extra = ex;
    d.n_extra = 2;
    assert_int_equal(cjkfts_writer_add(w, &d), CJKFTS_EINVAL); /* reserved name */
    ex[1] = (cjkfts_field){"lang", "ja\0jp", 5};                /* values may hold NULs */
    assert_int_equal(cjkfts_writer_add(w, &d), 0);
    d.id = "c";
    d.date = "";
    d.n_extra = 0;
    assert_int_equal(cjkfts_writer_add(w, &d), 0); /* "" = no date */
    assert_int_equal(cjkfts_writer_add(NULL, &d), CJKFTS_EINVAL);
    assert_int_equal(cjkfts_writer_add(w, NULL), CJKFTS_EINVAL);
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
    cjkfts_reader *r;
    assert_int_equal(cjkfts_reader_open(ix, &r), 0);
    assert_int_equal(cjkfts_reader_doc_count(r), 3);
    const ix_segment *g = ix_snapshot_segment(ix_reader_snapshot(r), 0);
    cf_err e = CF_ERR_INIT;
    ix_stored_doc sd;
    assert_int_equal(ix_seg_stored_get(g, 1, &sd, &e), 0);
    assert_int_equal(sd.n_fields, 7);
    assert_string_equal(sd.fields[0].value, "b");
    assert_string_equal(sd.fields[5].name, "category");
    assert_string_equal(sd.fields[5].value, "news");
    assert_string_equal(sd.fields[6].name, "lang");
    assert_int_equal(sd.fields[6].value_len, 5);
    assert_memory_equal(sd.fields[6].value, "ja\0jp", 6);
    ix_stored_doc_free(&sd);
    assert_int_equal(ix_seg_date(g, 2), IX_NO_DATE);
    assert_int_equal(ix_seg_stored_get(g, 3, &sd, &e), CJKFTS_EINVAL);
    cf_handle_destroy(&e);
    cjkfts_reader_close(r);
    cjkfts_index_close(ix);
    free(path);
    th_rmdir(tmp);
}

/* ---- options ------------------------------------------------------------------------------ */

static const cjkfts_analyzer_class ws2_class = {CJKFTS_ANALYZER_API, "test-ws", 2, ws_create,
                                                ws_tokenize, ws_destroy};

static void test_options(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    cjkfts_index *ix;
    /* no index, no CREATE */
    assert_int_equal(cjkfts_index_open(path, NULL, 0, &ix), CJKFTS_ENOTFOUND);
    assert_non_null(strstr(cjkfts_errmsg(ix), path));
    cjkfts_index_close(ix);
    cjkfts_index_options o;
    cjkfts_index_options_init(&o);
    assert_int_equal(o.ram_budget, 256u << 20);
    assert_int_equal(o.merge_factor, 10);
    o.analyzer_class = &ws_class;
    o.bm25_k1 = 0.9;
    o.bm25_b = 0.4;
    o.title_boost = 3.5;
    o.analyzer.fold_variants = 0;
    strcpy(o.analyzer.stemmer, "french");
    o.ram_budget = 1000; /* below the minimum */
    assert_int_equal(cjkfts_index_open(path, &o, CJKFTS_OPEN_CREATE, &ix), CJKFTS_EINVAL);
    cjkfts_index_close(ix);
    o.ram_budget = 5u << 20;
    assert_int_equal(cjkfts_index_open(path, &o, CJKFTS_OPEN_CREATE, &ix), 0);
    cjkfts_index_close(ix);
    assert_int_equal(cjkfts_index_open(path, &o, CJKFTS_OPEN_CREATE | CJKFTS_OPEN_EXCL, &ix),
                     CJKFTS_EEXIST);
    cjkfts_index_close(ix);
    /* stored options win over the ones given when reopening */
    cjkfts_index_options o2;
    cjkfts_index_options_init(&o2);
    o2.analyzer_class = &ws_class;
    o2.ram_budget = 7u << 20;
    assert_int_equal(cjkfts_index_open(path, &o2, 0, &ix), 0);
    const cjkfts_index_options *g = cjkfts_index_get_options(ix);
    assert_ptr_equal(g->analyzer_class, &ws_class);
    assert_true(g->bm25_k1 == 0.9 && g->bm25_b == 0.4 && g->title_boost == 3.5);
    assert_int_equal(g->analyzer.fold_variants, 0);
    assert_string_equal(g->analyzer.stemmer, "french");
    assert_int_equal(g->ram_budget, 7u << 20);
    cjkfts_reader *r;
    assert_int_equal(cjkfts_reader_open(ix, &r), 0);
    assert_true(ix_reader_options(r)->title_boost == 3.5);
    assert_int_equal(cjkfts_reader_doc_count(r), 0);
    assert_int_equal(ix_snapshot_segment_count(ix_reader_snapshot(r)), 0);
    cjkfts_reader_close(r);
    cjkfts_index_close(ix);
    /* another analyzer version, or the built-in one: refused */
    o2.analyzer_class = &ws2_class;
    assert_int_equal(cjkfts_index_open(path, &o2, 0, &ix), CJKFTS_EINVAL);
    assert_non_null(strstr(cjkfts_errmsg(ix), "test-ws"));
    cjkfts_index_close(ix);
    assert_int_equal(cjkfts_index_open(path, NULL, 0, &ix), CJKFTS_EINVAL);
    cjkfts_index_close(ix);
    /* read-only handles cannot write */
    o2.analyzer_class = &ws_class;
    assert_int_equal(cjkfts_index_open(path, &o2, CJKFTS_OPEN_READONLY, &ix), 0);
    cjkfts_writer *w;
    assert_int_equal(cjkfts_writer_open(ix, &w), CJKFTS_EMISUSE);
    assert_null(w);
    cjkfts_index_close(ix);
    free(path);
    th_rmdir(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),  cmocka_unit_test(test_prefix_iter),
        cmocka_unit_test(test_blocks),     cmocka_unit_test(test_empty_and_big),
        cmocka_unit_test(test_dates),      cmocka_unit_test(test_doc_checks),
        cmocka_unit_test(test_options),    cmocka_unit_test(test_list_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
