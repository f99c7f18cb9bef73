/* index.c: the public index handle: options, creation, opening, statistics, the writer lock. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index/index.h"

#define DEFAULT_RAM_BUDGET ((size_t)256 << 20)
#define MIN_RAM_BUDGET ((size_t)1 << 20)
#define MAX_RAM_BUDGET ((size_t)2 << 30)

CJKFTS_API void cjkfts_index_options_init(cjkfts_index_options *opts)
{
    if (!opts)
        return;
    memset(opts, 0, sizeof *opts);
    cjkfts_analyzer_options_init(&opts->analyzer);
    opts->analyzer_class = NULL;
    opts->bm25_k1 = 1.2;
    opts->bm25_b = 0.75;
    opts->title_boost = 2.0;
    opts->ram_budget = DEFAULT_RAM_BUDGET;
    opts->merge_factor = 10;
}

/* ---- lock --------------------------------------------------------------------------------- */

int ix_lock_acquire(const char *dir, int *fd_out, cf_err *err)
{
    *fd_out = -1;
    char *path = cf_path_join(dir, "LOCK");
    if (!path)
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    int rc = 0;
    if (fd < 0) {
        rc = cf_fail(err, CJKFTS_EIO, "open %s: %s", path, strerror(errno));
    } else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        rc = e == EWOULDBLOCK ? cf_fail(err, CJKFTS_ELOCKED, "%s is held by another writer "
                                        "(in this or another process)", path)
                              : cf_fail(err, CJKFTS_EIO, "lock %s: %s", path, strerror(e));
    } else {
        *fd_out = fd;
    }
    cf_free(path);
    return rc;
}

void ix_lock_release(int fd)
{
    if (fd >= 0) {
        flock(fd, LOCK_UN);
        close(fd);
    }
}

/* ---- options ------------------------------------------------------------------------------ */

static int check_runtime(cjkfts_index *ix, cjkfts_index_options *o)
{
    if (o->ram_budget == 0)
        o->ram_budget = DEFAULT_RAM_BUDGET;
    if (o->ram_budget < MIN_RAM_BUDGET || o->ram_budget > MAX_RAM_BUDGET)
        return cf_fail(&ix->h, CJKFTS_EINVAL, "ram_budget %zu out of range (1 MiB .. 2 GiB)",
                       o->ram_budget);
    if (o->merge_factor == 0)
        o->merge_factor = 10;
    if (o->merge_factor < 2 || o->merge_factor > 1000)
        return cf_fail(&ix->h, CJKFTS_EINVAL, "merge_factor %d out of range (2 .. 1000)",
                       o->merge_factor);
    return 0;
}

static int check_stored(cjkfts_index *ix, const cjkfts_index_options *o,
                        const cjkfts_analyzer_class *cls)
{
    if (!(o->bm25_k1 >= 0 && o->bm25_k1 <= 1000) || !(o->bm25_b >= 0 && o->bm25_b <= 1) ||
        !(o->title_boost >= 0 && o->title_boost <= 1e6))
        return cf_fail(&ix->h, CJKFTS_EINVAL, "bm25_k1 must be in [0, 1000], bm25_b in [0, 1] "
                       "and title_boost in [0, 1e6]");
    if (!cls->name || strlen(cls->name) > 63)
        return cf_fail(&ix->h, CJKFTS_EINVAL, "analyzer class name missing or longer than 63 "
                       "bytes");
    if (strnlen(o->analyzer.stemmer, sizeof o->analyzer.stemmer) >= sizeof o->analyzer.stemmer)
        return cf_fail(&ix->h, CJKFTS_EINVAL, "analyzer stemmer name not NUL-terminated");
    return 0;
}

static void manifest_from_options(ix_manifest *m, const cjkfts_index_options *o,
                                  const cjkfts_analyzer_class *cls)
{
    memset(m, 0, sizeof *m);
    strcpy(m->analyzer_name, cls->name);
    m->analyzer_version = cls->version;
    m->aopts = o->analyzer;
    m->aopts.fold_variants = m->aopts.fold_variants != 0;
    m->aopts.utf8_strict = m->aopts.utf8_strict != 0;
    m->k1 = o->bm25_k1;
    m->b = o->bm25_b;
    m->title_boost = o->title_boost;
    m->next_segnum = 1;
}

