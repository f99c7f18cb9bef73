/* cjkfts-check: verify an index (checksums and structure; with --deep, also that the postings
 * match the re-analyzed stored text). Prints OK and the index statistics, or the first
 * problem found. Exit status 0 when the index is sound, 1 otherwise, 2 on bad usage. */
#include <stdio.h>
#include <string.h>

#include "cjkfts.h"
#include "term.h"

#define PROG "cjkfts-check"

static const char usage_text[] =
    "usage: cjkfts-check [--deep] INDEX_DIR\n"
    "Verify the index in INDEX_DIR (checksums and structure of every file of the last commit)\n"
    "and print its statistics, or the first problem found.\n"
    "  --deep       also compare the postings with the stored text analyzed again\n"
    "  -h, --help   show this help and exit\n";

int main(int argc, char **argv)
{
    int flags = 0;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--deep") == 0) {
            flags |= CJKFTS_CHECK_DEEP;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (argv[i][0] == '-') {
            return tm_usage_error(PROG, "unknown option '%s'", argv[i]);
        } else if (dir) {
            return tm_usage_error(PROG, "one INDEX_DIR only ('%s' and '%s')", dir, argv[i]);
        } else {
            dir = argv[i];
        }
    }
    if (!dir)
        return tm_usage_error(PROG, "missing INDEX_DIR");
    cjkfts_index *ix;
    int rc = cjkfts_index_open(dir, NULL, CJKFTS_OPEN_READONLY, &ix);
    cjkfts_index_stats st;
    if (rc == 0)
        rc = cjkfts_index_check(ix, flags);
    if (rc == 0)
        rc = cjkfts_index_stats_get(ix, &st);
    if (rc) {
        fprintf(stderr, "cjkfts-check: %s: %s: %s\n", dir, cjkfts_strerror(rc),
                ix ? cjkfts_errmsg(ix) : "");
        cjkfts_index_close(ix);
        return 1;
    }
    printf("OK%s\n", flags & CJKFTS_CHECK_DEEP ? " (deep)" : "");
    printf("generation %llu\ndocuments %llu\ndeleted %llu\nsegments %u\nterms %llu\n"
           "postings_bytes %llu\npositions_bytes %llu\nstored_bytes %llu\ntotal_bytes %llu\n",
           (unsigned long long)st.generation, (unsigned long long)st.docs,
           (unsigned long long)st.deleted_docs, st.segments, (unsigned long long)st.terms,
           (unsigned long long)st.postings_bytes, (unsigned long long)st.positions_bytes,
           (unsigned long long)st.stored_bytes, (unsigned long long)st.total_bytes);
    cjkfts_index_close(ix);
    return 0;
}
