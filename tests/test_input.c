/* test_input.c: the indexer's document readers: JSON Lines, text/Markdown/HTML files, folders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "html.h"
#include "input.h"
#include "text.h"

/* ---- a sink that records everything ----------------------------------------------------- */

#define MAX_SEEN 32

typedef struct seen_doc {
    char *file, *id, *title, *body, *date, *url, *extra; /* extra: "name=value;..." */
    unsigned long line;
} seen_doc;

typedef struct seen_problem {
    char *file, *detail;
    unsigned long line;
    int kind;
} seen_problem;

typedef struct seen {
    seen_doc docs[MAX_SEEN];
    size_t n_docs;
    seen_problem problems[MAX_SEEN];
    size_t n_problems;
    uint64_t bytes;
} seen;

static char *dup_or_null(const char *s, size_t len)
{
    if (!s)
        return NULL;
    char *d = malloc(len + 1);
    assert_non_null(d);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

static int on_doc(void *ctx, const in_doc *d)
{
    seen *s = ctx;
    assert_true(s->n_docs < MAX_SEEN);
    seen_doc *o = &s->docs[s->n_docs++];
    o->file = dup_or_null(d->file, strlen(d->file));
    o->line = d->line;
    o->id = dup_or_null(d->id, d->id_len);
    assert_int_equal(strlen(d->id), d->id_len);
    o->title = dup_or_null(d->title, d->title_len);
    o->body = dup_or_null(d->body, d->body_len);
    o->date = dup_or_null(d->date, d->date ? strlen(d->date) : 0);
    o->url = dup_or_null(d->url, d->url ? strlen(d->url) : 0);
    tx_buf ex;
    tx_buf_init(&ex);
    for (size_t i = 0; i < d->n_extra; i++) {
        tx_buf_printf(&ex, "%s=", d->extra[i].name);
        tx_buf_append(&ex, d->extra[i].value, d->extra[i].len);
        tx_buf_putc(&ex, ';');
    }
    o->extra = dup_or_null(tx_buf_str(&ex), ex.len);
    tx_buf_free(&ex);
    return 0;
}

static void on_problem(void *ctx, const in_problem *p)
{
    seen *s = ctx;
    assert_true(s->n_problems < MAX_SEEN);
    seen_problem *o = &s->problems[s->n_problems++];
    o->file = dup_or_null(p->file, strlen(p->file));
    o->detail = dup_or_null(p->detail, strlen(p->detail));
    o->line = p->line;
    o->kind = p->kind;
}

static void on_bytes(void *ctx, uint64_t n)
{
    ((seen *)ctx)->bytes += n;
}

static void seen_free(seen *s)
{
    for (size_t i = 0; i < s->n_docs; i++) {
        seen_doc *d = &s->docs[i];
        free(d->file), free(d->id), free(d->title), free(d->body);
        free(d->date), free(d->url), free(d->extra);
    }
    for (size_t i = 0; i < s->n_problems; i++)
        free(s->problems[i].file), free(s->problems[i].detail);
    memset(s, 0, sizeof *s);
}

static in_sink sink_of(seen *s)
{
    return (in_sink){on_doc, on_problem, on_bytes, s};
}

/* ---- temporary files ------------------------------------------------------------------- */

typedef struct tmpdir {
    char path[64];
} tmpdir;

static void tmp_make(tmpdir *t)
{
    const char *base = getenv("TMPDIR");
    snprintf(t->path, sizeof t->path, "%s/cjkfts-input-XXXXXX", base && strlen(base) < 30 ? base : "/tmp");
    assert_non_null(mkdtemp(t->path));
}

static char *tmp_file(const tmpdir *t, const char *name, const char *data, size_t len)
{
    char *path = malloc(strlen(t->path) + strlen(name) + 2);
    assert_non_null(path);
    sprintf(path, "%s/%s", t->path, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

static void tmp_remove(const tmpdir *t)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->path);
    assert_int_equal(system(cmd), 0);
}

/* Read a text document from memory; exactly one document expected. */
static void read_one(seen *s, int format, const char *data)
{
    in_sink k = sink_of(s);
    assert_int_equal(in_read_text("f", "id1", format, data, strlen(data), &k), 0);
}

static void expect_doc(const seen_doc *d, const char *title, const char *body)
{
    if (title)
        assert_string_equal(d->title, title);
    else
        assert_null(d->title);
    if (body)
        assert_string_equal(d->body, body);
    else
        assert_null(d->body);
}

/* ---- JSON Lines ----------------------------------------------------------------------- */

static void test_jsonl_lines(void **state)
{
    (void)state;
    static const char data[] =
        "{\"id\":\"a\",\"title\":\"Ta\",\"body\":\"Ba\",\"date\":\"2024-05-01\","
        "\"url\":\"http://x/a\",\"category\":\"news\",\"n\":5,\"tags\":[\"x\",\"y\"],"
        "\"ok\":true,\"none\":null}\n"                            /* 1 good, extras */
        "\n"                                                     /* 2 blank: ignored */
        "{\"id\": 7, \"body\": \"seven\"}\n"                     /* 3 numeric id */
        "{\"id\": \"b\", \"body\": \n"                           /* 4 incomplete */
        "{\"title\": \"no id\"}\n"                               /* 5 missing id */
        "{\"id\": \"c\", \"body\": \"bad \xff byte\"}\n"         /* 6 invalid UTF-8 */
        "[1, 2]\n"                                               /* 7 not an object */
        "{\"id\": \"d\", \"title\": 3}\n"                        /* 8 title not a string */
        "{\"id\": \"e\"} trailing\n"                             /* 9 text after */
        "{\"id\": \"f\", \"body\": \"crlf\"}\r\n"                /* 10 CRLF */
        "{\"id\": 1.5}\n"                                        /* 11 id not an integer */
        "{\"id\": \"\"}\n"                                       /* 12 empty id */
        "{id: \"g\"}\n"                                          /* 13 bad JSON */
        "   \t \n"                                               /* 14 blank */
        "{\"id\": \"h\", \"date\": \"\", \"url\": \"\", \"title\": null}"; /* 15, no LF */
    tmpdir t;
    tmp_make(&t);
    char *path = tmp_file(&t, "in.jsonl", data, sizeof data - 1);
    seen s = {0};
    in_sink k = sink_of(&s);
    assert_int_equal(in_read_jsonl(path, &k), 0);

    assert_int_equal(s.n_docs, 4);
    const seen_doc *d = &s.docs[0];
    assert_int_equal(d->line, 1);
    assert_string_equal(d->file, path);
    assert_string_equal(d->id, "a");
    expect_doc(d, "Ta", "Ba");
    assert_string_equal(d->date, "2024-05-01");
    assert_string_equal(d->url, "http://x/a");
    assert_string_equal(d->extra, "category=news;n=5;tags=[\"x\",\"y\"];ok=true;");
    assert_int_equal(s.docs[1].line, 3);
    assert_string_equal(s.docs[1].id, "7");
    expect_doc(&s.docs[1], NULL, "seven");
    assert_int_equal(s.docs[2].line, 10);
    assert_string_equal(s.docs[2].id, "f");
    assert_int_equal(s.docs[3].line, 15);
    assert_string_equal(s.docs[3].id, "h");
    assert_null(s.docs[3].date);
    assert_null(s.docs[3].url);
    assert_null(s.docs[3].title);
    assert_string_equal(s.docs[3].extra, "");

    static const struct {
        unsigned long line;
        int kind;
    } want[] = {{4, IN_BAD_JSON},  {5, IN_NO_ID},    {6, IN_BAD_UTF8}, {7, IN_BAD_JSON},
                {8, IN_BAD_FIELD}, {9, IN_BAD_JSON}, {11, IN_NO_ID},   {12, IN_NO_ID},
                {13, IN_BAD_JSON}};
    assert_int_equal(s.n_problems, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < s.n_problems; i++) {
        assert_int_equal(s.problems[i].line, want[i].line);
        assert_int_equal(s.problems[i].kind, want[i].kind);
        assert_string_equal(s.problems[i].file, path);
    }
    assert_string_equal(s.problems[4].detail, "field \"title\" is an integer, not a string");
    assert_string_equal(s.problems[5].detail, "unexpected character at column 13");
    assert_string_equal(s.problems[6].detail, "\"id\" is a number, not a string or an integer");
    assert_int_equal(s.bytes, sizeof data - 1);
    seen_free(&s);
    free(path);
    tmp_remove(&t);
}

static void test_jsonl_html_body(void **state)
{
    (void)state;
    static const char data[] =
        "{\"id\":\"x1\",\"title\":\"AT&amp;T  news\",\"body\":\"<p><strong>\\u592e\\u89c6"
        "</strong>\\uff1aone &amp; two</p><p>three&nbsp;</p>\\n\\n[link](http://u)\"}\n"
        "{\"id\":\"x2\",\"body\":\"plain <NAVY SEALS> &amp; text\\n\\nkept\"}\n"
        "{\"id\":\"x3\",\"body\":\"refs &lt;only&gt;\\n\\nline two &#x65E5;\"}\n"
        "{\"id\":\"x4\",\"body\":\"nul\\u0000inside\",\"title\":\"a\\nb\"}\n";
    tmpdir t;
    tmp_make(&t);
    char *path = tmp_file(&t, "h.json", data, sizeof data - 1);
    seen s = {0};
    in_sink k = sink_of(&s);
    assert_int_equal(in_read_jsonl(path, &k), 0);
    assert_int_equal(s.n_problems, 0);
    assert_int_equal(s.n_docs, 4);
    expect_doc(&s.docs[0], "AT&T news", "央视：one & two\nthree\n[link](http://u)");
    expect_doc(&s.docs[1], NULL, "plain <NAVY SEALS> &amp; text\n\nkept");
    expect_doc(&s.docs[2], NULL, "refs <only>\n\nline two 日");
    expect_doc(&s.docs[3], "a b", "nul inside");
    seen_free(&s);
    free(path);
    tmp_remove(&t);
}

static void test_jsonl_binary_and_empty(void **state)
{
    (void)state;
    tmpdir t;
    tmp_make(&t);
    static const char bin[] = "{\"id\":\"a\"}\n\x00\x01\x02\x03garbage\n";
    char *p1 = tmp_file(&t, "bin.jsonl", bin, sizeof bin - 1);
    char *p2 = tmp_file(&t, "empty.jsonl", "", 0);
    seen s = {0};
    in_sink k = sink_of(&s);
    assert_int_equal(in_read_jsonl(p1, &k), 0);
    assert_int_equal(in_read_jsonl(p2, &k), 0);
    assert_int_equal(s.n_docs, 0);
    assert_int_equal(s.n_problems, 1);
    assert_int_equal(s.problems[0].kind, IN_BINARY);
    assert_int_equal(s.problems[0].line, 0);
    assert_string_equal(s.problems[0].detail, "binary file (1 NUL byte)");
    seen_free(&s);
    free(p1);
    free(p2);
    tmp_remove(&t);
}

/* ---- text files ------------------------------------------------------------------------- */

static void test_txt_title(void **state)
{
    (void)state;
    seen s = {0};
    read_one(&s, IN_FMT_TXT, "\n\n  First line  \n\nsecond\nthird\n\n");
    read_one(&s, IN_FMT_TXT, "\xef\xbb\xbfTitle\r\nline1\r\n\r\nline2\r\n");
    read_one(&s, IN_FMT_TXT, "\xe3\x80\x80\xe6\x97\xa5\xe6\x9c\xac\xe3\x80\x80\n");
    read_one(&s, IN_FMT_TXT, "# not markdown\nbody");
    assert_int_equal(s.n_problems, 0);
    assert_int_equal(s.n_docs, 4);
    expect_doc(&s.docs[0], "First line", "second\nthird");
    assert_string_equal(s.docs[0].id, "id1");
    assert_int_equal(s.docs[0].line, 0);
    expect_doc(&s.docs[1], "Title", "line1\n\nline2");
    expect_doc(&s.docs[2], "日本", NULL);
    expect_doc(&s.docs[3], "# not markdown", "body");
    seen_free(&s);
}

static void test_long_title(void **state)
{
    (void)state;
    seen s = {0};
    tx_buf b;
    tx_buf_init(&b);
    /* 100 characters without a sentence end: cut at the last clause break after 40 */
    for (int i = 0; i < 10; i++)
        tx_buf_puts(&b, "一二三四五六七八九，");
    tx_buf_puts(&b, "\nrest");
    read_one(&s, IN_FMT_TXT, b.data);
    tx_buf_clear(&b);
    /* a first sentence of 12 characters */
    tx_buf_puts(&b, "日本与美国签署了新的协定。");
    for (int i = 0; i < 10; i++)
        tx_buf_puts(&b, "一二三四五六七八九十");
    read_one(&s, IN_FMT_TXT, b.data);
    tx_buf_clear(&b);
    /* no break at all: 80 characters and an ellipsis */
    for (int i = 0; i < 100; i++)
        tx_buf_puts(&b, "字");
    read_one(&s, IN_FMT_TXT, b.data);
    assert_int_equal(s.n_docs, 3);
    /* the shortened line stays in the body */
    const char *t0 = s.docs[0].title;
    assert_int_equal(strlen(t0), 79 * 3 + 3); /* 7 groups of 10 + 9 characters, then "…" */
    assert_memory_equal(t0 + strlen(t0) - 6, "九\xe2\x80\xa6", 6);
    assert_memory_equal(s.docs[0].body, "一二三四五六七八九，", 30);
    assert_string_equal(s.docs[1].title, "日本与美国签署了新的协定。");
    assert_memory_equal(s.docs[1].body, "日本与美国", 15);
    assert_int_equal(strlen(s.docs[2].title), 80 * 3 + 3);
    assert_int_equal(strlen(s.docs[2].body), 300);
    seen_free(&s);
    tx_buf_free(&b);
}

static void test_md_title(void **state)
{
    (void)state;
    seen s = {0};
    read_one(&s, IN_FMT_MD, "\n## Hello world ##\n\nText *here*.\n");
    read_one(&s, IN_FMT_MD, "Setext title\n============\nbody\n");
    read_one(&s, IN_FMT_MD, "#hashtag is not a heading\nx");
    read_one(&s, IN_FMT_MD, "#\n\n# Real\nx");
    assert_int_equal(s.n_docs, 4);
    expect_doc(&s.docs[0], "Hello world", "Text *here*.");
    expect_doc(&s.docs[1], "Setext title", "body");
    expect_doc(&s.docs[2], "#hashtag is not a heading", "x");
    expect_doc(&s.docs[3], "Real", "x");
    seen_free(&s);
}

static void test_html_file(void **state)
{
    (void)state;
    seen s = {0};
    read_one(&s, IN_FMT_HTML,
             "<!DOCTYPE html><html><head><title> The  &amp; title </title>"
             "<meta name=\"date\" content=\"2024-05-01\">"
             "<link rel=\"canonical\" href=\"https://example.com/a\">"
             "<style>p { color: red }</style><script>var x = '<p>no</p>';</script></head>"
             "<body><h1>Head</h1><p>One&nbsp;&lt;two&gt;\n   three</p><!-- hidden -->"
             "<ul><li>a</li><li>b &#26085;&#x672C;</li></ul>x<br>y<br><br>z"
             "<pre>  keep\n    this</pre><table><tr><td>c1</td><td>c2</td></tr></table>"
             "</body></html>");
    read_one(&s, IN_FMT_HTML,
             "<html><body><div>intro</div><h1>The <em>H1</em> title</h1><p>text</p>"
             "<meta property=\"article:published_time\" content=\"2023-01-13T10:00:00Z\">"
             "<meta property=\"og:url\" content=\"https://og/u\"></body></html>");
    read_one(&s, IN_FMT_HTML, "<p>  first   line </p><p>second</p>");
    read_one(&s, IN_FMT_HTML, "<html><script>only()</script></html>");
    assert_int_equal(s.n_docs, 3);
    expect_doc(&s.docs[0], "The & title",
               "Head\nOne <two> three\na\nb 日本\nx\ny\n\nz\n  keep\n    this\nc1 c2");
    assert_string_equal(s.docs[0].date, "2024-05-01");
    assert_string_equal(s.docs[0].url, "https://example.com/a");
    expect_doc(&s.docs[1], "The H1 title", "intro\nThe H1 title\ntext");
    assert_string_equal(s.docs[1].date, "2023-01-13T10:00:00Z");
    assert_string_equal(s.docs[1].url, "https://og/u");
    expect_doc(&s.docs[2], "first line", "second");
    assert_null(s.docs[2].date);
    assert_null(s.docs[2].url);
    assert_int_equal(s.n_problems, 1);
    assert_int_equal(s.problems[0].kind, IN_EMPTY);
    seen_free(&s);
}

static void test_binary_and_utf8(void **state)
{
    (void)state;
    seen s = {0};
    in_sink k = sink_of(&s);
    static const char nul[] = "text\0with a NUL";
    assert_int_equal(in_read_text("n.txt", "n", IN_FMT_TXT, nul, sizeof nul - 1, &k), 0);
    /* Latin-1 (or GBK): most characters invalid as UTF-8 */
    static const char latin1[] = "caf\xe9 cr\xe8me br\xfbl\xe9\xe9 \xe0 la \xe7\xe0";
    assert_int_equal(in_read_text("l.txt", "l", IN_FMT_TXT, latin1, sizeof latin1 - 1, &k), 0);
    /* a few invalid bytes in real text: replaced, with a warning naming the line */
    static const char few[] = "Title\nline two is long enough to stay text\nbad \xff here and "
                              "more words after it to keep the ratio low\n";
    assert_int_equal(in_read_text("f.txt", "f", IN_FMT_TXT, few, sizeof few - 1, &k), 0);
    assert_int_equal(s.n_problems, 3);
    assert_int_equal(s.problems[0].kind, IN_BINARY);
    assert_string_equal(s.problems[0].detail, "binary file (1 NUL byte)");
    assert_int_equal(s.problems[1].kind, IN_BINARY);
    assert_string_equal(s.problems[1].detail, "not UTF-8 text (8 of 25 characters invalid)");
    assert_int_equal(s.problems[2].kind, IN_WARN_UTF8);
    assert_int_equal(s.problems[2].line, 3);
    assert_string_equal(s.problems[2].detail, "1 invalid UTF-8 sequence replaced by U+FFFD");
    assert_int_equal(s.n_docs, 1);
    assert_string_equal(s.docs[0].body, "line two is long enough to stay text\nbad \xef\xbf\xbd"
                                        " here and more words after it to keep the ratio low");
    seen_free(&s);
}

static void test_empty_files(void **state)
{
    (void)state;
    seen s = {0};
    in_sink k = sink_of(&s);
    assert_int_equal(in_read_text("e.txt", "e", IN_FMT_TXT, "", 0, &k), 0);
    assert_int_equal(in_read_text("w.md", "w", IN_FMT_MD, " \r\n\n\t", 5, &k), 0);
    assert_int_equal(in_read_text("h.html", "h", IN_FMT_HTML, "<p> </p>", 8, &k), 0);
    assert_int_equal(s.n_docs, 0);
    assert_int_equal(s.n_problems, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(s.problems[i].kind, IN_EMPTY);
        assert_int_equal(s.problems[i].line, 0);
    }
    assert_string_equal(s.problems[1].file, "w.md");
    seen_free(&s);
}

/* ---- HTML helpers ----------------------------------------------------------------------- */

static void test_html_sniff(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int kind;
    } cases[] = {
        {"plain text", HT_PLAIN},
        {"a<br>b", HT_HTML},
        {"<P CLASS=x>a</P>", HT_HTML},
        {"x</strong>", HT_HTML},
        {"<!-- c -->", HT_HTML},
        {"<!doctype html>", HT_HTML},
        {"<NAVY SEALS> and <IT\xe9\x96\xa2\xe9\x80\xa3>", HT_PLAIN},
        {"1 < 2 and 3 > 2", HT_PLAIN},
        {"AT&amp;T", HT_ENTITIES},
        {"&#26085; &#x65E5;", HT_ENTITIES},
        {"a < b &amp; c", HT_PLAIN},
        {"Q&A; fish & chips", HT_ENTITIES},
        {"fish & chips &", HT_PLAIN},
        {"&#;", HT_PLAIN},
        {"<pa>", HT_PLAIN},
        {"<p", HT_PLAIN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = ht_sniff(cases[i].text, strlen(cases[i].text));
        if (got != cases[i].kind)
            fail_msg("ht_sniff(\"%s\") = %d, want %d", cases[i].text, got, cases[i].kind);
    }
}

static void test_html_to_text(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int kind, one_line;
        const char *out;
    } cases[] = {
        {"<p>AT&amp;T &lt;b&gt; &#x65E5;&#26412;&nbsp;x</p>", HT_HTML, 0, "AT&T <b> 日本 x"},
        {"<p>a</p>\n\n<p>b</p>", HT_HTML, 0, "a\nb"},
        {"<p>a</p>\n\n<p>b</p>", HT_HTML, 1, "a b"},
        {"a<br>b<br/><br>c", HT_HTML, 0, "a\nb\n\nc"},
        {"<div><script>x()</script><style>.a{}</style>t<noscript>n</noscript></div>", HT_HTML,
         0, "t"},
        {"in<b>line</b> <i>tags</i>", HT_HTML, 0, "inline tags"},
        {"a &amp; b\n\n  c&nbsp;d\n", HT_ENTITIES, 0, "a & b\n\n  c d"},
        {"a &amp; b\n\nc", HT_ENTITIES, 1, "a & b c"},
        {"  spaced\n\n text ", HT_PLAIN, 0, "  spaced\n\n text "},
        {"  spaced\n\n text ", HT_PLAIN, 1, "spaced text"},
        {"<p>\xe6\x97\xa5<p>", HT_HTML, 0, "日"},
        {"", HT_HTML, 0, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tx_buf b;
        tx_buf_init(&b);
        assert_int_equal(ht_to_text(cases[i].in, strlen(cases[i].in), cases[i].kind,
                                    cases[i].one_line, &b), 0);
        if (strcmp(tx_buf_str(&b), cases[i].out) != 0)
            fail_msg("case %zu: \"%s\" -> \"%s\", want \"%s\"", i, cases[i].in, tx_buf_str(&b),
                     cases[i].out);
        tx_buf_free(&b);
    }
}

static void test_html_deep_nesting(void **state)
{
    (void)state;
    tx_buf in, out;
    tx_buf_init(&in);
    tx_buf_init(&out);
    for (int i = 0; i < 20000; i++)
        tx_buf_puts(&in, "<span>");
    tx_buf_puts(&in, "deep");
    assert_int_equal(ht_to_text(in.data, in.len, HT_HTML, 0, &out), 0);
    assert_string_equal(tx_buf_str(&out), "deep");
    tx_buf_free(&in);
    tx_buf_free(&out);
}

/* ---- folders ------------------------------------------------------------------------------ */

static void test_plan_folder(void **state)
{
    (void)state;
    tmpdir t;
    tmp_make(&t);
    char sub[128];
    snprintf(sub, sizeof sub, "%s/sub", t.path);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(sub, sizeof sub, "%s/.git", t.path);
    assert_int_equal(mkdir(sub, 0700), 0);
    free(tmp_file(&t, "b.md", "# B\nbee", 7));
    free(tmp_file(&t, "a.TXT", "A\nay", 4));
    free(tmp_file(&t, "sub/c.html", "<title>C</title>see", 19));
    free(tmp_file(&t, "sub/d.jsonl", "{\"id\":1}\n", 9));
    free(tmp_file(&t, "e.pdf", "%PDF", 4));
    free(tmp_file(&t, ".hidden.txt", "H", 1));
    free(tmp_file(&t, ".git/x.txt", "X", 1));
    free(tmp_file(&t, "z.txt", "\x01\x02\x00", 3));

    in_plan p;
    in_plan_init(&p);
    seen s = {0};
    in_sink k = sink_of(&s);
    assert_int_equal(in_plan_add(&p, t.path, &k), 0);
    char missing[128];
    snprintf(missing, sizeof missing, "%s/missing", t.path);
    assert_int_equal(in_plan_add(&p, missing, &k), 0);
    assert_int_equal(in_plan_add(&p, sub, &k), 0); /* a hidden folder given directly is read */
    char *pdf = malloc(strlen(t.path) + 8);
    sprintf(pdf, "%s/e.pdf", t.path);
    assert_int_equal(in_plan_add(&p, pdf, &k), 0);
    free(pdf);

    assert_int_equal(p.n, 5);
    assert_string_equal(p.items[0].id, "a.TXT");
    assert_string_equal(p.items[1].id, "b.md");
    assert_string_equal(p.items[2].id, "sub/c.html");
    assert_string_equal(p.items[3].id, "z.txt");
    assert_string_equal(p.items[4].id, "x.txt");
    assert_int_equal(p.items[2].format, IN_FMT_HTML);
    assert_int_equal(p.total_bytes, 4 + 7 + 19 + 3 + 1);
    assert_int_equal(p.ignored, 2); /* e.pdf, sub/d.jsonl */
    assert_int_equal(s.n_problems, 2);
    assert_int_equal(s.problems[0].kind, IN_UNREADABLE);
    assert_string_equal(s.problems[0].file, missing);
    assert_int_equal(s.problems[1].kind, IN_UNSUPPORTED);

    assert_int_equal(in_plan_run(&p, &k), 0);
    assert_int_equal(s.n_docs, 4);
    expect_doc(&s.docs[0], "A", "ay");
    expect_doc(&s.docs[1], "B", "bee");
    expect_doc(&s.docs[2], "C", "see");
    assert_string_equal(s.docs[2].id, "sub/c.html");
    expect_doc(&s.docs[3], "X", NULL);
    assert_int_equal(s.n_problems, 3);
    assert_int_equal(s.problems[2].kind, IN_BINARY);
    assert_int_equal(s.bytes, p.total_bytes);
    seen_free(&s);
    in_plan_free(&p);
    tmp_remove(&t);
}

static void test_format_of(void **state)
{
    (void)state;
    assert_int_equal(in_format_of("a/b.txt"), IN_FMT_TXT);
    assert_int_equal(in_format_of("b.Md"), IN_FMT_MD);
    assert_int_equal(in_format_of("x.htm"), IN_FMT_HTML);
    assert_int_equal(in_format_of("x.HTML"), IN_FMT_HTML);
    assert_int_equal(in_format_of("n.jsonl"), IN_FMT_JSONL);
    assert_int_equal(in_format_of("n.json"), IN_FMT_JSONL);
    assert_int_equal(in_format_of("dir.txt/x"), IN_FMT_NONE);
    assert_int_equal(in_format_of("txt"), IN_FMT_NONE);
    assert_int_equal(in_format_of("a."), IN_FMT_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonl_lines),      cmocka_unit_test(test_jsonl_html_body),
        cmocka_unit_test(test_jsonl_binary_and_empty), cmocka_unit_test(test_txt_title),
        cmocka_unit_test(test_long_title),       cmocka_unit_test(test_md_title),
        cmocka_unit_test(test_html_file),        cmocka_unit_test(test_binary_and_utf8),
        cmocka_unit_test(test_empty_files),      cmocka_unit_test(test_html_sniff),
        cmocka_unit_test(test_html_to_text),     cmocka_unit_test(test_html_deep_nesting),
        cmocka_unit_test(test_plan_folder),      cmocka_unit_test(test_format_of),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
