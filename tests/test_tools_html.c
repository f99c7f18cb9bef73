/* test_tools_html.c: the direct conversion of simple HTML fragments gives gumbo's text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "html.h"
#include "text.h"

/* ht_to_text(HT_HTML) and gumbo alone give the same text, which is returned (malloc'ed). */
static char *both_paths(const char *s, size_t len, int one_line)
{
    tx_buf a, b;
    tx_buf_init(&a);
    tx_buf_init(&b);
    assert_int_equal(ht_to_text(s, len, HT_HTML, one_line, &a), 0);
    assert_int_equal(ht_html_to_text_gumbo(s, len, one_line, &b), 0);
    if (strcmp(tx_buf_str(&a), tx_buf_str(&b)) != 0)
        fail_msg("\"%s\": fast \"%s\", gumbo \"%s\"", s, tx_buf_str(&a), tx_buf_str(&b));
    char *r = strdup(tx_buf_str(&a));
    assert_non_null(r);
    tx_buf_free(&a);
    tx_buf_free(&b);
    return r;
}

static void test_simple_fragments(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int one_line;
        const char *out;
    } cases[] = {
        {"<p><strong>央视网消息</strong>（新闻联播）：长江</p><p>万里长江</p>", 0,
         "央视网消息（新闻联播）：长江\n万里长江"},
        {"<p>a</p><p>b</p><p>c</p>", 0, "a\nb\nc"},
        {"<p>a</p><p>b</p><p>c</p>", 1, "a b c"},
        {"a<br>b<br/>c<br />d", 0, "a\nb\nc\nd"},
        {"<p>a<br><br><br>b</p>", 0, "a\n\nb"},
        {"<p>a</p><br><p>b</p>", 0, "a\n\nb"},
        {"<p>a<br>b</p><p>c</p>", 1, "a b c"},
        {"<p>a</p>\n  <p> b </p>\t<p>c</p>", 0, "a\nb\nc"},
        {"  \n<p>  a \n b  </p>\n ", 0, "a b"},
        {"<p></p><p>a</p><p></p><p> </p><p>b</p><p></p>", 0, "a\nb"},
        {"<p>a <strong> b</strong>c<em>d</em> <b>e</b><i>f</i><u>g</u><span>h</span></p>", 0,
         "a bcd efgh"},
        {"<p><strong><em><b><i><u><span>deep</span></u></i></b></em></strong></p>", 0, "deep"},
        {"top<p>x</p>tail<br>end", 0, "top\nx\ntail\nend"},
        {"<div><p>a</p><div>b<div>c</div></div>d</div>", 0, "a\nb\nc\nd"},
        {"<p>a&nbsp;&nbsp;b&amp;c&lt;d&gt;&quot;</p>", 0, "a b&c<d>\""},
        {"&nbsp;<p>&nbsp;a&nbsp;</p>&nbsp;", 0, "a"},
        {"<p>a\r\nb\rc\fd\te</p>", 0, "a b c d e"},
        {"<p><strong>open at the end", 0, "open at the end"},
        {"no tags at all", 0, "no tags at all"},
        {"", 0, ""},
        {"<p>a > b = c</p>", 0, "a > b = c"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *in = cases[i].in;
        if (!ht_html_is_simple(in, strlen(in)))
            fail_msg("case %zu: \"%s\" not simple", i, in);
        char *got = both_paths(in, strlen(in), cases[i].one_line);
        if (strcmp(got, cases[i].out) != 0)
            fail_msg("case %zu: \"%s\" -> \"%s\", want \"%s\"", i, in, got, cases[i].out);
        free(got);
    }
}

