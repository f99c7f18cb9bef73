/* test_corrupt.c: damaged index files give a clear error, never a crash, hang or out-of-bounds
 * read. A small index (three segments, live-docs files) is built with the built-in analyzer;
 * then every file of it (MANIFEST, .seg, .tid, .doc, .pos, .col, .sto, .del) is in turn
 * truncated at several points, has single bits flipped (with the checksums left alone, and with
 * them recomputed so that the damage reaches the decoders behind them), or is removed, and the
 * index goes through every read path: open, reader, searches of several kinds, stored fields of
 * every document, statistics, deep check. Run under ASan+UBSan by `make test`; each case has an
 * alarm so a hang fails the test.
 *
 * Exact expectations: a damaged version field gives CJKFTS_EVERSION; any other damage of a
 * file with its checksum left alone is reported (CJKFTS_ECORRUPT) by open, reader or check at the
 * latest; calls return only 0 or the codes a damaged file explains. CJKFTS_CORRUPT_ALL=1 damages
 * every byte of every file (make soak). */
#include "fuzz/fuzz_common.h" /* first: it sets _XOPEN_SOURCE */

#include <setjmp.h>
#include <stddef.h>

#include <cmocka.h>

#include <signal.h>

#include "fuzz/damage.h"
#include "index/index.h"

typedef struct outcome {
    int open, reader, check, search_worst, stats;
    bool detected; /* some call returned an error */
    char msg[256];
} outcome;

static char *g_dir;
static fz_files g_files;
static struct {
    unsigned long cases, flips, flips_fixed, cuts, bytes_cut, removed, detected_at_open,
        detected_at_reader, detected_at_check, detected_in_search, undetected_fixed;
} g_stats;

static const char *const queries[] = {
    "日本", "日美同盟", "美", "running costs", "日本 OR 台灣", "国会 -野党",
    "date:2015..2020 同盟", "title:基石", "\"安全 保障\"", "0 OR 1 OR 2 OR 3 OR 4",
};

/* Set while a case repaired the checksums: a MANIFEST may then name options this build
 * cannot honour (an unknown stemmer), which fail as CJKFTS_EINVAL where the analyzer opens. */
static bool g_repaired;

static bool allowed(int rc)
{
    return rc == 0 || rc == CJKFTS_ECORRUPT || rc == CJKFTS_EVERSION ||
           rc == CJKFTS_ENOTFOUND || (g_repaired && rc == CJKFTS_EINVAL);
}

static void note(outcome *o, int rc, const void *h, const char *what)
{
    if (rc == 0)
        return;
    if (!allowed(rc))
        fail_msg("%s returned %d (%s): %s", what, rc, cjkfts_strerror(rc), cjkfts_errmsg(h));
    if (!*cjkfts_errmsg(h))
        fail_msg("%s failed without a message", what);
    if (!o->detected)
        snprintf(o->msg, sizeof o->msg, "%s: %s", what, cjkfts_errmsg(h));
    o->detected = true;
}

/* Every stored field of every hit; a query matching every document fetches them all. */
static int search_all(cjkfts_reader *r, outcome *o)
{
    int worst = 0;
    cjkfts_search_options so;
    cjkfts_search_options_init(&so);
    so.k = 1000;
    so.snippet_chars = 40;
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        cjkfts_hits *h = NULL;
        so.explain = i % 3 == 0;
        so.snippet_chars = i + 1 == sizeof queries / sizeof queries[0] ? 0 : 40;
        int mode = i % 4 == 3 || i + 1 == sizeof queries / sizeof queries[0] ? CJKFTS_MODE_OR
                                                                              : CJKFTS_MODE_AND;
        int rc = cjkfts_search_string(r, queries[i], mode, &so, &h);
        note(o, rc, h, "search");
        if (rc == CJKFTS_ENOTFOUND)
            fail_msg("search returned ENOTFOUND: %s", cjkfts_errmsg(h));
        worst = rc ? rc : worst;
        for (size_t k = 0; rc == 0 && k < cjkfts_hits_count(h); k++) {
            static const char *const names[] = {"id", "title", "body", "date", "url", "source"};
            for (size_t f = 0; f < sizeof names / sizeof names[0]; f++) {
                size_t len = 0;
                const char *v = cjkfts_hits_field(h, k, names[f], &len);
                if (v)
                    assert_int_equal(v[len], 0);
            }
        }
        cjkfts_hits_free(h);
    }
    return worst;
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char m[] = "test_corrupt: a damaged index made a call hang\n";
    if (write(2, m, sizeof m - 1) < 0) {
    }
    _exit(3);
}

