/* writer.c: the public writer: add/replace/delete documents, RAM-bounded buffering, flush,
 * commit, rollback, optimize.
 *
 * On-disk format in brief (the full description is FORMAT.md beside this file). An index is a
 * directory with LOCK (the writer's flock), MANIFEST (the last commit: generation, options,
 * segments) and immutable segment files seg_N.{seg,tid,doc,pos,col,sto} plus live-docs files
 * seg_N_G.del (G = the commit generation that wrote them). Every file starts with
 * "CJKF", a four-byte kind and the format version, and ends with "CJKE" and the CRC32C of all
 * bytes before it. .seg: document count, field length sums, term counts, size and CRC of the
 * other files. .tid: field-prefixed terms in blocks of 32 with prefix compression and a sparse
 * index of first keys. .doc: doc ids and frequencies in packed blocks of 128 with skip data
 * (last doc, offsets, max frequency, min field length per block). .pos: positions in packed
 * chunks of 128 aligned with the doc blocks. .col: title length, body length and date of
 * every document. .sto: zstd-compressed blocks of stored fields with a block table.
 *
 * Commit: flush the buffer to a new segment, run the merge policy, write live-docs files for
 * segments with new deletions, fsync, write MANIFEST.tmp, fsync, rename it over MANIFEST,
 * fsync the directory, then remove files no longer referenced. Files are never modified once
 * written, so a crash leaves the previous MANIFEST and everything it names intact. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index/index.h"

#define MAX_ID_BYTES 1024

struct cjkfts_writer {
    cf_handle h;
    char *dir;
    cjkfts_index_options opts;
    int lock_fd;
    cjkfts_analyzer *an;
    ix_manifest man; /* the last commit */
    ix_wseg *segs;
    uint32_t nsegs, capsegs;
    uint64_t next_segnum;
    ix_buffer *buf;
    ix_segw segw; /* the segment the buffer will become; active while it holds documents */
    /* scratch for one document */
    ix_doctoks *toks;
    cf_buf stored;
    int tok_field;
    uint32_t tok_last;
    int tok_rc;
    uint64_t tok_count;
    bool changed, broken;
};

/* ---- segment list ------------------------------------------------------------------------- */

void ix_wseg_release(ix_wseg *s)
{
    ix_seg_close(s->seg);
    cf_free(s->live);
    ix_idfilter_free(s->ids);
    s->seg = NULL;
    s->live = NULL;
    s->ids = NULL;
}

static void drop_segments(cjkfts_writer *w)
{
    for (uint32_t i = 0; i < w->nsegs; i++)
        ix_wseg_release(&w->segs[i]);
    w->nsegs = 0;
}

static int push_segment(cjkfts_writer *w, const ix_wseg *s)
{
    if (w->nsegs == w->capsegs) {
        uint32_t cap = w->capsegs ? w->capsegs * 2 : 16;
        ix_wseg *n = cf_realloc(w->segs, cap * sizeof *n);
        if (!n)
            return cf_fail(&w->h, CJKFTS_ENOMEM, "out of memory");
        w->segs = n;
        w->capsegs = cap;
    }
    w->segs[w->nsegs++] = *s;
    return 0;
}

/* Load the segments of the last commit. */
static int load_state(cjkfts_writer *w)
{
    drop_segments(w);
    ix_manifest_free(&w->man);
    ix_snapshot *s;
    int rc = ix_snapshot_open_m(w->dir, &s, &w->man, &w->h);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < s->nsegs && !rc; i++) {
        ix_wseg ws = {s->segs[i], NULL, s->segs[i]->live_count, s->segs[i]->del_gen, false,
                      false, NULL};
        rc = push_segment(w, &ws);
        if (!rc)
            s->segs[i] = NULL;
    }
    for (uint32_t i = 0; i < s->nsegs; i++)
        ix_seg_close(s->segs[i]);
    s->nsegs = 0;
    ix_snapshot_close(s);
    w->next_segnum = w->man.next_segnum;
    return rc;
}

