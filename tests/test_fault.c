/* test_fault.c: fault injection. The Nth allocation (cf_alloc_fail_after) or the Nth write,
 * fsync or rename (cf_io_fail_after) fails, for N = 0, 1, 2... until the operation succeeds:
 * creating an index, adding and committing (with segment flushes during adds), deleting,
 * merging (optimize and the merge policy), opening readers, searching, checking; and a commit
 * in a process short of file descriptors. Every failure
 * returns an error with a message; the writer recovers with a rollback; the index stays at its
 * last commit (reopened, deep-checked, every document compared), or, only when the failure hit
 * the directory fsync after the new MANIFEST was renamed into place, at the new commit; no file
 * is left behind once a writer has reopened; and nothing leaks (LeakSanitizer in the ASan
 * build). A summary line gives the number of injected failures per operation. */
#include "fuzz/fuzz_common.h" /* first: it sets _XOPEN_SOURCE */

#include <setjmp.h>
#include <stddef.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "index/index.h"

/* ---- documents and their expected state ----------------------------------------------------- */

#define MAXDOCS 64

typedef struct state {
    unsigned version[MAXDOCS]; /* 0: absent */
} state;

static char g_big[120000]; /* a body large enough that a few documents overflow 1 MiB */

static void body_of(unsigned i, unsigned v, char *out, size_t cap)
{
    static const char *const w[] = {"日本の国会", "美日同盟", "東京証券取引所", "alliance",
                                    "台灣選舉", "人工知能"};
    snprintf(out, cap, "allx d%u v%u %s %s", i, v, w[i % 6], w[(i + v) % 6]);
}

static int add(cjkfts_writer *w, state *s, unsigned i, bool big)
{
    char id[16], body[200];
    unsigned v = s->version[i] + 1;
    snprintf(id, sizeof id, "d%u", i);
    body_of(i, v, body, sizeof body);
    cjkfts_field extra = {"big", g_big, big ? sizeof g_big - 1 : 0};
    cjkfts_doc d = {id, CJKFTS_NTS, id, CJKFTS_NTS, body, CJKFTS_NTS, "2024-05-01", NULL,
                    &extra, 1};
    int rc = cjkfts_writer_add(w, &d);
    if (rc == 0)
        s->version[i] = v;
    return rc;
}

static int del(cjkfts_writer *w, state *s, unsigned i)
{
    char id[16];
    snprintf(id, sizeof id, "d%u", i);
    int rc = cjkfts_writer_delete(w, id, CJKFTS_NTS);
    if (rc == 0)
        s->version[i] = 0;
    return rc;
}

static unsigned live_of(const state *s)
{
    unsigned n = 0;
    for (unsigned i = 0; i < MAXDOCS; i++)
        n += s->version[i] != 0;
    return n;
}

/* The index (its last commit) holds exactly the documents of s. */
static void verify(const char *path, const state *s)
{
    cjkfts_index *ix = NULL;
    if (cjkfts_index_open(path, NULL, CJKFTS_OPEN_READONLY, &ix))
        fail_msg("reopen: %s", cjkfts_errmsg(ix));
    if (cjkfts_index_check(ix, CJKFTS_CHECK_DEEP))
        fail_msg("check: %s", cjkfts_errmsg(ix));
    cjkfts_reader *r = NULL;
    assert_int_equal(cjkfts_reader_open(ix, &r), 0);
    assert_int_equal(cjkfts_reader_doc_count(r), live_of(s));
    cjkfts_search_options o;
    cjkfts_search_options_init(&o);
    o.k = MAXDOCS + 1;
    o.snippet_chars = 0;
    cjkfts_hits *h = NULL;
    if (cjkfts_search_string(r, "allx", CJKFTS_MODE_AND, &o, &h))
        fail_msg("search: %s", cjkfts_errmsg(h));
    assert_int_equal(cjkfts_hits_count(h), live_of(s));
    for (size_t k = 0; k < cjkfts_hits_count(h); k++) {
        unsigned i = (unsigned)strtoul(cjkfts_hits_get(h, k)->id + 1, NULL, 10);
        assert_true(i < MAXDOCS && s->version[i] != 0);
        char body[200];
        body_of(i, s->version[i], body, sizeof body);
        const char *b = cjkfts_hits_field(h, k, "body", NULL);
        if (!b || strcmp(b, body) != 0)
            fail_msg("d%u: body \"%s\", want \"%s\"", i, b ? b : "(none)", body);
    }
    cjkfts_hits_free(h);
    cjkfts_reader_close(r);
    cjkfts_index_close(ix);
}

