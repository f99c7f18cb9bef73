/* stem.c: Snowball stemming of words through libstemmer, applied only to words written in
 * the script the chosen algorithm is made for. */
#include <stdio.h>
#include <string.h>

#include <libstemmer.h>
#include <unicode/uscript.h>

#include "analysis.h"

/* Algorithms for scripts other than Latin (every other one is for Latin-script words). */
static const struct {
    const char *name;
    int script[2];
} stem_scripts[] = {
    {"arabic", {USCRIPT_ARABIC, -1}},     {"armenian", {USCRIPT_ARMENIAN, -1}},
    {"greek", {USCRIPT_GREEK, -1}},       {"hindi", {USCRIPT_DEVANAGARI, -1}},
    {"nepali", {USCRIPT_DEVANAGARI, -1}}, {"russian", {USCRIPT_CYRILLIC, -1}},
    {"serbian", {USCRIPT_CYRILLIC, USCRIPT_LATIN}}, {"tamil", {USCRIPT_TAMIL, -1}},
    {"yiddish", {USCRIPT_HEBREW, -1}},
};

static bool known_algorithm(const char *lang)
{
    for (const char **l = sb_stemmer_list(); *l; l++)
        if (strcmp(*l, lang) == 0)
            return true;
    return false;
}

int an_stem_open(an_stem *s, const char *lang, char *err, size_t errlen)
{
    s->sb = NULL;
    s->script[0] = s->script[1] = -1;
    if (!lang[0])
        return 0;
    if (!known_algorithm(lang)) {
        size_t k = (size_t)snprintf(err, errlen, "unknown stemmer \"%s\"; known:", lang);
        for (const char **l = sb_stemmer_list(); *l && k < errlen; l++)
            k += (size_t)snprintf(err + k, errlen - k, " %s", *l);
        return CJKFTS_EINVAL;
    }
    s->sb = sb_stemmer_new(lang, "UTF_8");
    if (!s->sb) {
        snprintf(err, errlen, "stemmer \"%s\": out of memory", lang);
        return CJKFTS_ENOMEM;
    }
    s->script[0] = USCRIPT_LATIN;
    for (size_t i = 0; i < sizeof stem_scripts / sizeof stem_scripts[0]; i++)
        if (strcmp(stem_scripts[i].name, lang) == 0)
            memcpy(s->script, stem_scripts[i].script, sizeof s->script);
    return 0;
}

void an_stem_close(an_stem *s)
{
    if (s->sb)
        sb_stemmer_delete(s->sb);
    s->sb = NULL;
}

bool an_stem_applies(const an_stem *s, int script)
{
    return s->sb && script >= 0 && (script == s->script[0] || script == s->script[1]);
}

const uint8_t *an_stem_word(an_stem *s, const uint8_t *w, size_t n, size_t *out_n)
{
    const sb_symbol *r = sb_stemmer_stem(s->sb, w, (int)n);
    if (!r)
        return NULL;
    *out_n = (size_t)sb_stemmer_length(s->sb);
    return r;
}
