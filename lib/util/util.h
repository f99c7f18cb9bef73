/* util.h: internal foundation shared by every stage: errors, memory, buffers, UTF-8, varints,
 * CRC32C, hashing and file I/O. Nothing here is exported from the shared library. */
#ifndef CJKFTS_UTIL_H
#define CJKFTS_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjkfts.h"

#define CF_HIDDEN __attribute__((visibility("hidden")))
#define CF_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* ---- handles and errors --------------------------------------------------------------------
 * Every public handle struct starts with a cf_handle so cjkfts_errmsg() can read any of them.
 * A handle's message is "" after success; cf_fail() records a code and formatted detail. */
#define CF_MAGIC_INDEX 0x43464958u    /* "CFIX" */
#define CF_MAGIC_WRITER 0x43465752u   /* "CFWR" */
#define CF_MAGIC_READER 0x43465244u   /* "CFRD" */
#define CF_MAGIC_ANALYZER 0x43464e41u /* "CFAN" */
#define CF_MAGIC_QUERY 0x43465155u    /* "CFQU" */
#define CF_MAGIC_HITS 0x43464854u     /* "CFHT" */

typedef struct cf_handle {
    uint32_t magic;
    int rc;    /* code of the last failure, 0 after success */
    char *msg; /* heap message or NULL (then cjkfts_strerror(rc) is shown) */
} cf_handle;

CF_HIDDEN void cf_handle_init(cf_handle *h, uint32_t magic);
CF_HIDDEN void cf_handle_clear(cf_handle *h);   /* mark success, keep the buffer */
CF_HIDDEN void cf_handle_destroy(cf_handle *h); /* free the message */
/* Record failure rc with a printf-style detail; returns rc so callers can `return cf_fail(..)`. */
CF_HIDDEN int cf_fail(cf_handle *h, int rc, const char *fmt, ...) CF_PRINTF(3, 4);
CF_HIDDEN int cf_failv(cf_handle *h, int rc, const char *fmt, va_list ap) CF_PRINTF(3, 0);
/* Copy another handle's (or an error-buffer's) failure into h. */
CF_HIDDEN int cf_fail_from(cf_handle *h, const cf_handle *src);

/* A free-standing error record for internal layers that have no public handle: the same
 * fields, copied into a handle by the caller with cf_fail_from(). */
typedef cf_handle cf_err;
#define CF_ERR_INIT {0, 0, NULL}

/* ---- memory ----------------------------------------------------------------------------------
 * All library allocations go through these, so tests can make the Nth allocation fail. */
CF_HIDDEN void *cf_malloc(size_t n);
CF_HIDDEN void *cf_calloc(size_t n, size_t size);
CF_HIDDEN void *cf_realloc(void *p, size_t n);
CF_HIDDEN void cf_free(void *p);
/* Ask the kernel to back the 2 MiB-aligned part of [p, p + n) with transparent huge pages
 * (Linux madvise; a no-op elsewhere or for small ranges). For big arrays read at random, where
 * a TLB miss per access would otherwise dominate. */
CF_HIDDEN void cf_advise_huge(void *p, size_t n);
CF_HIDDEN char *cf_strndup(const char *s, size_t n);
/* Test hook: after `countdown` more successful allocations, every allocation fails (until
 * reset with a negative countdown). Process-wide; for tests only. */
CF_HIDDEN void cf_alloc_fail_after(long countdown);

/* ---- growable byte buffer ------------------------------------------------------------------ */
typedef struct cf_buf {
    uint8_t *data;
    size_t len, cap;
} cf_buf;

CF_HIDDEN void cf_buf_init(cf_buf *b);
CF_HIDDEN void cf_buf_free(cf_buf *b);
CF_HIDDEN int cf_buf_reserve(cf_buf *b, size_t extra); /* 0 or CJKFTS_ENOMEM */
CF_HIDDEN int cf_buf_append(cf_buf *b, const void *p, size_t n);
CF_HIDDEN int cf_buf_putc(cf_buf *b, uint8_t c);
CF_HIDDEN int cf_buf_put_u32le(cf_buf *b, uint32_t v);
CF_HIDDEN int cf_buf_put_u64le(cf_buf *b, uint64_t v);
CF_HIDDEN int cf_buf_put_varint(cf_buf *b, uint64_t v);
CF_HIDDEN int cf_buf_printf(cf_buf *b, const char *fmt, ...) CF_PRINTF(2, 3);

