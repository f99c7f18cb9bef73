/* mkvariants.c: build-time generator of the Han variant-folding table (an_variants.h).
 *
 * Usage: mkvariants OUTPUT.h [--list]
 *
 * For every Han code point (BMP unified ideographs and extension A, compatibility ideographs,
 * and the extension planes 2 and 3) it asks the maintained conversion data installed on the
 * build machine which single code point the character folds to:
 *   1. Japanese shinjitai forms: OpenCC "jp2t" (shinjitai -> traditional) then "t2s"
 *      (traditional -> simplified), only for characters that are not simplified Chinese
 *      characters themselves (not in GB 2312): 対 -> 對 -> 对, but 芸 (a Chinese character of
 *      its own as well as the Japanese form of 藝) is left alone;
 *   2. otherwise OpenCC "t2s" character by character (條 -> 条, 後 -> 后, 乾 -> 干);
 *   3. otherwise ICU's "Traditional-Simplified" transliterator, only for characters outside
 *      GB 2312 (so a valid simplified character such as 著 is never merged with 着).
 * Only one-code-point-to-one-code-point results are kept (offsets stay exact), targets must
 * be Han and unchanged by NFKC_Casefold, and the map is closed to a fixpoint so that folding
 * twice equals folding once. The table is a two-level lookup (blocks of 16 code points),
 * written as a C header. --list prints every mapping (source, from, to) on stdout, and the
 * shinjitai readings left out (source "not-jp").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opencc.h>
#include <unicode/ucnv.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>

#define MAX_CP 0x323B0 /* end of CJK extension H (plane 3) */
#define SHIFT 4 /* blocks of 16 code points: the smallest table for this data */
#define BLOCK (1u << SHIFT)
#define NBLOCKS1 (MAX_CP / BLOCK + 1)

enum { SRC_NONE, SRC_JP, SRC_TS, SRC_ICU };

static const struct { unsigned lo, hi; } han_ranges[] = {
    {0x3400, 0x4DBF},   /* extension A */
    {0x4E00, 0x9FFF},   /* unified ideographs */
    {0xF900, 0xFAFF},   /* compatibility ideographs */
    {0x20000, 0x2FFFF}, /* plane 2: extensions B-F, I, compatibility supplement */
    {0x30000, 0x323AF}, /* plane 3: extensions G, H */
};

typedef struct {
    unsigned cp;
    unsigned to;   /* fold target after the fixpoint; == cp when unmapped */
    unsigned f;    /* one step */
    int src;
    int in_gb, in_big5;
    unsigned excluded; /* the shinjitai reading not used (0 = none) */
} entry;