/* ---- removing unreferenced files ---------------------------------------------------------- */

/* Parse "seg_N.ext" or "seg_N_G.del". */
static bool parse_name(const char *name, uint64_t *n, uint64_t *g, bool *del)
{
    if (strncmp(name, "seg_", 4) != 0)
        return false;
    char *end;
    *n = strtoull(name + 4, &end, 10);
    *del = false;
    *g = 0;
    if (end == name + 4)
        return false;
    if (*end == '_') {
        const char *s = end + 1;
        *g = strtoull(s, &end, 10);
        *del = end != s && strcmp(end, ".del") == 0;
        return *del;
    }
    return *end == '.';
}

static bool referenced(const cjkfts_writer *w, const char *name)
{
    uint64_t n, g;
    bool del;
    if (!parse_name(name, &n, &g, &del))
        return false;
    for (uint32_t i = 0; i < w->nsegs; i++) {
        const ix_wseg *s = &w->segs[i];
        if (s->seg->segnum == n)
            return !del || g == s->del_gen;
    }
    return w->segw.active && n == w->segw.segnum && !del;
}

/* Remove every index file the current state does not reference (files of old commits,
 * of a crashed writer, of aborted segments). Readers that mapped them keep their mappings. */
static void remove_unreferenced(cjkfts_writer *w)
{
    DIR *d = opendir(w->dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!ix_is_index_file(e->d_name) || referenced(w, e->d_name))
            continue;
        char *p = cf_path_join(w->dir, e->d_name);
        if (p)
            unlink(p);
        cf_free(p);
    }
    closedir(d);
}

/* ---- open/close --------------------------------------------------------------------------- */

static void writer_free(cjkfts_writer *w)
{
    if (w->segw.active)
        ix_segw_abort(&w->segw);
    for (uint32_t i = 0; i < w->nsegs; i++)
        if (w->segs[i].fresh)
            ix_seg_files_remove(w->dir, w->segs[i].seg->segnum);
    drop_segments(w);
    cf_free(w->segs);
    ix_manifest_free(&w->man);
    ix_buffer_free(w->buf);
    cjkfts_analyzer_close(w->an);
    ix_doctoks_free(w->toks);
    cf_buf_free(&w->stored);
    ix_lock_release(w->lock_fd);
    cf_free(w->dir);
    cf_handle_destroy(&w->h);
    cf_free(w);
}

static int writer_init(cjkfts_writer *w, cjkfts_index *ix)
{
    w->dir = cf_strndup(ix->path, strlen(ix->path));
    if (!w->dir || ix_buffer_new(&w->buf) || ix_doctoks_new(&w->toks))
        return cf_fail(&w->h, CJKFTS_ENOMEM, "out of memory");
    int rc = ix_lock_acquire(w->dir, &w->lock_fd, &w->h);
    if (rc)
        return rc;
    rc = cjkfts_analyzer_open(w->opts.analyzer_class, &w->opts.analyzer, &w->an);
    if (rc)
        return cf_fail(&w->h, rc, "writer: cannot open the analyzer: %s",
                       w->an ? cjkfts_errmsg(w->an) : cjkfts_strerror(rc));
    rc = load_state(w);
    if (!rc)
        remove_unreferenced(w);
    return rc;
}