/* ---- little-endian and varints ------------------------------------------------------------- */
static inline uint32_t cf_get_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t cf_get_u64le(const uint8_t *p)
{
    return (uint64_t)cf_get_u32le(p) | (uint64_t)cf_get_u32le(p + 4) << 32;
}
static inline void cf_put_u32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}
static inline void cf_put_u64le(uint8_t *p, uint64_t v)
{
    cf_put_u32le(p, (uint32_t)v), cf_put_u32le(p + 4, (uint32_t)(v >> 32));
}
/* Encode v as LEB128 into p (room for 10 bytes); returns bytes written. */
CF_HIDDEN size_t cf_varint_put(uint8_t *p, uint64_t v);
/* Decode a varint from [*p, end). Returns 0 and advances *p, or -1 when truncated or longer
 * than 10 bytes (corrupt input never reads past end). */
CF_HIDDEN int cf_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v);

/* ---- UTF-8 --------------------------------------------------------------------------------- */
#define CF_UTF8_INVALID (-1)
/* Decode one code point at s[*i], s has len bytes, *i < len. Returns the code point and
 * advances *i past it, or CF_UTF8_INVALID and advances *i by the length of the maximal
 * invalid subpart (at least 1), as Unicode's "U+FFFD substitution of maximal subparts". */
CF_HIDDEN int32_t cf_utf8_decode(const uint8_t *s, size_t len, size_t *i);
/* The same, inline for the common cases (ASCII, and a well-formed 3-byte sequence, which is
 * every CJK character of the BMP), calling cf_utf8_decode for the rest. */
static inline int32_t cf_utf8_next(const uint8_t *s, size_t len, size_t *i)
{
    size_t p = *i;
    uint32_t c = s[p];
    if (c < 0x80) {
        *i = p + 1;
        return (int32_t)c;
    }
    /* leads E1..EC and EE..EF take any continuation bytes 80..BF (E0 and ED do not) */
    if (c - 0xe1 < 0x0f && c != 0xed && len - p > 2 && (s[p + 1] & 0xc0) == 0x80 &&
        (s[p + 2] & 0xc0) == 0x80) {
        *i = p + 3;
        return (int32_t)((c & 0x0f) << 12 | (uint32_t)(s[p + 1] & 0x3f) << 6 | (s[p + 2] & 0x3f));
    }
    return cf_utf8_decode(s, len, i);
}
/* Encode cp (< 0x110000, not a surrogate) into out (4 bytes room); returns bytes written. */
CF_HIDDEN size_t cf_utf8_encode(uint32_t cp, uint8_t *out);
/* True when s[0..len) is well-formed UTF-8. */
CF_HIDDEN bool cf_utf8_valid(const uint8_t *s, size_t len);

/* ---- checksums and hashing ----------------------------------------------------------------- */
/* CRC32C (Castagnoli) of p[0..n), continuing from crc (0 to start). */
CF_HIDDEN uint32_t cf_crc32c(uint32_t crc, const void *p, size_t n);
CF_HIDDEN uint64_t cf_hash64(const void *p, size_t n);

/* ---- files --------------------------------------------------------------------------------- */
/* Read a whole file into a new buffer (NUL-appended, not counted in len). */
CF_HIDDEN int cf_file_read(const char *path, cf_buf *out, cf_err *err);
/* Write all bytes to fd (retrying short writes and EINTR). */
CF_HIDDEN int cf_write_all(int fd, const void *p, size_t n, cf_err *err, const char *path);
/* Create path with data, fsync it; does not rename. */
CF_HIDDEN int cf_file_write_sync(const char *path, const void *p, size_t n, cf_err *err);
CF_HIDDEN int cf_fsync_dir(const char *dir, cf_err *err);

typedef struct cf_map {
    const uint8_t *data;
    size_t len;
} cf_map;
/* fsync and rename through the I/O test hook: -1 with errno set on failure, as the calls. */
CF_HIDDEN int cf_fsync(int fd);
CF_HIDDEN int cf_rename(const char *from, const char *to);
/* Test hook: after `countdown` more successful write, fsync or rename calls (cf_write_all,
 * cf_fsync, cf_rename and the helpers built on them), every such call fails with EIO (writes
 * with ENOSPC) until reset with a negative countdown. Process-wide; for tests only. */
CF_HIDDEN void cf_io_fail_after(long countdown);

/* Map a file read-only (an empty file maps to data NULL, len 0). */
CF_HIDDEN int cf_map_open(const char *path, cf_map *m, cf_err *err);
CF_HIDDEN void cf_map_close(cf_map *m);

/* Join dir and name into a new heap string. */
CF_HIDDEN char *cf_path_join(const char *dir, const char *name);

#endif