static void die(const char *what)
{
    fprintf(stderr, "mkvariants: %s\n", what);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

static int encodable(UConverter *cv, UChar32 c)
{
    UErrorCode e = U_ZERO_ERROR;
    UChar u[2];
    int32_t n = 0;
    char out[16];
    U16_APPEND_UNSAFE(u, n, c);
    ucnv_reset(cv);
    ucnv_fromUChars(cv, out, sizeof out, u, n, &e);
    return U_SUCCESS(e);
}

static UConverter *open_cv(const char *name)
{
    UErrorCode e = U_ZERO_ERROR;
    UConverter *cv = ucnv_open(name, &e);
    if (U_FAILURE(e))
        die("cannot open an ICU converter");
    ucnv_setFromUCallBack(cv, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &e);
    if (U_FAILURE(e))
        die("cannot set the ICU converter callback");
    return cv;
}

static int is_han(UChar32 c)
{
    UErrorCode e = U_ZERO_ERROR;
    return u_isdefined(c) && uscript_getScript(c, &e) == USCRIPT_HAN && U_SUCCESS(e) &&
           u_hasBinaryProperty(c, UCHAR_IDEOGRAPHIC);
}

/* The code point of a UTF-8 string holding exactly one, or -1. */
static long single_cp(const char *s, size_t n)
{
    int32_t i = 0;
    UChar32 c;
    if (n == 0 || n > 4)
        return -1;
    U8_NEXT((const uint8_t *)s, i, (int32_t)n, c);
    return (c >= 0 && (size_t)i == n) ? c : -1;
}

/* Split s at '\n' into exactly n pieces (pointers into s, which is modified). */
static char **split_lines(char *s, size_t n)
{
    char **v = xmalloc(n * sizeof *v);
    size_t k = 0;
    for (char *p = s; k < n; k++) {
        char *nl = strchr(p, '\n');
        if (!nl)
            die("conversion output lost a line");
        *nl = 0;
        v[k] = p;
        p = nl + 1;
    }
    return v;
}

static char *opencc_all(const char *config, const char *in)
{
    opencc_t oc = opencc_open(config);
    if (oc == (opencc_t)-1)
        die("cannot open an OpenCC configuration (is libopencc-data installed?)");
    char *out = opencc_convert_utf8(oc, in, strlen(in));
    if (!out)
        die("OpenCC conversion failed");
    char *copy = xmalloc(strlen(out) + 1);
    strcpy(copy, out);
    opencc_convert_utf8_free(out);
    opencc_close(oc);
    return copy;
}

static char *icu_all(const char *in)
{
    UErrorCode e = U_ZERO_ERROR;
    UChar id[32];
    u_uastrcpy(id, "Traditional-Simplified");
    UTransliterator *t = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &e);
    if (U_FAILURE(e))
        die("cannot open ICU's Traditional-Simplified transliterator");
    int32_t n = 0;
    u_strFromUTF8(NULL, 0, &n, in, -1, &e);
    e = U_ZERO_ERROR;
    int32_t cap = n * 2 + 16;
    UChar *u = xmalloc((size_t)cap * sizeof *u);
    u_strFromUTF8(u, cap, &n, in, -1, &e);
    int32_t limit = n;
    utrans_transUChars(t, u, &n, cap, 0, &limit, &e);
    if (U_FAILURE(e))
        die("ICU transliteration failed");
    int32_t on = 0;
    e = U_ZERO_ERROR;
    u_strToUTF8(NULL, 0, &on, u, n, &e);
    e = U_ZERO_ERROR;
    char *out = xmalloc((size_t)on + 1);
    u_strToUTF8(out, on + 1, &on, u, n, &e);
    if (U_FAILURE(e))
        die("ICU conversion to UTF-8 failed");
    free(u);
    utrans_close(t);
    return out;
}

/* A target must be a Han character that NFKC_Casefold leaves alone, so folded text stays
 * normalized and in the same character class. */
static int good_target(const UNormalizer2 *nf, long to)
{
    if (to < 0 || !is_han((UChar32)to))
        return 0;
    UChar u[2];
    int32_t n = 0;
    UErrorCode e = U_ZERO_ERROR;
    U16_APPEND_UNSAFE(u, n, (UChar32)to);
    return unorm2_isNormalized(nf, u, n, &e) && U_SUCCESS(e);
}

static size_t collect(entry **out)
{
    size_t n = 0, cap = 1 << 17;
    entry *v = xmalloc(cap * sizeof *v);
    for (size_t r = 0; r < sizeof han_ranges / sizeof han_ranges[0]; r++)
        for (unsigned c = han_ranges[r].lo; c <= han_ranges[r].hi; c++) {
            if (!is_han((UChar32)c))
                continue;
            if (n == cap)
                v = realloc(v, (cap *= 2) * sizeof *v);
            if (!v)
                die("out of memory");
            v[n++] = (entry){c, c, c, SRC_NONE, 0, 0, 0};
        }
    *out = v;
    return n;
}

static char *join_cps(const entry *v, size_t n)
{
    char *s = xmalloc(n * 5 + 1), *p = s;
    for (size_t i = 0; i < n; i++) {
        int32_t k = 0;
        U8_APPEND_UNSAFE((uint8_t *)p, k, (UChar32)v[i].cp);
        p += k;
        *p++ = '\n';
    }
    *p = 0;
    return s;
}

