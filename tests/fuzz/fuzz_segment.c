/* fuzz_segment.c: libFuzzer target for the index readers on damaged files. A small valid index
 * (three segments, deletions) is built once; each input is a script that damages one of its
 * files, which is then opened, searched with several kinds of query, its stored fields read,
 * checked (deep) and, now and then, written to (add, delete, commit, optimize: merging damaged
 * segments). Nothing may crash, hang or read out of bounds, and every call returns 0 or a
 * CJKFTS_E* code.
 *
 * Input: byte 0 picks the file (index in the sorted list of the index's files), byte 1 flags
 * (1: recompute the file's checksum, and the size and checksum recorded for it in its segment's
 * .seg, so that the damage reaches the decoders behind the checksums; 2: also use a writer;
 * bits 2-3: searches, every stored document, the deep check, or all three; 16: optimize),
 * then records of 5 bytes: a 24-bit offset (modulo the file's size), an operation and a value:
 * 0 flip bit (value & 7), 1 set the byte, 2 add to the byte, 3 truncate at the offset,
 * 4 insert the byte, 5 zero 4 bytes, 6 set 4 bytes to 0xff, 7 delete value & 15 bytes. The
 * script refers to the current format's files, so seeds stay meaningful as the format evolves. */
#include "fuzz_common.h"

#include "damage.h"

static char *base, *work;
static fz_files files;

static void cleanup(void)
{
    fz_files_free(&files);
    if (base)
        fz_rmtree(base);
    if (work)
        fz_rmtree(work);
    free(base);
    free(work);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    base = fz_tmpdir("segbase");
    work = fz_tmpdir("seg");
    atexit(cleanup);
    if (fz_build_index(base, NULL, 180, 140, 20))
        fz_die("cannot build the index");
    fz_files_load(base, &files);
    fz_files_restore_all(work, &files);
    return 0;
}

/* ---- use the damaged index ---------------------------------------------------------------- */

static const char *const queries[] = {
    "日本", "日美同盟", "美", "running costs", "日本 OR 台灣", "国会 -野党",
    "date:2015..2020 同盟", "title:基石", "\"安全 保障\"", "54000",
};

/* Two of the queries, chosen by sel, so that every kind runs often but each input is quick. */
static void search_some(cjkfts_reader *r, unsigned sel)
{
    size_t nq = sizeof queries / sizeof queries[0];
    cjkfts_search_options o;
    cjkfts_search_options_init(&o);
    o.k = 8;
    o.snippet_chars = 30;
    for (size_t j = 0; j < 2; j++) {
        size_t i = (sel + j * 4) % nq;
        cjkfts_hits *h = NULL;
        int mode = i % 3 == 2 ? CJKFTS_MODE_OR : CJKFTS_MODE_AND;
        o.explain = i % 4 == 1;
        int rc = cjkfts_search_string(r, queries[i], mode, &o, &h);
        fz_check_rc(rc, "search_string");
        for (size_t k = 0; rc == 0 && k < cjkfts_hits_count(h); k++) {
            static const char *const names[] = {"id", "title", "body", "date", "url", "source"};
            for (size_t f = 0; f < sizeof names / sizeof names[0]; f++) {
                size_t len = 0;
                const char *v = cjkfts_hits_field(h, k, names[f], &len);
                if (v && v[len] != 0)
                    fz_die("stored field %s not NUL-terminated", names[f]);
            }
        }
        cjkfts_hits_free(h);
    }
}

/* Every document's stored fields (the titles' numbers 0..4 match them all). */
static void fetch_all(cjkfts_reader *r)
{
    cjkfts_search_options o;
    cjkfts_search_options_init(&o);
    o.k = 1000;
    o.snippet_chars = 0;
    cjkfts_hits *h = NULL;
    int rc = cjkfts_search_string(r, "0 OR 1 OR 2 OR 3 OR 4", CJKFTS_MODE_AND, &o, &h);
    fz_check_rc(rc, "search_string");
    for (size_t k = 0; rc == 0 && k < cjkfts_hits_count(h); k++) {
        size_t len = 0;
        const char *v = cjkfts_hits_field(h, k, "body", &len);
        if (v && v[len] != 0)
            fz_die("stored body not NUL-terminated");
    }
    cjkfts_hits_free(h);
}

static void write_some(cjkfts_index *ix, unsigned how)
{
    cjkfts_writer *w = NULL;
    int rc = cjkfts_writer_open(ix, &w);
    fz_check_rc(rc, "writer_open");
    if (rc)
        return;
    cjkfts_doc d = {"doc-5", CJKFTS_NTS, "新しい", CJKFTS_NTS, "日本の国会", CJKFTS_NTS,
                    NULL, NULL, NULL, 0};
    fz_check_rc(cjkfts_writer_add(w, &d), "add");
    fz_check_rc(cjkfts_writer_delete(w, "doc-7", CJKFTS_NTS), "delete");
    fz_check_rc(how & 1 ? cjkfts_writer_optimize(w) : cjkfts_writer_commit(w), "commit");
    cjkfts_writer_close(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || files.n == 0)
        return 0;
    const fz_file *orig = &files.f[data[0] % files.n];
    uint8_t flags = data[1];
    fz_bytes b = fz_copy(orig);
    for (size_t i = 2; i + 5 <= size; i += 5) {
        const uint8_t *r = data + i;
        fz_edit(&b, (size_t)r[0] | (size_t)r[1] << 8 | (size_t)r[2] << 16, r[3], r[4]);
    }
    if (flags & 1)
        fz_fix_sums(work, &files, orig, &b);
    fz_write_file(work, orig->name, b.d, b.len);
    free(b.d);

    cjkfts_index *ix = NULL;
    int rc = cjkfts_index_open(work, NULL, flags & 2 ? 0 : CJKFTS_OPEN_READONLY, &ix);
    fz_check_rc(rc, "index_open");
    if (rc == 0) {
        unsigned what = flags >> 2 & 3; /* searches, stored fields, check, or all three */
        cjkfts_index_stats st;
        fz_check_rc(cjkfts_index_stats_get(ix, &st), "stats");
        cjkfts_reader *r = NULL;
        rc = cjkfts_reader_open(ix, &r);
        fz_check_rc(rc, "reader_open");
        if (rc == 0) {
            (void)cjkfts_reader_doc_count(r);
            if (what == 0 || what == 3)
                search_some(r, data[0] / 8u + (unsigned)size);
            if (what == 1 || what == 3)
                fetch_all(r);
        }
        if (what >= 2)
            fz_check_rc(cjkfts_index_check(ix, CJKFTS_CHECK_DEEP), "check");
        if (flags & 2)
            write_some(ix, flags >> 4);
        cjkfts_reader_close(r);
    }
    cjkfts_index_close(ix);
    if (flags & 2)
        fz_files_restore_all(work, &files);
    else
        fz_restore(work, &files, orig);
    return 0;
}
