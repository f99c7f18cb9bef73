/* test_index_corrupt.c: damaged and foreign files: every index file truncated, bit-flipped
 * (with and without a recomputed checksum) and given another format version must give
 * CJKFTS_ECORRUPT / CJKFTS_EVERSION, at open or from cjkfts_index_check, and never a crash or
 * an out-of-bounds read (this test also runs under ASan). Also: the same input gives
 * byte-identical files, a writer killed at any instant leaves the last commit, failed
 * allocations leave the index at its last commit, and the packer round-trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "index_helpers.h"

/* ---- file helpers ------------------------------------------------------------------------- */

typedef struct blob {
    uint8_t *data;
    size_t len;
} blob;

static blob slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    blob b = {malloc((size_t)n + 1), (size_t)n};
    assert_int_equal(fread(b.data, 1, b.len, f), b.len);
    fclose(f);
    return b;
}

static void spit(const char *path, const uint8_t *d, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(d, 1, n, f), n);
    fclose(f);
}

static void fix_crc(uint8_t *d, size_t n)
{
    if (n >= 8)
        cf_put_u32le(d + n - 4, cf_crc32c(0, d, n - 4));
}

static size_t list_files(const char *dir, char names[][64], size_t cap)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < cap)
        if (strncmp(e->d_name, "seg_", 4) == 0 || strcmp(e->d_name, "MANIFEST") == 0)
            snprintf(names[n++], 64, "%.63s", e->d_name);
    closedir(d);
    qsort(names, n, 64, (int (*)(const void *, const void *))strcmp);
    return n;
}

/* Read everything a search would: every term of every field, every posting, position and
 * block-max entry, every stored document. Errors are fine; crashes are not. */
static void walk(const ix_snapshot *s)
{
    cf_err e = CF_ERR_INIT;
    for (uint32_t gi = 0; gi < ix_snapshot_segment_count(s); gi++) {
        const ix_segment *g = ix_snapshot_segment(s, gi);
        for (int f = 0; f < IX_NKEYFIELDS; f++) {
            ix_term_iter *it;
            if (ix_seg_prefix_iter(g, f, "", 0, &it, &e))
                continue;
            const char *t;
            size_t tl;
            ix_term_info ti;
            unsigned terms = 0;
            while (ix_term_iter_next(it, &t, &tl, &ti, &e) == 1 && terms++ < 100000) {
                ix_term_info t2;
                if (terms % 8 == 0)
                    ix_seg_term_get(g, f, t, tl, &t2, &e);
                ix_postings *p;
                if (ix_postings_open(g, &ti, f < IX_NFIELDS ? IX_POST_POSITIONS : 0, &p, &e))
                    continue;
                uint32_t mf, ml;
                ix_postings_list_max(p, &mf, &ml);
                for (uint32_t d; (d = ix_postings_next(p)) != IX_NO_MORE_DOCS;) {
                    const uint32_t *pos;
                    if (f < IX_NFIELDS)
                        ix_postings_positions(p, &pos);
                    ix_postings_block_max(p, d + 1, &mf, &ml);
                    ix_seg_field_length(g, f, d);
                    ix_seg_date(g, d);
                    ix_seg_is_live(g, d);
                }
                ix_postings_error(p, &e);
                ix_postings_free(p);
                if (terms % 4 == 0 && ix_postings_open(g, &ti, 0, &p, &e) == 0) {
                    for (uint32_t d = 0; d != IX_NO_MORE_DOCS;)
                        d = ix_postings_advance(p, d + 50);
                    ix_postings_free(p);
                }
            }
            ix_term_iter_free(it);
        }
        for (uint32_t d = 0; d < ix_seg_doc_count(g); d++) {
            ix_stored_doc sd;
            if (ix_seg_stored_get(g, d, &sd, &e) == 0)
                ix_stored_doc_free(&sd);
        }
    }
    cf_handle_destroy(&e);
}

/* Open the index at path with the whitespace analyzer of these tests. */
static int open_ws(const char *path, cjkfts_index **ix)
{
    cjkfts_index_options o;
    cjkfts_index_options_init(&o);
    o.analyzer_class = &ws_class;
    return cjkfts_index_open(path, &o, 0, ix);
}

