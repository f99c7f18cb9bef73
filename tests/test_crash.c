/* test_crash.c: an indexing process killed (SIGKILL) at random moments, inside commits and
 * merges too, never loses a committed document. Each round forks a child that opens the
 * writer on the same index and runs batches (adds, replacements, deletions, then a commit or,
 * every fourth batch, an optimize; merge factor 3 so commits merge often), telling the parent
 * through a pipe "B k" before commit k and "C k" after it succeeded. The parent kills it: at a
 * random instant, or a random fraction of a commit's duration after a "B". Then the index must
 * open, pass the deep check, and hold exactly the documents of the last commit reported, or of
 * the one in progress if its new MANIFEST was already in place (told apart by the generation),
 * checked by the reader's count, a search matching every document, and every stored id and
 * body. Both processes compute the batches from the same seed and state, so the parent knows
 * what each commit holds. Readers opened before a round keep answering from their commit
 * through it and the next round, whose writers remove the files they map. Rounds: CJKFTS_CRASH_ROUNDS (default 6; `make soak` runs 200),
 * seed CJKFTS_CRASH_SEED. A summary line gives where the kills landed. */
#include "fuzz/fuzz_common.h" /* first: it sets _XOPEN_SOURCE */

#include <setjmp.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "index/index.h"

/* ---- the model: documents the index must hold --------------------------------------------- */

typedef struct mdoc {
    char id[24];
    unsigned version; /* 0: deleted */
} mdoc;

typedef struct model {
    mdoc *d;
    size_t n, cap;
    unsigned next_id;
} model;

static size_t model_live(const model *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n; i++)
        n += m->d[i].version != 0;
    return n;
}

typedef struct rng {
    uint64_t s;
} rng;

static uint32_t rnd(rng *r)
{
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t x = r->s;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (uint32_t)x;
}

static void body_of(const mdoc *d, char *out, size_t cap)
{
    static const char *const words[] = {"日本の国会", "美日同盟", "東京証券取引所", "株価",
                                        "alliance", "running", "台灣選舉", "人工知能"};
    unsigned h = 0;
    for (const char *p = d->id; *p; p++)
        h = h * 31 + (unsigned char)*p;
    snprintf(out, cap, "allx %s v%u %s %s %u", d->id, d->version, words[h % 8],
             words[(h / 8 + d->version) % 8], h % 1000);
}

/* One operation of a batch: add/replace (version > 0) or delete (version 0). */
typedef struct op {
    size_t slot; /* index in the model */
    unsigned version;
    bool fresh; /* a new id */
} op;

/* The operations of batch k, applied to m: 6 new documents, up to 2 replacements and up to 2
 * deletions of live ones; the same seed and state give the same batch in both processes. */
static size_t plan_batch(model *m, uint64_t seed, unsigned k, op *ops)
{
    rng r = {seed * 1000003u + k};
    size_t n = 0;
    for (int i = 0; i < 6; i++) {
        if (m->n == m->cap) {
            m->cap = m->cap ? m->cap * 2 : 64;
            m->d = realloc(m->d, m->cap * sizeof *m->d);
        }
        mdoc *d = &m->d[m->n];
        snprintf(d->id, sizeof d->id, "d%u", m->next_id++);
        d->version = 1;
        ops[n++] = (op){m->n++, 1, true};
    }
    for (int i = 0; i < 4 && m->n; i++) {
        size_t s = rnd(&r) % m->n;
        if (m->d[s].version == 0)
            continue;
        bool del = i >= 2;
        m->d[s].version = del ? 0 : m->d[s].version + 1;
        ops[n++] = (op){s, m->d[s].version, false};
    }
    return n;
}

/* ---- the child: index batches until killed ------------------------------------------------ */

static void say(int fd, char kind, unsigned k)
{
    char b[32];
    int n = snprintf(b, sizeof b, "%c %u\n", kind, k);
    if (write(fd, b, (size_t)n) != n)
        _exit(5);
}

static cjkfts_index *open_ix(const char *path)
{
    cjkfts_index_options o;
    cjkfts_index_options_init(&o);
    o.merge_factor = 3;
    o.ram_budget = 1u << 20;
    cjkfts_index *ix = NULL;
    int rc = cjkfts_index_open(path, &o, CJKFTS_OPEN_CREATE, &ix);
    if (rc)
        fprintf(stderr, "open %s: %s\n", path, cjkfts_errmsg(ix));
    return rc ? (cjkfts_index_close(ix), NULL) : ix;
}