/* Create the first (empty) commit, under the lock. */
static int create_index(cjkfts_index *ix, const cjkfts_index_options *o,
                        const cjkfts_analyzer_class *cls, ix_manifest *m)
{
    int rc = check_stored(ix, o, cls);
    if (rc)
        return rc;
    int fd;
    if ((rc = ix_lock_acquire(ix->path, &fd, &ix->h)))
        return rc;
    rc = ix_manifest_read(ix->path, m, &ix->h);
    if (rc == CJKFTS_ENOTFOUND) {
        manifest_from_options(m, o, cls);
        rc = ix_manifest_write(ix->path, m, &ix->h);
    }
    ix_lock_release(fd);
    return rc;
}

static int adopt_stored(cjkfts_index *ix, const ix_manifest *m,
                        const cjkfts_analyzer_class *given)
{
    const cjkfts_analyzer_class *cls = given ? given : cjkfts_analyzer_builtin();
    if (strcmp(cls->name ? cls->name : "", m->analyzer_name) != 0 ||
        cls->version != m->analyzer_version)
        return cf_fail(&ix->h, CJKFTS_EINVAL, "the index was built with analyzer \"%s\" version "
                       "%d; the analyzer %s is \"%s\" version %d", m->analyzer_name,
                       (int)m->analyzer_version, given ? "given" : "built in",
                       cls->name ? cls->name : "", cls->version);
    ix->opts.analyzer_class = cls;
    ix->opts.analyzer = m->aopts;
    ix->opts.bm25_k1 = m->k1;
    ix->opts.bm25_b = m->b;
    ix->opts.title_boost = m->title_boost;
    return 0;
}

/* ---- open/close --------------------------------------------------------------------------- */

