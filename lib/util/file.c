/* file.c: whole-file reads, durable writes, directory fsync and read-only mappings. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* < 0: never fail. >= 0: write/fsync/rename calls left before every one fails. Tests only. */
static _Atomic long io_countdown = -1;

void cf_io_fail_after(long countdown)
{
    atomic_store(&io_countdown, countdown);
}

/* True when the next I/O call may proceed; otherwise errno is set to e. */
static bool io_allowed(int e)
{
    long c = atomic_load(&io_countdown);
    if (c < 0)
        return true;
    while (c > 0) {
        if (atomic_compare_exchange_weak(&io_countdown, &c, c - 1))
            return true;
    }
    errno = e;
    return false;
}

int cf_fsync(int fd)
{
    return io_allowed(EIO) ? fsync(fd) : -1;
}

int cf_rename(const char *from, const char *to)
{
    return io_allowed(EIO) ? rename(from, to) : -1;
}

int cf_file_read(const char *path, cf_buf *out, cf_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cf_fail(err, errno == ENOENT ? CJKFTS_ENOTFOUND : CJKFTS_EIO, "open %s: %s", path,
                       strerror(errno));
    cf_buf_init(out);
    int rc = 0;
    for (;;) {
        if (cf_buf_reserve(out, 65536 + 1)) {
            rc = cf_fail(err, CJKFTS_ENOMEM, "reading %s: out of memory", path);
            break;
        }
        ssize_t n = read(fd, out->data + out->len, out->cap - out->len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = cf_fail(err, CJKFTS_EIO, "read %s: %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        out->len += (size_t)n;
    }
    close(fd);
    if (rc)
        cf_buf_free(out);
    else
        out->data[out->len] = 0;
    return rc;
}

int cf_write_all(int fd, const void *p, size_t n, cf_err *err, const char *path)
{
    const uint8_t *b = p;
    while (n > 0) {
        size_t chunk = n > (1u << 30) ? (1u << 30) : n;
        ssize_t w = io_allowed(ENOSPC) ? write(fd, b, chunk) : -1;
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return cf_fail(err, CJKFTS_EIO, "write %s: %s", path,
                           w < 0 ? strerror(errno) : "no progress");
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

int cf_file_write_sync(const char *path, const void *p, size_t n, cf_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return cf_fail(err, CJKFTS_EIO, "create %s: %s", path, strerror(errno));
    int rc = cf_write_all(fd, p, n, err, path);
    if (rc == 0 && cf_fsync(fd) != 0)
        rc = cf_fail(err, CJKFTS_EIO, "fsync %s: %s", path, strerror(errno));
    if (close(fd) != 0 && rc == 0)
        rc = cf_fail(err, CJKFTS_EIO, "close %s: %s", path, strerror(errno));
    return rc;
}

int cf_fsync_dir(const char *dir, cf_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return cf_fail(err, CJKFTS_EIO, "open directory %s: %s", dir, strerror(errno));
    int rc = 0;
    if (cf_fsync(fd) != 0 && errno != EINVAL)
        rc = cf_fail(err, CJKFTS_EIO, "fsync directory %s: %s", dir, strerror(errno));
    close(fd);
    return rc;
}

int cf_map_open(const char *path, cf_map *m, cf_err *err)
{
    m->data = NULL;
    m->len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cf_fail(err, errno == ENOENT ? CJKFTS_ENOTFOUND : CJKFTS_EIO, "open %s: %s", path,
                       strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0) {
        rc = cf_fail(err, CJKFTS_EIO, "stat %s: %s", path, strerror(errno));
    } else if (st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
            rc = cf_fail(err, CJKFTS_EIO, "mmap %s: %s", path, strerror(errno));
        else
            m->data = p, m->len = (size_t)st.st_size;
    }
    close(fd);
    return rc;
}

void cf_map_close(cf_map *m)
{
    if (m->data)
        munmap((void *)m->data, m->len);
    m->data = NULL;
    m->len = 0;
}

char *cf_path_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = cf_malloc(a + b + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, b + 1);
    return p;
}