static void child(const char *path, model m, uint64_t seed, unsigned batches, int fd)
{
    cjkfts_index *ix = open_ix(path);
    cjkfts_writer *w = NULL;
    if (!ix || cjkfts_writer_open(ix, &w)) {
        fprintf(stderr, "child: writer_open: %s\n", ix ? cjkfts_errmsg(ix) : "open failed");
        _exit(2);
    }
    op ops[16];
    char body[256];
    for (unsigned k = 1; k <= batches; k++) {
        size_t n = plan_batch(&m, seed, k, ops);
        for (size_t i = 0; i < n; i++) {
            mdoc *d = &m.d[ops[i].slot];
            int rc;
            if (ops[i].version == 0) {
                rc = cjkfts_writer_delete(w, d->id, CJKFTS_NTS);
            } else {
                body_of(d, body, sizeof body);
                cjkfts_doc doc = {d->id, CJKFTS_NTS, d->id, CJKFTS_NTS, body, CJKFTS_NTS,
                                  "2024-05-01", NULL, NULL, 0};
                rc = cjkfts_writer_add(w, &doc);
            }
            if (rc) {
                fprintf(stderr, "child: %s %s: %s\n", ops[i].version ? "add" : "delete", d->id,
                        cjkfts_errmsg(w));
                _exit(3);
            }
        }
        say(fd, k % 4 == 0 ? 'O' : 'B', k);
        int rc = k % 4 == 0 ? cjkfts_writer_optimize(w) : cjkfts_writer_commit(w);
        if (rc) {
            fprintf(stderr, "child: commit %u: %s\n", k, cjkfts_errmsg(w));
            _exit(4);
        }
        say(fd, 'C', k);
    }
    _exit(0); /* no cleanup: as abrupt as the kill, minus the timing */
}

/* ---- the parent ------------------------------------------------------------------------- */

typedef struct tally {
    unsigned rounds, in_adds, in_commit, in_optimize, after_rename, finished, commits;
    double commit_ms; /* running mean of a commit's duration as seen through the pipe */
} tally;

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

typedef struct seen {
    unsigned began, committed; /* last batch that began its commit / reported success */
    bool optimize;             /* the batch that began was an optimize */
    char buf[256];
    size_t len;
} seen;

/* Read whatever the child said; returns false at end of file. */
static bool read_msgs(int fd, seen *s, tally *t, double *began_at)
{
    ssize_t n = read(fd, s->buf + s->len, sizeof s->buf - 1 - s->len);
    if (n <= 0)
        return n < 0 && errno == EINTR;
    s->len += (size_t)n;
    char *nl;
    while ((nl = memchr(s->buf, '\n', s->len)) != NULL) {
        char kind = s->buf[0];
        unsigned k = (unsigned)strtoul(s->buf + 2, NULL, 10);
        if (kind == 'B' || kind == 'O') {
            s->began = k;
            s->optimize = kind == 'O';
            *began_at = now_ms();
        } else if (kind == 'C') {
            s->committed = k;
            t->commits++;
            double d = now_ms() - *began_at;
            t->commit_ms = t->commit_ms == 0 ? d : 0.9 * t->commit_ms + 0.1 * d;
        }
        size_t used = (size_t)(nl - s->buf) + 1;
        memmove(s->buf, nl + 1, s->len - used);
        s->len -= used;
    }
    return true;
}

