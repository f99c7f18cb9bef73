/* peer_sqlite.c: benchmark adapter for SQLite FTS5 with the trigram tokenizer.
 *
 * Index: one FTS5 table (id UNINDEXED, title, body), tokenize='trigram', filled in one
 * transaction. Postings (with positions, FTS5 keeps them together) are the %_data and %_idx
 * tables; stored text is %_content; %_docsize and %_config are "other" (sizes from dbstat).
 * AND: each word is a quoted FTS5 string (a phrase of its trigrams, i.e. a substring match);
 * words shorter than three characters give no trigram and match nothing.
 * OR: a question becomes an OR of its overlapping character trigrams (bigrams cannot be looked
 * up in a trigram index). Ranking: bm25(title 2.0, body 1.0), FTS5's fixed k1=1.2, b=0.75. */
#include "peer_common.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct sq {
    sqlite3 *db;
    sqlite3_stmt *stmt;
    char *expr;
    size_t len, cap;
} sq;

static int sq_fail(sqlite3 *db, const char *what)
{
    fprintf(stderr, "sqlite: %s: %s\n", what, db ? sqlite3_errmsg(db) : "cannot open");
    return 1;
}

static int sq_open(sq **out, const char *dir, int create)
{
    char path[4096];
    if (create && mkdir(dir, 0755) != 0) {
        perror(dir);
        return 1;
    }
    snprintf(path, sizeof path, "%s/fts.db", dir);
    sq *s = calloc(1, sizeof *s);
    if (!s)
        return 1;
    int flags = create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK)
        return sq_fail(s->db, path);
    *out = s;
    return 0;
}

static int sq_index_begin(void **st, const char *dir)
{
    sq *s;
    if (sq_open(&s, dir, 1))
        return 1;
    *st = s;
    const char *ddl = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                      "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body,"
                      " tokenize='trigram'); BEGIN;";
    if (sqlite3_exec(s->db, ddl, NULL, NULL, NULL) != SQLITE_OK)
        return sq_fail(s->db, "create");
    if (sqlite3_prepare_v2(s->db, "INSERT INTO docs(id, title, body) VALUES(?,?,?)", -1,
                           &s->stmt, NULL) != SQLITE_OK)
        return sq_fail(s->db, "prepare insert");
    return 0;
}

static int sq_index_add(void *st, const pc_doc *d)
{
    sq *s = st;
    sqlite3_bind_text(s->stmt, 1, d->id, (int)d->id_len, SQLITE_STATIC);
    sqlite3_bind_text(s->stmt, 2, d->title, (int)d->title_len, SQLITE_STATIC);
    sqlite3_bind_text(s->stmt, 3, d->body, (int)d->body_len, SQLITE_STATIC);
    if (sqlite3_step(s->stmt) != SQLITE_DONE)
        return sq_fail(s->db, "insert");
    sqlite3_reset(s->stmt);
    return 0;
}

static int sq_index_end(void *st, const char *dir, pc_sizes *sz)
{
    sq *s = st;
    (void)dir;
    sqlite3_finalize(s->stmt);
    if (sqlite3_exec(s->db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE);", NULL, NULL, NULL) !=
        SQLITE_OK)
        return sq_fail(s->db, "commit");
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name", -1, &q,
                           NULL) != SQLITE_OK)
        return sq_fail(s->db, "dbstat");
    sz->postings = sz->stored = sz->other = 0;
    sz->positions = -1;
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        int64_t bytes = sqlite3_column_int64(q, 1);
        if (!strcmp(name, "docs_data") || !strcmp(name, "docs_idx"))
            sz->postings += bytes;
        else if (!strcmp(name, "docs_content"))
            sz->stored += bytes;
        else
            sz->other += bytes;
    }
    sqlite3_finalize(q);
    sqlite3_close(s->db);
    free(s);
    return 0;
}

static int sq_query_open(void **st, const char *dir)
{
    sq *s;
    if (sq_open(&s, dir, 0))
        return 1;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id FROM docs WHERE docs MATCH ?1"
                           " ORDER BY bm25(docs, 0.0, 2.0, 1.0) LIMIT ?2",
                           -1, &s->stmt, NULL) != SQLITE_OK)
        return sq_fail(s->db, "prepare select");
    *st = s;
    return 0;
}

static void put(sq *s, const char *p, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        s->cap = (s->len + n + 1) * 2;
        s->expr = realloc(s->expr, s->cap);
        if (!s->expr)
            exit(2);
    }
    memcpy(s->expr + s->len, p, n);
    s->len += n;
    s->expr[s->len] = '\0';
}

/* Append "text" as an FTS5 string (double quotes doubled), after sep when not first. */
static void put_string(sq *s, const char *sep, const char *p, size_t n)
{
    if (s->len)
        put(s, sep, strlen(sep));
    put(s, "\"", 1);
    for (size_t i = 0; i < n; i++)
        put(s, p[i] == '"' ? "\"\"" : p + i, p[i] == '"' ? 2 : 1);
    put(s, "\"", 1);
}

/* OR mode: every window of three characters of a word; shorter words give none. */
static void put_trigrams(sq *s, const char *w)
{
    const unsigned char *u = (const unsigned char *)w;
    size_t n = strlen(w), p[4] = {0, 0, 0, 0};
    uint32_t cp;
    int have = 0;
    for (size_t i = 0; i <= n; have++) {
        p[have < 3 ? have : 3] = i;
        if (have >= 3) {
            put_string(s, " OR ", w + p[0], p[3] - p[0]);
            p[0] = p[1], p[1] = p[2], p[2] = p[3];
        }
        if (i == n)
            break;
        i += pc_utf8_next(u + i, n - i, &cp);
    }
}

static int sq_query_run(void *st, const char *text, int mode_or, int k, pc_result *res)
{
    sq *s = st;
    char **w;
    size_t nw = pc_split_words(text, &w);
    s->len = 0;
    for (size_t i = 0; i < nw; i++) {
        if (mode_or)
            put_trigrams(s, w[i]);
        else
            put_string(s, " AND ", w[i], strlen(w[i]));
    }
    pc_words_free(w, nw);
    if (s->len == 0)
        return 0;
    sqlite3_bind_text(s->stmt, 1, s->expr, (int)s->len, SQLITE_STATIC);
    sqlite3_bind_int(s->stmt, 2, k);
    int rc;
    while ((rc = sqlite3_step(s->stmt)) == SQLITE_ROW)
        pc_result_add(res, (const char *)sqlite3_column_text(s->stmt, 0),
                      (size_t)sqlite3_column_bytes(s->stmt, 0));
    sqlite3_reset(s->stmt);
    if (rc != SQLITE_DONE)
        return sq_fail(s->db, s->expr);
    return 0;
}

static void sq_query_close(void *st)
{
    sq *s = st;
    sqlite3_finalize(s->stmt);
    sqlite3_close(s->db);
    free(s->expr);
    free(s);
}

int main(int argc, char **argv)
{
    pc_engine e = {"sqlite-fts5", sqlite3_libversion(), sq_index_begin, sq_index_add,
                   sq_index_end, sq_query_open, sq_query_run, sq_query_close};
    return pc_main(argc, argv, &e);
}
