/* peer_prep.c: prepares the benchmark inputs every engine reads, deterministically.
 *
 *   peer-prep corpus OUT.jsonl COPIES LIMIT IN.jsonl...
 *       id/title/body of each input line (HTML tags removed, entities decoded), LIMIT
 *       documents per input (0 = all), the whole set written COPIES times (ids of copy c > 1
 *       get the suffix "~c").
 *   peer-prep keywords CORPUS.jsonl OUT.tsv N SEED
 *       N keyword queries sampled from document bodies, five classes in turn: kw1 (one Han
 *       character), kw2, kw3, kw4 (2-4 consecutive CJK characters of one run) and kw2w (two
 *       words of 2-3 characters from the same document).
 *   peer-prep questions IN.tsv OUT.tsv N SEED
 *       N questions sampled without replacement (N 0 = all, in order), with ASCII query
 *       syntax characters replaced by spaces so every engine reads the same plain words.
 * The random generator is splitmix64, so a seed gives the same files on every machine. */
#include "peer_common.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void die(const char *what)
{
    fprintf(stderr, "peer-prep: %s: %s\n", what, errno ? strerror(errno) : "failed");
    exit(1);
}

static void put(buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            die("out of memory");
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void put_utf8(buf *b, uint32_t c)
{
    char o[4];
    size_t n;
    if (c < 0x80) {
        o[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        o[0] = (char)(0xF0 | (c >> 18));
        o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    put(b, o, n);
}

/* Text without HTML tags: block ends (</p>, <br>) become line breaks, entities decoded. */
static void strip_html(buf *out, const char *s, size_t n)
{
    static const struct {
        const char *name;
        uint32_t cp;
    } ent[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
               {"nbsp", 0xA0}, {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"middot", 0xB7},
               {"hellip", 0x2026}, {"mdash", 0x2014}};
    out->len = 0;
    put(out, "", 0);
    for (size_t i = 0; i < n;) {
        if (s[i] == '<') {
            const char *gt = memchr(s + i, '>', n - i);
            if (gt) {
                if ((gt - (s + i) >= 3 && !strncmp(s + i, "</p", 3)) ||
                    !strncmp(s + i, "<br", gt - (s + i) >= 3 ? 3 : 0))
                    put(out, "\n", 1);
                i = (size_t)(gt - s) + 1;
                continue;
            }
        } else if (s[i] == '&') {
            const char *semi = memchr(s + i, ';', n - i < 12 ? n - i : 12);
            if (semi) {
                size_t len = (size_t)(semi - (s + i)) - 1;
                const char *name = s + i + 1;
                uint32_t cp = 0;
                if (len >= 2 && name[0] == '#')
                    cp = (uint32_t)strtoul(name + 1 + (name[1] == 'x' || name[1] == 'X'), NULL,
                                           (name[1] == 'x' || name[1] == 'X') ? 16 : 10);
                for (size_t e = 0; !cp && e < sizeof ent / sizeof *ent; e++)
                    if (strlen(ent[e].name) == len && !strncmp(ent[e].name, name, len))
                        cp = ent[e].cp;
                if (cp && cp < 0x110000) {
                    put_utf8(out, cp);
                    i = (size_t)(semi - s) + 1;
                    continue;
                }
            }
        }
        put(out, s + i, 1);
        i++;
    }
}

static const char *jstr(json_object *o, const char *key, size_t *len)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) {
        *len = 0;
        return "";
    }
    *len = (size_t)json_object_get_string_len(v);
    return json_object_get_string(v);
}

static int cmd_corpus(int argc, char **argv)
{
    if (argc < 6)
        return 2;
    FILE *out = fopen(argv[2], "wb");
    if (!out)
        die(argv[2]);
    long copies = atol(argv[3]), limit = atol(argv[4]);
    buf title = {0}, body = {0}, id = {0};
    char *line = NULL;
    size_t cap = 0;
    for (long c = 1; c <= copies; c++) {
        for (int a = 5; a < argc; a++) {
            FILE *in = fopen(argv[a], "rb");
            if (!in)
                die(argv[a]);
            long docs = 0;
            while ((limit == 0 || docs < limit) && getline(&line, &cap, in) > 0) {
                json_object *o = json_tokener_parse(line);
                if (!o)
                    continue;
                size_t il, tl, bl;
                const char *is = jstr(o, "id", &il), *ts = jstr(o, "title", &tl),
                           *bs = jstr(o, "body", &bl);
                char suffix[32] = "";
                if (c > 1)
                    snprintf(suffix, sizeof suffix, "~%ld", c);
                id.len = 0;
                put(&id, is, il);
                put(&id, suffix, strlen(suffix));
                strip_html(&title, ts, tl);
                strip_html(&body, bs, bl);
                json_object *d = json_object_new_object();
                json_object_object_add(d, "id", json_object_new_string_len(id.p, (int)id.len));
                json_object_object_add(d, "title",
                                       json_object_new_string_len(title.p, (int)title.len));
                json_object_object_add(d, "body",
                                       json_object_new_string_len(body.p, (int)body.len));
                fprintf(out, "%s\n",
                        json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN |
                                                                JSON_C_TO_STRING_NOSLASHESCAPE));
                json_object_put(d);
                json_object_put(o);
                docs++;
            }
            fclose(in);
        }
    }
    free(line);
    free(title.p);
    free(body.p);
    free(id.p);
    if (fclose(out) != 0)
        die(argv[2]);
    return 0;
}