static int ensure_dir(cjkfts_index *ix, int flags)
{
    struct stat st;
    if (stat(ix->path, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : cf_fail(&ix->h, CJKFTS_EINVAL, "%s is not a "
                                                 "directory", ix->path);
    if (errno != ENOENT)
        return cf_fail(&ix->h, CJKFTS_EIO, "stat %s: %s", ix->path, strerror(errno));
    if (!(flags & CJKFTS_OPEN_CREATE) || (flags & CJKFTS_OPEN_READONLY))
        return cf_fail(&ix->h, CJKFTS_ENOTFOUND, "no index at %s", ix->path);
    if (mkdir(ix->path, 0755) != 0 && errno != EEXIST)
        return cf_fail(&ix->h, CJKFTS_EIO, "mkdir %s: %s", ix->path, strerror(errno));
    return 0;
}

static int open_index(cjkfts_index *ix, const cjkfts_index_options *o, int flags)
{
    int rc = check_runtime(ix, &ix->opts);
    if (!rc)
        rc = ensure_dir(ix, flags);
    if (rc)
        return rc;
    ix_manifest m;
    cf_err e = CF_ERR_INIT;
    rc = ix_manifest_read(ix->path, &m, &e);
    if (rc == 0 && (flags & CJKFTS_OPEN_CREATE) && (flags & CJKFTS_OPEN_EXCL))
        rc = cf_fail(&ix->h, CJKFTS_EEXIST, "an index already exists at %s", ix->path);
    else if (rc == CJKFTS_ENOTFOUND && (flags & CJKFTS_OPEN_CREATE) &&
             !(flags & CJKFTS_OPEN_READONLY))
        rc = create_index(ix, o, o->analyzer_class ? o->analyzer_class
                                                   : cjkfts_analyzer_builtin(), &m);
    else if (rc == CJKFTS_ENOTFOUND)
        rc = cf_fail(&ix->h, CJKFTS_ENOTFOUND, "no index at %s (no MANIFEST)", ix->path);
    else if (rc)
        rc = cf_fail_from(&ix->h, &e);
    cf_handle_destroy(&e);
    if (!rc)
        rc = adopt_stored(ix, &m, o->analyzer_class);
    ix_manifest_free(&m);
    return rc;
}

CJKFTS_API int cjkfts_index_open(const char *path, const cjkfts_index_options *opts, int flags,
                                 cjkfts_index **out)
{
    if (!out)
        return CJKFTS_EINVAL;
    *out = NULL;
    cjkfts_index *ix = cf_calloc(1, sizeof *ix);
    if (!ix)
        return CJKFTS_ENOMEM;
    cf_handle_init(&ix->h, CF_MAGIC_INDEX);
    pthread_mutex_init(&ix->hlock, NULL);
    *out = ix;
    if (!path || !*path)
        return cf_fail(&ix->h, CJKFTS_EINVAL, "index path is NULL or empty");
    ix->path = cf_strndup(path, strlen(path));
    if (!ix->path)
        return cf_fail(&ix->h, CJKFTS_ENOMEM, "out of memory");
    ix->flags = flags;
    cjkfts_index_options defaults;
    if (!opts) {
        cjkfts_index_options_init(&defaults);
        opts = &defaults;
    }
    ix->opts = *opts;
    int rc = open_index(ix, opts, flags);
    if (!rc) {
        cf_handle_clear(&ix->h);
        ix->ok = true;
    }
    return rc;
}

CJKFTS_API void cjkfts_index_close(cjkfts_index *ix)
{
    if (!ix)
        return;
    cf_handle_destroy(&ix->h);
    pthread_mutex_destroy(&ix->hlock);
    cf_free(ix->path);
    cf_free(ix);
}

CJKFTS_API const cjkfts_index_options *cjkfts_index_get_options(const cjkfts_index *ix)
{
    return ix && ix->ok ? &ix->opts : NULL;
}

int ix_index_usable(cjkfts_index *ix)
{
    if (!ix || ix->h.magic != CF_MAGIC_INDEX)
        return CJKFTS_EINVAL;
    if (!ix->ok)
        return cf_fail(&ix->h, CJKFTS_EMISUSE, "the index handle failed to open");
    return 0;
}

/* After open, threads may share the handle: its error record changes under a lock. */
int ix_index_fail(cjkfts_index *ix, const cf_handle *src)
{
    pthread_mutex_lock(&ix->hlock);
    int rc = cf_fail_from(&ix->h, src);
    pthread_mutex_unlock(&ix->hlock);
    return rc;
}

int ix_index_failf(cjkfts_index *ix, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&ix->hlock);
    cf_failv(&ix->h, rc, fmt, ap);
    pthread_mutex_unlock(&ix->hlock);
    va_end(ap);
    return rc;
}

void ix_index_ok(cjkfts_index *ix)
{
    pthread_mutex_lock(&ix->hlock);
    cf_handle_clear(&ix->h);
    pthread_mutex_unlock(&ix->hlock);
}

/* ---- statistics --------------------------------------------------------------------------- */

CJKFTS_API int cjkfts_index_stats_get(cjkfts_index *ix, cjkfts_index_stats *st)
{
    int rc = ix_index_usable(ix);
    if (rc)
        return rc;
    if (!st)
        return ix_index_failf(ix, CJKFTS_EINVAL, "stats: NULL argument");
    memset(st, 0, sizeof *st);
    ix_snapshot *s;
    cf_err e = CF_ERR_INIT;
    rc = ix_snapshot_open(ix->path, &s, &e);
    if (rc) {
        rc = ix_index_fail(ix, &e);
        cf_handle_destroy(&e);
        return rc;
    }
    st->generation = s->generation;
    st->segments = s->nsegs;
    for (uint32_t i = 0; i < s->nsegs; i++) {
        const ix_segment *g = s->segs[i];
        st->docs += g->live_count;
        st->deleted_docs += g->doc_count - g->live_count;
        for (int f = 0; f < IX_NKEYFIELDS; f++)
            st->terms += g->n_terms[f];
        st->postings_bytes += g->sums[IX_F_TID].size + g->sums[IX_F_DOC].size;
        st->positions_bytes += g->sums[IX_F_POS].size;
        st->stored_bytes += g->sums[IX_F_STO].size;
        for (int f = 0; f < IX_NFILES; f++)
            st->total_bytes += g->sums[f].size;
        st->total_bytes += g->meta_size + g->del_buf.len;
    }
    st->total_bytes += s->manifest_size;
    ix_snapshot_close(s);
    ix_index_ok(ix);
    return 0;
}
