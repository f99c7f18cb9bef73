/* builtin.c: placeholder registration of the built-in analyzer (replaced by the real one). */
#include "util/util.h"

static int ph_create(const cjkfts_analyzer_options *o, void **st, char *err, size_t n)
{
    (void)o, (void)st, (void)err, (void)n;
    return CJKFTS_EDEPEND;
}
static int ph_tokenize(void *st, const char *t, size_t len, cjkfts_token_cb cb, void *ctx,
                       char *err, size_t n)
{
    (void)st, (void)t, (void)len, (void)cb, (void)ctx, (void)err, (void)n;
    return CJKFTS_EDEPEND;
}
static void ph_destroy(void *st)
{
    (void)st;
}
static const cjkfts_analyzer_class builtin = {CJKFTS_ANALYZER_API, "cjk", 1, ph_create,
                                              ph_tokenize, ph_destroy};

CJKFTS_API const cjkfts_analyzer_class *cjkfts_analyzer_builtin(void)
{
    return &builtin;
}
