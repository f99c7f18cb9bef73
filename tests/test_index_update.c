/* test_index_update.c: the writer over time: many small flushes under a tiny RAM budget,
 * replace and delete by id (committed and buffered), merges and optimize keeping every
 * posting, readers isolated from later commits, the writer lock, rollback, cleanup of files a
 * crashed writer left behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "index_helpers.h"

static cjkfts_index_stats stats(cjkfts_index *ix)
{
    cjkfts_index_stats st;
    assert_int_equal(cjkfts_index_stats_get(ix, &st), 0);
    return st;
}

static size_t count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

static void docs_free(tdoc *docs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        th_doc_free(&docs[i]);
    free(docs);
}

/* ---- tiny budget ---------------------------------------------------------------------------- */

static void test_many_flushes(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *p1 = th_path(tmp, "a"), *p2 = th_path(tmp, "b");
    enum { N = 3000 };
    tdoc *docs = calloc(N, sizeof *docs);
    th_rng rng = {99};
    for (unsigned i = 0; i < N; i++)
        th_gen(&docs[i], &rng, i, 60 + th_rand(&rng) % 200);
    /* no merging: one segment per flush */
    cjkfts_index *ix = th_open(p1, 1u << 20, 1000);
    cjkfts_writer *w;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    for (unsigned i = 0; i < N; i++)
        th_add(w, &docs[i]);
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
    cjkfts_index_stats st = stats(ix);
    assert_true(st.segments >= 3);
    assert_int_equal(st.docs, N);
    th_verify(ix, docs, N);
    /* flushes happen when the buffer is full, not more often: segments but the last are of
     * similar size */
    cjkfts_reader *r;
    assert_int_equal(cjkfts_reader_open(ix, &r), 0);
    const ix_snapshot *s = ix_reader_snapshot(r);
    uint32_t lo = UINT32_MAX, hi = 0;
    for (uint32_t i = 0; i + 1 < ix_snapshot_segment_count(s); i++) {
        uint32_t n = ix_seg_doc_count(ix_snapshot_segment(s, i));
        lo = n < lo ? n : lo;
        hi = n > hi ? n : hi;
    }
    assert_true(lo >= 100 && hi < 2 * lo);
    cjkfts_reader_close(r);
    cjkfts_index_close(ix);
    /* merging three at a time while flushing */
    ix = th_open(p2, 1u << 20, 3);
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    for (unsigned i = 0; i < N; i++) {
        th_add(w, &docs[i]);
        if (i % 500 == 499)
            assert_int_equal(cjkfts_writer_commit(w), 0);
    }
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
    cjkfts_index_stats st2 = stats(ix);
    assert_true(st2.segments < st.segments);
    assert_int_equal(st2.docs, N);
    th_verify(ix, docs, N);
    cjkfts_index_close(ix);
    docs_free(docs, N);
    free(p1);
    free(p2);
    th_rmdir(tmp);
}

/* ---- replace and delete ------------------------------------------------------------------- */

static void replace_doc(cjkfts_writer *w, tdoc *d, th_rng *rng)
{
    th_doc_free(d);
    d->title = th_text(rng, 3);
    d->body = th_text(rng, 40);
    d->live = 1;
    th_add(w, d);
}

