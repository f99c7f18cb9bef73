/* test_analysis.c: the built-in analyzer rule by rule (tables of input -> compact tokens),
 * offsets, options, errors and the analyzer-class interface. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libstemmer.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <xxhash.h>

#include "analysis/analysis.h"
#include "cjkfts.h"

/* ---- helpers ------------------------------------------------------------------------------- */

typedef struct tok {
    char term[300];
    uint32_t pos;
    int kind;
    size_t start, end;
} tok;

typedef struct collect {
    tok *v;
    size_t n, cap;
    size_t text_len;
    char compact[8192];
    size_t clen;
} collect;

/* Checks the contract on every token: non-decreasing positions from 0, offsets inside the
 * text, start < end, a known kind, a non-empty term. */
static int collect_cb(void *ctx, const cjkfts_token *t)
{
    collect *c = ctx;
    assert_true(t->term_len > 0 && t->term_len < sizeof c->v[0].term);
    assert_true(t->start < t->end && t->end <= c->text_len);
    assert_true(t->kind >= CJKFTS_TOKEN_WORD && t->kind <= CJKFTS_TOKEN_TAIL);
    if (c->n)
        assert_true(t->position >= c->v[c->n - 1].pos);
    else
        assert_int_equal(t->position, 0);
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->v = realloc(c->v, c->cap * sizeof *c->v);
        assert_non_null(c->v);
    }
    tok *k = &c->v[c->n++];
    memcpy(k->term, t->term, t->term_len);
    k->term[t->term_len] = 0;
    k->pos = t->position, k->kind = t->kind, k->start = t->start, k->end = t->end;
    int w = snprintf(c->compact + c->clen, sizeof c->compact - c->clen, "%s%s@%u",
                     c->clen ? " " : "", k->term, k->pos);
    assert_true(w > 0 && (size_t)w < sizeof c->compact - c->clen);
    c->clen += (size_t)w;
    return 0;
}

static void collect_free(collect *c)
{
    free(c->v);
    memset(c, 0, sizeof *c);
}

static cjkfts_analyzer *open_with(int fold, const char *stemmer)
{
    cjkfts_analyzer_options o;
    cjkfts_analyzer_options_init(&o);
    o.fold_variants = fold;
    strcpy(o.stemmer, stemmer);
    cjkfts_analyzer *a = NULL;
    assert_int_equal(cjkfts_analyzer_open(NULL, &o, &a), 0);
    return a;
}

/* Tokenize text[0..len) into c (which the caller frees). */
static void run(cjkfts_analyzer *a, const char *text, size_t len, collect *c)
{
    memset(c, 0, sizeof *c);
    c->text_len = len;
    int rc = cjkfts_analyzer_tokenize(a, text, len, collect_cb, c);
    if (rc)
        fail_msg("tokenize failed: %s", cjkfts_errmsg(a));
}

typedef struct tcase {
    const char *in;
    const char *want;
} tcase;

static void check_table(cjkfts_analyzer *a, const tcase *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        collect c;
        run(a, t[i].in, strlen(t[i].in), &c);
        if (strcmp(c.compact, t[i].want) != 0)
            fail_msg("input \"%s\"\n  got  \"%s\"\n  want \"%s\"", t[i].in, c.compact,
                     t[i].want);
        collect_free(&c);
    }
}

#define CHECK_TABLE(a, t) check_table(a, t, sizeof t / sizeof t[0])

static void check_default(const tcase *t, size_t n)
{
    cjkfts_analyzer *a = open_with(1, "english");
    check_table(a, t, n);
    cjkfts_analyzer_close(a);
}

/* ---- rule tables --------------------------------------------------------------------------- */

static void test_cjk_runs(void **state)
{
    (void)state;
    static const tcase t[] = {
        {"日美同盟", "日美@0 美同@1 同盟@2 盟@3"},
        {"日", "日@0"},
        {"日本 米国", "日本@0 本@1 米国@2 国@3"},
        {"日本、米国。", "日本@0 本@1 米国@2 国@3"},
        /* mixed Han and kana are one run; 語 folds to 语 */
        {"日本語のテキスト", "日本@0 本语@1 语の@2 のテ@3 テキ@4 キス@5 スト@6 ト@7"},
        /* prolonged sound mark and iteration marks stay in the run */
        {"コーヒー", "コー@0 ーヒ@1 ヒー@2 ー@3"},
        {"人々 〆切 いすゞ", "人々@0 々@1 〆切@2 切@3 いす@4 すゞ@5 ゞ@6"},
        {"大韓民国 대한민국", "大韩@0 韩民@1 民国@2 国@3 대한@4 한민@5 민국@6 국@7"},
        {"ㄅㄆㄇ", "ㄅㄆ@0 ㄆㄇ@1 ㄇ@2"},
        /* the katakana middle dot and brackets are separators */
        {"東京・大阪「日米」", "东京@0 京@1 大阪@2 阪@3 日米@4 米@5"},
        /* a script change to Latin or digits ends a run */
        {"日本ABC中国", "日本@0 本@1 abc@2 中国@3 国@4"},
        {"2022年9月", "2022@0 年@1 9@2 月@3"},
    };
    check_default(t, sizeof t / sizeof t[0]);
}

static void test_kinds(void **state)
{
    (void)state;
    cjkfts_analyzer *a = open_with(1, "english");
    collect c;
    const char *in = "日美同盟 日 abc 12";
    run(a, in, strlen(in), &c);
    static const int want[] = {CJKFTS_TOKEN_BIGRAM, CJKFTS_TOKEN_BIGRAM, CJKFTS_TOKEN_BIGRAM,
                               CJKFTS_TOKEN_TAIL,   CJKFTS_TOKEN_UNIGRAM, CJKFTS_TOKEN_WORD,
                               CJKFTS_TOKEN_NUMBER};
    assert_int_equal(c.n, 7);
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(c.v[i].kind, want[i]);
    /* exact spans: 日美 [0,6) 美同 [3,9) 同盟 [6,12) 盟 [9,12) 日 [13,16) abc [17,20) 12 [21,23) */
    static const size_t spans[][2] = {{0, 6}, {3, 9}, {6, 12}, {9, 12},
                                      {13, 16}, {17, 20}, {21, 23}};
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(c.v[i].start, spans[i][0]);
        assert_int_equal(c.v[i].end, spans[i][1]);
    }
    collect_free(&c);
    cjkfts_analyzer_close(a);
}