static outcome exercise(const char *dir)
{
    outcome o = {0};
    alarm(60);
    cjkfts_index *ix = NULL;
    o.open = cjkfts_index_open(dir, NULL, CJKFTS_OPEN_READONLY, &ix);
    note(&o, o.open, ix, "open");
    if (o.open == 0) {
        cjkfts_reader *r = NULL;
        o.reader = cjkfts_reader_open(ix, &r);
        note(&o, o.reader, ix, "reader_open");
        if (o.reader == 0) {
            (void)cjkfts_reader_doc_count(r);
            o.search_worst = search_all(r, &o);
        }
        cjkfts_reader_close(r);
        cjkfts_index_stats st;
        o.stats = cjkfts_index_stats_get(ix, &st);
        note(&o, o.stats, ix, "stats");
        o.check = cjkfts_index_check(ix, CJKFTS_CHECK_DEEP);
        note(&o, o.check, ix, "check");
    }
    cjkfts_index_close(ix);
    alarm(0);
    return o;
}

/* Where the damage was first seen: counted for the summary. */
static void count(const outcome *o, bool fixed)
{
    g_stats.cases++;
    if (o->open)
        g_stats.detected_at_open++;
    else if (o->reader)
        g_stats.detected_at_reader++;
    else if (o->search_worst)
        g_stats.detected_in_search++;
    else if (o->check)
        g_stats.detected_at_check++;
    else if (fixed)
        g_stats.undetected_fixed++;
}

static int setup(void **state)
{
    (void)state;
    signal(SIGALRM, on_alarm);
    g_dir = fz_tmpdir("corrupt");
    char base[600];
    snprintf(base, sizeof base, "%s/base", g_dir);
    if (fz_build_index(base, NULL, 170, 140, 15))
        return -1;
    cjkfts_index *ix = NULL;
    int rc = cjkfts_index_open(base, NULL, 0, &ix);
    if (!rc)
        rc = cjkfts_index_check(ix, CJKFTS_CHECK_DEEP);
    if (rc)
        fprintf(stderr, "the undamaged index fails: %s\n", cjkfts_errmsg(ix));
    cjkfts_index_close(ix);
    fz_files_load(base, &g_files);
    return rc ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    printf("corrupt: %zu files, %lu cases: %lu bit flips, %lu more with checksums repaired, "
           "%lu truncations (%lu bytes cut), %lu files removed; first seen at open %lu, reader "
           "%lu, search %lu, check %lu; repaired-checksum flips unseen %lu\n",
           g_files.n, g_stats.cases, g_stats.flips, g_stats.flips_fixed, g_stats.cuts,
           g_stats.bytes_cut, g_stats.removed, g_stats.detected_at_open,
           g_stats.detected_at_reader, g_stats.detected_in_search, g_stats.detected_at_check,
           g_stats.undetected_fixed);
    fz_files_free(&g_files);
    fz_rmtree(g_dir);
    free(g_dir);
    return 0;
}

static char *work_dir(void)
{
    static char w[600];
    snprintf(w, sizeof w, "%s/work", g_dir);
    return w;
}

static bool all_mode(void)
{
    const char *e = getenv("CJKFTS_CORRUPT_ALL");
    return e && *e && strcmp(e, "0") != 0;
}

/* Damage positions for a file of len bytes: header and footer fields, then evenly spread. */
static size_t positions(size_t len, size_t *pos, size_t cap)
{
    size_t n = 0;
    static const size_t head[] = {0, 3, 4, 7, 8, 11, 12, 15, 16, 17, 20};
    for (size_t i = 0; i < sizeof head / sizeof head[0] && n < cap; i++)
        if (head[i] < len)
            pos[n++] = head[i];
    for (size_t back = 1; back <= 9 && n < cap; back += 4) /* CRC, footer magic, body end */
        if (back <= len && len - back > 20)
            pos[n++] = len - back;
    size_t spread = all_mode() ? (len > 21 ? len - 21 : 0) : 8;
    for (size_t i = 0; i < spread && n < cap && len > 30; i++)
        pos[n++] = 21 + (size_t)((double)(len - 30) * ((double)i + 0.5) / (double)spread);
    return n;
}

static void expect_detected(const fz_file *f, const char *what, size_t at, const outcome *o)
{
    if (!o->detected)
        fail_msg("%s: %s at byte %zu of %zu went unnoticed by open, reader, search and check",
                 f->name, what, at, f->len);
}

static void flip_case(const fz_file *f, size_t at, bool fix)
{
    fz_bytes b = fz_copy(f);
    fz_edit(&b, at, FZ_FLIP, (uint8_t)(at * 5 + fix));
    if (fix)
        fz_fix_sums(work_dir(), &g_files, f, &b);
    fz_write_file(work_dir(), f->name, b.d, b.len);
    free(b.d);
    g_repaired = fix;
    outcome o = exercise(work_dir());
    g_repaired = false;
    *(fix ? &g_stats.flips_fixed : &g_stats.flips) += 1;
    count(&o, fix);
    if (at >= 8 && at < 12) { /* the format version */
        if (o.open != CJKFTS_EVERSION && o.reader != CJKFTS_EVERSION)
            fail_msg("%s: version field damaged, open %d reader %d (%s)", f->name, o.open,
                     o.reader, o.msg);
    } else if (!fix) { /* with repaired checksums the damage may be harmless */
        expect_detected(f, "a bit flip", at, &o);
    }
    fz_restore(work_dir(), &g_files, f);
}