static uint64_t generation(const char *path)
{
    cjkfts_index *ix = NULL;
    cjkfts_index_stats st = {0};
    if (cjkfts_index_open(path, NULL, CJKFTS_OPEN_READONLY, &ix) ||
        cjkfts_index_stats_get(ix, &st))
        fail_msg("stats: %s", cjkfts_errmsg(ix));
    cjkfts_index_close(ix);
    return st.generation;
}

/* Only LOCK, MANIFEST and files of the last commit remain once a writer has opened. */
static void assert_clean(const char *path)
{
    cjkfts_index *ix = NULL;
    cjkfts_writer *w = NULL;
    assert_int_equal(cjkfts_index_open(path, NULL, 0, &ix), 0);
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    cjkfts_writer_close(w);
    cjkfts_index_close(ix);
    ix_manifest man;
    cf_err e = CF_ERR_INIT;
    assert_int_equal(ix_manifest_read(path, &man, &e), 0);
    DIR *d = opendir(path);
    assert_non_null(d);
    for (struct dirent *x; (x = readdir(d)) != NULL;) {
        if (x->d_name[0] == '.' || !strcmp(x->d_name, "LOCK") || !strcmp(x->d_name, "MANIFEST"))
            continue;
        unsigned long long sn = 0, g = 0;
        char ext[8] = "";
        bool ok = false;
        if (sscanf(x->d_name, "seg_%llu_%llu.%7s", &sn, &g, ext) == 3) {
            for (uint32_t i = 0; i < man.nsegs; i++)
                ok |= man.segs[i].segnum == sn && man.segs[i].del_gen == g;
        } else if (sscanf(x->d_name, "seg_%llu.%7s", &sn, ext) == 2) {
            for (uint32_t i = 0; i < man.nsegs; i++)
                ok |= man.segs[i].segnum == sn;
        }
        if (!ok)
            fail_msg("%s left behind", x->d_name);
    }
    closedir(d);
    ix_manifest_free(&man);
    cf_handle_destroy(&e);
}

/* ---- fixtures ------------------------------------------------------------------------------ */

static char *g_root;
static unsigned long g_alloc_faults, g_io_faults;

static int setup(void **st)
{
    (void)st;
    memset(g_big, 'x', sizeof g_big - 1);
    for (size_t i = 0; i + 1 < sizeof g_big; i += 97)
        g_big[i] = ' ';
    g_root = fz_tmpdir("fault");
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    printf("fault: %lu allocation failures and %lu write/fsync/rename/open failures injected\n",
           g_alloc_faults, g_io_faults);
    fz_rmtree(g_root);
    free(g_root);
    return 0;
}

/* A fresh index with documents 0..9 in two segments, 3 deleted, 4 replaced. */
static char *base_index(const char *name, state *s, int merge_factor)
{
    char *path = malloc(strlen(g_root) + strlen(name) + 2);
    sprintf(path, "%s/%s", g_root, name);
    fz_rmtree(path);
    memset(s, 0, sizeof *s);
    cjkfts_index_options o;
    cjkfts_index_options_init(&o);
    o.ram_budget = 1u << 20;
    o.merge_factor = merge_factor;
    cjkfts_index *ix = NULL;
    cjkfts_writer *w = NULL;
    assert_int_equal(cjkfts_index_open(path, &o, CJKFTS_OPEN_CREATE, &ix), 0);
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    for (unsigned i = 0; i < 10; i++) {
        assert_int_equal(add(w, s, i, false), 0);
        if (i == 5)
            assert_int_equal(cjkfts_writer_commit(w), 0);
    }
    assert_int_equal(del(w, s, 3), 0);
    assert_int_equal(add(w, s, 4, false), 0);
    assert_int_equal(cjkfts_writer_commit(w), 0);
    cjkfts_writer_close(w);
    cjkfts_index_close(ix);
    return path;
}

typedef enum { ALLOC, IO } fault_kind;