static void test_nfkc(void **state)
{
    (void)state;
    static const tcase t[] = {
        {"Ｎａｔｏ ＮＡＴＯ nato", "nato@0 nato@1 nato@2"},
        {"０１２３", "0123@0"},
        {"ｶﾞｲﾄﾞﾌﾞｯｸ", "ガイ@0 イド@1 ドブ@2 ブッ@3 ック@4 ク@5"},
        {"ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ", "パピ@0 ピプ@1 プペ@2 ペポ@3 ポ@4"},
        {"ｱﾒﾘｶ アメリカ", "アメ@0 メリ@1 リカ@2 カ@3 アメ@4 メリ@5 リカ@6 カ@7"},
        {"① ② ⑩", "1@0 2@1 10@2"},
        {"⑴", "1@0"},
        {"ﬁnance", "financ@0"},
        {"Ⅻ", "xii@0"},
        {"㍻元年", "平成@0 成元@1 元年@2 年@3"},
        {"㈱日立", "株@0 日立@1 立@2"},
        {"Café CAFÉ Cafe\xcc\x81", "café@0 café@1 café@2"},
        {"Straße", "strass@0"},
        {"x²", "x2@0"},
        /* a keycap: the variation selector vanishes, the enclosing mark is ignored */
        {"1\xef\xb8\x8f\xe2\x83\xa3 ｱﾞ", "1@0 ア@1"},
        /* default-ignorable code points vanish: soft hyphen, variation selector */
        {"co\xc2\xad" "operation", "cooper@0"},
        {"葛\xf3\xa0\x84\x80飾", "葛饰@0 饰@1"},
    };
    check_default(t, sizeof t / sizeof t[0]);
}

static void test_nfkc_offsets(void **state)
{
    (void)state;
    cjkfts_analyzer *a = open_with(1, "english");
    collect c;
    /* ｶ ﾞ ｲ ﾄ ﾞ: 3 bytes each; ガ spans [0,6), イ [6,9), ド [9,15) */
    const char *in = "ｶﾞｲﾄﾞ";
    run(a, in, strlen(in), &c);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.v[0].term, "ガイ");
    assert_int_equal(c.v[0].start, 0), assert_int_equal(c.v[0].end, 9);
    assert_string_equal(c.v[1].term, "イド");
    assert_int_equal(c.v[1].start, 6), assert_int_equal(c.v[1].end, 15);
    assert_string_equal(c.v[2].term, "ド");
    assert_int_equal(c.v[2].start, 9), assert_int_equal(c.v[2].end, 15);
    collect_free(&c);
    /* full-width letters: 4 x 3 bytes */
    in = "(Ｎａｔｏ)";
    run(a, in, strlen(in), &c);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.v[0].start, 1), assert_int_equal(c.v[0].end, 13);
    collect_free(&c);
    /* a combining accent belongs to its letter's span */
    in = "Cafe\xcc\x81!";
    run(a, in, strlen(in), &c);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.v[0].start, 0), assert_int_equal(c.v[0].end, 6);
    collect_free(&c);
    /* one original character giving two: both carry its span */
    in = "x㍻元";
    run(a, in, strlen(in), &c);
    assert_string_equal(c.compact, "x@0 平成@1 成元@2 元@3");
    assert_int_equal(c.v[1].start, 1), assert_int_equal(c.v[1].end, 4);
    assert_int_equal(c.v[2].start, 1), assert_int_equal(c.v[2].end, 7);
    assert_int_equal(c.v[3].start, 4), assert_int_equal(c.v[3].end, 7);
    collect_free(&c);
    cjkfts_analyzer_close(a);
}

/* Every form of a word must give the same terms. */
static void check_same(cjkfts_analyzer *a, const char *const *forms, size_t n)
{
    collect first;
    run(a, forms[0], strlen(forms[0]), &first);
    assert_true(first.n > 0);
    for (size_t i = 1; i < n; i++) {
        collect c;
        run(a, forms[i], strlen(forms[i]), &c);
        if (strcmp(c.compact, first.compact) != 0)
            fail_msg("\"%s\" -> \"%s\" but \"%s\" -> \"%s\"", forms[0], first.compact,
                     forms[i], c.compact);
        collect_free(&c);
    }
    collect_free(&first);
}

static void test_variant_folding(void **state)
{
    (void)state;
    cjkfts_analyzer *a = open_with(1, "english");
    static const char *const treaty[] = {"安保條約", "安保条约", "安保条約"};
    static const char *const country[] = {"國", "国"};
    static const char *const with[] = {"與", "与"};
    static const char *const pair[] = {"対", "對", "对"};
    static const char *const marsh[] = {"沢", "澤", "泽"};
    static const char *const air[] = {"気", "氣", "气"};
    static const char *const alliance[] = {"日美同盟關係", "日美同盟关系"};
    static const char *const station[] = {"駅前", "驛前", "驿前"};
    check_same(a, treaty, 3);
    check_same(a, country, 2);
    check_same(a, with, 2);
    check_same(a, pair, 3);
    check_same(a, marsh, 3);
    check_same(a, air, 3);
    check_same(a, alliance, 2);
    check_same(a, station, 3);
    static const tcase t[] = {
        {"安保條約", "安保@0 保条@1 条约@2 约@3"},
        {"対沢気", "对泽@0 泽气@1 气@2"},
        {"與國", "与国@0 国@1"},
        /* characters that are Chinese characters of their own are not read as shinjitai */
        {"芸術 欠 予", "芸术@0 术@1 欠@2 予@3"},
        /* known conflations of character-level conversion */
        {"後 后 乾燥", "后@0 后@1 干燥@2 燥@3"},
    };
    CHECK_TABLE(a, t);
    cjkfts_analyzer_close(a);
}

static void test_fold_off(void **state)
{
    (void)state;
    cjkfts_analyzer *a = open_with(0, "english");
    static const tcase t[] = {
        {"安保條約", "安保@0 保條@1 條約@2 約@3"},
        {"対 對 对", "対@0 對@1 对@2"},
        /* normalization still applies */
        {"ｶﾞｲﾄﾞ Ｎａｔｏ", "ガイ@0 イド@1 ド@2 nato@3"},
    };
    CHECK_TABLE(a, t);
    cjkfts_analyzer_close(a);
}

static void test_fold_table(void **state)
{
    (void)state;
    assert_true(an_fold_count() > 4000);
    size_t mapped = 0;
    for (uint32_t c = 0; c < 0x323b0; c++) {
        if (c >= 0xd800 && c < 0xe000)
            continue;
        uint32_t f = an_fold(c);
        if (f == c)
            continue;
        mapped++;
        if (an_fold(f) != f)
            fail_msg("fold not idempotent at U+%04X", c);
        if (an_class_of(c) != AN_CJK || an_class_of(f) != AN_CJK)
            fail_msg("fold U+%04X -> U+%04X leaves the CJK class", c, f);
    }
    assert_int_equal(mapped, an_fold_count());
    /* the character facts flag exactly the code points that fold */
    an_chars ch;
    char err[200];
    assert_int_equal(an_chars_init(&ch, err, sizeof err), 0);
    for (uint32_t c = 0; c < 0x323b0; c++) {
        if (c >= 0xd800 && c < 0xe000)
            continue;
        bool flag = (an_chars_get(&ch, c) & AN_F_FOLD) != 0;
        if (flag != (an_fold(c) != c))
            fail_msg("U+%04X: fold flag %d", c, flag);
    }
    an_chars_free(&ch);
    assert_int_equal(an_fold(0x689d), 0x6761); /* 條 -> 条 */
    assert_int_equal(an_fold(0x5bfe), 0x5bf9); /* 対 -> 对 */
    assert_int_equal(an_fold(0x5bf9), 0x5bf9); /* 对 stays */
    assert_int_equal(an_fold('A'), 'A');
}

