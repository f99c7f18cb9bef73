/* test_concurrency.c: readers in several threads and processes search while one writer adds,
 * deletes, commits and merges. Commit g adds a batch of BATCH documents tagged with g's own word
 * and deletes the whole batch of commit g-3 (merge factor 2, optimize every fifth commit), so a
 * consistent snapshot of commit c holds exactly the batches max(1, c-2)..c, each complete. Every
 * reader checks, on snapshot after snapshot: each batch's tag finds 0 or BATCH documents, the
 * batches present are consecutive and end at the newest, their sum is the reader's document
 * count and what a search for the common word finds; one shared reader is searched by every
 * thread at once with queries of every kind (snippets, explanations, stored fields) and must
 * give the same answers every time; half the threads open their readers on one shared index
 * handle. A second writer is refused
 * (CJKFTS_ELOCKED) in this process and in another one. `make tsan` runs this under
 * ThreadSanitizer with CJKFTS_CONC_LONG=1 (more commits). */
#include "fuzz/fuzz_common.h" /* first: it sets _XOPEN_SOURCE */

#include <setjmp.h>
#include <stddef.h>

#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/wait.h>

#define BATCH 7
#define THREADS 3
#define PROCS 2

static char *g_path;
static unsigned g_commits;
static atomic_uint g_ready;    /* the writer holds the lock */
static atomic_uint g_done;     /* the writer finished */
static atomic_uint g_snapshots; /* consistent snapshots checked, over every reader */
static cjkfts_reader *g_shared;
static uint64_t g_shared_count;

/* The tag of commit g: letters that no stemmer rule touches (no vowels, no s). */
static void tag_of(unsigned g, char *out)
{
    static const char k[] = "bcdfghjkmnpqrtvw";
    out[0] = 'z', out[1] = 'q';
    for (int i = 0; i < 4; i++)
        out[2 + i] = k[(g >> (4 * (3 - i))) & 15];
    out[6] = 0;
}

static cjkfts_index_options options(void)
{
    cjkfts_index_options o;
    cjkfts_index_options_init(&o);
    o.merge_factor = 2;
    o.ram_budget = 1u << 20;
    return o;
}

/* ---- the writer ----------------------------------------------------------------------------- */

/* Commits `from`..`to` on a fresh writer. */
static void write_commits(unsigned from, unsigned to)
{
    cjkfts_index_options o = options();
    cjkfts_index *ix = NULL;
    cjkfts_writer *w = NULL;
    if (cjkfts_index_open(g_path, &o, CJKFTS_OPEN_CREATE, &ix) || cjkfts_writer_open(ix, &w))
        fz_die("writer: %s", cjkfts_errmsg(ix));
    atomic_store(&g_ready, 1);
    char id[32], tag[8], body[256];
    for (unsigned g = from; g <= to; g++) {
        tag_of(g, tag);
        for (unsigned i = 0; i < BATCH; i++) {
            snprintf(id, sizeof id, "g%u-%u", g, i);
            snprintf(body, sizeof body, "allx %s 日本の国会 美日同盟 %u", tag, i);
            cjkfts_doc d = {id, CJKFTS_NTS, tag, CJKFTS_NTS, body, CJKFTS_NTS, NULL, NULL,
                            NULL, 0};
            if (cjkfts_writer_add(w, &d))
                fz_die("add: %s", cjkfts_errmsg(w));
        }
        for (unsigned i = 0; g > 3 && i < BATCH; i++) {
            snprintf(id, sizeof id, "g%u-%u", g - 3, i);
            if (cjkfts_writer_delete(w, id, CJKFTS_NTS))
                fz_die("delete %s: %s", id, cjkfts_errmsg(w));
        }
        int rc = g % 5 == 0 ? cjkfts_writer_optimize(w) : cjkfts_writer_commit(w);
        if (rc)
            fz_die("commit %u: %s", g, cjkfts_errmsg(w));
    }
    cjkfts_writer_close(w);
    cjkfts_index_close(ix);
}

static void *writer_main(void *arg)
{
    (void)arg;
    write_commits(3, g_commits);
    atomic_store(&g_done, 1);
    return NULL;
}

/* ---- readers ------------------------------------------------------------------------------- */