static void arm(fault_kind k, long n)
{
    if (k == ALLOC)
        cf_alloc_fail_after(n);
    else
        cf_io_fail_after(n);
}

static void disarm(void)
{
    cf_alloc_fail_after(-1);
    cf_io_fail_after(-1);
}

static void expect_error(int rc, const void *h, fault_kind k, const char *what)
{
    if (rc == 0)
        return;
    *(k == ALLOC ? &g_alloc_faults : &g_io_faults) += 1;
    int want = k == ALLOC ? CJKFTS_ENOMEM : CJKFTS_EIO;
    if (rc != want)
        fail_msg("%s under an injected %s failure returned %d (%s): %s", what,
                 k == ALLOC ? "allocation" : "I/O", rc, cjkfts_strerror(rc),
                 h ? cjkfts_errmsg(h) : "");
}

/* ---- writes: a batch of changes and a commit (or optimize) ---------------------------------- */

typedef struct batch {
    bool big;         /* documents large enough to flush segments during adds */
    bool optimize;    /* end with optimize instead of commit */
    bool no_rollback; /* after a failure, close the writer without a rollback */
} batch;

/* Apply the batch under faults from the Nth operation on; returns the commit's status (or the
 * first failure). s gets the state the batch leads to. */
static int run_batch(const char *path, fault_kind k, long n, const batch *b, state *s,
                     char *msg, size_t msgcap)
{
    cjkfts_index *ix = NULL;
    cjkfts_writer *w = NULL;
    cjkfts_index_options o;
    cjkfts_index_options_init(&o);
    o.ram_budget = 1u << 20;
    o.merge_factor = 2;
    assert_int_equal(cjkfts_index_open(path, &o, 0, &ix), 0);
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    arm(k, n);
    int rc = 0;
    for (unsigned i = 10; i < 10 + (b->big ? 12 : 3) && !rc; i++)
        rc = add(w, s, i, b->big);
    if (!rc)
        rc = del(w, s, 1);
    if (!rc)
        rc = add(w, s, 2, false);
    if (!rc)
        rc = b->optimize ? cjkfts_writer_optimize(w) : cjkfts_writer_commit(w);
    disarm();
    snprintf(msg, msgcap, "%s", cjkfts_errmsg(w));
    expect_error(rc, w, k, b->optimize ? "add/delete/optimize" : "add/delete/commit");
    if (rc) {
        if (!*cjkfts_errmsg(w))
            fail_msg("a failure without a message");
        /* a rollback brings the writer back to the last commit; now and then it fails
         * itself (allocations) and is retried */
        for (long r = n % 4 == 0 ? 0 : -1; !b->no_rollback; r++) {
            arm(k, r);
            int rr = cjkfts_writer_rollback(w);
            disarm();
            expect_error(rr, w, k, "rollback");
            if (rr == 0)
                break;
            if (cjkfts_writer_commit(w) != CJKFTS_EMISUSE)
                fail_msg("a writer whose rollback failed accepted a commit");
        }
    }
    cjkfts_writer_close(w);
    cjkfts_index_close(ix);
    return rc;
}

static void fault_writes(fault_kind k, const batch *b, const char *name)
{
    for (long n = 0;; n++) {
        state before, after;
        char *path = base_index(name, &before, 1000);
        uint64_t g0 = generation(path);
        after = before;
        char msg[512];
        int rc = run_batch(path, k, n, b, &after, msg, sizeof msg);
        uint64_t g = generation(path);
        if (rc == 0 || g == g0 + 1) {
            if (rc && !strstr(msg, "fsync directory"))
                fail_msg("n=%ld: the commit failed (%s) yet the new MANIFEST is in place", n,
                         msg);
            verify(path, &after);
        } else {
            assert_true(g == g0);
            verify(path, &before);
        }
        assert_clean(path);
        fz_rmtree(path);
        free(path);
        if (rc == 0)
            break;
    }
}

static void test_alloc_commit(void **st)
{
    (void)st;
    batch b = {false, false, false};
    fault_writes(ALLOC, &b, "alloc_commit");
}

static void test_alloc_flush_optimize(void **st)
{
    (void)st;
    batch b = {true, true, false};
    fault_writes(ALLOC, &b, "alloc_optimize");
}