static void test_words(void **state)
{
    (void)state;
    static const tcase t[] = {
        {"running Nations", "run@0 nation@1"},
        {"The United States", "the@0 unit@1 state@2"},
        {"don't don’t", "don't@0 don't@1"},
        {"O'Neil students' it's", "o'neil@0 student@1 it@2"},
        {"90's", "90@0 s@1"},
        {"mp3 f35 3d 1960s", "mp3@0 f35@1 3d@2 1960s@3"},
        {"f-35 e-mail", "f@0 35@1 e@2 mail@3"},
        {"U.S.A. e.g.", "u@0 s@1 a@2 e@3 g@4"},
        {"user_name@example.com", "user@0 name@1 exampl@2 com@3"},
        /* other scripts are words: case folded, not stemmed by the English algorithm */
        {"Москва ΣΊΣΥΦΟΣ", "москва@0 σίσυφοσ@1"},
        {"ไทย", "ไทย@0"},
        /* non-ASCII decimal digits are word characters */
        {"٣٤", "٣٤@0"},
    };
    check_default(t, sizeof t / sizeof t[0]);
}

static void test_stemmers(void **state)
{
    (void)state;
    cjkfts_analyzer *a = open_with(1, "");
    static const tcase none[] = {{"running Nations", "running@0 nations@1"}};
    CHECK_TABLE(a, none);
    cjkfts_analyzer_close(a);
    a = open_with(1, "russian");
    static const tcase ru[] = {{"Москва москвы running", "москв@0 москв@1 running@2"}};
    CHECK_TABLE(a, ru);
    cjkfts_analyzer_close(a);
    a = open_with(1, "french");
    static const tcase fr[] = {{"les nations", "le@0 nation@1"}};
    CHECK_TABLE(a, fr);
    cjkfts_analyzer_close(a);
}

/* ---- the stem cache ---------------------------------------------------------------------- */

/* an_stem_word(w) must give exactly what libstemmer gives for w, called directly. */
static void check_stem(an_stem *s, struct sb_stemmer *ref, const char *w)
{
    size_t n = strlen(w), got_n = SIZE_MAX;
    const uint8_t *got = an_stem_word(s, (const uint8_t *)w, n, &got_n);
    assert_non_null(got);
    const sb_symbol *want = sb_stemmer_stem(ref, (const sb_symbol *)w, (int)n);
    assert_non_null(want);
    size_t want_n = (size_t)sb_stemmer_length(ref);
    if (got_n != want_n || memcmp(got, want, want_n) != 0)
        fail_msg("stem of \"%s\": got \"%.*s\" (%zu bytes), want \"%.*s\"", w, (int)got_n,
                 (const char *)got, got_n, (int)want_n, (const char *)want);
}

static void check_literal(an_stem *s, const char *w, const char *want)
{
    size_t n = 0;
    const uint8_t *got = an_stem_word(s, (const uint8_t *)w, strlen(w), &n);
    assert_non_null(got);
    if (n != strlen(want) || memcmp(got, want, n) != 0)
        fail_msg("stem of \"%s\": got \"%.*s\", want \"%s\"", w, (int)n, (const char *)got,
                 want);
}

/* Distinct words: a letter prefix (bijective base 26, none for the first ones), a root and
 * an inflection, so most have a stem different from the word. */
static char *cache_word(size_t i)
{
    static const char *const roots[] = {"connect", "run",    "nation", "happy", "generous",
                                        "argue",   "relate", "hope",   "sky",   "report",
                                        "govern",  "develop", "cooperat", "condition"};
    static const char *const ends[] = {"",     "s",    "ing",     "ed",   "ion",
                                       "ions", "ly",   "ness",    "ful",  "able",
                                       "ies",  "'s",   "ational", "izer", "ement"};
    size_t nr = sizeof roots / sizeof roots[0], ne = sizeof ends / sizeof ends[0];
    char prefix[8], *p = prefix + sizeof prefix;
    *--p = 0;
    for (size_t k = i / (nr * ne); k; k = (k - 1) / 26)
        *--p = (char)('a' + (k - 1) % 26);
    char *w = malloc(strlen(p) + 24);
    assert_non_null(w);
    sprintf(w, "%s%s%s", p, roots[i % nr], ends[i / nr % ne]);
    return w;
}

/* Words of these lengths end in "nationalizations" after a run of 'x': around the longest
 * cached word, and far beyond it. */
static const size_t long_lens[] = {AN_STEM_CACHE_WORD_MAX - 1, AN_STEM_CACHE_WORD_MAX,
                                   AN_STEM_CACHE_WORD_MAX + 1, AN_STEM_CACHE_WORD_MAX + 2,
                                   2 * AN_STEM_CACHE_WORD_MAX, AN_TERM_MAX};

static char *long_word(size_t len)
{
    const char *end = "nationalizations";
    char *w = malloc(len + 1);
    assert_non_null(w);
    memset(w, 'x', len - strlen(end));
    strcpy(w + len - strlen(end), end);
    return w;
}

/* The set the cache puts a word in, mirrored here only to build words that collide. */
static uint64_t cache_set(const char *w, size_t n)
{
    return XXH3_64bits(w, n) & (AN_STEM_CACHE_SETS - 1);
}

/* w[0..n) = the letters numbering k (base 26), skipping byte p (p >= n: none skipped). */
static void letters(char *w, size_t n, size_t p, size_t k)
{
    for (size_t i = 0; i < n; i++)
        if (i != p)
            w[i] = (char)('a' + k % 26), k /= 26;
    w[n] = 0;
}

/* Two words of n bytes that differ only in byte p and share a set (false if none found). */
static bool twins_at(size_t n, size_t p, char *a, char *b)
{
    char v[26][AN_STEM_CACHE_WORD_MAX + 1];
    uint64_t set[26];
    for (size_t k = 0; k < 64; k++)
        for (int c = 0; c < 26; c++) {
            letters(v[c], n, p, k);
            v[c][p] = (char)('a' + c);
            set[c] = cache_set(v[c], n);
            for (int d = 0; d < c; d++)
                if (set[d] == set[c]) {
                    strcpy(a, v[d]), strcpy(b, v[c]);
                    return true;
                }
        }
    return false;
}