CJKFTS_API int cjkfts_writer_open(cjkfts_index *ix, cjkfts_writer **out)
{
    if (!out)
        return ix_index_usable(ix) ? CJKFTS_EINVAL
                                   : ix_index_failf(ix, CJKFTS_EINVAL, "writer: NULL argument");
    *out = NULL;
    int rc = ix_index_usable(ix);
    if (rc)
        return rc;
    if (ix->flags & CJKFTS_OPEN_READONLY)
        return ix_index_failf(ix, CJKFTS_EMISUSE, "the index was opened read-only");
    cjkfts_writer *w = cf_calloc(1, sizeof *w);
    if (!w)
        return ix_index_failf(ix, CJKFTS_ENOMEM, "out of memory");
    cf_handle_init(&w->h, CF_MAGIC_WRITER);
    w->lock_fd = -1;
    w->opts = ix->opts;
    cf_buf_init(&w->stored);
    rc = writer_init(w, ix);
    if (rc) {
        ix_index_fail(ix, &w->h);
        w->segw.active = false;
        writer_free(w);
        return rc;
    }
    ix_index_ok(ix);
    *out = w;
    return 0;
}

CJKFTS_API void cjkfts_writer_close(cjkfts_writer *w)
{
    if (w)
        writer_free(w);
}

static int usable(cjkfts_writer *w)
{
    if (!w || w->h.magic != CF_MAGIC_WRITER)
        return CJKFTS_EINVAL;
    if (w->broken)
        return cf_fail(&w->h, CJKFTS_EMISUSE, "an earlier failure left uncommitted changes in "
                       "an unknown state; call cjkfts_writer_rollback()");
    return 0;
}

/* A failure after changes began: the writer needs a rollback. */
static int broken(cjkfts_writer *w, int rc)
{
    w->broken = true;
    return rc;
}

/* ---- deleting ----------------------------------------------------------------------------- */

static int mark_deleted(cjkfts_writer *w, ix_wseg *s, uint32_t doc)
{
    if (!ix_seg_is_live(s->seg, doc))
        return 0;
    if (!s->live) {
        size_t nb = ix_live_bytes(s->seg->doc_count);
        s->live = cf_malloc(nb ? nb : 1);
        if (!s->live)
            return cf_fail(&w->h, CJKFTS_ENOMEM, "out of memory");
        if (s->seg->live)
            memcpy(s->live, s->seg->live, nb);
        else
            ix_live_fill(s->live, s->seg->doc_count);
    }
    s->live[doc >> 3] &= (uint8_t) ~(1u << (doc & 7));
    s->live_count--;
    ix_seg_set_live(s->seg, s->live, s->live_count);
    s->dirty = true;
    w->changed = true;
    return 1;
}

/* Delete the live documents with this id from one segment; *n counts them. */
static int delete_in_segment(cjkfts_writer *w, ix_wseg *s, const char *id, size_t len,
                             unsigned *n)
{
    ix_term_info ti;
    cf_err e = CF_ERR_INIT;
    int rc = s->ids ? 0 : ix_idfilter_build(s->seg, &s->ids, &e);
    if (!rc && !ix_idfilter_maybe(s->ids, id, len))
        rc = CJKFTS_ENOTFOUND;
    if (!rc)
        rc = ix_seg_term_get(s->seg, IX_FIELD_ID, id, len, &ti, &e);
    ix_postings *p = NULL;
    if (rc == 0)
        rc = ix_postings_open(s->seg, &ti, 0, &p, &e);
    while (rc == 0) {
        uint32_t d = ix_postings_next(p);
        if (d == IX_NO_MORE_DOCS) {
            rc = ix_postings_error(p, &e);
            break;
        }
        int r = mark_deleted(w, s, d);
        if (r < 0)
            rc = r;
        else
            *n += (unsigned)r;
    }
    ix_postings_free(p);
    if (rc == CJKFTS_ENOTFOUND)
        rc = 0;
    else if (rc && e.rc)
        cf_fail_from(&w->h, &e);
    cf_handle_destroy(&e);
    return rc;
}

static int delete_id(cjkfts_writer *w, const char *id, size_t len, unsigned *n)
{
    *n = 0;
    for (uint32_t i = 0; i < w->nsegs; i++) {
        int rc = delete_in_segment(w, &w->segs[i], id, len, n);
        if (rc)
            return rc;
    }
    uint32_t doc;
    if (ix_buffer_find_id(w->buf, id, len, &doc) == 0 && ix_buffer_is_live(w->buf, doc)) {
        ix_buffer_delete(w->buf, doc);
        w->changed = true;
        (*n)++;
    }
    return 0;
}

