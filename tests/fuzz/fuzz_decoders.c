/* fuzz_decoders.c: libFuzzer target for the low-level codecs of the index and the query, fed
 * directly (many more executions per second than through whole files). Byte 0 picks one:
 *   0  PFOR decoding of arbitrary bytes: never reads past the end; what decodes has the size
 *      ix_pfor_size gives, re-encodes and decodes to the same values
 *   1  PFOR round trip of arbitrary values: encode, size, decode give them back
 *   2  stored-document parsing: fields NUL-terminated inside the parsed copy
 *   3  dates (documents and query filters): a parsed date maps back to the same day
 *   4  UTF-8 and varints: decoding always progresses within bounds; valid text round-trips
 * The data after byte 0 is copied to a buffer of exactly its size, so ASan sees overreads. */
#include "fuzz_common.h"

#include "index/index.h"
#include "query/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void pfor_bytes(const uint8_t *p, size_t n)
{
    if (n < 1)
        return;
    size_t count = 1 + p[0] % IX_BLOCK;
    const uint8_t *in = p + 1, *end = p + n;
    uint32_t v[IX_BLOCK];
    const uint8_t *e = ix_pfor_decode(in, end, v, count);
    size_t sz = ix_pfor_size(in, end, count);
    if (!e) /* the size function may accept more (it does not check exception indexes) */
        return;
    if (e < in || e > end || (size_t)(e - in) != sz)
        fz_die("pfor: decoded %td bytes, size says %zu", e - in, sz);
    uint8_t out[IX_PFOR_MAX];
    size_t m = ix_pfor_encode(out, v, count);
    uint32_t w[IX_BLOCK];
    if (m > IX_PFOR_MAX || ix_pfor_decode(out, out + m, w, count) != out + m ||
        memcmp(v, w, count * sizeof *v) != 0)
        fz_die("pfor: re-encoding %zu decoded values does not round-trip", count);
}

static void pfor_values(const uint8_t *p, size_t n)
{
    uint32_t v[IX_BLOCK], w[IX_BLOCK];
    size_t count = n / 4 > IX_BLOCK ? IX_BLOCK : n / 4;
    if (count == 0)
        return;
    uint32_t mask = p[0] & 1 ? 0xffffffffu : (1u << (p[0] % 31)) - 1; /* small values too */
    for (size_t i = 0; i < count; i++)
        v[i] = cf_get_u32le(p + 4 * i) & (i % 7 == 3 ? 0xffffffffu : mask);
    uint8_t out[IX_PFOR_MAX];
    size_t m = ix_pfor_encode(out, v, count);
    if (m > IX_PFOR_MAX)
        fz_die("pfor: %zu bytes for %zu values", m, count);
    uint8_t *exact = malloc(m ? m : 1);
    memcpy(exact, out, m);
    if (ix_pfor_decode(exact, exact + m, w, count) != exact + m ||
        ix_pfor_size(exact, exact + m, count) != m || memcmp(v, w, count * sizeof *v) != 0)
        fz_die("pfor: %zu values do not round-trip", count);
    free(exact);
}

static void stored(const uint8_t *p, size_t n)
{
    ix_stored_doc d = {0};
    cf_buf_init(&d.buf);
    cf_err e = CF_ERR_INIT;
    int rc = ix_stored_parse(p, n, &d, &e);
    fz_check_rc(rc, "stored_parse");
    if (rc == 0) {
        if (d.n_fields < IX_STORED_CORE)
            fz_die("stored: %zu fields", d.n_fields);
        for (size_t i = 0; i < d.n_fields; i++) {
            const ix_stored_field *f = &d.fields[i];
            const char *lo = (const char *)d.buf.data, *hi = lo + d.buf.len;
            if (f->value < lo || f->value + f->value_len >= hi + 1 || f->value[f->value_len])
                fz_die("stored: field %zu outside its buffer or not NUL-terminated", i);
        }
    }
    ix_stored_doc_free(&d);
    cf_handle_destroy(&e);
}

static void dates(const uint8_t *p, size_t n)
{
    int32_t days;
    cf_err e = CF_ERR_INIT;
    if (ix_parse_date((const char *)p, n, &days, &e) == 0) {
        int y, m, d;
        qy_civil_from_days(days, &y, &m, &d);
        if (m < 1 || m > 12 || d < 1 || d > 31 || ix_days_from_civil(y, (unsigned)m,
                                                                   (unsigned)d) != days)
            fz_die("date: day %d maps back to %d-%d-%d", days, y, m, d);
    }
    cf_handle_destroy(&e);
    int32_t lo, hi;
    const char *why = NULL;
    if (qy_date_range((const char *)p, n, &lo, &hi, &why) == 0) {
        if (lo > hi)
            fz_die("date range: %d > %d", lo, hi);
    } else if (!why) {
        fz_die("date range rejected without a reason");
    }
}

static void utf8_varint(const uint8_t *p, size_t n)
{
    bool valid = true;
    size_t i = 0;
    uint8_t enc[4];
    while (i < n) {
        size_t before = i;
        int32_t cp = cf_utf8_decode(p, n, &i);
        if (i <= before || i > n)
            fz_die("utf8: no progress or past the end at %zu", before);
        if (cp == CF_UTF8_INVALID) {
            valid = false;
            continue;
        }
        if (cp < 0 || cp >= 0x110000 || (cp >= 0xd800 && cp < 0xe000))
            fz_die("utf8: decoded U+%X", (unsigned)cp);
        size_t k = cf_utf8_encode((uint32_t)cp, enc);
        if (k != i - before || memcmp(enc, p + before, k) != 0)
            fz_die("utf8: U+%X does not re-encode to its bytes", (unsigned)cp);
    }
    if (valid != cf_utf8_valid(p, n))
        fz_die("utf8: decoder and validator disagree");
    const uint8_t *q = p, *end = p + n;
    uint64_t v;
    while (q < end) {
        const uint8_t *b = q;
        if (cf_varint_get(&q, end, &v) != 0)
            break;
        uint8_t t[10];
        size_t k = cf_varint_put(t, v);
        if (q <= b || q > end || k > (size_t)(q - b))
            fz_die("varint: bad progress");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = size - 1;
    uint8_t *p = malloc(n ? n : 1);
    memcpy(p, data + 1, n);
    switch (data[0] % 5) {
    case 0: pfor_bytes(p, n); break;
    case 1: pfor_values(p, n); break;
    case 2: stored(p, n); break;
    case 3: dates(p, n); break;
    default: utf8_varint(p, n); break;
    }
    free(p);
    return 0;
}