/* A word of n bytes and the same word less its last byte, sharing a set. */
static bool prefix_twins(size_t n, char *a, char *b)
{
    for (size_t k = 0; k < 100000; k++) {
        letters(a, n, SIZE_MAX, k);
        if (cache_set(a, n) == cache_set(a, n - 1)) {
            memcpy(b, a, n - 1), b[n - 1] = 0;
            return true;
        }
    }
    return false;
}

/* Two words of one set, alternated: each found in either entry of the set. */
static void check_pair(an_stem *s, struct sb_stemmer *ref, const char *a, const char *b)
{
    const char *seq[] = {a, b, a, b, b, a, a};
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++)
        check_stem(s, ref, seq[i]);
}

static void test_stem_cache(void **state)
{
    (void)state;
    char err[256];
    an_stem s;
    assert_int_equal(an_stem_open(&s, "english", err, sizeof err), 0);
    struct sb_stemmer *ref = sb_stemmer_new("english", "UTF_8");
    assert_non_null(ref);

    /* four times as many distinct words as entries, some not ASCII, some too long to cache */
    size_t nsyn = 8 * AN_STEM_CACHE_SETS, nlong = sizeof long_lens / sizeof long_lens[0];
    static const char *const other[] = {"café", "cafés", "naïvely", "résumés", "ﬁ", "x", "'s"};
    size_t nother = sizeof other / sizeof other[0], nw = nsyn + nlong + nother;
    char **w = malloc(nw * sizeof *w);
    assert_non_null(w);
    for (size_t i = 0; i < nsyn; i++)
        w[i] = cache_word(i);
    for (size_t i = 0; i < nlong; i++)
        w[nsyn + i] = long_word(long_lens[i]);
    for (size_t i = 0; i < nother; i++)
        w[nsyn + nlong + i] = strdup(other[i]);

    for (size_t i = 0; i < nw; i++) /* forwards */
        check_stem(&s, ref, w[i]);
    for (size_t i = nw; i-- > 0;) /* backwards */
        check_stem(&s, ref, w[i]);
    for (size_t i = 0; i < nw; i++) /* each twice in a row */
        check_stem(&s, ref, w[i]), check_stem(&s, ref, w[i]);
    uint64_t x = 88172645463325252ull; /* xorshift64: a fixed pseudo-random order */
    for (size_t k = 0; k < 4 * nw; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        check_stem(&s, ref, w[x % nw]);
    }
    /* three words that share a set (found with the cache's own set choice, which only serves
     * to build the collision): cycled, then two of them alternated */
    size_t same[3], nsame = 0;
    for (size_t i = 0; i < nsyn && nsame < 3; i++)
        if (cache_set(w[i], strlen(w[i])) == cache_set(w[0], strlen(w[0])))
            same[nsame++] = i;
    assert_int_equal(nsame, 3);
    for (int k = 0; k < 30; k++)
        check_stem(&s, ref, w[same[k % 3]]);
    for (int k = 0; k < 30; k++)
        check_stem(&s, ref, w[same[k % 2]]);
    /* words of one set that differ in a single byte (at every place), or by their last byte */
    char w1[AN_STEM_CACHE_WORD_MAX + 1], w2[AN_STEM_CACHE_WORD_MAX + 1];
    for (size_t n = 1; n <= AN_STEM_CACHE_WORD_MAX; n++) {
        for (size_t p = 0; p < n; p++) {
            bool found = twins_at(n, p, w1, w2);
            assert_true(found || n == 1); /* 26 words of one letter may all differ in set */
            if (found)
                check_pair(&s, ref, w1, w2);
        }
        if (n >= 3) {
            assert_true(prefix_twins(n, w1, w2));
            check_pair(&s, ref, w1, w2);
        }
    }

    check_literal(&s, "running", "run");
    check_literal(&s, "connections", "connect");
    check_literal(&s, "running", "run");
    check_literal(&s, "connections", "connect");
    for (size_t i = 0; i < nw; i++)
        free(w[i]);
    free(w);
    sb_stemmer_delete(ref);
    an_stem_close(&s);

    /* through the analyzer: the same words again and again give the same terms */
    cjkfts_analyzer *a = open_with(1, "english");
    static const tcase t[] = {
        {"Running connections running CONNECTIONS", "run@0 connect@1 run@2 connect@3"},
        {"connections running", "connect@0 run@1"},
    };
    CHECK_TABLE(a, t);
    CHECK_TABLE(a, t);
    cjkfts_analyzer_close(a);
}

/* The table is allocated by the first word stemmed; without it, words are stemmed directly. */
static void test_stem_cache_alloc(void **state)
{
    (void)state;
    char err[256];
    an_stem s;
    cf_alloc_fail_after(0); /* opening allocates no table */
    int rc = an_stem_open(&s, "english", err, sizeof err);
    cf_alloc_fail_after(-1);
    assert_int_equal(rc, 0);
    assert_non_null(s.sb), assert_null(s.cache);
    an_stem_close(&s);

    assert_int_equal(an_stem_open(&s, "english", err, sizeof err), 0);
    struct sb_stemmer *ref = sb_stemmer_new("english", "UTF_8");
    assert_non_null(ref);
    char *lw = long_word(AN_STEM_CACHE_WORD_MAX + 1);
    cf_alloc_fail_after(0); /* no table: every word is stemmed directly, exactly */
    for (int k = 0; k < 2; k++) {
        check_literal(&s, "running", "run");
        check_stem(&s, ref, lw);
    }
    cf_alloc_fail_after(-1);
    assert_null(s.cache);
    check_literal(&s, "running", "run"); /* the first word with memory allocates the table */
    assert_non_null(s.cache);
    check_literal(&s, "running", "run");
    free(lw);
    sb_stemmer_delete(ref);
    an_stem_close(&s);

    cjkfts_analyzer *a = open_with(1, "english");
    static const tcase t[] = {{"running connections running", "run@0 connect@1 run@2"}};
    cf_alloc_fail_after(0);
    CHECK_TABLE(a, t);
    cf_alloc_fail_after(-1);
    cjkfts_analyzer_close(a);
}