static uint64_t count_of(cjkfts_reader *r, const char *q)
{
    cjkfts_search_options o;
    cjkfts_search_options_init(&o);
    o.k = 4 * BATCH;
    o.snippet_chars = 0;
    cjkfts_hits *h = NULL;
    if (cjkfts_search_string(r, q, CJKFTS_MODE_AND, &o, &h))
        fz_die("search %s: %s", q, cjkfts_errmsg(h));
    int exact;
    uint64_t n = cjkfts_hits_total(h, &exact);
    if (!exact || n < cjkfts_hits_count(h))
        fz_die("search %s: inexact total", q);
    cjkfts_hits_free(h);
    return n;
}

/* One snapshot: batches all-or-nothing, consecutive, ending at the newest, summing up. */
static void check_snapshot(cjkfts_reader *r)
{
    uint64_t docs = cjkfts_reader_doc_count(r), sum = 0;
    unsigned first = 0, last = 0;
    char tag[8];
    for (unsigned g = 1; g <= g_commits; g++) {
        tag_of(g, tag);
        uint64_t n = count_of(r, tag);
        if (n != 0 && n != BATCH)
            fz_die("batch %u: %llu of %d documents visible", g, (unsigned long long)n, BATCH);
        if (n == BATCH) {
            if (first && last != g - 1)
                fz_die("batches %u..%u then %u: a hole", first, last, g);
            first = first ? first : g;
            last = g;
            sum += n;
        }
    }
    if (last && first != (last > 2 ? last - 2 : 1))
        fz_die("snapshot holds batches %u..%u, want %u..%u", first, last,
               last > 2 ? last - 2 : 1, last);
    if (sum != docs || count_of(r, "allx") != docs)
        fz_die("snapshot counts %llu documents, batches hold %llu",
               (unsigned long long)docs, (unsigned long long)sum);
    if (cjkfts_reader_doc_count(r) != docs || count_of(r, "allx") != docs)
        fz_die("the snapshot changed while in use");
}

/* Queries of every kind on the shared reader: ids, scores, snippets and explanations must be
 * the same in every thread and every time. */
static const char *const g_kinds[] = {"日本", "美日同盟 allx", "美", "国会 OR zqbbbb",
                                      "allx -zqbbbc", "\"日本 の\"", "title:zqbbbc"};
#define NKINDS (sizeof g_kinds / sizeof g_kinds[0])
static char *g_expect[NKINDS];

static char *signature(cjkfts_reader *r, const char *q, int mode)
{
    cjkfts_search_options o;
    cjkfts_search_options_init(&o);
    o.k = 5;
    o.explain = 1;
    cjkfts_hits *h = NULL;
    if (cjkfts_search_string(r, q, mode, &o, &h))
        fz_die("search %s: %s", q, cjkfts_errmsg(h));
    size_t cap = 256, len = 0;
    char *s = malloc(cap);
    s[0] = 0;
    for (size_t i = 0; i < cjkfts_hits_count(h); i++) {
        const cjkfts_hit *x = cjkfts_hits_get(h, i);
        size_t need = strlen(x->id) + strlen(x->snippet) + strlen(x->explain) + 64;
        if (len + need >= cap)
            s = realloc(s, cap = 2 * (len + need));
        len += (size_t)snprintf(s + len, cap - len, "%s %.17g %s %s|", x->id, x->score,
                                x->snippet, x->explain);
        (void)cjkfts_hits_field(h, i, "body", NULL);
    }
    cjkfts_hits_free(h);
    return s;
}

static void check_shared(void)
{
    check_snapshot(g_shared);
    if (count_of(g_shared, "allx") != g_shared_count ||
        cjkfts_reader_doc_count(g_shared) != g_shared_count)
        fz_die("the shared reader moved away from its commit");
    for (size_t i = 0; i < NKINDS; i++) {
        char *s = signature(g_shared, g_kinds[i], (int)(i % 2));
        if (strcmp(s, g_expect[i]) != 0)
            fz_die("query \"%s\" on the shared reader answered differently", g_kinds[i]);
        free(s);
    }
}

static cjkfts_index *g_ix; /* the main thread's index handle, shared by some readers */

/* Snapshots until the writer is done (and one more after); readers opened on an index handle
 * of this thread's own, or on the shared one. */