static void test_io_commit(void **st)
{
    (void)st;
    batch b = {false, false, false};
    fault_writes(IO, &b, "io_commit");
}

static void test_io_flush_optimize(void **st)
{
    (void)st;
    batch b = {true, true, false};
    fault_writes(IO, &b, "io_optimize");
}

/* Closing the writer right after a failure (no rollback) discards only what no commit names. */
static void test_io_commit_close(void **st)
{
    (void)st;
    batch b = {false, false, true};
    fault_writes(IO, &b, "io_commit_close");
}

static void test_io_optimize_close(void **st)
{
    (void)st;
    batch b = {true, true, true};
    fault_writes(IO, &b, "io_optimize_close");
}

static void test_alloc_commit_close(void **st)
{
    (void)st;
    batch b = {false, false, true};
    fault_writes(ALLOC, &b, "alloc_commit_close");
}

/* The merge policy inside a plain commit: several small segments merge (factor 2). */
static void test_io_merge_policy(void **st)
{
    (void)st;
    batch b = {true, false, false};
    fault_writes(IO, &b, "io_merge");
}

/* ---- creating an index ----------------------------------------------------------------------- */

static void fault_create(fault_kind k)
{
    char path[600];
    snprintf(path, sizeof path, "%s/create", g_root);
    for (long n = 0;; n++) {
        fz_rmtree(path);
        cjkfts_index *ix = NULL;
        arm(k, n);
        int rc = cjkfts_index_open(path, NULL, CJKFTS_OPEN_CREATE, &ix);
        disarm();
        expect_error(rc, ix, k, "create");
        cjkfts_index_close(ix);
        /* afterwards there is no index yet, or a valid empty one */
        ix = NULL;
        if (cjkfts_index_open(path, NULL, CJKFTS_OPEN_CREATE, &ix))
            fail_msg("n=%ld: creating again: %s", n, cjkfts_errmsg(ix));
        cjkfts_index_close(ix);
        state empty = {{0}};
        verify(path, &empty);
        if (rc == 0)
            break;
    }
    fz_rmtree(path);
}

static void test_alloc_create(void **st)
{
    (void)st;
    fault_create(ALLOC);
}

static void test_io_create(void **st)
{
    (void)st;
    fault_create(IO);
}

/* ---- reads: reader, search of several kinds, stored fields, check, stats --------------------- */

static int read_all(const char *path, long n)
{
    cjkfts_index *ix = NULL;
    cjkfts_reader *r = NULL;
    cjkfts_query *q = NULL;
    cjkfts_hits *h = NULL;
    static const char *const queries[] = {"日本", "美日同盟 allx", "美", "alliance OR 台灣",
                                          "allx -国会", "date:2024..2025 allx"};
    arm(ALLOC, n);
    int rc = cjkfts_index_open(path, NULL, CJKFTS_OPEN_READONLY, &ix);
    expect_error(rc, ix, ALLOC, "open");
    if (!rc) {
        rc = cjkfts_reader_open(ix, &r);
        expect_error(rc, ix, ALLOC, "reader_open");
    }
    for (size_t i = 0; !rc && i < sizeof queries / sizeof queries[0]; i++) {
        rc = cjkfts_query_parse(r, queries[i], CJKFTS_NTS, (int)(i % 2), &q);
        expect_error(rc, r, ALLOC, "query_parse");
        cjkfts_search_options o;
        cjkfts_search_options_init(&o);
        o.explain = 1;
        if (!rc) {
            rc = cjkfts_search(r, q, &o, &h);
            expect_error(rc, h, ALLOC, "search");
        }
        for (size_t k = 0; !rc && k < cjkfts_hits_count(h); k++)
            (void)cjkfts_hits_field(h, k, "big", NULL);
        cjkfts_hits_free(h);
        cjkfts_query_free(q);
        h = NULL, q = NULL;
    }
    if (!rc) {
        rc = cjkfts_index_check(ix, CJKFTS_CHECK_DEEP);
        expect_error(rc, ix, ALLOC, "check");
    }
    if (!rc) {
        cjkfts_index_stats s;
        rc = cjkfts_index_stats_get(ix, &s);
        expect_error(rc, ix, ALLOC, "stats");
    }
    disarm();
    cjkfts_reader_close(r);
    cjkfts_index_close(ix);
    return rc;
}