static void test_numbers(void **state)
{
    (void)state;
    static const tcase t[] = {
        {"54,000 54000", "54000@0 54000@1"},
        {"1,234,567 12,345", "1234567@0 12345@1"},
        {"1234,567", "1234@0 567@1"},
        {"1,23 1,2345", "1@0 23@1 1@2 2345@3"},
        {"1,000.50 3.14", "1000.50@0 3.14@1"},
        {"192.168.0.1 1.2.3.", "192.168.0.1@0 1.2.3@1"},
        {"3,14 1.5,2.5", "3@0 14@1 1.5@2 2.5@3"},
        {"1,234.567,890", "1234.567@0 890@1"},
        {"3.5mm 1,000yen", "3.5@0 mm@1 1000@2 yen@3"},
        {"v1.2", "v1@0 2@1"},
        {"100% -5 +3 .5 7.", "100@0 5@1 3@2 5@3 7@4"},
        {"５４，０００円", "54000@0 圆@1"},
        {"1，000人", "1000@0 人@1"},
        {"2020/01/19", "2020@0 01@1 19@2"},
        {"1,", "1@0"},
    };
    check_default(t, sizeof t / sizeof t[0]);
}

static void test_markup(void **state)
{
    (void)state;
    static const tcase t[] = {
        {"[[zh:日本]]", "zh@0 日本@1 本@2"},
        {"[[ja:日米安全保障条約]]",
         "ja@0 日米@1 米安@2 安全@3 全保@4 保障@5 障条@6 条约@7 约@8"},
        {"<p><strong>央视网消息</strong>",
         "p@0 strong@1 央视@2 视网@3 网消@4 消息@5 息@6 strong@7"},
        {"**日米**同盟", "日米@0 米@1 同盟@2 盟@3"},
    };
    check_default(t, sizeof t / sizeof t[0]);
}

static void test_seed_lines(void **state)
{
    (void)state;
    static const tcase t[] = {
        {"1960 年 1 月 19 日由時任首相的岸信介(安倍晉三外祖父)和美國國務卿赫特(Christian "
         "Herter)",
         "1960@0 年@1 1@2 月@3 19@4 日由@5 由时@6 时任@7 任首@8 首相@9 相的@10 的岸@11 "
         "岸信@12 信介@13 介@14 安倍@15 倍晋@16 晋三@17 三外@18 外祖@19 祖父@20 父@21 "
         "和美@22 美国@23 国国@24 国务@25 务卿@26 卿赫@27 赫特@28 特@29 christian@30 "
         "herter@31"},
        {"2020/01/19 NHK 日米安保条約改定から60年 日米協力は「宇宙」へ拡大",
         "2020@0 01@1 19@2 nhk@3 日米@4 米安@5 安保@6 保条@7 条约@8 约改@9 改定@10 定か@11 "
         "から@12 ら@13 60@14 年@15 日米@16 米协@17 协力@18 力は@19 は@20 宇宙@21 宙@22 "
         "へ扩@23 扩大@24 大@25"},
        {"《日本國與美利堅合眾國間相合作互與安全保障條約》",
         "日本@0 本国@1 国与@2 与美@3 美利@4 利坚@5 坚合@6 合众@7 众国@8 国间@9 间相@10 "
         "相合@11 合作@12 作互@13 互与@14 与安@15 安全@16 全保@17 保障@18 障条@19 条约@20 "
         "约@21"},
    };
    check_default(t, sizeof t / sizeof t[0]);
}

static void test_separators_and_bad_bytes(void **state)
{
    (void)state;
    cjkfts_analyzer *a = open_with(1, "english");
    collect c;
    run(a, "", 0, &c);
    assert_int_equal(c.n, 0);
    collect_free(&c);
    run(a, " \t\n　", 6, &c);
    assert_int_equal(c.n, 0);
    collect_free(&c);
    /* NUL is a separator: 日本 NUL 語 */
    static const char nul[] = "日本\0語";
    run(a, nul, sizeof nul - 1, &c);
    assert_string_equal(c.compact, "日本@0 本@1 语@2");
    assert_int_equal(c.v[2].start, 7), assert_int_equal(c.v[2].end, 10);
    collect_free(&c);
    /* an invalid byte breaks the run; offsets stay those of the original bytes */
    const char *bad = "日本\xff語";
    run(a, bad, strlen(bad), &c);
    assert_string_equal(c.compact, "日本@0 本@1 语@2");
    assert_int_equal(c.v[0].start, 0), assert_int_equal(c.v[0].end, 6);
    assert_int_equal(c.v[1].start, 3), assert_int_equal(c.v[1].end, 6);
    assert_int_equal(c.v[2].start, 7), assert_int_equal(c.v[2].end, 10);
    collect_free(&c);
    /* a truncated 3-byte sequence is one replacement character */
    bad = "ab\xe6\x97" "cd";
    run(a, bad, strlen(bad), &c);
    assert_string_equal(c.compact, "ab@0 cd@1");
    assert_int_equal(c.v[1].start, 4), assert_int_equal(c.v[1].end, 6);
    collect_free(&c);
    /* invalid bytes at the very end, and inside a word */
    bad = "abc\xc3";
    run(a, bad, strlen(bad), &c);
    assert_string_equal(c.compact, "abc@0");
    assert_int_equal(c.v[0].end, 3);
    collect_free(&c);
    bad = "ab\x80" "cd \xed\xa0\x80日";
    run(a, bad, strlen(bad), &c);
    assert_string_equal(c.compact, "ab@0 cd@1 日@2");
    assert_int_equal(c.v[2].start, 9), assert_int_equal(c.v[2].end, 12);
    collect_free(&c);
    /* U+FFFD in the text is a separator too */
    run(a, "日\xef\xbf\xbd本", 9, &c);
    assert_string_equal(c.compact, "日@0 本@1");
    collect_free(&c);
    /* a text made only of combining marks or invalid bytes gives nothing */
    run(a, "\xcc\x81\xcc\x81\xff\xfe", 6, &c);
    assert_int_equal(c.n, 0);
    collect_free(&c);
    cjkfts_analyzer_close(a);
}

