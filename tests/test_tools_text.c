/* test_tools_text.c: the tools' text helpers and progress line: UTF-8, numbers, durations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "term.h"
#include "text.h"

/* The inline decoder against the general one on every sequence of up to three bytes drawn
 * from bytes at the edges of the UTF-8 ranges. */
static void test_utf8_inline(void **state)
{
    (void)state;
    static const unsigned char vals[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf,
                                         0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xe6, 0xec, 0xed,
                                         0xee, 0xef, 0xf0, 0xf4, 0xf5, 0xff};
    const size_t nv = sizeof vals;
    size_t three = 0;
    for (size_t a = 0; a < nv; a++)
        for (size_t b = 0; b < nv; b++)
            for (size_t c = 0; c < nv; c++) {
                const char s[3] = {(char)vals[a], (char)vals[b], (char)vals[c]};
                for (size_t len = 1; len <= 3; len++) {
                    size_t i1 = 0, i2 = 0;
                    int32_t c1 = tx_utf8_next_any(s, len, &i1), c2 = tx_utf8_next(s, len, &i2);
                    assert_int_equal(c1, c2);
                    assert_int_equal(i1, i2);
                    three += c2 != TX_UTF8_INVALID && i2 == 3;
                }
            }
    assert_true(three > 0);
}