typedef struct {
    size_t jp, ts, icu, bad_target, cycles, excluded_jp;
} stats;

static void one_step(entry *v, size_t n, stats *st)
{
    const UNormalizer2 *nf;
    UErrorCode e = U_ZERO_ERROR;
    nf = unorm2_getNFKCCasefoldInstance(&e);
    if (U_FAILURE(e))
        die("no NFKC_Casefold data");
    UConverter *gb = open_cv("GB2312"), *big5 = open_cv("Big5");
    char *all = join_cps(v, n);
    char *jp = opencc_all("jp2t.json", all);
    char *jpts = opencc_all("t2s.json", jp);
    char *ts = opencc_all("t2s.json", all);
    char *icu = icu_all(all);
    char **ljp1 = split_lines(jp, n), **ljp = split_lines(jpts, n), **lts = split_lines(ts, n);
    char **licu = split_lines(icu, n);
    for (size_t i = 0; i < n; i++) {
        entry *x = &v[i];
        x->in_gb = encodable(gb, (UChar32)x->cp);
        x->in_big5 = encodable(big5, (UChar32)x->cp);
        long j1 = single_cp(ljp1[i], strlen(ljp1[i]));
        long j = j1 == (long)x->cp ? j1 : single_cp(ljp[i], strlen(ljp[i]));
        long t = single_cp(lts[i], strlen(lts[i]));
        long c = single_cp(licu[i], strlen(licu[i]));
        int chinese = x->in_gb;
        long to = -1;
        int src = SRC_NONE;
        if (j1 != (long)x->cp && j >= 0 && j != (long)x->cp && !chinese)
            to = j, src = SRC_JP;
        else if (t >= 0 && t != (long)x->cp)
            to = t, src = SRC_TS;
        else if (c >= 0 && c != (long)x->cp && !x->in_gb)
            to = c, src = SRC_ICU;
        if (j1 != (long)x->cp && j != t && chinese) {
            st->excluded_jp++;
            x->excluded = (unsigned)(j >= 0 ? j : 0);
        }
        if (src != SRC_NONE && !good_target(nf, to)) {
            st->bad_target++;
            src = SRC_NONE;
        }
        if (src != SRC_NONE)
            x->f = (unsigned)to, x->src = src;
    }
    free(ljp1), free(ljp), free(lts), free(licu);
    free(all), free(jp), free(jpts), free(ts), free(icu);
    ucnv_close(gb), ucnv_close(big5);
}

static entry *find(entry *v, size_t n, unsigned cp)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < n && v[lo].cp == cp) ? &v[lo] : NULL;
}

/* Follow f to its fixpoint; a cycle leaves its members unmapped. */
static void close_map(entry *v, size_t n, stats *st)
{
    for (size_t i = 0; i < n; i++) {
        unsigned c = v[i].cp;
        int k = 0;
        for (; k < 16; k++) {
            entry *x = find(v, n, c);
            if (!x || x->f == c)
                break;
            c = x->f;
        }
        if (k == 16) {
            st->cycles++;
            c = v[i].cp;
        }
        v[i].to = c;
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i].to == v[i].cp)
            v[i].src = SRC_NONE;
        else if (v[i].src == SRC_JP)
            st->jp++;
        else if (v[i].src == SRC_TS)
            st->ts++;
        else if (v[i].src == SRC_ICU)
            st->icu++;
    }
}