static void truncate_case(const fz_file *f, size_t at)
{
    fz_bytes b = fz_copy(f);
    b.len = at;
    fz_write_file(work_dir(), f->name, b.d, b.len);
    free(b.d);
    outcome o = exercise(work_dir());
    g_stats.cuts++;
    g_stats.bytes_cut += f->len - at;
    count(&o, false);
    expect_detected(f, "truncation", at, &o);
    fz_restore(work_dir(), &g_files, f);
}

static void damage_file(const fz_file *f)
{
    size_t pos[4096];
    size_t n = positions(f->len, pos, sizeof pos / sizeof pos[0]);
    for (size_t i = 0; i < n; i++) {
        flip_case(f, pos[i], false);
        if (pos[i] >= IX_HEADER_SIZE && pos[i] + 8 < f->len)
            flip_case(f, pos[i], true);
    }
    size_t cuts[] = {0, 1, 8, 15, 16, 17, f->len / 2, f->len - 9, f->len - 8, f->len - 4,
                     f->len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
        if (cuts[i] < f->len && (i == 0 || cuts[i] != cuts[i - 1]))
            truncate_case(f, cuts[i]);
}

static void test_undamaged(void **state)
{
    (void)state;
    fz_files_restore_all(work_dir(), &g_files);
    outcome o = exercise(work_dir());
    if (o.detected)
        fail_msg("undamaged index: %s", o.msg);
}

/* One test per kind of file, so a failure names the kind. */
static void damage_kind(const char *suffix)
{
    fz_files_restore_all(work_dir(), &g_files);
    size_t done = 0;
    for (size_t i = 0; i < g_files.n; i++) {
        const char *name = g_files.f[i].name;
        size_t nl = strlen(name), sl = strlen(suffix);
        if (nl >= sl && strcmp(name + nl - sl, suffix) == 0) {
            damage_file(&g_files.f[i]);
            done++;
        }
    }
    assert_true(done > 0);
    outcome o = exercise(work_dir()); /* everything restored: works again */
    if (o.detected)
        fail_msg("after restoring: %s", o.msg);
}

static void test_manifest(void **state)
{
    (void)state;
    damage_kind("MANIFEST");
}

static void test_seg(void **state)
{
    (void)state;
    damage_kind(".seg");
}

static void test_tid(void **state)
{
    (void)state;
    damage_kind(".tid");
}

static void test_doc(void **state)
{
    (void)state;
    damage_kind(".doc");
}

static void test_pos(void **state)
{
    (void)state;
    damage_kind(".pos");
}

static void test_col(void **state)
{
    (void)state;
    damage_kind(".col");
}

static void test_sto(void **state)
{
    (void)state;
    damage_kind(".sto");
}

static void test_del(void **state)
{
    (void)state;
    damage_kind(".del");
}

/* A file of the last commit missing: a clear error naming it, at open or reader open. */
static void test_missing(void **state)
{
    (void)state;
    for (size_t i = 0; i < g_files.n; i++) {
        fz_files_restore_all(work_dir(), &g_files);
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", work_dir(), g_files.f[i].name);
        assert_int_equal(unlink(p), 0);
        outcome o = exercise(work_dir());
        g_stats.cases++;
        g_stats.removed++;
        if (!o.detected)
            fail_msg("%s removed: unnoticed", g_files.f[i].name);
        if (!strstr(o.msg, g_files.f[i].name))
            fail_msg("%s removed: the message does not name it: %s", g_files.f[i].name, o.msg);
    }
}

/* Extra files that no commit names (a crashed writer's leftovers) change nothing. */
static void test_leftovers(void **state)
{
    (void)state;
    fz_files_restore_all(work_dir(), &g_files);
    static const char junk[] = "CJKF junk that is not an index file";
    fz_write_file(work_dir(), "MANIFEST.tmp", (const uint8_t *)junk, sizeof junk);
    fz_write_file(work_dir(), "seg_999.tid", (const uint8_t *)junk, sizeof junk);
    fz_write_file(work_dir(), "seg_999.seg", (const uint8_t *)junk, 3);
    outcome o = exercise(work_dir());
    if (o.detected)
        fail_msg("leftover files broke the index: %s", o.msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_undamaged), cmocka_unit_test(test_manifest),
        cmocka_unit_test(test_seg),       cmocka_unit_test(test_tid),
        cmocka_unit_test(test_doc),       cmocka_unit_test(test_pos),
        cmocka_unit_test(test_col),       cmocka_unit_test(test_sto),
        cmocka_unit_test(test_del),       cmocka_unit_test(test_missing),
        cmocka_unit_test(test_leftovers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