static void test_replace_delete(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    enum { N = 600, M = 700 };
    tdoc *docs = calloc(M, sizeof *docs);
    th_rng rng = {5};
    for (unsigned i = 0; i < M; i++)
        th_gen(&docs[i], &rng, i, 0);
    cjkfts_index *ix = th_open(path, 0, 0);
    cjkfts_writer *w;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    for (unsigned i = 0; i < N; i++)
        th_add(w, &docs[i]);
    assert_int_equal(cjkfts_writer_commit(w), 0);
    /* committed documents: replace every 10th, delete every 17th */
    for (unsigned i = 0; i < N; i += 10)
        replace_doc(w, &docs[i], &rng);
    unsigned deleted = 0;
    for (unsigned i = 3; i < N; i += 17) {
        int rc = cjkfts_writer_delete(w, docs[i].id, CJKFTS_NTS);
        assert_int_equal(rc, docs[i].live ? 0 : CJKFTS_ENOTFOUND);
        deleted += docs[i].live;
        docs[i].live = 0;
    }
    /* buffered documents: add, replace twice, delete */
    for (unsigned i = N; i < M; i++)
        th_add(w, &docs[i]);
    for (unsigned i = N; i < M; i += 7)
        replace_doc(w, &docs[i], &rng);
    for (unsigned i = N; i < M; i += 7)
        replace_doc(w, &docs[i], &rng);
    for (unsigned i = N + 1; i < M; i += 9) {
        assert_int_equal(cjkfts_writer_delete(w, docs[i].id, CJKFTS_NTS), 0);
        docs[i].live = 0;
        deleted++;
    }
    assert_int_equal(cjkfts_writer_delete(w, "no-such-id", CJKFTS_NTS), CJKFTS_ENOTFOUND);
    assert_non_null(strstr(cjkfts_errmsg(w), "no-such-id"));
    /* not visible before the commit */
    cjkfts_reader *r;
    assert_int_equal(cjkfts_reader_open(ix, &r), 0);
    assert_int_equal(cjkfts_reader_doc_count(r), N);
    cjkfts_reader_close(r);
    assert_int_equal(cjkfts_writer_commit(w), 0);
    size_t live = 0;
    for (unsigned i = 0; i < M; i++)
        live += docs[i].live;
    assert_int_equal(live, M - deleted);
    th_verify(ix, docs, M);
    cjkfts_index_stats st = stats(ix);
    assert_int_equal(st.docs, live);
    assert_true(st.deleted_docs > 0);
    /* deleting again: not found; re-adding a deleted id brings it back */
    assert_int_equal(cjkfts_writer_delete(w, docs[3].id, CJKFTS_NTS), CJKFTS_ENOTFOUND);
    replace_doc(w, &docs[3], &rng);
    assert_int_equal(cjkfts_writer_commit(w), 0);
    th_verify(ix, docs, M);
    /* optimize: one segment, nothing deleted left */
    assert_int_equal(cjkfts_writer_optimize(w), 0);
    st = stats(ix);
    assert_int_equal(st.segments, 1);
    assert_int_equal(st.deleted_docs, 0);
    assert_int_equal(st.docs, live + 1);
    assert_int_equal(count_files(path, "seg_"), 6); /* one segment, no .del */
    th_verify(ix, docs, M);
    /* optimize again: nothing to do, no new commit */
    uint64_t gen = st.generation;
    assert_int_equal(cjkfts_writer_optimize(w), 0);
    assert_int_equal(stats(ix).generation, gen);
    /* delete everything: the segment goes away */
    for (unsigned i = 0; i < M; i++)
        if (docs[i].live) {
            assert_int_equal(cjkfts_writer_delete(w, docs[i].id, CJKFTS_NTS), 0);
            docs[i].live = 0;
        }
    assert_int_equal(cjkfts_writer_commit(w), 0);
    st = stats(ix);
    assert_int_equal(st.segments, 0);
    assert_int_equal(st.docs, 0);
    assert_int_equal(count_files(path, "seg_"), 0);
    th_verify(ix, docs, M);
    cjkfts_writer_close(w);
    cjkfts_index_close(ix);
    docs_free(docs, M);
    free(path);
    th_rmdir(tmp);
}

/* ---- merges keep every posting; readers keep their snapshot -------------------------------- */

