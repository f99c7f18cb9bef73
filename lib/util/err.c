/* err.c: error codes, per-handle error messages, cjkfts_strerror/cjkfts_errmsg. */
#include <stdio.h>
#include <string.h>

#include "util.h"

CJKFTS_API const char *cjkfts_version(void)
{
    return CJKFTS_VERSION_STRING;
}

CJKFTS_API const char *cjkfts_strerror(int code)
{
    switch (code) {
    case CJKFTS_OK: return "ok";
    case CJKFTS_ERROR: return "error";
    case CJKFTS_ENOMEM: return "out of memory";
    case CJKFTS_EINVAL: return "invalid argument";
    case CJKFTS_EIO: return "I/O error";
    case CJKFTS_ECORRUPT: return "index file is corrupt";
    case CJKFTS_EVERSION: return "unsupported index format version";
    case CJKFTS_ELOCKED: return "index is locked by another writer";
    case CJKFTS_ENOTFOUND: return "not found";
    case CJKFTS_ESYNTAX: return "query syntax error";
    case CJKFTS_EUTF8: return "invalid UTF-8";
    case CJKFTS_ETOOBIG: return "input too large";
    case CJKFTS_EDEPEND: return "dependency failure";
    case CJKFTS_EABORT: return "aborted by callback";
    case CJKFTS_EMISUSE: return "library misuse";
    case CJKFTS_EEXIST: return "index already exists";
    default: return "unknown error";
    }
}

CJKFTS_API const char *cjkfts_errmsg(const void *handle)
{
    const cf_handle *h = handle;
    if (!h)
        return "no handle (NULL)";
    switch (h->magic) {
    case CF_MAGIC_INDEX: case CF_MAGIC_WRITER: case CF_MAGIC_READER:
    case CF_MAGIC_ANALYZER: case CF_MAGIC_QUERY: case CF_MAGIC_HITS:
        break;
    default:
        return "not a cjkfts handle";
    }
    if (h->rc == 0)
        return "";
    return h->msg ? h->msg : cjkfts_strerror(h->rc);
}

void cf_handle_init(cf_handle *h, uint32_t magic)
{
    h->magic = magic;
    h->rc = 0;
    h->msg = NULL;
}

void cf_handle_clear(cf_handle *h)
{
    h->rc = 0;
}

void cf_handle_destroy(cf_handle *h)
{
    cf_free(h->msg);
    h->msg = NULL;
    h->magic = 0;
}

int cf_failv(cf_handle *h, int rc, const char *fmt, va_list ap)
{
    h->rc = rc;
    cf_free(h->msg);
    h->msg = NULL;
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        return rc;
    char *m = cf_malloc((size_t)n + 1);
    if (m)
        vsnprintf(m, (size_t)n + 1, fmt, ap);
    h->msg = m; /* NULL on ENOMEM: cjkfts_errmsg falls back to the code's name */
    return rc;
}

int cf_fail(cf_handle *h, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cf_failv(h, rc, fmt, ap);
    va_end(ap);
    return rc;
}

int cf_fail_from(cf_handle *h, const cf_handle *src)
{
    int rc = src->rc ? src->rc : CJKFTS_ERROR;
    return cf_fail(h, rc, "%s", src->msg ? src->msg : cjkfts_strerror(rc));
}