CJKFTS_API int cjkfts_writer_delete(cjkfts_writer *w, const char *id, size_t id_len)
{
    int rc = usable(w);
    if (rc)
        return rc;
    if (!id)
        return cf_fail(&w->h, CJKFTS_EINVAL, "delete: NULL id");
    if (id_len == CJKFTS_NTS)
        id_len = strlen(id);
    unsigned n;
    rc = delete_id(w, id, id_len, &n);
    if (rc)
        return broken(w, rc);
    if (n == 0)
        return cf_fail(&w->h, CJKFTS_ENOTFOUND, "no document with id \"%.*s\"",
                       (int)(id_len > 200 ? 200 : id_len), id);
    cf_handle_clear(&w->h);
    return 0;
}

/* ---- analyzing ---------------------------------------------------------------------------- */

/* A token that breaks the analyzer's contract. */
static __attribute__((noinline)) int bad_token(cjkfts_writer *w, const cjkfts_token *t)
{
    if (t->position < w->tok_last)
        w->tok_rc = cf_fail(&w->h, CJKFTS_EINVAL, "analyzer returned position %u after %u",
                            t->position, w->tok_last);
    else
        w->tok_rc = cf_fail(&w->h, CJKFTS_EINVAL, "analyzer returned an empty term");
    return 1;
}

/* A failure of ix_doctoks_add (a negative code) stops the analyzer too; analyze() reports it
 * from w->toks->err. */
static int collect_token(void *ctx, const cjkfts_token *t)
{
    cjkfts_writer *w = ctx;
    if (t->position < w->tok_last || t->term_len == 0)
        return bad_token(w, t);
    w->tok_last = t->position;
    w->tok_count++;
    return ix_doctoks_add(w->toks, w->tok_field, t->term, t->term_len, t->position);
}

static int analyze(cjkfts_writer *w, int field, const char *text, size_t len, uint32_t *count)
{
    w->tok_count = 0;
    w->tok_field = field;
    w->tok_last = 0;
    w->tok_rc = 0;
    int rc = len ? cjkfts_analyzer_tokenize(w->an, text, len, collect_token, w) : 0;
    if (w->tok_rc)
        return w->tok_rc;
    if (w->toks->err)
        return cf_fail(&w->h, w->toks->err, w->toks->err == CJKFTS_ENOMEM
                                                ? "out of memory" : "token or document too large");
    if (rc)
        return cf_fail(&w->h, rc, "analyzing the %s: %s", field ? "body" : "title",
                       cjkfts_errmsg(w->an));
    if (w->tok_count > UINT32_MAX)
        return cf_fail(&w->h, CJKFTS_ETOOBIG, "too many tokens in one field");
    *count = (uint32_t)w->tok_count;
    return 0;
}

/* ---- adding ------------------------------------------------------------------------------- */

typedef struct doc_in {
    const char *core[IX_STORED_CORE];
    size_t core_len[IX_STORED_CORE];
    size_t *extra_len;
    int32_t date;
} doc_in;

static bool reserved_name(const char *n)
{
    static const char *const names[] = {"id", "title", "body", "date", "url"};
    for (size_t i = 0; i < 5; i++)
        if (strcmp(n, names[i]) == 0)
            return true;
    return false;
}