/* Run one child and kill it; returns what it reported. */
static seen run_child(const char *path, const model *m, uint64_t seed, rng *r, tally *t)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    unsigned batches = 2 + rnd(r) % 5;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        child(path, *m, seed, batches, p[1]);
    }
    close(p[1]);
    seen s = {0};
    double began_at = now_ms(), start = began_at;
    /* kill mode: 0 at a random instant, 1..3 during commit number `target` */
    unsigned mode = rnd(r) % 4, target = 1 + rnd(r) % batches;
    /* mode 0: often within the first milliseconds (opening, cleaning up after the last kill) */
    double delay = mode == 0 ? (double)(rnd(r) % 2 ? rnd(r) % 400 : rnd(r) % 6) : -1;
    double frac = (double)(rnd(r) % 1000) / 1000.0 * 1.3; /* past the end now and then */
    bool eof = false;
    for (;;) {
        if (delay < 0 && s.began == target && s.committed < target) {
            double cm = t->commit_ms > 0 ? t->commit_ms : 5;
            delay = began_at + frac * cm - start;
        }
        double rem = delay >= 0 ? start + delay - now_ms() : 50;
        if (delay >= 0 && rem <= 0) {
            kill(pid, SIGKILL);
            break;
        }
        if (eof)
            break;
        if (delay >= 0 && rem < 3) { /* short waits: sleep precisely */
            struct timespec ts = {0, (long)(rem * 1e6)};
            nanosleep(&ts, NULL);
            continue;
        }
        struct pollfd pf = {p[0], POLLIN, 0};
        if (poll(&pf, 1, (int)rem) > 0)
            eof = !read_msgs(p[0], &s, t, &began_at);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    while (read_msgs(p[0], &s, t, &began_at)) /* what it said before dying */
        ;
    close(p[0]);
    if (WIFEXITED(st)) {
        if (WEXITSTATUS(st) != 0)
            fail_msg("the indexing child failed (exit %d)", WEXITSTATUS(st));
        t->finished++;
    } else {
        assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        if (s.began > s.committed)
            *(s.optimize ? &t->in_optimize : &t->in_commit) += 1;
        else
            t->in_adds++;
    }
    return s;
}

/* The index's documents against the model: count, every id by a search, every body. */
static void verify_reader(cjkfts_reader *r, const model *m)
{
    size_t live = model_live(m);
    assert_int_equal(cjkfts_reader_doc_count(r), live);
    cjkfts_search_options o;
    cjkfts_search_options_init(&o);
    o.k = live + 10;
    o.snippet_chars = 0;
    cjkfts_hits *h = NULL;
    int rc = cjkfts_search_string(r, "allx", CJKFTS_MODE_AND, &o, &h);
    if (rc)
        fail_msg("search: %s", cjkfts_errmsg(h));
    assert_int_equal(cjkfts_hits_count(h), live);
    char *seen_flags = calloc(m->n ? m->n : 1, 1);
    char body[256];
    for (size_t i = 0; i < cjkfts_hits_count(h); i++) {
        const char *id = cjkfts_hits_get(h, i)->id;
        size_t slot = (size_t)strtoul(id + 1, NULL, 10); /* "d<n>" is model slot n */
        if (id[0] != 'd' || slot >= m->n || m->d[slot].version == 0 || seen_flags[slot])
            fail_msg("document %s should not be in the index (or twice)", id);
        seen_flags[slot] = 1;
        body_of(&m->d[slot], body, sizeof body);
        size_t bl = 0;
        const char *b = cjkfts_hits_field(h, i, "body", &bl);
        if (!b || strcmp(b, body) != 0)
            fail_msg("document %s: body \"%s\", want \"%s\"", id, b ? b : "(none)", body);
    }
    free(seen_flags);
    cjkfts_hits_free(h);
}

static void verify_docs(cjkfts_index *ix, const model *m)
{
    cjkfts_reader *r = NULL;
    assert_int_equal(cjkfts_reader_open(ix, &r), 0);
    verify_reader(r, m);
    cjkfts_reader_close(r);
}

static model model_dup(const model *m)
{
    model c = *m;
    c.cap = m->n ? m->n : 1;
    c.d = malloc(c.cap * sizeof *c.d);
    assert_non_null(c.d);
    if (m->n)
        memcpy(c.d, m->d, m->n * sizeof *m->d);
    return c;
}

static uint64_t generation_of(cjkfts_index *ix)
{
    cjkfts_index_stats st;
    if (cjkfts_index_stats_get(ix, &st))
        fail_msg("stats: %s", cjkfts_errmsg(ix));
    return st.generation;
}

static unsigned env_uint(const char *name, unsigned def)
{
    const char *e = getenv(name);
    return e && *e ? (unsigned)strtoul(e, NULL, 10) : def;
}