static void reader_loop(bool shared, bool own_handle)
{
    cjkfts_index_options o = options();
    cjkfts_index *ix = g_ix;
    if (own_handle && cjkfts_index_open(g_path, &o, CJKFTS_OPEN_READONLY, &ix))
        fz_die("reader: index_open: %s", cjkfts_errmsg(ix));
    for (bool last = false; !last;) {
        last = atomic_load(&g_done) != 0;
        cjkfts_reader *r = NULL;
        if (cjkfts_reader_open(ix, &r))
            fz_die("reader_open: %s", cjkfts_errmsg(ix));
        check_snapshot(r);
        cjkfts_query *q = NULL; /* a reader of its own: parse errors may go on it */
        if (cjkfts_query_parse(r, "(allx", CJKFTS_NTS, CJKFTS_MODE_AND, &q) != CJKFTS_ESYNTAX)
            fz_die("a syntax error was not reported");
        cjkfts_reader_close(r);
        if (shared)
            check_shared();
        atomic_fetch_add(&g_snapshots, 1);
    }
    if (own_handle)
        cjkfts_index_close(ix);
}

static void *reader_main(void *arg)
{
    reader_loop(true, (intptr_t)arg % 2 == 0);
    return NULL;
}

/* ---- the test ------------------------------------------------------------------------------ */

static void test_readers_while_writing(void **state)
{
    (void)state;
    const char *e = getenv("CJKFTS_CONC_LONG");
    g_commits = e && *e && strcmp(e, "0") ? 120 : 25;
    char *dir = fz_tmpdir("conc");
    char path[600];
    snprintf(path, sizeof path, "%s/ix", dir);
    g_path = path;
    atomic_store(&g_ready, 0);
    atomic_store(&g_done, 0);
    atomic_store(&g_snapshots, 0);

    /* two commits first, for the shared reader, which must stay at them */
    write_commits(1, 2);
    atomic_store(&g_ready, 0);
    cjkfts_index_options o = options();
    cjkfts_index *ix = NULL;
    assert_int_equal(cjkfts_index_open(path, &o, 0, &ix), 0);
    assert_int_equal(cjkfts_reader_open(ix, &g_shared), 0);
    g_ix = ix;
    for (size_t i = 0; i < NKINDS; i++)
        g_expect[i] = signature(g_shared, g_kinds[i], (int)(i % 2));
    g_shared_count = cjkfts_reader_doc_count(g_shared);
    assert_int_equal(g_shared_count, 2 * BATCH);

    fflush(NULL);
    pid_t procs[PROCS];
    for (int i = 0; i < PROCS; i++) {
        procs[i] = fork();
        assert_true(procs[i] >= 0);
        if (procs[i] == 0) { /* reader processes stop when the writer's last commit shows */
            cjkfts_index *cix = NULL;
            assert_int_equal(cjkfts_index_open(path, &o, CJKFTS_OPEN_READONLY, &cix), 0);
            for (;;) {
                cjkfts_reader *r = NULL;
                if (cjkfts_reader_open(cix, &r))
                    _exit(2);
                check_snapshot(r);
                char tag[8];
                tag_of(g_commits, tag);
                bool end = count_of(r, tag) == BATCH;
                cjkfts_reader_close(r);
                if (end)
                    break;
            }
            cjkfts_index_close(cix);
            _exit(0);
        }
    }
    pthread_t wt, rt[THREADS];
    assert_int_equal(pthread_create(&wt, NULL, writer_main, NULL), 0);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&rt[i], NULL, reader_main, (void *)(intptr_t)i), 0);

    /* meanwhile: a second writer is refused, here and from another process */
    while (!atomic_load(&g_ready))
        sched_yield();
    cjkfts_writer *w2 = NULL;
    int rc = cjkfts_writer_open(ix, &w2);
    if (!atomic_load(&g_done)) {
        assert_int_equal(rc, CJKFTS_ELOCKED);
        pid_t p = fork();
        if (p == 0)
            _exit(cjkfts_writer_open(ix, &w2) == CJKFTS_ELOCKED || atomic_load(&g_done) ? 0 : 1);
        int st;
        assert_int_equal(waitpid(p, &st, 0), p);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }

    assert_int_equal(pthread_join(wt, NULL), 0);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(rt[i], NULL), 0);
    for (int i = 0; i < PROCS; i++) {
        int st;
        assert_int_equal(waitpid(procs[i], &st, 0), procs[i]);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            fail_msg("reader process %d failed", i);
    }
    check_shared();
    cjkfts_reader_close(g_shared);
    for (size_t i = 0; i < NKINDS; i++)
        free(g_expect[i]);
    assert_int_equal(cjkfts_index_check(ix, CJKFTS_CHECK_DEEP), 0);
    cjkfts_index_close(ix);
    printf("concurrency: %u commits, %u snapshots checked in %d threads (+ %d processes)\n",
           g_commits, atomic_load(&g_snapshots), THREADS, PROCS);
    fz_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readers_while_writing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
