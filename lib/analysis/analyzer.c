/* analyzer.c: the public analyzer handle, dispatching to an analyzer class (built-in or the
 * caller's own) through the same callback table. */
#include <string.h>

#include "util/util.h"

struct cjkfts_analyzer {
    cf_handle h;
    const cjkfts_analyzer_class *cls;
    void *state;
};

CJKFTS_API void cjkfts_analyzer_options_init(cjkfts_analyzer_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->fold_variants = 1;
    opts->utf8_strict = 0;
    strcpy(opts->stemmer, "english");
}

CJKFTS_API int cjkfts_analyzer_open(const cjkfts_analyzer_class *cls,
                                    const cjkfts_analyzer_options *opts, cjkfts_analyzer **out)
{
    if (!out)
        return CJKFTS_EINVAL;
    *out = NULL;
    cjkfts_analyzer_options defaults;
    if (!opts) {
        cjkfts_analyzer_options_init(&defaults);
        opts = &defaults;
    }
    if (!cls)
        cls = cjkfts_analyzer_builtin();
    cjkfts_analyzer *a = cf_calloc(1, sizeof *a);
    if (!a)
        return CJKFTS_ENOMEM;
    cf_handle_init(&a->h, CF_MAGIC_ANALYZER);
    a->cls = cls;
    *out = a;
    if (cls->api_version != CJKFTS_ANALYZER_API || !cls->create || !cls->tokenize ||
        !cls->destroy || !cls->name)
        return cf_fail(&a->h, CJKFTS_EINVAL, "analyzer class: unsupported api_version %d or "
                       "missing callback", cls->api_version);
    char err[512] = "";
    int rc = cls->create(opts, &a->state, err, sizeof err);
    if (rc) {
        a->state = NULL;
        return cf_fail(&a->h, rc, "analyzer %s: %s", cls->name, err[0] ? err : cjkfts_strerror(rc));
    }
    return 0;
}

CJKFTS_API int cjkfts_analyzer_tokenize(cjkfts_analyzer *a, const char *text, size_t len,
                                        cjkfts_token_cb cb, void *ctx)
{
    if (!a || !cb || (!text && len))
        return a ? cf_fail(&a->h, CJKFTS_EINVAL, "tokenize: NULL argument") : CJKFTS_EINVAL;
    if (!a->state)
        return cf_fail(&a->h, CJKFTS_EMISUSE, "tokenize: analyzer failed to open");
    if (len == CJKFTS_NTS)
        len = strlen(text);
    char err[512] = "";
    int rc = a->cls->tokenize(a->state, text ? text : "", len, cb, ctx, err, sizeof err);
    if (rc)
        return cf_fail(&a->h, rc, "%s", err[0] ? err : cjkfts_strerror(rc));
    cf_handle_clear(&a->h);
    return 0;
}

CJKFTS_API void cjkfts_analyzer_close(cjkfts_analyzer *a)
{
    if (!a)
        return;
    if (a->state)
        a->cls->destroy(a->state);
    cf_handle_destroy(&a->h);
    cf_free(a);
}