/* Every file in the directory is LOCK, MANIFEST or named by the manifest. */
static void assert_no_leftovers(const char *path)
{
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
        if (sscanf(x->d_name, "seg_%llu_%llu.%7s", &sn, &g, ext) == 3 && !strcmp(ext, "del")) {
            for (uint32_t i = 0; i < man.nsegs; i++)
                ok |= man.segs[i].segnum == sn && man.segs[i].del_gen == g;
        } else if (sscanf(x->d_name, "seg_%llu.%7s", &sn, ext) == 2) {
            for (uint32_t i = 0; i < man.nsegs; i++)
                ok |= man.segs[i].segnum == sn;
        }
        if (!ok)
            fail_msg("file %s is not part of the last commit", x->d_name);
    }
    closedir(d);
    ix_manifest_free(&man);
    cf_handle_destroy(&e);
}

static void test_kill_rounds(void **state)
{
    (void)state;
    unsigned rounds = env_uint("CJKFTS_CRASH_ROUNDS", 6);
    uint64_t seed = env_uint("CJKFTS_CRASH_SEED", 20241123);
    /* on disk rather than tmpfs: commits take the time real fsyncs take */
    const char *tmp = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/cjkfts-crash-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(tmpl));
    char *dir = strdup(tmpl);
    char path[600];
    snprintf(path, sizeof path, "%s/ix", dir);
    model m = {0};
    tally t = {0};
    rng r = {seed};
    /* readers opened before a round keep their commit through that round and the next one,
     * whose writers remove the files they map */
    cjkfts_index *rix = open_ix(path); /* creates the index */
    assert_non_null(rix);
    cjkfts_reader *prev = NULL, *cur = NULL;
    model prev_m = {0}, cur_m = {0};
    for (unsigned round = 1; round <= rounds; round++) {
        cjkfts_index *ix = open_ix(path);
        assert_non_null(ix);
        uint64_t g0 = generation_of(ix);
        assert_int_equal(cjkfts_reader_open(rix, &cur), 0);
        cur_m = model_dup(&m);
        uint64_t rseed = seed * 7919u + round;
        seen s = run_child(path, &m, rseed, &r, &t);
        uint64_t g = generation_of(ix);
        /* commits on disk: the reported ones, plus the one in progress if it got renamed */
        unsigned on_disk = (unsigned)(g - g0);
        if (on_disk != s.committed && !(on_disk == s.committed + 1 && s.began == on_disk))
            fail_msg("round %u: generation %llu after %llu, but %u commits reported (%u began)",
                     round, (unsigned long long)g, (unsigned long long)g0, s.committed, s.began);
        if (on_disk > s.committed)
            t.after_rename++;
        op ops[16];
        for (unsigned k = 1; k <= on_disk; k++)
            plan_batch(&m, rseed, k, ops);
        int rc = cjkfts_index_check(ix, CJKFTS_CHECK_DEEP);
        if (rc)
            fail_msg("round %u: check: %s", round, cjkfts_errmsg(ix));
        verify_docs(ix, &m);
        cjkfts_index_close(ix);
        if (prev)
            verify_reader(prev, &prev_m);
        verify_reader(cur, &cur_m);
        cjkfts_reader_close(prev);
        free(prev_m.d);
        prev = cur, prev_m = cur_m;
        t.rounds++;
    }
    cjkfts_reader_close(prev);
    free(prev_m.d);
    cjkfts_index_close(rix);
    /* a writer opening after the last kill removes what the killed one left behind */
    cjkfts_index *ix = open_ix(path);
    cjkfts_writer *w = NULL;
    assert_int_equal(cjkfts_writer_open(ix, &w), 0);
    cjkfts_writer_close(w);
    assert_no_leftovers(path);
    verify_docs(ix, &m);
    cjkfts_index_close(ix);
    printf("crash: %u rounds survived (seed %llu): killed while opening or adding %u, inside commit %u, "
           "inside optimize %u (of which the new MANIFEST was already in place: %u), child "
           "finished %u; %u commits, %zu documents live at the end, mean commit %.1f ms\n",
           t.rounds, (unsigned long long)seed, t.in_adds, t.in_commit, t.in_optimize,
           t.after_rename, t.finished, t.commits, model_live(&m), t.commit_ms);
    free(m.d);
    fz_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_rounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