/* Open, walk and check; returns the first error (0 if everything passed). */
static int probe(const char *path)
{
    cjkfts_index *ix;
    int rc = open_ws(path, &ix);
    if (rc == 0) {
        cjkfts_reader *r;
        rc = cjkfts_reader_open(ix, &r);
        if (rc == 0) {
            walk(ix_reader_snapshot(r));
            cjkfts_reader_close(r);
            rc = cjkfts_index_check(ix, CJKFTS_CHECK_DEEP);
        }
        if (rc)
            assert_true(strlen(cjkfts_errmsg(ix)) > 0);
    }
    cjkfts_index_close(ix);
    return rc;
}

/* An index of two segments, one with deletions. */
static void build(const char *path, size_t n)
{
    cjkfts_index *ix = th_open(path, 0, 0);
    cjkfts_writer *w;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    th_rng rng = {1234};
    for (unsigned i = 0; i < n; i++) {
        tdoc d;
        th_gen(&d, &rng, i, 0);
        th_add(w, &d);
        th_doc_free(&d);
        if (i == n / 2)
            assert_int_equal(cjkfts_writer_commit(w), 0);
    }
    for (unsigned i = 0; i < n / 2; i += 9) {
        char id[32];
        snprintf(id, sizeof id, "doc-%06u", i);
        assert_int_equal(cjkfts_writer_delete(w, id, CJKFTS_NTS), 0);
    }
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
    cjkfts_index_close(ix);
}

static void test_truncated(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    build(path, 300);
    assert_int_equal(probe(path), 0);
    char names[32][64];
    size_t nf = list_files(path, names, 32);
    assert_true(nf >= 13); /* manifest + 2 x 6 + 1 .del */
    for (size_t i = 0; i < nf; i++) {
        char *p = th_path(path, names[i]);
        blob b = slurp(p);
        size_t cuts[] = {0, 1, 8, 16, 23, b.len / 2, b.len - 9, b.len - 8, b.len - 1};
        for (size_t k = 0; k < sizeof cuts / sizeof *cuts; k++) {
            if (cuts[k] >= b.len)
                continue;
            spit(p, b.data, cuts[k]);
            int rc = probe(path);
            if (rc != CJKFTS_ECORRUPT)
                print_error("%s cut at %zu: %d\n", names[i], cuts[k], rc);
            assert_int_equal(rc, CJKFTS_ECORRUPT);
        }
        spit(p, b.data, b.len);
        free(b.data);
        free(p);
    }
    assert_int_equal(probe(path), 0);
    free(path);
    th_rmdir(tmp);
}

static void test_bitflips(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    build(path, 120);
    char names[32][64];
    size_t nf = list_files(path, names, 32);
    th_rng rng = {77};
    for (size_t i = 0; i < nf; i++) {
        char *p = th_path(path, names[i]);
        blob b = slurp(p);
        uint8_t *m = malloc(b.len);
        /* the header, the tail and footer, and spots in between */
        size_t spots[16], ns = 0;
        for (size_t k = 0; k < 6 && k < b.len; k++)
            spots[ns++] = k * 3 + 1;
        for (size_t k = 0; k < 6 && k < b.len; k++)
            spots[ns++] = b.len - 1 - k * 7 % b.len;
        while (ns < 16)
            spots[ns++] = th_rand(&rng) % b.len;
        for (size_t k = 0; k < ns; k++) {
            for (int fix = 0; fix < 2; fix++) {
                memcpy(m, b.data, b.len);
                m[spots[k]] ^= (uint8_t)(1u << (th_rand(&rng) % 8));
                if (fix)
                    fix_crc(m, b.len);
                spit(p, m, b.len);
                int rc = probe(path);
                if (!fix) { /* every flip is caught, at the latest by the checksums */
                    if (rc != CJKFTS_ECORRUPT && rc != CJKFTS_EVERSION)
                        print_error("%s flip at %zu: %d\n", names[i], spots[k], rc);
                    assert_true(rc == CJKFTS_ECORRUPT || rc == CJKFTS_EVERSION);
                } else { /* checksum made valid: any outcome but a crash */
                    assert_true(rc == 0 || rc == CJKFTS_ECORRUPT || rc == CJKFTS_EVERSION ||
                                rc == CJKFTS_ENOTFOUND || rc == CJKFTS_EINVAL);
                }
            }
        }
        spit(p, b.data, b.len);
        free(m);
        free(b.data);
        free(p);
    }
    assert_int_equal(probe(path), 0);
    free(path);
    th_rmdir(tmp);
}

/* Random damage to the bulk of the big files, checksums repaired each time, so only the
 * decoders stand between the damage and the reader. */