static int check_doc(cjkfts_writer *w, const cjkfts_doc *doc, doc_in *in)
{
    if (!doc || !doc->id)
        return cf_fail(&w->h, CJKFTS_EINVAL, "add: document or id is NULL");
    size_t idl = doc->id_len == CJKFTS_NTS ? strlen(doc->id) : doc->id_len;
    if (idl == 0 || idl > MAX_ID_BYTES)
        return cf_fail(&w->h, CJKFTS_EINVAL, "add: id must be 1..%d bytes (got %zu)",
                       MAX_ID_BYTES, idl);
    in->core[0] = doc->id, in->core_len[0] = idl;
    in->core[1] = doc->title ? doc->title : "";
    in->core_len[1] = !doc->title ? 0 : doc->title_len == CJKFTS_NTS ? strlen(doc->title)
                                                                     : doc->title_len;
    in->core[2] = doc->body ? doc->body : "";
    in->core_len[2] = !doc->body ? 0 : doc->body_len == CJKFTS_NTS ? strlen(doc->body)
                                                                   : doc->body_len;
    in->core[3] = doc->date ? doc->date : "";
    in->core_len[3] = strlen(in->core[3]);
    in->core[4] = doc->url ? doc->url : "";
    in->core_len[4] = strlen(in->core[4]);
    in->date = IX_NO_DATE;
    if (in->core_len[3] && ix_parse_date(in->core[3], in->core_len[3], &in->date, &w->h))
        return w->h.rc;
    if (doc->n_extra && !doc->extra)
        return cf_fail(&w->h, CJKFTS_EINVAL, "add: n_extra > 0 but extra is NULL");
    for (size_t i = 0; i < doc->n_extra; i++) {
        const cjkfts_field *f = &doc->extra[i];
        if (!f->name || !*f->name || reserved_name(f->name))
            return cf_fail(&w->h, CJKFTS_EINVAL, "add: extra field %zu has no name or a "
                           "reserved one (%s)", i, f->name ? f->name : "NULL");
        if (!f->value && f->len && f->len != CJKFTS_NTS)
            return cf_fail(&w->h, CJKFTS_EINVAL, "add: extra field %s has a NULL value",
                           f->name);
    }
    return 0;
}

static int serialize(cjkfts_writer *w, const cjkfts_doc *doc, doc_in *in)
{
    size_t n = doc->n_extra;
    in->extra_len = cf_malloc((n ? n : 1) * sizeof *in->extra_len);
    if (!in->extra_len)
        return cf_fail(&w->h, CJKFTS_ENOMEM, "out of memory");
    cjkfts_field *ex = cf_malloc((n ? n : 1) * sizeof *ex);
    if (!ex)
        return cf_fail(&w->h, CJKFTS_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        ex[i] = doc->extra[i];
        if (!ex[i].value)
            ex[i].value = "";
        in->extra_len[i] = !doc->extra[i].value ? 0 : ex[i].len == CJKFTS_NTS
                                                          ? strlen(ex[i].value) : ex[i].len;
    }
    w->stored.len = 0;
    int rc = ix_stored_serialize(&w->stored, in->core, in->core_len, ex, in->extra_len, n);
    cf_free(ex);
    return rc ? cf_fail(&w->h, rc, "out of memory") : 0;
}

static int flush_buffer(cjkfts_writer *w);

/* Put the analyzed document into the buffer (and its stored fields into the segment). */
static int buffer_doc(cjkfts_writer *w, const doc_in *in, const uint32_t len[IX_NFIELDS])
{
    int rc = 0;
    if (!w->segw.active) {
        rc = ix_segw_open(&w->segw, w->dir, w->next_segnum, &w->h);
        if (rc)
            return rc;
        w->next_segnum++;
    }
    uint32_t doc;
    rc = ix_doctoks_add(w->toks, IX_FIELD_ID, in->core[0], in->core_len[0], 0);
    if (!rc)
        rc = ix_buffer_begin_doc(w->buf, &doc);
    if (!rc)
        rc = ix_buffer_add_doc(w->buf, w->toks);
    if (rc)
        return cf_fail(&w->h, rc, "buffering a document: %s", cjkfts_strerror(rc));
    ix_buffer_end_doc(w->buf, len, in->date);
    return ix_segw_stored(&w->segw, w->stored.data, w->stored.len, &w->h);
}