static void test_utf8(void **state)
{
    (void)state;
    static const char s[] = "a\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80";
    size_t i = 0, n = sizeof s - 1;
    assert_int_equal(tx_utf8_next(s, n, &i), 'a');
    assert_int_equal(tx_utf8_next(s, n, &i), 0xe9);
    assert_int_equal(tx_utf8_next(s, n, &i), 0x65e5);
    assert_int_equal(tx_utf8_next(s, n, &i), 0x1f600);
    assert_int_equal(i, n);
    assert_true(tx_utf8_valid(s, n));
    /* lone continuation | overlong C0 AF (two subparts) | surrogate ED A0 80 (three) | a
     * truncated 3-byte sequence (one) */
    static const char bad[] = "\x80\xc0\xaf\xed\xa0\x80\xe6\x97";
    tx_utf8_stats st;
    tx_utf8_scan(bad, sizeof bad - 1, &st);
    assert_int_equal(st.invalid, 7);
    assert_int_equal(st.chars, 7);
    assert_int_equal(st.first_invalid, 0);
    assert_false(tx_utf8_valid(bad, sizeof bad - 1));
    assert_false(tx_utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */

    tx_buf b;
    tx_buf_init(&b);
    size_t repl = 0;
    assert_int_equal(tx_utf8_sanitize("x\xffy\0z", 5, 1, &b, &repl), 0);
    assert_int_equal(repl, 1);
    assert_string_equal(tx_buf_str(&b), "x\xef\xbf\xbdy z");
    tx_buf_clear(&b);
    assert_int_equal(tx_utf8_sanitize("\xe6\x97", 2, 0, &b, &repl), 0);
    assert_string_equal(tx_buf_str(&b), "\xef\xbf\xbd");
    tx_buf_free(&b);

    char out[4];
    assert_int_equal(tx_utf8_put(0x65e5, out), 3);
    assert_memory_equal(out, "\xe6\x97\xa5", 3);
    assert_int_equal(tx_utf8_put(0x1f600, out), 4);
    assert_int_equal(tx_line_of("a\nb\nc", 4), 3);
    assert_int_equal(tx_line_of("abc", 0), 1);
    assert_int_equal(tx_cp_width(0x65e5), 2);
    assert_int_equal(tx_cp_width('a'), 1);
    assert_int_equal(tx_cp_width(0x301), 0);
}

static void test_numbers(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_int_equal(tx_parse_u64("42", 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(tx_parse_u64("101", 100, &v), -1);
    assert_int_equal(tx_parse_u64("-1", 100, &v), -1);
    assert_int_equal(tx_parse_u64("4x", 100, &v), -1);
    assert_int_equal(tx_parse_u64("", 100, &v), -1);
    assert_int_equal(tx_parse_u64("99999999999999999999999", UINT64_MAX, &v), -1);
    double d = 0;
    assert_int_equal(tx_parse_double("2.5", 0, 10, &d), 0);
    assert_true(d == 2.5);
    assert_int_equal(tx_parse_double("nan", 0, 10, &d), -1);
    assert_int_equal(tx_parse_double("11", 0, 10, &d), -1);
    assert_int_equal(tx_parse_double("1e", 0, 10, &d), -1);
}

static void test_buf(void **state)
{
    (void)state;
    tx_buf b;
    tx_buf_init(&b);
    assert_string_equal(tx_buf_str(&b), "");
    for (int i = 0; i < 1000; i++)
        assert_int_equal(tx_buf_printf(&b, "%d,", i), 0);
    assert_int_equal(b.len, 3890);
    assert_memory_equal(b.data + b.len - 4, "999,", 4);
    assert_int_equal(b.data[b.len], '\0');
    tx_buf_clear(&b);
    assert_string_equal(tx_buf_str(&b), "");
    tx_buf_free(&b);
}

static void test_progress_format(void **state)
{
    (void)state;
    const uint64_t mb = 1024 * 1024;
    static const struct {
        uint64_t docs, bytes, total;
        double elapsed;
        const char *want;
    } cases[] = {
        {0, 0, 0, 0, "0 docs  0.0 MB  - MB/s"},
        {1234, 12 * mb, 25 * mb, 2.0, "1234 docs  12.0/25.0 MB  48%  6.0 MB/s  ETA 0:02"},
        {5, 5 * mb, 0, 1.0, "5 docs  5.0 MB  5.0 MB/s"},
        {7, 0, 10 * mb, 1.0, "7 docs  0.0/10.0 MB  0%  - MB/s  ETA -"},
        {9, 1 * mb, 7200 * mb, 1.0, "9 docs  1.0/7200.0 MB  0%  1.0 MB/s  ETA 1:59:59"},
        {9, 30 * mb, 20 * mb, 1.0, "9 docs  30.0/20.0 MB  100%  30.0 MB/s  ETA 0:00"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tx_buf b;
        tx_buf_init(&b);
        assert_int_equal(tm_progress_format(&b, cases[i].docs, cases[i].bytes, cases[i].total,
                                            cases[i].elapsed), 0);
        assert_string_equal(tx_buf_str(&b), cases[i].want);
        tx_buf_free(&b);
    }
    tx_buf b;
    tx_buf_init(&b);
    static const uint64_t sizes[] = {0, 1023, 1024, 44032, 1048576, 26838282, 1342177280};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        tm_format_size(&b, sizes[i]);
        tx_buf_putc(&b, '|');
    }
    assert_string_equal(tx_buf_str(&b), "0 B|1023 B|1.0 KB|43.0 KB|1.0 MB|25.6 MB|1.25 GB|");
    tx_buf_clear(&b);
    tm_format_duration(&b, 59.4);
    tx_buf_puts(&b, " ");
    tm_format_duration(&b, 3600);
    tx_buf_puts(&b, " ");
    tm_format_duration(&b, -1);
    tx_buf_puts(&b, " ");
    tm_format_duration(&b, 1e12);
    assert_string_equal(tx_buf_str(&b), "0:59 1:00:00 0:00 99:59:59");
    tx_buf_free(&b);
}

static void test_progress_disabled(void **state)
{
    (void)state;
    /* disabled progress never writes; an enabled one redraws, then clears its line */
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);
    assert_non_null(f);
    tm_progress p;
    tm_progress_init(&p, f, 0, 100);
    tm_progress_update(&p, 1, 10);
    tm_progress_clear(&p);
    tm_progress_free(&p);
    fflush(f);
    assert_int_equal(len, 0);
    tm_progress_init(&p, f, 1, 0);
    p.last -= 1.0; /* as if the last redraw was a second ago */
    tm_progress_update(&p, 3, 0);
    tm_progress_update(&p, 4, 0); /* too soon: not drawn */
    tm_progress_free(&p);
    fclose(f);
    assert_string_equal(mem, "\r\033[K3 docs  0.0 MB  - MB/s\r\033[K");
    free(mem);
}

static void test_color_choice(void **state)
{
    (void)state;
    assert_int_equal(tm_parse_color("never"), TM_COLOR_NEVER);
    assert_int_equal(tm_parse_color("always"), TM_COLOR_ALWAYS);
    assert_int_equal(tm_parse_color("auto"), TM_COLOR_AUTO);
    assert_int_equal(tm_parse_color("yes"), -1);
    assert_int_equal(tm_use_color(-1, TM_COLOR_ALWAYS), 1);
    assert_int_equal(tm_use_color(-1, TM_COLOR_NEVER), 0);
    assert_int_equal(tm_use_color(-1, TM_COLOR_AUTO), 0); /* not a terminal */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8),            cmocka_unit_test(test_utf8_inline),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_buf),             cmocka_unit_test(test_progress_format),
        cmocka_unit_test(test_progress_disabled), cmocka_unit_test(test_color_choice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
