/* cjkfts-search.c: the searcher: runs a query on an index and prints the top hits with
 * highlighted snippets, for people or (--json) for scripts.
 *
 * Exit status: 0 when some document matches, 1 when none does, 2 on a usage error, a missing
 * or damaged index, or a query syntax error.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cjkfts.h"
#include "term.h"
#include "text.h"

#define PROG "cjkfts-search"

static const char usage_text[] =
    "Usage: " PROG " [OPTION]... DIR QUERY...\n"
    "Search the index in folder DIR and print the best matching documents with a snippet of\n"
    "each, matched words highlighted. Several QUERY arguments are joined with spaces.\n"
    "\n"
    "Query syntax: words and CJK runs are all required (a CJK run matches as a phrase);\n"
    "\"quoted phrases\", OR, NOT or -word, (groups), title:word, body:word, and date\n"
    "filters such as date:2024, date:2023-01..2023-06 or date:..2022-12-31.\n"
    "\n"
    "Options:\n"
    "  -k N                 number of hits to show (default 10)\n"
    "  --offset N           skip the first N hits (paging)\n"
    "  --or                 ranked OR mode: any word or bigram may match (for questions)\n"
    "  --title-boost X      weight of title matches (default: the index's, 2.0)\n"
    "  --snippet-chars N    snippet length in characters (default 100; 0: no snippets)\n"
    "  --explain            show how each score was computed\n"
    "  --json               one JSON object per hit and line: id, score, title, date, url,\n"
    "                       snippet (highlights in [brackets]) and explain when asked\n"
    "  --color=WHEN         highlight with colour: auto (on a terminal), always, never\n"
    "  -h, --help           show this help and exit\n"
    "  -V, --version        show the version and exit\n"
    "\n"
    "Exit status: 0 some document matches, 1 none does, 2 error (usage, index, query syntax).\n";

typedef struct options {
    const char *dir;
    tx_buf query;
    uint64_t k, offset, snippet_chars;
    double title_boost;
    int mode, explain, json, color;
} options;

#define usage_error(...) tm_usage_error(PROG, __VA_ARGS__)

static int parse_count(const char *opt, const char *arg, uint64_t max, uint64_t *out)
{
    if (tx_parse_u64(arg, max, out) < 0)
        return usage_error("%s wants a whole number up to %llu, not '%s'", opt,
                           (unsigned long long)max, arg);
    return -1;
}

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, options *o)
{
    enum { OPT_OFFSET = 256, OPT_OR, OPT_TBOOST, OPT_SNIP, OPT_EXPLAIN, OPT_JSON, OPT_COLOR };
    static const struct option longopts[] = {
        {"offset", required_argument, NULL, OPT_OFFSET},
        {"or", no_argument, NULL, OPT_OR},
        {"title-boost", required_argument, NULL, OPT_TBOOST},
        {"snippet-chars", required_argument, NULL, OPT_SNIP},
        {"explain", no_argument, NULL, OPT_EXPLAIN},
        {"json", no_argument, NULL, OPT_JSON},
        {"color", required_argument, NULL, OPT_COLOR},
        {"colour", required_argument, NULL, OPT_COLOR},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    o->k = 10;
    o->snippet_chars = 100;
    o->title_boost = -1;
    o->mode = CJKFTS_MODE_AND;
    o->color = TM_COLOR_AUTO;
    int c, rc = -1;
    while (rc < 0 && (c = getopt_long(argc, argv, "k:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'k': rc = parse_count("-k", optarg, 1000000, &o->k); break;
        case OPT_OFFSET: rc = parse_count("--offset", optarg, 100000000, &o->offset); break;
        case OPT_SNIP: rc = parse_count("--snippet-chars", optarg, 100000, &o->snippet_chars);
            break;
        case OPT_TBOOST:
            if (tx_parse_double(optarg, 0, 1000, &o->title_boost) < 0)
                rc = usage_error("--title-boost wants a number from 0 to 1000, not '%s'",
                                 optarg);
            break;
        case OPT_OR: o->mode = CJKFTS_MODE_OR; break;
        case OPT_EXPLAIN: o->explain = 1; break;
        case OPT_JSON: o->json = 1; break;
        case OPT_COLOR:
            if ((o->color = tm_parse_color(optarg)) < 0)
                rc = usage_error("--color wants auto, always or never, not '%s'", optarg);
            break;
        case 'h': fputs(usage_text, stdout); return 0;
        case 'V': printf(PROG " (cjkfts) %s\n", cjkfts_version()); return 0;
        default: return usage_error(NULL);
        }
    }
    if (rc >= 0)
        return rc;
    if (argc - optind < 2)
        return usage_error(optind < argc ? "missing QUERY" : "missing index folder DIR and QUERY");
    o->dir = argv[optind++];
    for (int i = optind; i < argc; i++)
        if ((i > optind && tx_buf_putc(&o->query, ' ') < 0) || tx_buf_puts(&o->query, argv[i]) < 0)
            return usage_error("out of memory");
    return -1;
}

/* ---- output ------------------------------------------------------------------------------- */