static void test_merge_and_snapshots(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    enum { N = 1200 };
    tdoc *docs = calloc(N, sizeof *docs);
    th_rng rng = {77};
    for (unsigned i = 0; i < N; i++)
        th_gen(&docs[i], &rng, i, 0);
    cjkfts_index *ix = th_open(path, 0, 1000);
    cjkfts_writer *w;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    for (unsigned i = 0; i < N; i++) { /* 12 commits = 12 segments */
        th_add(w, &docs[i]);
        if (i % 100 == 99)
            assert_int_equal(cjkfts_writer_commit(w), 0);
    }
    for (unsigned i = 0; i < N; i += 11) {
        assert_int_equal(cjkfts_writer_delete(w, docs[i].id, CJKFTS_NTS), 0);
        docs[i].live = 0;
    }
    assert_int_equal(cjkfts_writer_commit(w), 0);
    assert_int_equal(stats(ix).segments, 12);
    /* a reader of this commit, and its postings */
    cjkfts_reader *old;
    assert_int_equal(cjkfts_reader_open(ix, &old), 0);
    strvec before = {0};
    th_actual(ix_reader_snapshot(old), &before);
    /* optimize removes every file the old reader mapped */
    assert_int_equal(cjkfts_writer_optimize(w), 0);
    assert_int_equal(stats(ix).segments, 1);
    th_verify(ix, docs, N);
    cjkfts_reader *now;
    assert_int_equal(cjkfts_reader_open(ix, &now), 0);
    strvec after = {0}, again = {0};
    th_actual(ix_reader_snapshot(now), &after);
    sv_assert_equal(&before, &after);
    /* the old reader still reads its (unlinked) files */
    th_actual(ix_reader_snapshot(old), &again);
    sv_assert_equal(&before, &again);
    /* and a later change does not show in either */
    assert_int_equal(cjkfts_writer_delete(w, docs[1].id, CJKFTS_NTS), 0);
    assert_int_equal(cjkfts_writer_commit(w), 0);
    uint64_t live = 0;
    for (unsigned i = 0; i < N; i++)
        live += docs[i].live;
    assert_int_equal(cjkfts_reader_doc_count(old), live);
    assert_int_equal(cjkfts_reader_doc_count(now), live);
    docs[1].live = 0;
    th_verify(ix, docs, N);
    cjkfts_reader_close(old);
    cjkfts_reader_close(now);
    sv_free(&before);
    sv_free(&after);
    sv_free(&again);
    cjkfts_writer_close(w);
    cjkfts_index_close(ix);
    docs_free(docs, N);
    free(path);
    th_rmdir(tmp);
}

/* The log policy: with merge_factor 4, committing one small segment at a time never leaves
 * 4 segments of the same level. */
static void test_merge_policy(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    enum { N = 400 };
    tdoc *docs = calloc(N, sizeof *docs);
    th_rng rng = {3};
    for (unsigned i = 0; i < N; i++)
        th_gen(&docs[i], &rng, i, 10);
    cjkfts_index *ix = th_open(path, 0, 4);
    cjkfts_writer *w;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    for (unsigned i = 0; i < N; i++) {
        th_add(w, &docs[i]);
        if (i % 10 == 9) {
            assert_int_equal(cjkfts_writer_commit(w), 0);
            assert_true(stats(ix).segments < 4); /* all are below 1000 docs: one level */
        }
    }
    cjkfts_writer_close(w);
    th_verify(ix, docs, N);
    cjkfts_index_close(ix);
    docs_free(docs, N);
    free(path);
    th_rmdir(tmp);
}

/* ---- lock, rollback, cleanup -------------------------------------------------------------- */

