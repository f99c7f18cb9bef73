/* quickstart.c: the cjkfts API in one program: open an index, add text files, commit, search,
 * print the hits with their highlighted snippets.
 *
 *   quickstart INDEX_DIR QUERY FILE...
 *
 * Each FILE becomes a document: its name is the id, its first line the title, the rest the body.
 * Build against an installed cjkfts with:  cc quickstart.c $(pkg-config --cflags --libs cjkfts)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjkfts.h>

/* The whole file in a NUL-terminated buffer to free(), or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        buf[n] = '\0';
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

/* Add one file as a document: id = base name, title = first line, body = the rest. */
static int add_file(cjkfts_writer *w, const char *path)
{
    char *text = slurp(path);
    if (!text)
        return CJKFTS_EIO;
    const char *slash = strrchr(path, '/');
    const char *nl = strchr(text, '\n');
    cjkfts_doc doc = {.id = slash ? slash + 1 : path, .id_len = CJKFTS_NTS,
                      .title = text, .title_len = nl ? (size_t)(nl - text) : strlen(text),
                      .body = nl ? nl + 1 : "", .body_len = CJKFTS_NTS};
    int rc = cjkfts_writer_add(w, &doc); /* the document is copied */
    free(text);
    return rc;
}

/* Say why a call failed, with the detail kept by the handle when there is one; returns 1. */
static int report(const char *what, int rc, const void *handle)
{
    fprintf(stderr, "quickstart: %s: %s%s%s\n", what, cjkfts_strerror(rc), handle ? ": " : "",
            handle ? cjkfts_errmsg(handle) : "");
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: quickstart INDEX_DIR QUERY FILE...\n");
        return 2;
    }
    cjkfts_index *ix = NULL;
    cjkfts_writer *w = NULL;
    cjkfts_reader *r = NULL;
    cjkfts_hits *hits = NULL;
    int rc = cjkfts_index_open(argv[1], NULL, CJKFTS_OPEN_CREATE, &ix);
    int status = rc ? report(argv[1], rc, ix) : 0;
    if (!status && (rc = cjkfts_writer_open(ix, &w)) != 0) /* the detail goes to ix */
        status = report("writer", rc, ix);
    for (int i = 3; !status && i < argc; i++)
        if ((rc = add_file(w, argv[i])) != 0)
            status = report(argv[i], rc, rc == CJKFTS_EIO ? NULL : w);
    if (!status && (rc = cjkfts_writer_commit(w)) != 0)
        status = report("commit", rc, w);
    cjkfts_writer_close(w); /* releases the lock; readers need no writer */
    if (!status && (rc = cjkfts_reader_open(ix, &r)) != 0)
        status = report("reader", rc, ix);
    if (!status && (rc = cjkfts_search_string(r, argv[2], CJKFTS_MODE_AND, NULL, &hits)) != 0)
        status = report(argv[2], rc, hits); /* a failed hits handle carries the detail */
    if (!status) {
        printf("%llu of %llu documents match %s\n",
               (unsigned long long)cjkfts_hits_total(hits, NULL),
               (unsigned long long)cjkfts_reader_doc_count(r), argv[2]);
        for (size_t i = 0; i < cjkfts_hits_count(hits); i++) {
            const cjkfts_hit *h = cjkfts_hits_get(hits, i); /* strings owned by hits */
            printf("%zu. %s (%.3f) %s\n   %s\n", i + 1, h->id, h->score, h->title, h->snippet);
        }
    }
    cjkfts_hits_free(hits); /* every close and free accepts NULL */
    cjkfts_reader_close(r);
    cjkfts_index_close(ix);
    return status;
}