static void test_alloc_reads(void **st)
{
    (void)st;
    state s;
    char *path = base_index("reads", &s, 1000);
    for (long n = 0; read_all(path, n) != 0; n++)
        ;
    verify(path, &s);
    fz_rmtree(path);
    free(path);
}

/* ---- running out of file descriptors ------------------------------------------------------ */

/* In a child limited to 3 + `spare` file descriptors (fewer than it has open): add a batch and
 * commit.
 * Exit 0 when the commit succeeded, 10 when it failed with CJKFTS_EIO, 1 on anything else. */
static void commit_with_few_fds(const char *path, unsigned spare)
{
    cjkfts_index_options o;
    cjkfts_index_options_init(&o);
    o.merge_factor = 2;
    cjkfts_index *ix = NULL;
    cjkfts_writer *w = NULL;
    if (cjkfts_index_open(path, &o, 0, &ix) || cjkfts_writer_open(ix, &w))
        _exit(1);
    state s = {{0}};
    for (unsigned i = 10; i < 14; i++)
        if (add(w, &s, i, false))
            _exit(1);
    /* past the limit no descriptor can be opened, even where one is closed above it */
    struct rlimit rl = {(rlim_t)3 + spare, (rlim_t)3 + spare};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        _exit(1);
    int rc = cjkfts_writer_commit(w);
    _exit(rc == 0 ? 0 : rc == CJKFTS_EIO && *cjkfts_errmsg(w) ? 10 : 1);
}

static void test_few_fds(void **st)
{
    (void)st;
    for (unsigned spare = 0;; spare++) {
        state before;
        char *path = base_index("fds", &before, 1000);
        uint64_t g0 = generation(path);
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            commit_with_few_fds(path, spare);
        int ws;
        assert_int_equal(waitpid(pid, &ws, 0), pid);
        assert_true(WIFEXITED(ws));
        int code = WEXITSTATUS(ws);
        if (code != 0 && code != 10)
            fail_msg("spare %u: the child failed (exit %d)", spare, code);
        uint64_t g = generation(path);
        if (code == 10 && g == g0) {
            verify(path, &before);
            g_io_faults++;
        } else { /* committed (or renamed before the failure): the four new documents */
            state after = before;
            for (unsigned i = 10; i < 14; i++)
                after.version[i] = 1;
            assert_true(g == g0 + 1);
            verify(path, &after);
        }
        assert_clean(path);
        fz_rmtree(path);
        free(path);
        if (code == 0)
            break;
    }
}

/* ---- the hooks themselves ----------------------------------------------------------------- */

static void test_io_hook(void **st)
{
    (void)st;
    char path[600];
    snprintf(path, sizeof path, "%s/hook", g_root);
    cf_err e = CF_ERR_INIT;
    cf_io_fail_after(1); /* the write succeeds, the fsync fails */
    assert_int_equal(cf_file_write_sync(path, "abc", 3, &e), CJKFTS_EIO);
    assert_non_null(strstr(e.msg, "fsync"));
    cf_io_fail_after(0);
    assert_int_equal(cf_file_write_sync(path, "abc", 3, &e), CJKFTS_EIO);
    assert_non_null(strstr(e.msg, "write"));
    char to[700];
    snprintf(to, sizeof to, "%s.2", path);
    assert_int_equal(cf_rename(path, to), -1);
    cf_io_fail_after(-1);
    assert_int_equal(cf_rename(path, to), 0);
    assert_int_equal(unlink(to), 0);
    cf_handle_destroy(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_io_hook),
        cmocka_unit_test(test_alloc_create),
        cmocka_unit_test(test_io_create),
        cmocka_unit_test(test_alloc_commit),
        cmocka_unit_test(test_io_commit),
        cmocka_unit_test(test_io_commit_close),
        cmocka_unit_test(test_io_optimize_close),
        cmocka_unit_test(test_alloc_commit_close),
        cmocka_unit_test(test_io_merge_policy),
        cmocka_unit_test(test_alloc_flush_optimize),
        cmocka_unit_test(test_io_flush_optimize),
        cmocka_unit_test(test_alloc_reads),
        cmocka_unit_test(test_few_fds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