static void test_lock(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    cjkfts_index *ix = th_open(path, 0, 0), *ix2 = th_open(path, 0, 0);
    cjkfts_writer *w, *w2;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    assert_int_equal(cjkfts_writer_open(ix, &w2), CJKFTS_ELOCKED);
    assert_null(w2);
    assert_non_null(strstr(cjkfts_errmsg(ix), "LOCK"));
    assert_int_equal(cjkfts_writer_open(ix2, &w2), CJKFTS_ELOCKED);
    /* another process */
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        cjkfts_index *c;
        cjkfts_index_options o;
        cjkfts_index_options_init(&o);
        o.analyzer_class = &ws_class;
        int rc = cjkfts_index_open(path, &o, 0, &c);
        cjkfts_writer *cw = NULL;
        if (rc == 0)
            rc = cjkfts_writer_open(c, &cw);
        _exit(rc == CJKFTS_ELOCKED ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* a reader is never blocked by the writer */
    tdoc d = {0};
    th_rng rng = {1};
    th_gen(&d, &rng, 1, 5);
    th_add(w, &d);
    cjkfts_reader *r;
    assert_int_equal(cjkfts_reader_open(ix2, &r), 0);
    cjkfts_reader_close(r);
    cjkfts_writer_close(w);
    assert_int_equal(cjkfts_writer_open(ix2, &w2), 0);
    cjkfts_writer_close(w2);
    th_doc_free(&d);
    cjkfts_index_close(ix);
    cjkfts_index_close(ix2);
    free(path);
    th_rmdir(tmp);
}

static void touch(const char *dir, const char *name)
{
    char *p = th_path(dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("junk", f);
    fclose(f);
    free(p);
}

static void test_rollback_and_cleanup(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    enum { N = 50 };
    tdoc docs[N];
    th_rng rng = {11};
    for (unsigned i = 0; i < N; i++)
        th_gen(&docs[i], &rng, i, 20);
    cjkfts_index *ix = th_open(path, 1u << 20, 0);
    cjkfts_writer *w;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    for (unsigned i = 0; i < N / 2; i++)
        th_add(w, &docs[i]);
    assert_int_equal(cjkfts_writer_commit(w), 0);
    size_t files = count_files(path, "seg_");
    for (unsigned i = N / 2; i < N; i++)
        th_add(w, &docs[i]);
    assert_int_equal(cjkfts_writer_delete(w, docs[0].id, CJKFTS_NTS), 0);
    assert_int_equal(cjkfts_writer_rollback(w), 0);
    assert_int_equal(count_files(path, "seg_"), files);
    assert_int_equal(cjkfts_writer_commit(w), 0); /* nothing to commit */
    assert_int_equal(stats(ix).generation, 1);
    for (unsigned i = N / 2; i < N; i++)
        docs[i].live = 0;
    th_verify(ix, docs, N);
    /* close discards uncommitted work, files included */
    th_add(w, &docs[N - 1]);
    cjkfts_writer_close(w);
    assert_int_equal(count_files(path, "seg_"), files);
    /* leftovers of a crashed writer go at the next writer open; foreign files stay */
    touch(path, "seg_999.tid");
    touch(path, "seg_1_77.del");
    touch(path, "MANIFEST.tmp");
    touch(path, "notes.txt");
    th_verify(ix, docs, N); /* readers do not care */
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    assert_int_equal(count_files(path, "seg_"), files);
    assert_int_equal(count_files(path, "MANIFEST.tmp"), 0);
    assert_int_equal(count_files(path, "notes.txt"), 1);
    cjkfts_writer_close(w);
    th_verify(ix, docs, N);
    cjkfts_index_close(ix);
    for (unsigned i = 0; i < N; i++)
        th_doc_free(&docs[i]);
    free(path);
    th_rmdir(tmp);
}

/* ---- concurrent readers ------------------------------------------------------------------- */

typedef struct walk_job {
    const ix_snapshot *s;
    uint64_t sum; /* checksum of every (segment, field, term, doc, position) */
    int errors;
} walk_job;

static void *walk_thread(void *arg)
{
    walk_job *j = arg;
    cf_err e = CF_ERR_INIT;
    for (uint32_t gi = 0; gi < ix_snapshot_segment_count(j->s); gi++) {
        const ix_segment *g = ix_snapshot_segment(j->s, gi);
        for (int f = 0; f < IX_NFIELDS; f++) {
            ix_term_iter *it;
            if (ix_seg_prefix_iter(g, f, "", 0, &it, &e)) {
                j->errors++;
                continue;
            }
            const char *t;
            size_t tl;
            ix_term_info ti;
            while (ix_term_iter_next(it, &t, &tl, &ti, &e) == 1) {
                ix_term_info t2;
                ix_postings *p;
                if (ix_seg_term_get(g, f, t, tl, &t2, &e) ||
                    ix_postings_open(g, &t2, IX_POST_POSITIONS, &p, &e)) {
                    j->errors++;
                    continue;
                }
                uint64_t th = cf_hash64(t, tl);
                for (uint32_t d; (d = ix_postings_next(p)) != IX_NO_MORE_DOCS;) {
                    const uint32_t *pos;
                    int n = ix_postings_positions(p, &pos);
                    for (int k = 0; k < n; k++)
                        j->sum += (th ^ ((uint64_t)gi << 48 | (uint64_t)d << 20 | pos[k])) *
                                  0x9e3779b97f4a7c15ull;
                }
                j->errors += ix_postings_error(p, &e) != 0;
                ix_postings_free(p);
            }
            ix_term_iter_free(it);
        }
        for (uint32_t d = 0; d < ix_seg_doc_count(g); d++) {
            ix_stored_doc sd;
            if (ix_seg_stored_get(g, d, &sd, &e) == 0) {
                j->sum += cf_hash64(sd.fields[2].value, sd.fields[2].value_len);
                ix_stored_doc_free(&sd);
            } else {
                j->errors++;
            }
        }
    }
    cf_handle_destroy(&e);
    return NULL;
}

static void test_concurrent_readers(void **state)
{
    (void)state;
    char *tmp = th_tmpdir(), *path = th_path(tmp, "idx");
    enum { N = 600, T = 4 };
    tdoc *docs = calloc(N, sizeof *docs);
    th_rng rng = {21};
    for (unsigned i = 0; i < N; i++)
        th_gen(&docs[i], &rng, i, 0);
    cjkfts_index *ix = th_open(path, 0, 3);
    cjkfts_writer *w;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    for (unsigned i = 0; i < N / 2; i++) {
        th_add(w, &docs[i]);
        if (i % 50 == 49)
            assert_int_equal(cjkfts_writer_commit(w), 0);
    }
    cjkfts_reader *r;
    assert_int_equal(cjkfts_reader_open(ix, &r), 0);
    walk_job ref = {ix_reader_snapshot(r), 0, 0};
    walk_thread(&ref);
    assert_int_equal(ref.errors, 0);
    pthread_t th[T];
    walk_job jobs[T];
    for (int i = 0; i < T; i++) {
        jobs[i] = (walk_job){ix_reader_snapshot(r), 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, walk_thread, &jobs[i]), 0);
    }
    /* meanwhile the writer goes on, merges and optimizes the files away */
    for (unsigned i = N / 2; i < N; i++) {
        th_add(w, &docs[i]);
        if (i % 50 == 49)
            assert_int_equal(cjkfts_writer_commit(w), 0);
    }
    assert_int_equal(cjkfts_writer_optimize(w), 0);
    for (int i = 0; i < T; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(jobs[i].errors, 0);
        assert_true(jobs[i].sum == ref.sum);
    }
    assert_int_equal(cjkfts_reader_doc_count(r), N / 2);
    cjkfts_reader_close(r);
    cjkfts_writer_close(w);
    th_verify(ix, docs, N);
    cjkfts_index_close(ix);
    docs_free(docs, N);
    free(path);
    th_rmdir(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_flushes),
        cmocka_unit_test(test_replace_delete),
        cmocka_unit_test(test_merge_and_snapshots),
        cmocka_unit_test(test_merge_policy),
        cmocka_unit_test(test_lock),
        cmocka_unit_test(test_rollback_and_cleanup),
        cmocka_unit_test(test_concurrent_readers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