/* Memory a flush would give back: the buffer and the stored-fields writer. The per-document
 * scratch (w->stored, w->toks) keeps its size across flushes, so counting it would make every
 * document after a big one flush a segment of its own. */
static bool over_budget(const cjkfts_writer *w)
{
    size_t mem = ix_buffer_mem(w->buf);
    if (w->segw.active)
        mem += ix_storew_mem(&w->segw.store);
    return mem >= w->opts.ram_budget;
}

CJKFTS_API int cjkfts_writer_add(cjkfts_writer *w, const cjkfts_doc *doc)
{
    int rc = usable(w);
    if (rc)
        return rc;
    doc_in in = {0};
    uint32_t len[IX_NFIELDS] = {0};
    rc = check_doc(w, doc, &in);
    ix_doctoks_reset(w->toks, in.core_len[1] + in.core_len[2]);
    if (!rc)
        rc = analyze(w, IX_FIELD_TITLE, in.core[1], in.core_len[1], &len[0]);
    if (!rc)
        rc = analyze(w, IX_FIELD_BODY, in.core[2], in.core_len[2], &len[1]);
    if (!rc)
        rc = serialize(w, doc, &in);
    cf_free(in.extra_len);
    if (rc)
        return rc;
    unsigned n;
    rc = delete_id(w, in.core[0], in.core_len[0], &n);
    if (!rc)
        rc = buffer_doc(w, &in, len);
    if (!rc && over_budget(w)) {
        /* keep the segment count low during long imports too, not only at commits */
        rc = flush_buffer(w);
        if (!rc)
            rc = ix_writer_merge_policy(w->dir, &w->segs, &w->nsegs, &w->next_segnum,
                                        w->opts.merge_factor, &w->h);
    }
    if (rc)
        return broken(w, rc);
    w->changed = true;
    cf_handle_clear(&w->h);
    return 0;
}

/* ---- flush and commit --------------------------------------------------------------------- */

/* Write the buffered documents as a new segment (not yet committed). */
static int flush_buffer(cjkfts_writer *w)
{
    if (!w->segw.active)
        return 0;
    ix_buffer *b = w->buf;
    uint64_t segnum = w->segw.segnum;
    uint32_t ndocs = ix_buffer_docs(b), live_count;
    uint8_t *live = NULL;
    int rc = ix_buffer_flush(b, &w->segw, &w->h);
    if (rc) {
        ix_segw_abort(&w->segw);
        return rc;
    }
    rc = ix_segw_finish(&w->segw, &w->h);
    if (!rc && ix_buffer_live_bitmap(b, &live, &live_count))
        rc = cf_fail(&w->h, CJKFTS_ENOMEM, "out of memory");
    ix_buffer_reset(b);
    if (rc)
        return rc;
    if (live_count == 0) { /* everything in it was replaced or deleted */
        cf_free(live);
        ix_seg_files_remove(w->dir, segnum);
        return 0;
    }
    ix_wseg s = {NULL, live, live_count, 0, live != NULL, true, NULL};
    rc = ix_seg_open(w->dir, segnum, ndocs, ndocs, 0, &s.seg, &w->h);
    if (!rc && live)
        ix_seg_set_live(s.seg, live, live_count);
    if (!rc)
        rc = push_segment(w, &s);
    if (rc) {
        if (s.seg)
            ix_seg_close(s.seg);
        cf_free(live);
        ix_seg_files_remove(w->dir, segnum);
    }
    return rc;
}

/* Drop segments whose documents are all deleted (their files go with the next cleanup). */
static void drop_empty(cjkfts_writer *w)
{
    uint32_t j = 0;
    for (uint32_t i = 0; i < w->nsegs; i++) {
        if (w->segs[i].live_count == 0) {
            ix_wseg_release(&w->segs[i]);
            continue;
        }
        w->segs[j++] = w->segs[i];
    }
    w->nsegs = j;
}