/* Fragments left to gumbo, with what gumbo makes of them. */
static void test_fallback_fragments(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len; /* 0: strlen */
        const char *out;
    } cases[] = {
        {"<p style=\"x\">a</p><p>b</p>", 0, "a\nb"},       /* attribute */
        {"<p >a</p>", 0, "a"},                             /* space in the tag */
        {"<p>&#26085;&#x672C;</p>", 0, "日本"},             /* numeric references */
        {"a&copy;b", 0, "a©b"},                            /* other named reference */
        {"a &nbsp b", 0, "a b"},                           /* reference without ';' */
        {"&AMP;&Amp;", 0, "&&Amp;"},                       /* upper case */
        {"a & b", 0, "a & b"},                             /* bare '&' */
        {"a < b<p>c</p>", 0, "a < b\nc"},                  /* '<' that starts no tag */
        {"<!-- note -->a<p>b</p>", 0, "a\nb"},             /* comment */
        {"<P>a</P><BR>b", 0, "a\n\nb"},                    /* upper case tags */
        {"<p>a<ruby>b</ruby></p>", 0, "ab"},               /* other element */
        {"<p><strong>a</p>b</strong>", 0, "a\nb"},         /* misnested */
        {"<strong><em>a</strong>b</em>", 0, "ab"},         /* misnested inline */
        {"<strong>a<p>b</p>c</strong>", 0, "a\nb\nc"},     /* block inside inline */
        {"<p>a<p>b</p>", 0, "a\nb"},                       /* p closed by p */
        {"<p>a<div>b</div>c</p>", 0, "a\nb\nc"},           /* p closed by div */
        {"a</p>b", 0, "a\nb"},                             /* </p> without p: empty p */
        {"a</br>b", 0, "a\nb"},                            /* </br> is <br> */
        {"a</strong>b</div>c", 0, "abc"},                  /* end tags without start */
        {"<b><b><b><b>a</b></b></b></b>", 0, "a"},         /* formatting in itself */
        {"<p/>a<br/ >b", 0, "a\nb"},                       /* self-closing p, odd br */
        {"<pre>a\n  b</pre>", 0, "a\n  b"},                 /* pre */
        {"a\0b", 3, "ab"},                                 /* NUL */
        {"a\x01z", 0, "a\xef\xbf\xbdz"},                   /* control */
        {"a\xc2\x85z", 0, "a\xef\xbf\xbdz"},               /* C1 control */
        {"a\xef\xb7\x90z", 0, "a\xef\xbf\xbdz"},           /* U+FDD0 */
        {"a\xef\xbf\xbez", 0, "a\xef\xbf\xbdz"},           /* U+FFFE */
        {"a\xf0\x9f\xbf\xbfz", 0, "a\xef\xbf\xbdz"},       /* U+1FFFF */
        {"a\xffz", 0, "a\xef\xbf\xbdz"},                   /* invalid UTF-8 */
        {"a\xe6\x97", 0, "a\xef\xbf\xbd"},                 /* truncated UTF-8 */
        {"\xef\xbb\xbf<p>a</p>", 0, NULL},                 /* byte order mark */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *in = cases[i].in;
        size_t len = cases[i].len ? cases[i].len : strlen(in);
        if (ht_html_is_simple(in, len))
            fail_msg("case %zu: \"%s\" taken as simple", i, in);
        char *got = both_paths(in, len, 0);
        if (cases[i].out && strcmp(got, cases[i].out) != 0)
            fail_msg("case %zu: \"%s\" -> \"%s\", want \"%s\"", i, in, got, cases[i].out);
        free(got);
    }
}

/* Nesting deeper than the scan keeps track of goes to gumbo. */
static void test_deep_divs(void **state)
{
    (void)state;
    tx_buf in;
    tx_buf_init(&in);
    for (int depth = 1; depth <= 40; depth++) {
        tx_buf_clear(&in);
        for (int i = 0; i < depth; i++)
            assert_int_equal(tx_buf_puts(&in, "<div>"), 0);
        assert_int_equal(tx_buf_puts(&in, "x"), 0);
        for (int i = 0; i < depth; i++)
            assert_int_equal(tx_buf_puts(&in, "</div>y"), 0);
        assert_int_equal(ht_html_is_simple(in.data, in.len), depth <= 32);
        char *got = both_paths(in.data, in.len, 0);
        tx_buf want;
        tx_buf_init(&want);
        assert_int_equal(tx_buf_puts(&want, "x"), 0);
        for (int i = 0; i < depth; i++)
            assert_int_equal(tx_buf_puts(&want, "\ny"), 0);
        assert_string_equal(got, want.data);
        tx_buf_free(&want);
        free(got);
    }
    tx_buf_free(&in);
}