static void test_fuzz_decoders(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    build(path, 300);
    const char *exts[] = {".tid", ".doc", ".pos", ".sto", ".col"};
    char names[32][64];
    size_t nf = list_files(path, names, 32);
    th_rng rng = {4242};
    for (size_t i = 0; i < nf; i++) {
        bool big = false;
        for (size_t k = 0; k < 5; k++)
            big |= strstr(names[i], exts[k]) != NULL;
        if (!big)
            continue;
        char *p = th_path(path, names[i]);
        blob b = slurp(p);
        uint8_t *m = malloc(b.len);
        for (int round = 0; round < 15; round++) {
            memcpy(m, b.data, b.len);
            unsigned n = 1 + th_rand(&rng) % 8;
            for (unsigned k = 0; k < n; k++) {
                size_t at = IX_HEADER_SIZE + th_rand(&rng) % (b.len - IX_HEADER_SIZE - 8);
                m[at] = (uint8_t)th_rand(&rng);
            }
            fix_crc(m, b.len);
            spit(p, m, b.len);
            cjkfts_index *ix;
            assert_int_equal(open_ws(path, &ix), 0);
            cjkfts_reader *r;
            if (cjkfts_reader_open(ix, &r) == 0) {
                walk(ix_reader_snapshot(r));
                cjkfts_reader_close(r);
            }
            cjkfts_index_close(ix);
        }
        spit(p, b.data, b.len);
        free(m);
        free(b.data);
        free(p);
    }
    free(path);
    th_rmdir(tmp);
}

static void test_versions(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    build(path, 50);
    char names[32][64];
    size_t nf = list_files(path, names, 32);
    for (size_t i = 0; i < nf; i++) {
        char *p = th_path(path, names[i]);
        blob b = slurp(p);
        uint8_t *m = malloc(b.len);
        memcpy(m, b.data, b.len);
        /* the previous format versions (1, 2) and a future one, otherwise intact */
        for (unsigned v = 1; v <= 7; v += v < 2 ? 1 : 5) {
            cf_put_u32le(m + 8, v);
            fix_crc(m, b.len);
            spit(p, m, b.len);
            cjkfts_index *ix;
            int rc = open_ws(path, &ix);
            if (rc == 0) {
                cjkfts_reader *r = NULL;
                rc = cjkfts_reader_open(ix, &r);
                cjkfts_reader_close(r);
            }
            assert_int_equal(rc, CJKFTS_EVERSION);
            char want[32];
            snprintf(want, sizeof want, "version %u found", v);
            assert_non_null(strstr(cjkfts_errmsg(ix), want));
            assert_non_null(strstr(cjkfts_errmsg(ix), names[i]));
            cjkfts_index_close(ix);
        }
        /* not our file at all */
        memcpy(m, "GIF89a", 6);
        spit(p, m, b.len);
        assert_int_equal(probe(path), CJKFTS_ECORRUPT);
        spit(p, b.data, b.len);
        free(m);
        free(b.data);
        free(p);
    }
    assert_int_equal(probe(path), 0);
    /* a file of the commit missing altogether */
    char *pos = th_path(path, "seg_1.pos");
    blob keep = slurp(pos);
    unlink(pos);
    cjkfts_index *ix;
    assert_int_equal(open_ws(path, &ix), 0);
    cjkfts_reader *r;
    assert_int_equal(cjkfts_reader_open(ix, &r), CJKFTS_ECORRUPT);
    assert_non_null(strstr(cjkfts_errmsg(ix), "missing"));
    assert_non_null(strstr(cjkfts_errmsg(ix), "seg_1.pos"));
    cjkfts_index_close(ix);
    spit(pos, keep.data, keep.len);
    free(keep.data);
    free(pos);
    assert_int_equal(probe(path), 0);
    free(path);
    th_rmdir(tmp);
}

/* ---- determinism -------------------------------------------------------------------------- */

static void index_twice_body(const char *path)
{
    cjkfts_index *ix = th_open(path, 1u << 20, 3);
    cjkfts_writer *w;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    th_rng rng = {555};
    for (unsigned i = 0; i < 1500; i++) {
        tdoc d;
        th_gen(&d, &rng, i, 100);
        th_add(w, &d);
        th_doc_free(&d);
        if (i % 400 == 399) {
            char id[32];
            snprintf(id, sizeof id, "doc-%06u", i / 2);
            assert_int_equal(cjkfts_writer_delete(w, id, CJKFTS_NTS), 0);
            assert_int_equal(cjkfts_writer_commit(w), 0);
        }
    }
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
    cjkfts_index_close(ix);
}