static int write_header(const char *path, const entry *v, size_t n, const stats *st)
{
    /* stage 1: block number per BLOCK code points (block 0 = no mapping); stage 2: uint16 index
     * into the target list (0 = no mapping). */
    unsigned *stage1 = calloc(NBLOCKS1, sizeof *stage1);
    unsigned short *stage2 = calloc((size_t)NBLOCKS1 * BLOCK + BLOCK, sizeof *stage2);
    unsigned *targets = xmalloc((n + 1) * sizeof *targets);
    size_t nblocks = 1, ntargets = 1, mapped = 0;
    if (!stage1 || !stage2)
        die("out of memory");
    targets[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].src == SRC_NONE)
            continue;
        unsigned b = v[i].cp / BLOCK;
        if (!stage1[b])
            stage1[b] = (unsigned)nblocks++;
        size_t t = 1;
        while (t < ntargets && targets[t] != v[i].to)
            t++;
        if (t == ntargets)
            targets[ntargets++] = v[i].to;
        if (ntargets > 65535)
            die("too many targets for 16-bit indices");
        stage2[stage1[b] * BLOCK + v[i].cp % BLOCK] = (unsigned short)t;
        mapped++;
    }
    unsigned last = 0;
    for (unsigned b = 0; b < NBLOCKS1; b++)
        if (stage1[b])
            last = b;
    FILE *f = fopen(path, "w");
    if (!f)
        die("cannot write the output file");
    fprintf(f, "/* an_variants.h: Han variant folding table, generated at build time by "
               "lib/analysis/mkvariants.c\n"
               " * from OpenCC (jp2t, t2s) and ICU (Traditional-Simplified). Do not edit.\n"
               " * %zu Han code points examined, %zu folded: %zu Japanese forms (jp2t+t2s), "
               "%zu by t2s,\n * %zu by ICU only. %zu shinjitai readings not used (the "
               "character is in GB 2312),\n * %zu rejected targets, %zu cycles. */\n",
            n, mapped, st->jp, st->ts, st->icu, st->excluded_jp, st->bad_target, st->cycles);
    fprintf(f, "#define AN_VAR_MAPPED %zu\n#define AN_VAR_SHIFT %u\n", mapped, SHIFT);
    fprintf(f, "#define AN_VAR_STAGE1_LEN %u\n", last + 1);
    fprintf(f, "static const uint16_t an_var_stage1[%u] = {", last + 1);
    for (unsigned b = 0; b <= last; b++)
        fprintf(f, "%s%u,", b % 24 ? "" : "\n", stage1[b]);
    fprintf(f, "\n};\nstatic const uint16_t an_var_stage2[%zu] = {", nblocks * BLOCK);
    for (size_t i = 0; i < nblocks * BLOCK; i++)
        fprintf(f, "%s%u,", i % 24 ? "" : "\n", stage2[i]);
    fprintf(f, "\n};\nstatic const uint32_t an_var_target[%zu] = {", ntargets);
    for (size_t i = 0; i < ntargets; i++)
        fprintf(f, "%s0x%X,", i % 12 ? "" : "\n", targets[i]);
    fprintf(f, "\n};\n");
    int bad = ferror(f);
    if (fclose(f) || bad)
        die("write error");
    free(stage1), free(stage2), free(targets);
    return 0;
}

static void list(const entry *v, size_t n)
{
    static const char *names[] = {"-", "jp", "ts", "icu"};

    for (size_t i = 0; i < n; i++) {
        if (v[i].src == SRC_NONE && !v[i].excluded)
            continue;
        unsigned to = v[i].src == SRC_NONE ? v[i].excluded : v[i].to;
        char a[5] = {0}, b[5] = {0};
        int32_t k = 0;
        U8_APPEND_UNSAFE((uint8_t *)a, k, (UChar32)v[i].cp);
        k = 0;
        U8_APPEND_UNSAFE((uint8_t *)b, k, (UChar32)to);
        printf("%s\tU+%04X\t%s\tU+%04X\t%s\tgb=%d big5=%d\n",
               v[i].src == SRC_NONE ? "not-jp" : names[v[i].src], v[i].cp, a, to, b, v[i].in_gb,
               v[i].in_big5);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2)
        die("usage: mkvariants OUTPUT.h [--list]");
    entry *v;
    stats st = {0};
    size_t n = collect(&v);
    one_step(v, n, &st);
    close_map(v, n, &st);
    write_header(argv[1], v, n, &st);
    if (argc > 2 && strcmp(argv[2], "--list") == 0)
        list(v, n);
    free(v);
    return 0;
}