/* ---- the corpus ----------------------------------------------------------------------------- */

typedef struct corpus_count {
    size_t bodies, simple;           /* bodies checked, as HTML fragments */
    size_t html_bodies, html_simple; /* those the indexer takes as HTML (ht_sniff) */
} corpus_count;

/* s[0..len) cleaned as the indexer does, converted both ways; returns whether it is simple. */
static int check_text(const char *s, size_t len, int one_line)
{
    tx_buf clean;
    tx_buf_init(&clean);
    assert_int_equal(tx_utf8_sanitize(s, len, 1, &clean, NULL), 0);
    int simple = ht_html_is_simple(tx_buf_str(&clean), clean.len);
    free(both_paths(tx_buf_str(&clean), clean.len, one_line));
    tx_buf_free(&clean);
    return simple;
}

/* One JSON line: the title on one line and the body, whatever they look like; only those
 * that look like HTML unless all is set. */
static void check_line(const char *line, int all, corpus_count *c)
{
    json_object *o = json_tokener_parse(line);
    assert_non_null(o);
    json_object *v;
    if (json_object_object_get_ex(o, "title", &v) && json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        size_t len = (size_t)json_object_get_string_len(v);
        if (all || ht_sniff(s, len) == HT_HTML)
            check_text(s, len, 1);
    }
    if (json_object_object_get_ex(o, "body", &v) && json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        size_t len = (size_t)json_object_get_string_len(v);
        int html = ht_sniff(s, len) == HT_HTML;
        if (html || all) {
            int simple = check_text(s, len, 0);
            c->bodies++;
            c->simple += (size_t)simple;
            c->html_bodies += (size_t)html;
            c->html_simple += (size_t)(html && simple);
        }
    }
    json_object_put(o);
}

/* Check the lines of a JSON Lines file of the corpus: all of every stride-th line, what looks
 * like HTML in the others. Returns 0 when the corpus is not there. */
static int check_corpus(const char *name, size_t stride, corpus_count *c)
{
    memset(c, 0, sizeof *c);
    const char *dir = getenv("CJKFTS_TEST_DATA");
    if (!dir || !*dir)
        return 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char *line = NULL;
    size_t cap = 0;
    for (size_t n = 0; getline(&line, &cap, f) > 0; n++)
        check_line(line, n % stride == 0, c);
    free(line);
    fclose(f);
    print_message("%s: %zu bodies checked, %zu simple; %zu look like HTML, %zu of them simple\n",
                  name, c->bodies, c->simple, c->html_bodies, c->html_simple);
    return 1;
}

static void test_corpus_xinwenlianbo(void **state)
{
    (void)state;
    corpus_count c;
    if (!check_corpus("xinwenlianbo.jsonl", 1, &c)) {
        print_message("skipped: CJKFTS_TEST_DATA unset or without xinwenlianbo.jsonl\n");
        skip();
    }
    assert_true(c.bodies > 19000);
    assert_true(c.html_bodies > 19000);
    assert_true(c.html_simple * 100 > c.html_bodies * 95);
}

static void test_corpus_livedoor(void **state)
{
    (void)state;
    corpus_count c;
    if (!check_corpus("livedoor.jsonl", 16, &c)) {
        print_message("skipped: CJKFTS_TEST_DATA unset or without livedoor.jsonl\n");
        skip();
    }
    assert_true(c.bodies > 7000 / 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_fragments),
        cmocka_unit_test(test_fallback_fragments),
        cmocka_unit_test(test_deep_divs),
        cmocka_unit_test(test_corpus_xinwenlianbo),
        cmocka_unit_test(test_corpus_livedoor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