static void test_deterministic(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *a = th_path(tmp, "a"), *b = th_path(tmp, "b");
    index_twice_body(a);
    index_twice_body(b);
    char na[64][64], nb[64][64];
    size_t n = list_files(a, na, 64);
    assert_int_equal(list_files(b, nb, 64), n);
    assert_true(n > 6);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(na[i], nb[i]);
        char *pa = th_path(a, na[i]), *pb = th_path(b, nb[i]);
        blob x = slurp(pa), y = slurp(pb);
        assert_int_equal(x.len, y.len);
        assert_memory_equal(x.data, y.data, x.len);
        free(x.data);
        free(y.data);
        free(pa);
        free(pb);
    }
    free(a);
    free(b);
    th_rmdir(tmp);
}

/* ---- crashes ------------------------------------------------------------------------------ */

enum { BATCH = 40 };

static void child_writer(const char *path)
{
    cjkfts_index *ix = th_open(path, 1u << 20, 3);
    cjkfts_writer *w;
    if (cjkfts_writer_open(ix, &w))
        _exit(3);
    th_rng rng = {9};
    for (unsigned i = 0;; i++) {
        tdoc d;
        th_gen(&d, &rng, i, 80);
        cjkfts_doc c = th_cdoc(&d);
        if (cjkfts_writer_add(w, &c))
            _exit(4);
        th_doc_free(&d);
        if (i % BATCH == BATCH - 1 && cjkfts_writer_commit(w))
            _exit(5);
    }
}