static void test_long_tokens(void **state)
{
    (void)state;
    cjkfts_analyzer *a = open_with(1, "english");
    char buf[700];
    collect c;
    /* a 300-letter word: a 256-byte piece and a 44-byte piece */
    memset(buf, 'a', 300);
    run(a, buf, 300, &c);
    assert_int_equal(c.n, 2);
    assert_int_equal(strlen(c.v[0].term), AN_TERM_MAX);
    assert_int_equal(strlen(c.v[1].term), 44);
    assert_int_equal(c.v[0].start, 0), assert_int_equal(c.v[0].end, 256);
    assert_int_equal(c.v[1].start, 256), assert_int_equal(c.v[1].end, 300);
    assert_int_equal(c.v[1].pos, 1);
    collect_free(&c);
    /* pieces are not stemmed: x*250 + "running" -> x*250 "runnin" | "g" */
    memset(buf, 'x', 250);
    memcpy(buf + 250, "running", 7);
    run(a, buf, 257, &c);
    assert_int_equal(c.n, 2);
    assert_memory_equal(c.v[0].term + 250, "runnin", 7);
    assert_string_equal(c.v[1].term, "g");
    collect_free(&c);
    /* 600 digits: numbers 256 + 256 + 88 */
    memset(buf, '7', 600);
    run(a, buf, 600, &c);
    assert_int_equal(c.n, 3);
    assert_int_equal(strlen(c.v[2].term), 88);
    assert_int_equal(c.v[2].kind, CJKFTS_TOKEN_NUMBER);
    collect_free(&c);
    /* 100 two-byte letters: 200 bytes, one word; 200 of them: cut at a character boundary */
    for (int i = 0; i < 200; i++)
        memcpy(buf + 2 * i, "\xc3\xa9", 2);
    run(a, buf, 400, &c);
    assert_int_equal(c.n, 2);
    assert_int_equal(strlen(c.v[0].term), 256);
    assert_int_equal(strlen(c.v[1].term), 144);
    collect_free(&c);
    /* a base letter with 300 combining marks: normalized in pieces, never more than the text */
    memcpy(buf, "e", 1);
    for (int i = 0; i < 300; i++)
        memcpy(buf + 1 + 2 * i, "\xcc\x81", 2);
    run(a, buf, 601, &c);
    assert_true(c.n >= 1);
    assert_int_equal(c.v[0].start, 0);
    assert_int_equal(c.v[c.n - 1].end, 601);
    collect_free(&c);
    cjkfts_analyzer_close(a);
}

/* NFKC_Casefold of a whole valid UTF-8 text by ICU, into out (cap bytes); returns its length. */
static size_t icu_normalize(const char *s, size_t len, char *out, size_t cap)
{
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *nf = unorm2_getNFKCCasefoldInstance(&e);
    UChar u[2048], v[8192];
    int32_t n = 0, k = 0;
    u_strFromUTF8(u, 2048, &n, s, (int32_t)len, &e);
    int32_t m = unorm2_normalize(nf, u, n, v, 8192, &e);
    u_strToUTF8(out, (int32_t)cap, &k, v, m, &e);
    assert_true(U_SUCCESS(e));
    return (size_t)k;
}

/* Random mixtures of tricky fragments: the contract holds (checked in collect_cb), the
 * result is deterministic, strict mode accepts exactly the valid inputs, and for valid inputs
 * the terms are those of the text normalized whole by ICU (the per-segment fast paths change
 * nothing). */
static void test_random_texts(void **state)
{
    (void)state;
    static const char *const frag[] = {
        "a", "Z", "é", "e\xcc\x81", "\xcc\x81", "ß", "İ", "0", "9", "5", ",", ".", "'",
        "’", " ", "-", "\0", "日", "國", "対", "の", "ー", "々", "ｶ", "ﾞ", "ﾟ", "한",
        "\xe1\x85\xa1", "①", "㍻", "０", "，", "Ａ", "\xf0\x9f\x98\x80", "\xef\xbf\xbd",
        "\xc2\xad", "\xf3\xa0\x84\x80", "Ж", "ไ", "٣", "\xe2\x83\xa3", "[[", ":", "]]",
        "\xf0\xa0\xae\x9f", "ﬁ", "Ⅻ",
        /* the last three are invalid UTF-8 */
        "\xff", "\xe6\x97", "\xed\xa0\x80"};
    const size_t nfrag = sizeof frag / sizeof frag[0];
    cjkfts_analyzer *a = open_with(1, "english");
    cjkfts_analyzer_options o;
    cjkfts_analyzer_options_init(&o);
    o.utf8_strict = 1;
    cjkfts_analyzer *strict = NULL;
    assert_int_equal(cjkfts_analyzer_open(NULL, &o, &strict), 0);
    uint64_t seed = 0x9e3779b97f4a7c15u;
    char buf[2048];
    for (int iter = 0; iter < 3000; iter++) {
        size_t len = 0;
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        size_t nparts = (size_t)(seed >> 33) % 120;
        for (size_t k = 0; k < nparts; k++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            const char *f = frag[(seed >> 33) % (iter % 2 ? nfrag - 3 : nfrag)];
            size_t fl = f[0] ? strlen(f) : 1; /* the "\0" fragment is one NUL byte */
            memcpy(buf + len, f, fl);
            len += fl;
        }
        collect c1, c2;
        run(a, buf, len, &c1);
        run(a, buf, len, &c2);
        assert_string_equal(c1.compact, c2.compact);
        collect_free(&c2);
        collect c3 = {0};
        c3.text_len = len;
        int rc = cjkfts_analyzer_tokenize(strict, buf, len, collect_cb, &c3);
        bool valid = true;
        for (size_t i = 0; i < len && valid;)
            valid = (unsigned char)buf[i] < 0x80 ? (i++, true)
                                                 : cf_utf8_decode((const uint8_t *)buf, len,
                                                                  &i) != CF_UTF8_INVALID;
        if (valid) {
            assert_int_equal(rc, 0);
            assert_string_equal(c3.compact, c1.compact);
            char norm[8192];
            size_t nlen = icu_normalize(buf, len, norm, sizeof norm);
            collect c4;
            run(a, norm, nlen, &c4);
            if (strcmp(c4.compact, c1.compact) != 0)
                fail_msg("iteration %d: \"%s\" but \"%s\" after ICU normalization", iter,
                         c1.compact, c4.compact);
            collect_free(&c4);
        } else {
            assert_int_equal(rc, CJKFTS_EUTF8);
            assert_int_equal(c3.n, 0);
        }
        collect_free(&c1);
        collect_free(&c3);
    }
    cjkfts_analyzer_close(a);
    cjkfts_analyzer_close(strict);
}

/* ---- options, errors, interface ------------------------------------------------------------ */

/* UTF-8 of one code point, written here independently of the library. */
static size_t utf8_of(uint32_t c, char *o)
{
    if (c < 0x80)
        return o[0] = (char)c, 1;
    if (c < 0x800)
        return o[0] = (char)(0xc0 | c >> 6), o[1] = (char)(0x80 | (c & 0x3f)), 2;
    if (c < 0x10000)
        return o[0] = (char)(0xe0 | c >> 12), o[1] = (char)(0x80 | (c >> 6 & 0x3f)),
               o[2] = (char)(0x80 | (c & 0x3f)), 3;
    return o[0] = (char)(0xf0 | c >> 18), o[1] = (char)(0x80 | (c >> 12 & 0x3f)),
           o[2] = (char)(0x80 | (c >> 6 & 0x3f)), o[3] = (char)(0x80 | (c & 0x3f)), 4;
}