/* After a failed ix_manifest_write: whether the new MANIFEST was renamed into place anyway
 * (only the directory fsync failed). Its commit is then the index's state, and its files must
 * not be removed as those of an unfinished commit when the writer closes. */
static bool manifest_in_place(const char *dir, uint64_t generation)
{
    ix_manifest cur;
    cf_err e = CF_ERR_INIT;
    bool in = ix_manifest_read(dir, &cur, &e) == 0 && cur.generation == generation;
    ix_manifest_free(&cur);
    cf_handle_destroy(&e);
    return in;
}

static int write_manifest(cjkfts_writer *w)
{
    ix_manifest m = w->man;
    m.generation = w->man.generation + 1;
    m.next_segnum = w->next_segnum;
    m.nsegs = w->nsegs;
    m.segs = cf_malloc((w->nsegs ? w->nsegs : 1) * sizeof *m.segs);
    if (!m.segs)
        return cf_fail(&w->h, CJKFTS_ENOMEM, "out of memory");
    int rc = 0;
    for (uint32_t i = 0; i < w->nsegs && !rc; i++) {
        ix_wseg *s = &w->segs[i];
        if (s->dirty) {
            rc = ix_live_write(w->dir, s->seg->segnum, m.generation, s->live,
                               s->seg->doc_count, s->live_count, &w->h);
            s->del_gen = m.generation;
        }
        m.segs[i] = (ix_manifest_seg){s->seg->segnum, s->seg->doc_count, s->live_count,
                                      s->del_gen};
    }
    if (!rc)
        rc = ix_manifest_write(w->dir, &m, &w->h);
    if (rc && !manifest_in_place(w->dir, m.generation)) {
        cf_free(m.segs);
        return rc;
    }
    ix_manifest_free(&w->man);
    w->man = m;
    for (uint32_t i = 0; i < w->nsegs; i++)
        w->segs[i].dirty = w->segs[i].fresh = false;
    return rc; /* a failure after the rename: committed, perhaps not yet durable */
}

static int commit(cjkfts_writer *w, bool optimize)
{
    int rc = flush_buffer(w);
    if (!rc && optimize)
        rc = ix_writer_merge_all(w->dir, &w->segs, &w->nsegs, &w->next_segnum, &w->changed,
                                 &w->h);
    else if (!rc && w->changed)
        rc = ix_writer_merge_policy(w->dir, &w->segs, &w->nsegs, &w->next_segnum,
                                    w->opts.merge_factor, &w->h);
    if (rc)
        return rc;
    if (!w->changed)
        return 0;
    drop_empty(w);
    rc = write_manifest(w);
    if (rc)
        return rc;
    w->changed = false;
    remove_unreferenced(w);
    return 0;
}

CJKFTS_API int cjkfts_writer_commit(cjkfts_writer *w)
{
    int rc = usable(w);
    if (rc)
        return rc;
    rc = commit(w, false);
    if (rc)
        return broken(w, rc);
    cf_handle_clear(&w->h);
    return 0;
}

CJKFTS_API int cjkfts_writer_optimize(cjkfts_writer *w)
{
    int rc = usable(w);
    if (rc)
        return rc;
    rc = commit(w, true);
    if (rc)
        return broken(w, rc);
    cf_handle_clear(&w->h);
    return 0;
}

CJKFTS_API int cjkfts_writer_rollback(cjkfts_writer *w)
{
    if (!w || w->h.magic != CF_MAGIC_WRITER)
        return CJKFTS_EINVAL;
    if (w->segw.active)
        ix_segw_abort(&w->segw);
    ix_buffer_reset(w->buf);
    int rc = load_state(w);
    if (rc)
        return broken(w, rc);
    remove_unreferenced(w);
    w->broken = false;
    w->changed = false;
    cf_handle_clear(&w->h);
    return 0;
}