static void test_killed_writer(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    enum { MAXD = 20000 };
    tdoc *docs = calloc(MAXD, sizeof *docs);
    th_rng rng = {9};
    for (unsigned i = 0; i < MAXD; i++)
        th_gen(&docs[i], &rng, i, 80);
    cjkfts_index *ix = th_open(path, 1u << 20, 3);
    cjkfts_index_close(ix);
    for (int round = 0; round < 6; round++) {
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            child_writer(path);
        struct timespec ts = {0, (long)(20 + round * 45) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
        /* the index is at some commit: a multiple of BATCH documents, all intact */
        ix = th_open(path, 1u << 20, 3);
        cjkfts_index_stats st;
        assert_int_equal(cjkfts_index_stats_get(ix, &st), 0);
        assert_int_equal(st.docs % BATCH, 0);
        assert_true(st.docs < MAXD);
        for (unsigned i = 0; i < MAXD; i++)
            docs[i].live = i < st.docs;
        th_verify(ix, docs, st.docs);
        assert_int_equal(cjkfts_index_check(ix, CJKFTS_CHECK_DEEP), 0);
        cjkfts_index_close(ix);
        /* the next round starts over from this commit (same ids: replaced) */
    }
    for (unsigned i = 0; i < MAXD; i++)
        th_doc_free(&docs[i]);
    free(docs);
    free(path);
    th_rmdir(tmp);
}

/* ---- failed allocations ------------------------------------------------------------------- */

static void test_alloc_failures(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    enum { N = 30 };
    tdoc docs[N];
    th_rng rng = {31};
    for (unsigned i = 0; i < N; i++)
        th_gen(&docs[i], &rng, i, 30);
    /* a first commit of the first half */
    cjkfts_index *ix = th_open(path, 0, 0);
    cjkfts_writer *w;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    for (unsigned i = 0; i < N / 2; i++)
        th_add(w, &docs[i]);
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
    cjkfts_index_close(ix);
    /* then the second half, a delete, a commit and an optimize, failing allocation n */
    bool done = false;
    for (long n = 0; !done; n += n < 120 ? 3 : 41) {
        cf_alloc_fail_after(n);
        int rc = 0;
        ix = NULL;
        w = NULL;
        rc = open_ws(path, &ix);
        if (!rc)
            rc = cjkfts_writer_open(ix, &w);
        for (unsigned i = N / 2; i < N && !rc; i++) {
            cjkfts_doc c = th_cdoc(&docs[i]);
            rc = cjkfts_writer_add(w, &c);
        }
        if (!rc)
            rc = cjkfts_writer_delete(w, docs[0].id, CJKFTS_NTS);
        if (!rc)
            rc = cjkfts_writer_commit(w);
        if (!rc)
            rc = cjkfts_writer_optimize(w);
        cf_alloc_fail_after(-1);
        if (rc)
            assert_true(rc == CJKFTS_ENOMEM || rc == CJKFTS_EMISUSE || rc == CJKFTS_EDEPEND ||
                        rc == CJKFTS_EIO);
        cjkfts_writer_close(w);
        cjkfts_index_close(ix);
        /* the index is at the first commit or at the new one, and sound */
        ix = th_open(path, 0, 0);
        cjkfts_index_stats st;
        assert_int_equal(cjkfts_index_stats_get(ix, &st), 0);
        for (unsigned i = 0; i < N; i++)
            docs[i].live = 1;
        if (st.generation > 1) {
            docs[0].live = 0;
            assert_int_equal(st.docs, N - 1);
        } else {
            for (unsigned i = N / 2; i < N; i++)
                docs[i].live = 0;
        }
        th_verify(ix, docs, N);
        assert_int_equal(cjkfts_index_check(ix, CJKFTS_CHECK_DEEP), 0);
        if (st.generation > 1) { /* back to the first commit for the next round */
            done = rc == 0;
            cjkfts_index_close(ix);
            th_rmdir(th_path(tmp, "idx"));
            ix = th_open(path, 0, 0);
            assert_int_equal(cjkfts_writer_open(ix, &w), 0);
            for (unsigned i = 0; i < N / 2; i++)
                th_add(w, &docs[i]);
            assert_int_equal(cjkfts_writer_commit(w), 0);
            cjkfts_writer_close(w);
        }
        cjkfts_index_close(ix);
    }
    for (unsigned i = 0; i < N; i++)
        th_doc_free(&docs[i]);
    free(path);
    th_rmdir(tmp);
}

/* ---- the packer --------------------------------------------------------------------------- */

static void test_pfor(void **state)
{
    (void)state;
    th_rng rng = {8};
    uint32_t v[IX_BLOCK], out[IX_BLOCK];
    uint8_t buf[IX_PFOR_MAX + 16];
    for (int round = 0; round < 3000; round++) {
        size_t n = 1 + th_rand(&rng) % IX_BLOCK;
        unsigned bits = th_rand(&rng) % 33;
        for (size_t i = 0; i < n; i++) {
            uint64_t x = ((uint64_t)th_rand(&rng) << 21) ^ th_rand(&rng);
            v[i] = bits == 32 ? (uint32_t)x : (uint32_t)(x & ((1ull << bits) - 1));
            if (round % 3 == 0 && th_rand(&rng) % 10 == 0) /* outliers */
                v[i] = (uint32_t)x;
        }
        size_t sz = ix_pfor_encode(buf, v, n);
        assert_true(sz <= IX_PFOR_MAX);
        assert_int_equal(ix_pfor_size(buf, buf + sz, n), sz);
        const uint8_t *e = ix_pfor_decode(buf, buf + sz, out, n);
        assert_ptr_equal(e, buf + sz);
        assert_memory_equal(v, out, n * sizeof *v);
        /* one byte short: refused, no read past the end */
        if (sz > 1) {
            uint8_t *t = malloc(sz - 1);
            memcpy(t, buf, sz - 1);
            assert_null(ix_pfor_decode(t, t + sz - 1, out, n));
            assert_int_equal(ix_pfor_size(t, t + sz - 1, n), 0);
            free(t);
        }
    }
    /* all zeros take one byte; one outlier among small values is patched, not widened */
    memset(v, 0, sizeof v);
    assert_int_equal(ix_pfor_encode(buf, v, IX_BLOCK), 1);
    for (size_t i = 0; i < IX_BLOCK; i++)
        v[i] = i & 3;
    v[77] = 1u << 30;
    size_t sz = ix_pfor_encode(buf, v, IX_BLOCK);
    assert_true(sz < 1 + 3 + 1 + 4 + 32 + 2);
    assert_ptr_equal(ix_pfor_decode(buf, buf + sz, out, IX_BLOCK), buf + sz);
    assert_memory_equal(v, out, sizeof v);
}

/* Encodings at any bit of a stream, with the head in the stream or kept apart; exceptions given
 * by indexes or by a bitmap; malformed heads. */
static void test_pfor_bits(void **state)
{
    (void)state;
    th_rng rng = {9};
    uint32_t v[IX_BLOCK], out[IX_BLOCK];
    uint8_t buf[IX_PFOR_MAX + 16], keep[IX_PFOR_MAX + 16];
    unsigned with_map = 0, with_list = 0, with_rice = 0;
    for (int round = 0; round < 3000; round++) {
        size_t n = 1 + th_rand(&rng) % IX_BLOCK;
        unsigned bits = th_rand(&rng) % 33, share = th_rand(&rng) % 4; /* outliers: 0..75% */
        for (size_t i = 0; i < n; i++) {
            uint64_t x = ((uint64_t)th_rand(&rng) << 21) ^ th_rand(&rng);
            v[i] = bits == 32 ? (uint32_t)x : (uint32_t)(x & ((1ull << bits) - 1));
            if (th_rand(&rng) % 4 < share)
                v[i] = (uint32_t)x >> (th_rand(&rng) % 8);
        }
        if (round % 3 == 2) { /* geometric values (as gaps are): Rice coding is smaller */
            unsigned low = th_rand(&rng) % 31, p = 1 + th_rand(&rng) % 3; /* P(stop) p/4 */
            for (size_t i = 0; i < n; i++) {
                uint32_t q = 0;
                while (th_rand(&rng) % 4 >= p && q < 100)
                    q++;
                v[i] = q << low | (low ? th_rand(&rng) & ((1u << low) - 1) : 0);
            }
        }
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = (uint8_t)th_rand(&rng);
        memcpy(keep, buf, sizeof buf);
        uint64_t start = th_rand(&rng) % 20, bit = start;
        uint32_t head = 0;
        bool apart = round % 2;
        ix_pfor_put(buf, &bit, v, n, apart ? &head : NULL);
        /* the bits before the start are kept */
        assert_memory_equal(buf, keep, start / 8);
        assert_int_equal(buf[start / 8] & ((1u << (start % 8)) - 1),
                         keep[start / 8] & ((1u << (start % 8)) - 1));
        size_t bytes = (size_t)((bit + 7) / 8);
        uint8_t *exact = malloc(bytes);
        memcpy(exact, buf, bytes);
        uint64_t at = start;
        if (apart) {
            assert_true(ix_pfor_body_bits(head, n) == bit - start);
            assert_true(ix_pfor_get_body(head, exact, bytes, &at, out, n));
            uint8_t h[3];
            const uint8_t *hp = h;
            size_t hl = ix_pfor_head_put(h, head);
            uint32_t back;
            assert_true(ix_pfor_head_read(&hp, h + hl, &back) && back == head);
            bool rice = head > 32 && (head & 0x3f) >= IX_PFOR_RICE;
            assert_int_equal(hl, rice ? 2 : head & 0x40 ? 3 : 1);
            with_map += !rice && ((head >> 23) & 1);
            with_list += !rice && (head & 0x40) && !((head >> 23) & 1);
            with_rice += rice;
        } else {
            assert_true(ix_pfor_bits_at(exact, bytes, start, n) == bit - start);
            assert_true(ix_pfor_get(exact, bytes, &at, out, n));
        }
        assert_true(at == bit);
        assert_memory_equal(v, out, n * sizeof *v);
        /* the last byte missing: refused, no read past the end, the position unchanged */
        if (bit - start > 8 && (bytes - 1) * 8 < bit) {
            at = start;
            assert_false(apart ? ix_pfor_get_body(head, exact, bytes - 1, &at, out, n)
                               : ix_pfor_get(exact, bytes - 1, &at, out, n));
            assert_true(at == start);
        }
        free(exact);
    }
    assert_true(with_map > 0 && with_list > 0 && with_rice > 0);
    /* malformed heads */
    assert_true(ix_pfor_body_bits(0x80, 4) == UINT64_MAX);
    assert_true(ix_pfor_body_bits(0x40, 4) == UINT64_MAX);                 /* no count */
    assert_true(ix_pfor_body_bits(0x40 | 5 << 8 | 1 << 16, 4) == UINT64_MAX); /* count > n */
    assert_true(ix_pfor_body_bits(0x40 | 1 << 8, 4) == UINT64_MAX);         /* high width 0 */
    assert_true(ix_pfor_body_bits(0x40 | 20 | 1 << 8 | 13 << 16, 4) == UINT64_MAX); /* > 32 */
    assert_true(ix_pfor_body_bits(0x0105, 4) == UINT64_MAX);
    assert_true(ix_pfor_body_bits(3, IX_BLOCK + 1) == UINT64_MAX);
    /* 4 values at width 3 with 1 exception of high width 2: 12 + 2 (index) + 2 */
    assert_true(ix_pfor_body_bits(0x40 | 3 | 1 << 8 | 2 << 16, 4) == 16);
    assert_true(ix_pfor_body_bits(0x40 | 3 | 1 << 8 | (2 | 0x80) << 16, 4) == 18); /* bitmap */
    /* Rice: n * (k + 1) + the sum of the high parts */
    assert_true(ix_pfor_body_bits(33, 4) == 4);                          /* k 0, sum 0 */
    assert_true(ix_pfor_body_bits(35 | 7 << 8, 4) == 4 * 3 + 7);         /* k 2, sum 7 */
    assert_true(ix_pfor_body_bits(63 | 255 << 8, 4) == 4 * 31 + 255);   /* k 30, sum 255 */
    assert_true(ix_pfor_body_bits(0x80 | 33, 4) == UINT64_MAX);
    assert_true(ix_pfor_body_bits(0x40 | 33 | 1 << 8, 4) == UINT64_MAX); /* no 3-byte form */
    assert_true(ix_pfor_body_bits(33 | 1 << 16, 4) == UINT64_MAX);
}

/* Rice coding, bit by bit: 128 values distributed as P(v) = 2^-(v+1) (64 zeros, 32 ones, 16
 * twos, 8 threes, 4 fours, 2 fives, a six and a seven) cost 344 bits in PFOR at any width (b=2
 * with 8 exceptions: 24 + 8 * 7 + 8 + 256) but 16 + 128 + 127 = 271 in Rice with k = 0. */
static void test_rice(void **state)
{
    (void)state;
    static const unsigned count[8] = {64, 32, 16, 8, 4, 2, 1, 1};
    uint32_t v[IX_BLOCK], out[IX_BLOCK];
    size_t n = 0;
    for (unsigned round = 0; n < IX_BLOCK; round++) /* 0 1 2 .. 7, then what is left */
        for (uint32_t x = 0; x < 8; x++) {
            unsigned used = 0;
            for (size_t i = 0; i < n; i++)
                used += v[i] == x;
            if (used < count[x] && (round > 0 || n < 8))
                v[n++] = x;
            if (n == IX_BLOCK)
                break;
        }
    uint8_t buf[IX_PFOR_MAX] = {0};
    uint64_t bit = 0;
    uint32_t head;
    ix_pfor_put(buf, &bit, v, IX_BLOCK, &head);
    assert_int_equal(head, 33 | 127 << 8);
    assert_int_equal(bit, 128 + 127);
    /* values 0, 1, 2, 3: unary 1, 01, 001, 0001 from bit 0 */
    assert_int_equal(buf[0], 0x25);
    assert_int_equal(buf[1], 0x42); /* 0001 ends at bit 9, 00001 at bit 14, 000001 at 20 */
    uint64_t at = 0;
    assert_true(ix_pfor_get_body(head, buf, sizeof buf, &at, out, IX_BLOCK));
    assert_int_equal(at, 255);
    assert_memory_equal(out, v, sizeof v);
    bit = 0;
    memset(buf, 0, sizeof buf);
    ix_pfor_put(buf, &bit, v, IX_BLOCK, NULL);
    assert_int_equal(bit, 16 + 255);
    assert_int_equal(ix_pfor_bits_at(buf, sizeof buf, 0, IX_BLOCK), 271);
    /* malformed bodies: n = 4, k = 0, sum 2, so 6 bits */
    uint8_t b[8] = {0};
    at = 0;
    b[0] = 0x3c; /* zeros 2, then four ones: 2 0 0 0 */
    assert_true(ix_pfor_get_body(33 | 2 << 8, b, sizeof b, &at, out, 4) && at == 6);
    assert_true(out[0] == 2 && out[1] == 0 && out[2] == 0 && out[3] == 0);
    at = 0;
    b[0] = 0x00; /* no stop bit */
    assert_false(ix_pfor_get_body(33 | 2 << 8, b, sizeof b, &at, out, 4));
    b[0] = 0x1f; /* four values end before the sixth bit */
    assert_false(ix_pfor_get_body(33 | 2 << 8, b, sizeof b, &at, out, 4));
    assert_int_equal(at, 0);
    /* k = 30, one value whose high part 4 passes 32 bits: 30 low bits, 0000 1 */
    memset(b, 0, sizeof b);
    b[4] = 1u << (34 - 32);
    assert_false(ix_pfor_get_body(63 | 4 << 8, b, sizeof b, &at, out, 1));
    b[4] = 1u << (33 - 32); /* high part 3: the largest value */
    assert_true(ix_pfor_get_body(63 | 3 << 8, b, sizeof b, &at, out, 1));
    assert_int_equal(out[0], 0xc0000000u);
}

/* Stored fields with a zstd dictionary: trained once 2 MiB of documents are held (then blocks
 * go out as they fill), at the end for 256 KiB .. 2 MiB, none below; every document reads back
 * exactly; a damaged dictionary makes reads fail with CJKFTS_ECORRUPT, never wrong text. */
typedef struct sto_tail {
    uint64_t table, nblocks, ndocs, dict_off, dict_len;
} sto_tail;

static sto_tail sto_tail_of(const char *path, blob *b)
{
    char names[32][64], *p = NULL;
    size_t nf = list_files(path, names, 32);
    for (size_t i = 0; i < nf; i++)
        if (strstr(names[i], ".sto"))
            p = th_path(path, names[i]);
    assert_non_null(p);
    *b = slurp(p);
    free(p);
    const uint8_t *t = b->data + b->len - IX_FOOTER_SIZE - 5 * 8;
    sto_tail st = {cf_get_u64le(t), cf_get_u64le(t + 8), cf_get_u64le(t + 16),
                   cf_get_u64le(t + 24), cf_get_u64le(t + 32)};
    return st;
}

static void test_stored_dictionary(void **state)
{
    (void)state;
    static const unsigned counts[3] = {900, 100, 20}; /* ~2.9 MB, ~320 KB, ~64 KB of text */
    th_rng rng = {31};
    for (int c = 0; c < 3; c++) {
        char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
        unsigned n = counts[c];
        tdoc *docs = calloc(n, sizeof *docs);
        cjkfts_index *ix = th_open(path, 0, 0);
        cjkfts_writer *w;
        assert_int_equal(cjkfts_writer_open(ix, &w), 0);
        size_t text = 0;
        for (unsigned i = 0; i < n; i++) {
            th_gen(&docs[i], &rng, i, 700);
            text += strlen(docs[i].body);
            th_add(w, &docs[i]);
        }
        assert_int_equal(cjkfts_writer_commit(w), 0);
        cjkfts_writer_close(w);
        th_verify(ix, docs, n); /* every document's stored fields and postings */
        cjkfts_index_close(ix);
        blob b;
        sto_tail st = sto_tail_of(path, &b);
        assert_int_equal(st.ndocs, n);
        assert_true(st.dict_off + st.dict_len == st.table);
        if (c < 2) { /* a dictionary, and blocks of about 4 KiB */
            assert_true(st.dict_len > 1024 && st.dict_len <= 110 * 1024);
            assert_true(st.nblocks >= text / 4096 && st.nblocks <= n);
        } else { /* none, and blocks of about 16 KiB */
            assert_int_equal(st.dict_len, 0);
            assert_true(st.nblocks >= text / 16384 && st.nblocks <= text / 8192);
        }
        if (c == 1) { /* the dictionary's magic number damaged, the file's checksum repaired */
            char names[32][64];
            size_t nf = list_files(path, names, 32);
            for (size_t i = 0; i < nf; i++) {
                if (!strstr(names[i], ".sto"))
                    continue;
                char *p = th_path(path, names[i]);
                b.data[st.dict_off] ^= 0x40;
                fix_crc(b.data, b.len);
                spit(p, b.data, b.len);
                free(p);
            }
            assert_int_equal(open_ws(path, &ix), 0);
            cjkfts_reader *r;
            assert_int_equal(cjkfts_reader_open(ix, &r), 0);
            const ix_segment *g = ix_snapshot_segment(ix_reader_snapshot(r), 0);
            cf_err e = CF_ERR_INIT;
            for (uint32_t d = 0; d < n; d += 7) {
                ix_stored_doc sd;
                assert_int_equal(ix_seg_stored_get(g, d, &sd, &e), CJKFTS_ECORRUPT);
            }
            cf_handle_destroy(&e);
            cjkfts_reader_close(r);
            assert_int_equal(cjkfts_index_check(ix, 0), CJKFTS_ECORRUPT);
            cjkfts_index_close(ix);
        }
        free(b.data);
        for (unsigned i = 0; i < n; i++)
            th_doc_free(&docs[i]);
        free(docs);
        free(path);
        th_rmdir(tmp);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pfor),          cmocka_unit_test(test_pfor_bits),
        cmocka_unit_test(test_rice),          cmocka_unit_test(test_stored_dictionary),
        cmocka_unit_test(test_truncated),     cmocka_unit_test(test_bitflips),
        cmocka_unit_test(test_fuzz_decoders),
        cmocka_unit_test(test_versions),      cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_killed_writer), cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
