/* fuzz_common.h: shared pieces of the libFuzzer targets: scratch directories (on tmpfs when
 * there is one), removing them, a small multi-segment index of mixed Chinese, Japanese and
 * English articles, and a check that a status is one of the library's codes. Targets report
 * a broken invariant with fz_die(), which aborts so that libFuzzer (and the replay driver)
 * record the input. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#define _XOPEN_SOURCE 700 /* nftw */
#include <dirent.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cjkfts.h"

#define FZ_UNUSED __attribute__((unused))

static FZ_UNUSED __attribute__((noreturn, format(printf, 1, 2))) void fz_die(const char *fmt,
                                                                             ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz invariant broken: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* A status any public call may return: 0 or one of the CJKFTS_E* codes. */
static FZ_UNUSED void fz_check_rc(int rc, const char *what)
{
    if (rc > 0 || rc < CJKFTS_EEXIST)
        fz_die("%s returned %d, not a CJKFTS_E* code", what, rc);
}

/* ---- scratch directories ----------------------------------------------------------------- */

static FZ_UNUSED char *fz_tmpdir(const char *tag)
{
    const char *base = getenv("CJKFTS_FUZZ_TMP");
    struct stat st;
    if (!base || !*base)
        base = stat("/dev/shm", &st) == 0 && access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                                                                            : getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/cjkfts-fuzz-%s-XXXXXX", base, tag);
    char *d = mkdtemp(tmpl);
    if (!d)
        fz_die("mkdtemp %s failed", tmpl);
    return strdup(d);
}

static int fz_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static FZ_UNUSED void fz_rmtree(const char *dir)
{
    nftw(dir, fz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- a small index ------------------------------------------------------------------------- */

static const char *const fz_texts[] = {
    "日美同盟は日本の安全保障の基軸である。",
    "美日同盟是亚太地区和平与稳定的基石。",
    "美日同盟是亞太地區和平與穩定的基石，國會通過法案。",
    "東京証券取引所で株価が大きく値上がりした。円安が続く。",
    "The alliance was signed in 1960 and revised; running costs rose by 54,000 yen.",
    "中国外交部发言人表示，希望各方保持克制。会议于2024年5月1日举行。",
    "ｎａｔｏ首脳会議 (1) ㈱ カタカナ ﾊﾝｶｸ 日本語のテキスト",
    "国会で予算案が可決された。野党は反対した。",
    "台灣的選舉結果公布，投票率創新高。",
    "新しい技術の研究開発が進んでいる。人工知能の応用。",
};
#define FZ_NTEXTS (sizeof fz_texts / sizeof fz_texts[0])

/* Build an index in dir: `ndocs` documents mixing the texts above, a first commit after
 * `first` documents (a big segment: common bigrams span several postings blocks), then one
 * every `per_commit` documents (one segment each, no merging), and in each later commit a
 * deletion and a replacement in the first segment (live-docs files).
 * Returns 0 or the failing status. */
static FZ_UNUSED int fz_build_index(const char *dir, const cjkfts_analyzer_class *cls,
                                    unsigned ndocs, unsigned first,
                                    unsigned per_commit)
{
    cjkfts_index_options o;
    cjkfts_index_options_init(&o);
    o.analyzer_class = cls;
    o.merge_factor = 1000;
    o.ram_budget = 1u << 20;
    cjkfts_index *ix = NULL;
    cjkfts_writer *w = NULL;
    int rc = cjkfts_index_open(dir, &o, CJKFTS_OPEN_CREATE, &ix);
    if (!rc)
        rc = cjkfts_writer_open(ix, &w);
    char id[32], date[32], title[256], body[1024];
    for (unsigned i = 0; i < ndocs && !rc; i++) {
        snprintf(id, sizeof id, "doc-%u", i);
        snprintf(date, sizeof date, "20%02u-%02u-%02u", 10 + i % 15, 1 + i % 12, 1 + i % 28);
        snprintf(title, sizeof title, "%s %u", fz_texts[(i * 7) % FZ_NTEXTS], i % 5);
        snprintf(body, sizeof body, "%s\n%s\n%s", fz_texts[i % FZ_NTEXTS],
                 fz_texts[(i / 3) % FZ_NTEXTS], i % 4 ? "" : fz_texts[(i + 5) % FZ_NTEXTS]);
        cjkfts_field extra = {"source", "fuzz", CJKFTS_NTS};
        cjkfts_doc d = {id, CJKFTS_NTS, title, CJKFTS_NTS, body, CJKFTS_NTS, date,
                        "http://example.com/a", &extra, 1};
        rc = cjkfts_writer_add(w, &d);
        if (!rc && (i + 1 == first || (i + 1 > first && (i + 1 - first) % per_commit == 0))) {
            if (i + 1 > first) { /* delete one and replace one of the first segment */
                snprintf(id, sizeof id, "doc-%u", (i * 13) % first);
                rc = cjkfts_writer_delete(w, id, CJKFTS_NTS);
                if (rc == CJKFTS_ENOTFOUND)
                    rc = 0;
                snprintf(id, sizeof id, "doc-%u", (i * 17 + 1) % first);
                d.body = "replaced 日本語 text";
                if (!rc)
                    rc = cjkfts_writer_add(w, &d);
            }
            if (!rc)
                rc = cjkfts_writer_commit(w);
        }
    }
    if (!rc)
        rc = cjkfts_writer_commit(w);
    if (rc)
        fprintf(stderr, "building the fuzz index: %s\n",
                w ? cjkfts_errmsg(w) : cjkfts_errmsg(ix));
    cjkfts_writer_close(w);
    cjkfts_index_close(ix);
    return rc;
}

#endif
