/* damage.h: copies of an index's files in memory, writing them back, and damaging one: bit
 * flips, byte edits, truncation, with an optional repair of the checksums (the file's footer
 * CRC32C and the size and CRC recorded for it in its segment's .seg) so that the damage gets
 * past the checksums to the decoders behind them. Shared by fuzz_segment and test_corrupt.
 * Include after fuzz_common.h. */
#ifndef FUZZ_DAMAGE_H
#define FUZZ_DAMAGE_H

#include <fcntl.h>

#include "util/util.h"

typedef struct fz_file {
    char name[256];
    uint8_t *data;
    size_t len;
} fz_file;

typedef struct fz_files {
    fz_file *f;
    size_t n;
} fz_files;

static uint8_t *fz_read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fz_die("cannot read %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *d = malloc(n > 0 ? (size_t)n : 1);
    if (!d || fread(d, 1, (size_t)n, f) != (size_t)n)
        fz_die("cannot read %s", path);
    fclose(f);
    *len = (size_t)n;
    return d;
}

static FZ_UNUSED void fz_write_file(const char *dir, const char *name, const uint8_t *d,
                                    size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || (len && write(fd, d, len) != (ssize_t)len) || close(fd) != 0)
        fz_die("cannot write %s", path);
}

static int fz_cmp_file(const void *a, const void *b)
{
    return strcmp(((const fz_file *)a)->name, ((const fz_file *)b)->name);
}

/* Every file of the index directory but LOCK, sorted by name. */
static FZ_UNUSED void fz_files_load(const char *dir, fz_files *fs)
{
    memset(fs, 0, sizeof *fs);
    DIR *d = opendir(dir);
    if (!d)
        fz_die("cannot list %s", dir);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "LOCK") == 0)
            continue;
        fs->f = realloc(fs->f, (fs->n + 1) * sizeof *fs->f);
        fz_file *f = &fs->f[fs->n++];
        snprintf(f->name, sizeof f->name, "%s", e->d_name);
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        f->data = fz_read_all(path, &f->len);
    }
    closedir(d);
    qsort(fs->f, fs->n, sizeof *fs->f, fz_cmp_file);
}

static FZ_UNUSED void fz_files_free(fz_files *fs)
{
    for (size_t i = 0; i < fs->n; i++)
        free(fs->f[i].data);
    free(fs->f);
    memset(fs, 0, sizeof *fs);
}

/* Make dir hold exactly the files of fs. */
static FZ_UNUSED void fz_files_restore_all(const char *dir, const fz_files *fs)
{
    fz_rmtree(dir);
    if (mkdir(dir, 0755) != 0)
        fz_die("cannot create %s", dir);
    for (size_t i = 0; i < fs->n; i++)
        fz_write_file(dir, fs->f[i].name, fs->f[i].data, fs->f[i].len);
}

/* ---- damage ------------------------------------------------------------------------------- */

typedef struct fz_bytes {
    uint8_t *d;
    size_t len;
} fz_bytes;

static FZ_UNUSED fz_bytes fz_copy(const fz_file *f)
{
    fz_bytes b = {malloc(f->len ? f->len : 1), f->len};
    memcpy(b.d, f->data, f->len);
    return b;
}

enum { FZ_FLIP, FZ_SET, FZ_ADD, FZ_TRUNCATE, FZ_INSERT, FZ_ZERO4, FZ_ONES4, FZ_DELETE };

/* One edit at off (taken modulo the length): see fuzz_segment.c for the operations. */
static FZ_UNUSED void fz_edit(fz_bytes *b, size_t off, unsigned op, uint8_t v)
{
    if (b->len == 0)
        return;
    off %= b->len;
    switch (op & 7) {
    case FZ_FLIP: b->d[off] ^= (uint8_t)(1u << (v & 7)); break;
    case FZ_SET: b->d[off] = v; break;
    case FZ_ADD: b->d[off] = (uint8_t)(b->d[off] + v); break;
    case FZ_TRUNCATE: b->len = off; break;
    case FZ_INSERT:
        b->d = realloc(b->d, b->len + 1);
        memmove(b->d + off + 1, b->d + off, b->len - off);
        b->d[off] = v;
        b->len++;
        break;
    case FZ_ZERO4: memset(b->d + off, 0, b->len - off < 4 ? b->len - off : 4); break;
    case FZ_ONES4: memset(b->d + off, 0xff, b->len - off < 4 ? b->len - off : 4); break;
    default: {
        size_t n = v & 15;
        n = n > b->len - off ? b->len - off : n;
        memmove(b->d + off, b->d + off + n, b->len - off - n);
        b->len -= n;
    }
    }
}

static uint32_t fz_footer_crc(uint8_t *d, size_t len)
{
    uint32_t c = cf_crc32c(0, d, len - 4);
    cf_put_u32le(d + len - 4, c);
    return c;
}

/* "seg_12.doc" -> "seg_12.seg"; false for files that are not a segment's mapped parts. */
static bool fz_meta_name(const char *name, char *out, size_t cap)
{
    const char *dot = strrchr(name, '.');
    if (strncmp(name, "seg_", 4) != 0 || !dot || strcmp(dot, ".seg") == 0 ||
        strcmp(dot, ".del") == 0)
        return false;
    snprintf(out, cap, "%.*s.seg", (int)(dot - name), name);
    return true;
}

static const fz_file *fz_find(const fz_files *fs, const char *name)
{
    for (size_t i = 0; i < fs->n; i++)
        if (strcmp(fs->f[i].name, name) == 0)
            return &fs->f[i];
    return NULL;
}

/* Recompute the damaged file's checksum in b (write b afterwards) and write its .seg with the
 * new size and checksum recorded in place of the old ones. */
static FZ_UNUSED void fz_fix_sums(const char *dir, const fz_files *fs, const fz_file *orig,
                                  fz_bytes *b)
{
    if (b->len < 8 || orig->len < 8)
        return;
    uint32_t old_crc = cf_get_u32le(orig->data + orig->len - 4);
    uint32_t crc = fz_footer_crc(b->d, b->len);
    char meta[300];
    const fz_file *m = fz_meta_name(orig->name, meta, sizeof meta) ? fz_find(fs, meta) : NULL;
    if (!m || m->len < 8)
        return;
    uint8_t *d = malloc(m->len);
    memcpy(d, m->data, m->len);
    uint8_t pat[12];
    cf_put_u64le(pat, orig->len);
    cf_put_u32le(pat + 8, old_crc);
    for (size_t k = 0; k + 12 <= m->len; k++)
        if (memcmp(d + k, pat, 12) == 0) {
            cf_put_u64le(d + k, b->len);
            cf_put_u32le(d + k + 8, crc);
            break;
        }
    fz_footer_crc(d, m->len);
    fz_write_file(dir, meta, d, m->len);
    free(d);
}

/* Put back the original of a damaged file and of its .seg. */
static FZ_UNUSED void fz_restore(const char *dir, const fz_files *fs, const fz_file *orig)
{
    fz_write_file(dir, orig->name, orig->data, orig->len);
    char meta[300];
    const fz_file *m = fz_meta_name(orig->name, meta, sizeof meta) ? fz_find(fs, meta) : NULL;
    if (m)
        fz_write_file(dir, m->name, m->data, m->len);
}

#endif
