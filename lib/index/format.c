/* format.c: the envelope every index file shares (header, CRC32C footer), buffered checksummed
 * output files, and bounds-checked decoding helpers. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "index/index.h"

#define IX_OUT_CHUNK (256 * 1024)

static const char *kind_name(uint32_t kind, char tmp[5])
{
    for (int i = 0; i < 4; i++) {
        uint8_t c = (uint8_t)(kind >> (8 * i));
        tmp[i] = (char)(c >= 0x20 && c < 0x7f ? c : '?');
    }
    tmp[4] = 0;
    return tmp;
}

/* ---- output ------------------------------------------------------------------------------- */

int ix_out_open(ix_out *o, const char *path, uint32_t kind, cf_err *err)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    cf_buf_init(&o->buf);
    o->path = cf_strndup(path, strlen(path));
    if (!o->path)
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (o->fd < 0) {
        int rc = cf_fail(err, CJKFTS_EIO, "create %s: %s", path, strerror(errno));
        cf_free(o->path);
        o->path = NULL;
        return rc;
    }
    if (cf_buf_reserve(&o->buf, IX_OUT_CHUNK)) {
        ix_out_abort(o);
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory");
    }
    uint8_t h[IX_HEADER_SIZE];
    cf_put_u32le(h, IX_MAGIC);
    cf_put_u32le(h + 4, kind);
    cf_put_u32le(h + 8, IX_FORMAT_VERSION);
    cf_put_u32le(h + 12, 0);
    return ix_out_write(o, h, sizeof h, err);
}

/* Write the buffered bytes to the file, folding them into the running checksum. */
static int out_drain(ix_out *o, cf_err *err)
{
    if (o->buf.len == 0)
        return 0;
    o->crc = cf_crc32c(o->crc, o->buf.data, o->buf.len);
    int rc = cf_write_all(o->fd, o->buf.data, o->buf.len, err, o->path);
    o->buf.len = 0;
    return rc;
}

int ix_out_write(ix_out *o, const void *p, size_t n, cf_err *err)
{
    if (o->rc)
        return o->rc;
    const uint8_t *b = p;
    while (n > 0) {
        size_t room = o->buf.cap - o->buf.len;
        if (room == 0) {
            if ((o->rc = out_drain(o, err)))
                return o->rc;
            continue;
        }
        size_t k = n < room ? n : room;
        memcpy(o->buf.data + o->buf.len, b, k);
        o->buf.len += k;
        o->pos += k;
        b += k;
        n -= k;
    }
    return 0;
}

int ix_out_varint(ix_out *o, uint64_t v, cf_err *err)
{
    uint8_t t[10];
    return ix_out_write(o, t, cf_varint_put(t, v), err);
}

int ix_out_u32(ix_out *o, uint32_t v, cf_err *err)
{
    uint8_t t[4];
    cf_put_u32le(t, v);
    return ix_out_write(o, t, 4, err);
}

int ix_out_u64(ix_out *o, uint64_t v, cf_err *err)
{
    uint8_t t[8];
    cf_put_u64le(t, v);
    return ix_out_write(o, t, 8, err);
}

int ix_out_finish(ix_out *o, ix_file_sum *sum, cf_err *err)
{
    if (ix_out_u32(o, IX_FOOTER_MAGIC, err) || out_drain(o, err)) {
        ix_out_abort(o);
        return err->rc ? err->rc : CJKFTS_EIO;
    }
    uint32_t crc = o->crc;
    uint8_t t[4];
    cf_put_u32le(t, crc);
    int rc = cf_write_all(o->fd, t, 4, err, o->path);
    if (rc) {
        ix_out_abort(o);
        return rc;
    }
    if (sum) {
        sum->size = o->pos + 4;
        sum->crc = crc;
    }
    if (cf_fsync(o->fd) != 0) {
        rc = cf_fail(err, CJKFTS_EIO, "fsync %s: %s", o->path, strerror(errno));
        ix_out_abort(o);
        return rc;
    }
    if (close(o->fd) != 0) {
        o->fd = -1;
        rc = cf_fail(err, CJKFTS_EIO, "close %s: %s", o->path, strerror(errno));
        ix_out_abort(o);
        return rc;
    }
    o->fd = -1;
    cf_free(o->path);
    o->path = NULL;
    cf_buf_free(&o->buf);
    return 0;
}

void ix_out_abort(ix_out *o)
{
    if (o->fd >= 0) {
        close(o->fd);
        o->fd = -1;
    }
    if (o->path) {
        unlink(o->path);
        cf_free(o->path);
        o->path = NULL;
    }
    cf_buf_free(&o->buf);
}

/* ---- envelope check ----------------------------------------------------------------------- */

int ix_env_check(const uint8_t *data, size_t len, uint32_t kind, const char *name, bool full,
                 cf_err *err)
{
    char k[5];
    if (len < IX_HEADER_SIZE + IX_FOOTER_SIZE)
        return cf_fail(err, CJKFTS_ECORRUPT, "%s: file too short (%zu bytes)", name, len);
    if (cf_get_u32le(data) != IX_MAGIC)
        return cf_fail(err, CJKFTS_ECORRUPT, "%s: bad magic number (not a cjkfts %s file)", name,
                       kind_name(kind, k));
    if (cf_get_u32le(data + 4) != kind)
        return cf_fail(err, CJKFTS_ECORRUPT, "%s: file kind %s, expected %s", name,
                       kind_name(cf_get_u32le(data + 4), (char[5]){0}), kind_name(kind, k));
    uint32_t v = cf_get_u32le(data + 8);
    if (v != IX_FORMAT_VERSION)
        return cf_fail(err, CJKFTS_EVERSION, "%s: format version %u found; this library reads "
                       "version %u", name, v, IX_FORMAT_VERSION);
    if (cf_get_u32le(data + 12) != 0)
        return cf_fail(err, CJKFTS_ECORRUPT, "%s: bad header", name);
    if (cf_get_u32le(data + len - 8) != IX_FOOTER_MAGIC)
        return cf_fail(err, CJKFTS_ECORRUPT, "%s: bad footer (truncated?)", name);
    if (full) {
        uint32_t want = cf_get_u32le(data + len - 4);
        uint32_t got = cf_crc32c(0, data, len - 4);
        if (want != got)
            return cf_fail(err, CJKFTS_ECORRUPT, "%s: checksum mismatch (stored %08x, computed "
                           "%08x)", name, want, got);
    }
    return 0;
}

/* ---- fixed-width little-endian integers --------------------------------------------------- */

uint64_t ix_get_uw(const uint8_t *p, unsigned w)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < w; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

void ix_put_uw(uint8_t *p, uint64_t v, unsigned w)
{
    for (unsigned i = 0; i < w; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

unsigned ix_width_of(uint64_t v)
{
    unsigned w = 1;
    while (w < 8 && (v >> (8 * w)) != 0)
        w++;
    return w;
}