/* The normalized text of two code points when it is two CJK code points (*x, *y). */
static bool cjk_pair_norm(const char *text, size_t len, uint32_t *x, uint32_t *y)
{
    char out[64];
    size_t n = icu_normalize(text, len, out, sizeof out), i = 0;
    int32_t d1 = cf_utf8_decode((const uint8_t *)out, n, &i);
    int32_t d2 = i < n ? cf_utf8_decode((const uint8_t *)out, n, &i) : CF_UTF8_INVALID;
    if (d1 == CF_UTF8_INVALID || d2 == CF_UTF8_INVALID || i != n)
        return false;
    *x = (uint32_t)d1, *y = (uint32_t)d2;
    return an_class_of(*x) == AN_CJK && an_class_of(*y) == AN_CJK;
}

/* Every CJK code point of three and four bytes (one in five of them, plus every one that
 * folds), with and without folding, after another: the bigram is the bytes of the two
 * normalized (and folded) characters, the tail the second one. */
static void test_cjk_pairs(void **state)
{
    (void)state;
    for (int fold = 0; fold < 2; fold++) {
        cjkfts_analyzer *a = open_with(fold, "english");
        uint32_t prev = 0x4e2d, n = 0; /* 中 */
        for (uint32_t c = 0x2e80; c < 0x323b0; c++) {
            if ((c % 5 && an_fold(c) == c) || (c >= 0xd800 && c < 0xe000))
                continue;
            char text[8], want[64], x[4], y[4];
            size_t len = utf8_of(prev, text);
            len += utf8_of(c, text + len);
            uint32_t nx, ny;
            if (!cjk_pair_norm(text, len, &nx, &ny))
                continue;
            size_t lx = utf8_of(fold ? an_fold(nx) : nx, x);
            size_t ly = utf8_of(fold ? an_fold(ny) : ny, y);
            snprintf(want, sizeof want, "%.*s%.*s@0 %.*s@1", (int)lx, x, (int)ly, y, (int)ly, y);
            collect k;
            run(a, text, len, &k);
            if (strcmp(k.compact, want) != 0)
                fail_msg("U+%04X U+%04X: got \"%s\", want \"%s\"", prev, c, k.compact, want);
            assert_int_equal(k.v[0].kind, CJKFTS_TOKEN_BIGRAM);
            assert_int_equal(k.v[1].kind, CJKFTS_TOKEN_TAIL);
            collect_free(&k);
            prev = c;
            n++;
        }
        assert_true(n > 10000);
        cjkfts_analyzer_close(a);
    }
}

/* Every BMP code point alone and between letters or digits ("1,000" when it is a full-width
 * comma): the tokens are those of the text normalized whole by ICU, whatever path the code
 * point takes (stable, cached single code point, ICU). */
static void test_single_chars(void **state)
{
    (void)state;
    cjkfts_analyzer *a = open_with(1, "english");
    static const char *const around[][2] = {{"", ""}, {"1", "000"}, {"a", "b"}, {"日", "本"}};
    for (uint32_t c = 1; c < 0x10000; c++) {
        if (c >= 0xd800 && c < 0xe000)
            continue;
        for (size_t k = 0; k < sizeof around / sizeof around[0]; k++) {
            char text[32], norm[256];
            size_t len = strlen(around[k][0]);
            memcpy(text, around[k][0], len);
            len += utf8_of(c, text + len);
            memcpy(text + len, around[k][1], strlen(around[k][1]));
            len += strlen(around[k][1]);
            size_t nlen = icu_normalize(text, len, norm, sizeof norm);
            collect c1, c2;
            run(a, text, len, &c1);
            run(a, norm, nlen, &c2);
            if (strcmp(c1.compact, c2.compact) != 0)
                fail_msg("U+%04X in \"%s\": \"%s\" but \"%s\" after ICU normalization", c,
                         around[k][0], c1.compact, c2.compact);
            collect_free(&c1);
            collect_free(&c2);
        }
    }
    cjkfts_analyzer_close(a);
}

static void test_reuse_and_nts(void **state)
{
    (void)state;
    cjkfts_analyzer *a = open_with(1, "english");
    collect c1, c2;
    run(a, "日美同盟 running", strlen("日美同盟 running"), &c1);
    run(a, "日美同盟 running", strlen("日美同盟 running"), &c2);
    assert_string_equal(c1.compact, c2.compact);
    collect_free(&c1);
    collect_free(&c2);
    collect c = {0};
    c.text_len = strlen("日本");
    assert_int_equal(cjkfts_analyzer_tokenize(a, "日本", CJKFTS_NTS, collect_cb, &c), 0);
    assert_string_equal(c.compact, "日本@0 本@1");
    collect_free(&c);
    cjkfts_analyzer_close(a);
    cjkfts_analyzer_close(NULL);
    /* defaults (opts NULL) */
    assert_int_equal(cjkfts_analyzer_open(NULL, NULL, &a), 0);
    run(a, "條約 Nations", strlen("條約 Nations"), &c);
    assert_string_equal(c.compact, "条约@0 约@1 nation@2");
    collect_free(&c);
    cjkfts_analyzer_close(a);
}

static void test_strict_utf8(void **state)
{
    (void)state;
    cjkfts_analyzer_options o;
    cjkfts_analyzer_options_init(&o);
    o.utf8_strict = 1;
    cjkfts_analyzer *a = NULL;
    assert_int_equal(cjkfts_analyzer_open(NULL, &o, &a), 0);
    collect c = {0};
    c.text_len = 7;
    assert_int_equal(cjkfts_analyzer_tokenize(a, "日本\xff" "abc", 7, collect_cb, &c),
                     CJKFTS_EUTF8);
    assert_int_equal(c.n, 0); /* nothing is delivered before the error */
    assert_string_equal(cjkfts_errmsg(a), "invalid UTF-8 at byte offset 6");
    run(a, "日本 abc", strlen("日本 abc"), &c);
    assert_string_equal(c.compact, "日本@0 本@1 abc@2");
    assert_string_equal(cjkfts_errmsg(a), "");
    collect_free(&c);
    cjkfts_analyzer_close(a);
}

static int stop_after_3(void *ctx, const cjkfts_token *t)
{
    (void)t;
    int *n = ctx;
    return ++*n == 3;
}

static void test_abort(void **state)
{
    (void)state;
    cjkfts_analyzer *a = open_with(1, "english");
    int n = 0;
    assert_int_equal(cjkfts_analyzer_tokenize(a, "日美同盟 abc def", CJKFTS_NTS, stop_after_3,
                                              &n),
                     CJKFTS_EABORT);
    assert_int_equal(n, 3);
    assert_non_null(strstr(cjkfts_errmsg(a), "stopped"));
    /* a stop on the very last token (flushed at the end of input) */
    n = 0;
    assert_int_equal(cjkfts_analyzer_tokenize(a, "a b c", CJKFTS_NTS, stop_after_3, &n),
                     CJKFTS_EABORT);
    assert_int_equal(n, 3);
    /* the handle works again afterwards */
    n = 0;
    assert_int_equal(cjkfts_analyzer_tokenize(a, "a b", CJKFTS_NTS, stop_after_3, &n), 0);
    assert_int_equal(n, 2);
    cjkfts_analyzer_close(a);
}