typedef struct style {
    const char *bold, *reset, *dim;
} style;

/* Snippets are asked for with \x01 and \x02 as highlight markers; they become the terminal's
 * bold colour or brackets when printed. */
#define MARK_OPEN "\x01"
#define MARK_CLOSE "\x02"

/* Append s to out for a terminal, on one line: valid UTF-8, control characters (ESC
 * included) and runs of white space shown as one space; with markers set, MARK_OPEN and
 * MARK_CLOSE become open and close. */
static int term_line(const char *s, const char *open, const char *close, tx_buf *out)
{
    tx_buf tmp;
    tx_buf_init(&tmp);
    if (tx_utf8_sanitize(s, strlen(s), 1, &tmp, NULL) < 0)
        return -1;
    const char *p = tx_buf_str(&tmp);
    int space = 0, rc = 0;
    size_t start = out->len;
    for (size_t i = 0; i < tmp.len;) {
        size_t at = i;
        int32_t cp = tx_utf8_next(p, tmp.len, &i);
        if (open && (cp == MARK_OPEN[0] || cp == MARK_CLOSE[0])) {
            if (space && out->len > start && cp == MARK_OPEN[0])
                rc |= tx_buf_putc(out, ' ');
            space = cp == MARK_CLOSE[0] && space;
            rc |= tx_buf_puts(out, cp == MARK_OPEN[0] ? open : close);
            continue;
        }
        if (cp <= 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
            space = 1;
            continue;
        }
        if (space && out->len > start)
            rc |= tx_buf_putc(out, ' ');
        space = 0;
        rc |= tx_buf_append(out, p + at, i - at);
    }
    tx_buf_free(&tmp);
    return rc ? -1 : 0;
}

static void print_line(const char *indent, const char *pre, const char *s, const char *post)
{
    tx_buf b;
    tx_buf_init(&b);
    term_line(s, NULL, NULL, &b);
    printf("%s%s%s%s\n", indent, pre, tx_buf_str(&b), post);
    tx_buf_free(&b);
}

static void print_snippet(const char *snippet, int color)
{
    tx_buf b;
    tx_buf_init(&b);
    term_line(snippet, color ? "\033[1;31m" : "[", color ? "\033[0m" : "]", &b);
    printf("    %s\n", tx_buf_str(&b));
    tx_buf_free(&b);
}

static void print_explain(const char *explain)
{
    const char *p = explain;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        printf("      %.*s\n", (int)n, p);
        p += n + (nl ? 1 : 0);
    }
}

static void print_hit(const options *o, const cjkfts_hit *h, size_t rank, int color)
{
    style st = color ? (style){"\033[1m", "\033[0m", "\033[2m"} : (style){"", "", ""};
    tx_buf head;
    tx_buf_init(&head);
    term_line(h->id, NULL, NULL, &head);
    if (*h->date) {
        tx_buf_puts(&head, "  ");
        term_line(h->date, NULL, NULL, &head);
    }
    printf("%3zu. %s%.4f%s  %s\n", rank, st.dim, h->score, st.reset, tx_buf_str(&head));
    tx_buf_free(&head);
    if (*h->title)
        print_line("    ", st.bold, h->title, st.reset);
    if (*h->url)
        print_line("    ", "", h->url, "");
    if (o->snippet_chars && *h->snippet)
        print_snippet(h->snippet, color);
    if (o->explain && h->explain)
        print_explain(h->explain);
}

/* A JSON string of valid UTF-8 (stored text may hold anything). */
static json_object *json_str(const char *s)
{
    tx_buf b;
    tx_buf_init(&b);
    json_object *j = NULL;
    if (tx_utf8_sanitize(s, strlen(s), 0, &b, NULL) == 0)
        j = json_object_new_string_len(tx_buf_str(&b), (int)b.len);
    tx_buf_free(&b);
    return j;
}

static int print_json_hit(const options *o, const cjkfts_hit *h)
{
    json_object *j = json_object_new_object();
    char num[32];
    snprintf(num, sizeof num, "%.6g", h->score);
    if (!j)
        return -1;
    json_object_object_add(j, "id", json_str(h->id));
    json_object_object_add(j, "score", json_object_new_double_s(h->score, num));
    json_object_object_add(j, "title", json_str(h->title));
    json_object_object_add(j, "date", json_str(h->date));
    json_object_object_add(j, "url", json_str(h->url));
    json_object_object_add(j, "snippet", json_str(h->snippet));
    if (o->explain)
        json_object_object_add(j, "explain", h->explain ? json_str(h->explain) : NULL);
    const char *text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE);
    int rc = text ? (puts(text) < 0 ? -1 : 0) : -1;
    json_object_put(j);
    return rc;
}

