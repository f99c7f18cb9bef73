/* test_util.c: the foundation layer: varints, UTF-8, CRC32C, buffers, error messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/util.h"

static void test_varint_roundtrip(void **state)
{
    (void)state;
    static const uint64_t vals[] = {0, 1, 127, 128, 300, 16383, 16384, UINT32_MAX, UINT64_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        uint8_t b[10];
        size_t n = cf_varint_put(b, vals[i]);
        const uint8_t *p = b;
        uint64_t v = 0;
        assert_int_equal(cf_varint_get(&p, b + n, &v), 0);
        assert_true(v == vals[i]);
        assert_ptr_equal(p, b + n);
        p = b; /* one byte short must fail, never read past the end */
        assert_int_equal(cf_varint_get(&p, b + n - 1, &v), -1);
    }
    uint8_t b300[] = {0xac, 0x02};
    assert_int_equal(cf_varint_put((uint8_t[10]){0}, 300), 2);
    const uint8_t *p = b300;
    uint64_t v;
    assert_int_equal(cf_varint_get(&p, b300 + 2, &v), 0);
    assert_int_equal(v, 300);
    uint8_t over[11];
    memset(over, 0xff, sizeof over);
    p = over;
    assert_int_equal(cf_varint_get(&p, over + 11, &v), -1);
}

static void test_utf8_decode(void **state)
{
    (void)state;
    const uint8_t s[] = "a\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80";
    size_t i = 0, n = sizeof s - 1;
    assert_int_equal(cf_utf8_decode(s, n, &i), 'a');
    assert_int_equal(cf_utf8_decode(s, n, &i), 0xe9);
    assert_int_equal(cf_utf8_decode(s, n, &i), 0x65e5);
    assert_int_equal(cf_utf8_decode(s, n, &i), 0x1f600);
    assert_int_equal(i, n);
    /* invalid: lone continuation, overlong, surrogate, truncated 3-byte sequence */
    const uint8_t bad[] = "\x80" "\xc0\xaf" "\xed\xa0\x80" "\xe6\x97";
    i = 0;
    n = sizeof bad - 1;
    int count = 0;
    while (i < n) {
        assert_int_equal(cf_utf8_decode(bad, n, &i), CF_UTF8_INVALID);
        count++;
    }
    /* 0x80 | 0xc0 | 0xaf | 0xed | 0xa0 | 0x80 | e6 97 (one maximal subpart) */
    assert_int_equal(count, 7);
    assert_true(cf_utf8_valid(s, sizeof s - 1));
    assert_false(cf_utf8_valid(bad, sizeof bad - 1));
    uint8_t out[4];
    assert_int_equal(cf_utf8_encode(0x65e5, out), 3);
    assert_memory_equal(out, "\xe6\x97\xa5", 3);
    assert_int_equal(cf_utf8_encode(0x1f600, out), 4);
    assert_memory_equal(out, "\xf0\x9f\x98\x80", 4);
}

/* The inline decoder agrees with cf_utf8_decode on every sequence of up to 3 bytes built from
 * interesting byte values, at every cut of the input (advance and code point). */
static void test_utf8_next_matches_decode(void **state)
{
    (void)state;
    static const uint8_t vals[] = {0x00, 0x41, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf,
                                   0xe0, 0xe1, 0xe5, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf4, 0xff};
    size_t nv = sizeof vals, checked = 0, three = 0;
    for (size_t a = 0; a < nv; a++)
        for (size_t b = 0; b < nv; b++)
            for (size_t c = 0; c < nv; c++) {
                const uint8_t s[3] = {vals[a], vals[b], vals[c]};
                for (size_t len = 1; len <= 3; len++) {
                    size_t i1 = 0, i2 = 0;
                    int32_t c1 = cf_utf8_decode(s, len, &i1), c2 = cf_utf8_next(s, len, &i2);
                    assert_int_equal(c1, c2);
                    assert_int_equal(i1, i2);
                    checked++;
                    three += i2 == 3;
                }
            }
    assert_int_equal(checked, 3 * nv * nv * nv);
    /* the 3-byte forms: leads E0..EF with their allowed continuations */
    size_t i = 0;
    const uint8_t han[] = {0xe6, 0x97, 0xa5}; /* 日 U+65E5 */
    assert_int_equal(cf_utf8_next(han, 3, &i), 0x65e5);
    assert_int_equal(i, 3);
    assert_true(three > 0);
}

static void test_crc32c(void **state)
{
    (void)state;
    /* the standard check value of CRC-32C */
    assert_int_equal(cf_crc32c(0, "123456789", 9), 0xe3069283u);
    uint32_t c = cf_crc32c(0, "1234", 4);
    assert_int_equal(cf_crc32c(c, "56789", 5), 0xe3069283u);
    assert_int_equal(cf_crc32c(0, "", 0), 0);
}

static void test_buf_and_errors(void **state)
{
    (void)state;
    cf_buf b;
    cf_buf_init(&b);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(cf_buf_printf(&b, "%d,", i), 0);
    assert_int_equal(b.len, 3890);
    assert_memory_equal(b.data + b.len - 4, "999,", 4);
    cf_buf_free(&b);

    cf_handle h;
    cf_handle_init(&h, CF_MAGIC_INDEX);
    assert_string_equal(cjkfts_errmsg(&h), "");
    assert_int_equal(cf_fail(&h, CJKFTS_ECORRUPT, "seg %d: bad crc", 3), CJKFTS_ECORRUPT);
    assert_string_equal(cjkfts_errmsg(&h), "seg 3: bad crc");
    cf_handle_destroy(&h);
    assert_string_equal(cjkfts_errmsg(NULL), "no handle (NULL)");
    assert_string_equal(cjkfts_strerror(CJKFTS_ELOCKED), "index is locked by another writer");
}

static void test_alloc_hook(void **state)
{
    (void)state;
    cf_alloc_fail_after(1);
    void *a = cf_malloc(10);
    void *b = cf_malloc(10);
    cf_alloc_fail_after(-1);
    assert_non_null(a);
    assert_null(b);
    cf_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varint_roundtrip), cmocka_unit_test(test_utf8_decode),
        cmocka_unit_test(test_utf8_next_matches_decode),
        cmocka_unit_test(test_crc32c),           cmocka_unit_test(test_buf_and_errors),
        cmocka_unit_test(test_alloc_hook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