static void test_create_errors(void **state)
{
    (void)state;
    cjkfts_analyzer_options o;
    cjkfts_analyzer_options_init(&o);
    strcpy(o.stemmer, "klingon");
    cjkfts_analyzer *a = NULL;
    assert_int_equal(cjkfts_analyzer_open(NULL, &o, &a), CJKFTS_EINVAL);
    assert_non_null(a);
    assert_non_null(strstr(cjkfts_errmsg(a), "unknown stemmer \"klingon\""));
    assert_non_null(strstr(cjkfts_errmsg(a), "english"));
    int n = 0;
    assert_int_equal(cjkfts_analyzer_tokenize(a, "x", 1, stop_after_3, &n), CJKFTS_EMISUSE);
    cjkfts_analyzer_close(a);
    /* a name not NUL-terminated inside the field */
    memset(o.stemmer, 'e', sizeof o.stemmer);
    assert_int_equal(cjkfts_analyzer_open(NULL, &o, &a), CJKFTS_EINVAL);
    cjkfts_analyzer_close(a);
    assert_int_equal(cjkfts_analyzer_open(NULL, NULL, NULL), CJKFTS_EINVAL);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    int opened = 0;
    for (long k = 0; k < 20 && !opened; k++) {
        cjkfts_analyzer *a = NULL;
        cf_alloc_fail_after(k);
        int rc = cjkfts_analyzer_open(NULL, NULL, &a);
        cf_alloc_fail_after(-1);
        if (rc == 0)
            opened = 1;
        else
            assert_int_equal(rc, CJKFTS_ENOMEM);
        cjkfts_analyzer_close(a);
    }
    assert_true(opened);
    /* the normalization buffer is allocated on first use (by a character that normalizes to
     * several: one that becomes a single one is served from a table made with the analyzer) */
    cjkfts_analyzer *a = open_with(1, "english");
    int n = 0;
    cf_alloc_fail_after(0);
    assert_int_equal(cjkfts_analyzer_tokenize(a, "①", CJKFTS_NTS, stop_after_3, &n), 0);
    assert_int_equal(n, 1);
    n = 0;
    int rc = cjkfts_analyzer_tokenize(a, "ﬁ", CJKFTS_NTS, stop_after_3, &n);
    cf_alloc_fail_after(-1);
    assert_int_equal(rc, CJKFTS_ENOMEM);
    assert_int_equal(cjkfts_analyzer_tokenize(a, "ﬁ", CJKFTS_NTS, stop_after_3, &n), 0);
    assert_int_equal(n, 1);
    cjkfts_analyzer_close(a);
}

/* A custom class: whitespace-separated words, proving the public interface. */
typedef struct ws_state {
    int upper;
} ws_state;

static int ws_create(const cjkfts_analyzer_options *o, void **st, char *err, size_t n)
{
    if (strcmp(o->stemmer, "fail") == 0) {
        snprintf(err, n, "custom failure");
        return CJKFTS_EINVAL;
    }
    ws_state *s = malloc(sizeof *s);
    if (!s)
        return CJKFTS_ENOMEM;
    s->upper = o->fold_variants;
    *st = s;
    return 0;
}

static int ws_tokenize(void *st, const char *t, size_t len, cjkfts_token_cb cb, void *ctx,
                       char *err, size_t n)
{
    (void)st, (void)err, (void)n;
    uint32_t pos = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && t[i] == ' ')
            i++;
        size_t s = i;
        while (i < len && t[i] != ' ')
            i++;
        if (i > s) {
            cjkfts_token tk = {t + s, i - s, pos++, CJKFTS_TOKEN_WORD, s, i};
            if (cb(ctx, &tk))
                return CJKFTS_EABORT;
        }
    }
    return 0;
}

static void ws_destroy(void *st)
{
    free(st);
}

static void test_custom_class(void **state)
{
    (void)state;
    static const cjkfts_analyzer_class ws = {CJKFTS_ANALYZER_API, "ws", 1, ws_create,
                                             ws_tokenize, ws_destroy};
    cjkfts_analyzer *a = NULL;
    assert_int_equal(cjkfts_analyzer_open(&ws, NULL, &a), 0);
    collect c;
    run(a, "日美同盟  Nations x", strlen("日美同盟  Nations x"), &c);
    assert_string_equal(c.compact, "日美同盟@0 Nations@1 x@2");
    assert_int_equal(c.v[1].start, 14), assert_int_equal(c.v[1].end, 21);
    collect_free(&c);
    int n = 0;
    assert_int_equal(cjkfts_analyzer_tokenize(a, "a b c d", CJKFTS_NTS, stop_after_3, &n),
                     CJKFTS_EABORT);
    cjkfts_analyzer_close(a);

    cjkfts_analyzer_options o;
    cjkfts_analyzer_options_init(&o);
    strcpy(o.stemmer, "fail");
    assert_int_equal(cjkfts_analyzer_open(&ws, &o, &a), CJKFTS_EINVAL);
    assert_string_equal(cjkfts_errmsg(a), "analyzer ws: custom failure");
    cjkfts_analyzer_close(a);

    static const cjkfts_analyzer_class bad = {99, "bad", 1, ws_create, ws_tokenize,
                                              ws_destroy};
    assert_int_equal(cjkfts_analyzer_open(&bad, NULL, &a), CJKFTS_EINVAL);
    cjkfts_analyzer_close(a);
    const cjkfts_analyzer_class *b = cjkfts_analyzer_builtin();
    assert_string_equal(b->name, "cjk");
    assert_int_equal(b->api_version, CJKFTS_ANALYZER_API);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cjk_runs),       cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_nfkc),           cmocka_unit_test(test_nfkc_offsets),
        cmocka_unit_test(test_variant_folding), cmocka_unit_test(test_fold_off),
        cmocka_unit_test(test_fold_table),     cmocka_unit_test(test_words),
        cmocka_unit_test(test_stemmers),       cmocka_unit_test(test_stem_cache),
        cmocka_unit_test(test_stem_cache_alloc), cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_markup),         cmocka_unit_test(test_seed_lines),
        cmocka_unit_test(test_separators_and_bad_bytes),
        cmocka_unit_test(test_long_tokens),    cmocka_unit_test(test_random_texts),
        cmocka_unit_test(test_reuse_and_nts), cmocka_unit_test(test_cjk_pairs),
        cmocka_unit_test(test_single_chars),
        cmocka_unit_test(test_strict_utf8),    cmocka_unit_test(test_abort),
        cmocka_unit_test(test_create_errors),  cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_custom_class),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