static void print_footer(const cjkfts_hits *hits, const options *o, double ms)
{
    int exact = 1;
    uint64_t total = cjkfts_hits_total(hits, &exact);
    size_t n = cjkfts_hits_count(hits);
    if (total == 0)
        printf("no matching documents");
    else
        printf("%s%llu matching document%s", exact ? "" : "at least ",
               (unsigned long long)total, total == 1 ? "" : "s");
    if (n > 0)
        printf(", showing %llu-%llu", (unsigned long long)o->offset + 1,
               (unsigned long long)(o->offset + n));
    printf(" (%.1f ms)\n", ms);
}

/* ---- main ------------------------------------------------------------------------------- */

/* Report a query syntax error, with a caret under the byte position the message names. */
static void syntax_error(const options *o, const char *msg)
{
    fprintf(stderr, PROG ": query syntax error: %s\n", msg);
    const char *at = strstr(msg, "at byte ");
    char *end;
    if (!at)
        return;
    unsigned long long pos = strtoull(at + 8, &end, 10);
    if (end == at + 8 || pos > o->query.len)
        return;
    tx_buf line; /* the query with control characters shown as spaces */
    tx_buf_init(&line);
    int col = 0, caret = -1;
    const char *q = o->query.data;
    for (size_t i = 0; i < o->query.len;) {
        size_t from = i;
        if (from == pos)
            caret = col;
        int32_t cp = tx_utf8_next(q, o->query.len, &i);
        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
            tx_buf_putc(&line, ' ');
            col++;
        } else {
            tx_buf_append(&line, q + from, i - from);
            col += tx_cp_width((uint32_t)cp);
        }
    }
    if (caret < 0)
        caret = col;
    fprintf(stderr, "  %s\n  %*s^\n", tx_buf_str(&line), caret, "");
    tx_buf_free(&line);
}

static int run(const options *o)
{
    cjkfts_index *ix = NULL;
    cjkfts_reader *r = NULL;
    cjkfts_query *q = NULL;
    cjkfts_hits *hits = NULL;
    int rc = 2, color = !o->json && tm_use_color(STDOUT_FILENO, o->color);
    if (cjkfts_index_open(o->dir, NULL, CJKFTS_OPEN_READONLY, &ix) != 0) {
        fprintf(stderr, PROG ": cannot open the index %s: %s\n", o->dir, cjkfts_errmsg(ix));
        goto out;
    }
    if (cjkfts_reader_open(ix, &r) != 0) {
        fprintf(stderr, PROG ": cannot read the index %s: %s\n", o->dir,
                cjkfts_errmsg(r ? (const void *)r : (const void *)ix));
        goto out;
    }
    double t0 = tm_now();
    int err = cjkfts_query_parse(r, o->query.data, o->query.len, o->mode, &q);
    if (err == CJKFTS_ESYNTAX) {
        syntax_error(o, cjkfts_errmsg(r));
        goto out;
    } else if (err != 0) {
        fprintf(stderr, PROG ": cannot run the query: %s\n", cjkfts_errmsg(r));
        goto out;
    }
    cjkfts_search_options so;
    cjkfts_search_options_init(&so);
    so.k = (size_t)o->k;
    so.offset = (size_t)o->offset;
    so.title_boost = o->title_boost;
    so.explain = o->explain;
    so.snippet_chars = (size_t)o->snippet_chars;
    if (!o->json) {
        so.hl_open = MARK_OPEN;
        so.hl_close = MARK_CLOSE;
    }
    if (cjkfts_search(r, q, &so, &hits) != 0) {
        fprintf(stderr, PROG ": search failed: %s\n", cjkfts_errmsg(hits ? (const void *)hits
                                                                          : (const void *)r));
        goto out;
    }
    double ms = (tm_now() - t0) * 1000;
    size_t n = cjkfts_hits_count(hits);
    for (size_t i = 0; i < n; i++) {
        const cjkfts_hit *h = cjkfts_hits_get(hits, i);
        if (o->json) {
            if (print_json_hit(o, h) < 0) {
                fprintf(stderr, PROG ": out of memory\n");
                goto out;
            }
        } else {
            print_hit(o, h, (size_t)o->offset + i + 1, color);
            putchar('\n');
        }
    }
    if (!o->json)
        print_footer(hits, o, ms);
    int exact;
    rc = cjkfts_hits_total(hits, &exact) > 0 ? 0 : 1;
out:
    cjkfts_hits_free(hits);
    cjkfts_query_free(q);
    cjkfts_reader_close(r);
    cjkfts_index_close(ix);
    return rc;
}

int main(int argc, char **argv)
{
    options o;
    memset(&o, 0, sizeof o);
    tx_buf_init(&o.query);
    int rc = parse_args(argc, argv, &o);
    if (rc < 0)
        rc = run(&o);
    if (fflush(stdout) != 0 && rc != 2) {
        perror(PROG ": write error");
        rc = 2;
    }
    tx_buf_free(&o.query);
    return rc;
}