typedef struct text {
    char *p;
    size_t len;
} text;

static int is_han(uint32_t c)
{
    return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3FFFF);
}

/* Try to take `chars` consecutive CJK characters (a Han one when chars is 1) at a random
 * place of t; append them to q and return 1, or 0 when that place does not fit. */
static int take(buf *q, const text *t, size_t chars, uint64_t *seed)
{
    if (t->len == 0)
        return 0;
    const unsigned char *s = (const unsigned char *)t->p;
    size_t i = (size_t)(splitmix(seed) % t->len);
    while (i < t->len && (s[i] & 0xC0) == 0x80)
        i++;
    size_t start = i;
    for (size_t k = 0; k < chars; k++) {
        uint32_t cp;
        if (i >= t->len)
            return 0;
        i += pc_utf8_next(s + i, t->len - i, &cp);
        if (!pc_is_cjk(cp) || (chars == 1 && !is_han(cp)))
            return 0;
    }
    put(q, t->p + start, i - start);
    return 1;
}

static int cmd_keywords(int argc, char **argv)
{
    if (argc != 6)
        return 2;
    FILE *in = fopen(argv[2], "rb");
    if (!in)
        die(argv[2]);
    text *docs = NULL;
    size_t n = 0;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, in) > 0) {
        json_object *o = json_tokener_parse(line);
        if (!o)
            continue;
        size_t bl;
        const char *b = jstr(o, "body", &bl);
        docs = realloc(docs, (n + 1) * sizeof *docs);
        if (!docs)
            die("out of memory");
        docs[n].p = malloc(bl + 1);
        if (!docs[n].p)
            die("out of memory");
        memcpy(docs[n].p, b, bl + 1);
        docs[n].len = bl;
        n++;
        json_object_put(o);
    }
    fclose(in);
    free(line);
    if (n == 0)
        die("no documents");
    FILE *out = fopen(argv[3], "wb");
    if (!out)
        die(argv[3]);
    long count = atol(argv[4]);
    uint64_t seed = strtoull(argv[5], NULL, 10);
    static const char *cls[] = {"kw1", "kw2", "kw3", "kw4", "kw2w"};
    buf q = {0};
    for (long i = 0; i < count; i++) {
        int c = (int)(i % 5);
        for (;;) {
            const text *t = &docs[splitmix(&seed) % n];
            int ok = 0;
            q.len = 0;
            for (int tries = 0; tries < 50 && !ok; tries++) {
                q.len = 0;
                if (c < 4)
                    ok = take(&q, t, (size_t)c + 1, &seed);
                else
                    ok = take(&q, t, 2 + splitmix(&seed) % 2, &seed) &&
                         (put(&q, " ", 1), take(&q, t, 2 + splitmix(&seed) % 2, &seed));
            }
            if (ok)
                break;
        }
        fprintf(out, "%s-%05ld\t%s\n", cls[c], i / 5 + 1, q.p);
    }
    free(q.p);
    for (size_t i = 0; i < n; i++)
        free(docs[i].p);
    free(docs);
    if (fclose(out) != 0)
        die(argv[3]);
    return 0;
}

static int cmd_questions(int argc, char **argv)
{
    if (argc != 6)
        return 2;
    FILE *in = fopen(argv[2], "rb");
    if (!in)
        die(argv[2]);
    char **lines = NULL, *line = NULL;
    size_t n = 0, cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, in)) > 0) {
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        for (char *p = tab + 1; *p; p++)
            if (strchr("\"'()[]{}:+-*^~!&|\\/<>=?,.;", *p))
                *p = ' ';
        lines = realloc(lines, (n + 1) * sizeof *lines);
        if (!lines)
            die("out of memory");
        lines[n++] = strdup(line);
    }
    fclose(in);
    free(line);
    size_t want = (size_t)atol(argv[4]);
    uint64_t seed = strtoull(argv[5], NULL, 10);
    if (want == 0 || want > n)
        want = n;
    else /* partial Fisher-Yates: the first `want` entries become the sample */
        for (size_t i = 0; i < want; i++) {
            size_t j = i + (size_t)(splitmix(&seed) % (n - i));
            char *t = lines[i];
            lines[i] = lines[j];
            lines[j] = t;
        }
    FILE *out = fopen(argv[3], "wb");
    if (!out)
        die(argv[3]);
    for (size_t i = 0; i < want; i++)
        fprintf(out, "%s\n", lines[i]);
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    if (fclose(out) != 0)
        die(argv[3]);
    return 0;
}

int main(int argc, char **argv)
{
    int rc = 2;
    if (argc > 1 && !strcmp(argv[1], "corpus"))
        rc = cmd_corpus(argc, argv);
    else if (argc > 1 && !strcmp(argv[1], "keywords"))
        rc = cmd_keywords(argc, argv);
    else if (argc > 1 && !strcmp(argv[1], "questions"))
        rc = cmd_questions(argc, argv);
    if (rc == 2)
        fprintf(stderr, "usage: peer-prep corpus OUT.jsonl COPIES LIMIT IN.jsonl...\n"
                        "       peer-prep keywords CORPUS.jsonl OUT.tsv N SEED\n"
                        "       peer-prep questions IN.tsv OUT.tsv N SEED\n");
    return rc;
}
