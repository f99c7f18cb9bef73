/* cjkfts-tokenize.c: print the tokens the analyzer makes of stdin or of files.
 *
 *   cjkfts-tokenize [-c] [--no-fold] [--stemmer=LANG] [--strict] [FILE...]
 *
 * Each input (stdin when no file is given) is one text. Default output: one token per line,
 * term<TAB>position<TAB>start<TAB>end<TAB>kind, with byte offsets into the input. -c prints
 * term@position separated by spaces, one line per input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjkfts.h"
#include "term.h"

#define PROG "cjkfts-tokenize"

static const char *kind_name(int kind)
{
    switch (kind) {
    case CJKFTS_TOKEN_WORD: return "word";
    case CJKFTS_TOKEN_NUMBER: return "number";
    case CJKFTS_TOKEN_BIGRAM: return "bigram";
    case CJKFTS_TOKEN_UNIGRAM: return "unigram";
    case CJKFTS_TOKEN_TAIL: return "tail";
    default: return "?";
    }
}

typedef struct out_ctx {
    int compact;
    size_t count;
} out_ctx;

static int print_token(void *ctx, const cjkfts_token *t)
{
    out_ctx *o = ctx;
    if (o->compact)
        printf("%s%.*s@%u", o->count ? " " : "", (int)t->term_len, t->term, t->position);
    else
        printf("%.*s\t%u\t%zu\t%zu\t%s\n", (int)t->term_len, t->term, t->position, t->start,
               t->end, kind_name(t->kind));
    o->count++;
    return 0;
}

/* Read all of f into a new buffer; NULL on failure (errno set). */
static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *p = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
        if (!p) {
            free(buf);
            errno = ENOMEM;
            return NULL;
        }
        buf = p, cap *= 2;
    }
    if (buf && ferror(f)) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    *len = n;
    return buf;
}

static int tokenize_one(cjkfts_analyzer *a, const char *name, FILE *f, int compact)
{
    size_t len = 0;
    char *text = read_all(f, &len);
    if (!text) {
        fprintf(stderr, "cjkfts-tokenize: %s: %s\n", name, strerror(errno));
        return 1;
    }
    out_ctx o = {compact, 0};
    int rc = cjkfts_analyzer_tokenize(a, text, len, print_token, &o);
    free(text);
    if (compact)
        putchar('\n');
    if (rc) {
        fprintf(stderr, "cjkfts-tokenize: %s: %s\n", name, cjkfts_errmsg(a));
        return 1;
    }
    return 0;
}

static const char usage_text[] =
    "usage: cjkfts-tokenize [-c] [--no-fold] [--stemmer=LANG] [--strict] [FILE...]\n"
    "Print the tokens the built-in analyzer makes of each FILE (stdin without FILE or for -).\n"
    "  -c              compact output: term@position ...\n"
    "  --no-fold       do not fold traditional/simplified/shinjitai variants\n"
    "  --stemmer=LANG  Snowball algorithm (default english; none or empty: no stemming)\n"
    "  --strict        fail on invalid UTF-8 instead of replacing it\n"
    "  -h, --help      show this help and exit\n";

int main(int argc, char **argv)
{
    cjkfts_analyzer_options opts;
    cjkfts_analyzer_options_init(&opts);
    int compact = 0, i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (strcmp(a, "-c") == 0) {
            compact = 1;
        } else if (strcmp(a, "--no-fold") == 0) {
            opts.fold_variants = 0;
        } else if (strcmp(a, "--strict") == 0) {
            opts.utf8_strict = 1;
        } else if (strncmp(a, "--stemmer=", 10) == 0) {
            const char *lang = strcmp(a + 10, "none") == 0 ? "" : a + 10;
            if (strlen(lang) >= sizeof opts.stemmer)
                return tm_usage_error(PROG, "stemmer name too long: %s", lang);
            strcpy(opts.stemmer, lang);
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else {
            return tm_usage_error(PROG, "unknown option '%s'", a);
        }
    }
    cjkfts_analyzer *an = NULL;
    int rc = cjkfts_analyzer_open(NULL, &opts, &an);
    if (rc) {
        fprintf(stderr, "cjkfts-tokenize: %s\n", an ? cjkfts_errmsg(an) : cjkfts_strerror(rc));
        cjkfts_analyzer_close(an);
        return 1;
    }
    int status = 0;
    if (i == argc)
        status = tokenize_one(an, "<stdin>", stdin, compact);
    for (; i < argc; i++) {
        FILE *f = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "cjkfts-tokenize: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        status |= tokenize_one(an, argv[i], f, compact);
        if (f != stdin)
            fclose(f);
    }
    cjkfts_analyzer_close(an);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "cjkfts-tokenize: write error: %s\n", strerror(errno));
        status = 1;
    }
    return status;
}
