/* stem.c: Snowball stemming of words through libstemmer, applied only to words written in
 * the script the chosen algorithm is made for. */
#include <stdio.h>
#include <string.h>

#include <libstemmer.h>
#include <unicode/uscript.h>

#include "analysis.h"

/* xxHash's XXH3 compiled into this file: words are short, where the hash is a few
 * instructions once inlined. The value only picks a cache set (never stored). */
#define XXH_INLINE_ALL
#include <xxhash.h>

/* The stem cache (the table of s->cache). Invariant: an entry with wlen > 0 holds a word of
 * wlen bytes (at most AN_STEM_CACHE_WORD_MAX) followed by the slen bytes the stemmer gave for
 * it (possibly none), in the set its hash selects; wlen == 0 marks an empty entry (a word is
 * never empty). In a set, entry 0 is the more recently stored: a miss moves entry 0 to entry 1
 * (dropping what entry 1 held) and stores the new word in entry 0. A stem that does not fit
 * beside its word (longer than the word by more than the spare bytes) is not stored. */
#define ENTRY_BYTES 62
struct an_stem_entry {
    uint8_t wlen, slen;
    uint8_t bytes[ENTRY_BYTES]; /* the word, then its stem */
};
_Static_assert(sizeof(struct an_stem_entry) == 64, "an entry is one cache line long");
_Static_assert(2 * AN_STEM_CACHE_WORD_MAX <= ENTRY_BYTES, "a word and an equal stem fit");
_Static_assert((AN_STEM_CACHE_SETS & (AN_STEM_CACHE_SETS - 1)) == 0, "a power of two");

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
    s->cache = NULL;
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
    cf_free(s->cache);
    s->cache = NULL;
}

bool an_stem_applies(const an_stem *s, int script)
{
    return s->sb && script >= 0 && (script == s->script[0] || script == s->script[1]);
}

static const uint8_t *stem_uncached(an_stem *s, const uint8_t *w, size_t n, size_t *out_n)
{
    const sb_symbol *r = sb_stemmer_stem(s->sb, w, (int)n);
    if (!r)
        return NULL;
    *out_n = (size_t)sb_stemmer_length(s->sb);
    return r;
}

static void cache_store(an_stem_entry *set, const uint8_t *w, size_t n, const uint8_t *r,
                        size_t rn)
{
    if (rn > ENTRY_BYTES - n)
        return;
    set[1] = set[0];
    set[0].wlen = (uint8_t)n;
    set[0].slen = (uint8_t)rn;
    memcpy(set[0].bytes, w, n);
    memcpy(set[0].bytes + n, r, rn);
}

const uint8_t *an_stem_word(an_stem *s, const uint8_t *w, size_t n, size_t *out_n)
{
    if (!s->cache) /* on first use (an analyzer that stems nothing allocates nothing) */
        s->cache = cf_calloc(2 * AN_STEM_CACHE_SETS, sizeof *s->cache);
    if (n == 0 || n > AN_STEM_CACHE_WORD_MAX || !s->cache) /* no table: stemmed directly */
        return stem_uncached(s, w, n, out_n);
    an_stem_entry *set = s->cache + 2 * (XXH3_64bits(w, n) & (AN_STEM_CACHE_SETS - 1));
    for (int i = 0; i < 2; i++)
        if (set[i].wlen == n && memcmp(set[i].bytes, w, n) == 0) {
            *out_n = set[i].slen;
            return set[i].bytes + n;
        }
    const uint8_t *r = stem_uncached(s, w, n, out_n);
    if (r)
        cache_store(set, w, n, r, *out_n);
    return r;
}
