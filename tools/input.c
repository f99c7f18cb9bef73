/* input.c: document readers of the indexer: folders of .txt/.md/.html files and JSON Lines.
 *
 * Text files are one document each: the title is the first non-empty line (for Markdown
 * without its leading '#'s, for HTML the <title>, else the first <h1>, else the first line of
 * text) and the body is the rest. Files are UTF-8 (a byte-order mark is dropped, CRLF becomes
 * LF); a file with NUL bytes or more than 10% invalid UTF-8 is skipped as binary, and a few
 * invalid sequences are replaced by U+FFFD with a warning. Text files carry no date, except
 * HTML pages that state one in a <meta> element.
 *
 * JSON Lines: one object per line with "id" (string or integer), "title", "body", "date" and
 * "url" (strings or null); every other field is kept as an extra stored field. A title or body
 * that looks like HTML (tags of known elements) is reduced to its text with gumbo; one with
 * character references but no '<' has only the references decoded. Blank lines are ignored;
 * every other line that cannot be used is reported with its line number and skipped.
 */
#include "input.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "html.h"
#include "text.h"

#define TITLE_MAX_CHARS 80   /* a longer first line is shortened to make the title */
#define SNIFF_BYTES 65536    /* bytes of a JSON Lines file checked for binary data */
#define MAX_ID_BYTES 1024

static const char *const kind_names[IN_KINDS] = {
    [IN_BAD_JSON] = "malformed JSON",      [IN_NO_ID] = "missing id",
    [IN_BAD_FIELD] = "invalid field",      [IN_BAD_UTF8] = "invalid UTF-8",
    [IN_BINARY] = "binary file",           [IN_EMPTY] = "empty file",
    [IN_UNREADABLE] = "unreadable",        [IN_UNSUPPORTED] = "unsupported input",
    [IN_REJECTED] = "rejected by the index", [IN_WARN_UTF8] = "invalid UTF-8 replaced",
};

const char *in_kind_name(int kind)
{
    return kind >= 0 && kind < IN_KINDS ? kind_names[kind] : "?";
}

int in_format_of(const char *path)
{
    static const struct {
        const char *ext;
        int fmt;
    } exts[] = {{"txt", IN_FMT_TXT},     {"md", IN_FMT_MD},       {"markdown", IN_FMT_MD},
                {"html", IN_FMT_HTML},   {"htm", IN_FMT_HTML},    {"jsonl", IN_FMT_JSONL},
                {"json", IN_FMT_JSONL},  {"ndjson", IN_FMT_JSONL}};
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.');
    if (!dot || dot[1] == '\0')
        return IN_FMT_NONE;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (strcasecmp(dot + 1, exts[i].ext) == 0)
            return exts[i].fmt;
    return IN_FMT_NONE;
}

/* ---- reporting ----------------------------------------------------------------------------- */

static void report(const in_sink *s, const char *file, unsigned long line, int kind,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void report(const in_sink *s, const char *file, unsigned long line, int kind,
                   const char *fmt, ...)
{
    if (!s->on_problem)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (msg) {
        va_start(ap, fmt);
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    in_problem p = {file, line, kind, msg ? msg : in_kind_name(kind)};
    s->on_problem(s->ctx, &p);
    free(msg);
}

static void consumed(const in_sink *s, uint64_t n)
{
    if (s->on_bytes && n)
        s->on_bytes(s->ctx, n);
}

/* ---- lines and titles ------------------------------------------------------------------ */

/* Length of the white space at s[0..len): ASCII blanks, U+00A0 and U+3000; 0 if none. */
static size_t blank_len(const char *s, size_t len)
{
    unsigned char c = (unsigned char)s[0];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v')
        return 1;
    if (len >= 2 && c == 0xc2 && (unsigned char)s[1] == 0xa0)
        return 2;
    if (len >= 3 && c == 0xe3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80)
        return 3;
    return 0;
}

static void trim(const char **s, size_t *len)
{
    size_t w;
    while (*len && (w = blank_len(*s, *len)) != 0)
        *s += w, *len -= w;
    while (*len) {
        const char *e = *s + *len;
        if (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\f' || e[-1] == '\v')
            *len -= 1;
        else if (*len >= 2 && blank_len(e - 2, 2) == 2)
            *len -= 2;
        else if (*len >= 3 && blank_len(e - 3, 3) == 3)
            *len -= 3;
        else
            break;
    }
}

/* Remove Markdown heading marks: leading "# ", "## "... and a closing run of '#'. */
static void strip_md_heading(const char **s, size_t *len)
{
    size_t n = 0;
    while (n < *len && (*s)[n] == '#')
        n++;
    if (n == 0 || n > 6 || (n < *len && (*s)[n] != ' ' && (*s)[n] != '\t'))
        return;
    *s += n, *len -= n;
    trim(s, len);
    size_t e = *len;
    while (e > 0 && (*s)[e - 1] == '#')
        e--;
    if (e < *len && (e == 0 || (*s)[e - 1] == ' ' || (*s)[e - 1] == '\t')) {
        *len = e;
        trim(s, len);
    }
}

static int is_sentence_end(const char *s, size_t len, size_t i, size_t next)
{
    if (next - i == 3)
        return memcmp(s + i, "\xe3\x80\x82", 3) == 0 ||  /* 。 */
               memcmp(s + i, "\xef\xbc\x81", 3) == 0 ||  /* ！ */
               memcmp(s + i, "\xef\xbc\x9f", 3) == 0;    /* ？ */
    return next - i == 1 && (s[i] == '.' || s[i] == '!' || s[i] == '?') &&
           (next == len || s[next] == ' ');
}

static int is_clause_break(const char *s, size_t i, size_t next)
{
    if (next - i == 3)
        return memcmp(s + i, "\xef\xbc\x8c", 3) == 0 ||  /* ， */
               memcmp(s + i, "\xe3\x80\x81", 3) == 0 ||  /* 、 */
               memcmp(s + i, "\xef\xbc\x9b", 3) == 0;    /* ； */
    return next - i == 1 && (s[i] == ',' || s[i] == ';' || s[i] == ' ');
}

/* Put a title made from line s[0..len) into out: the line itself when it has at most
 * TITLE_MAX_CHARS characters, else its first sentence when that is short enough, else the
 * line cut at a clause break (or hard) followed by "…". Returns 1 when shortened. */
static int make_title(const char *s, size_t len, tx_buf *out, int *oom)
{
    size_t i = 0, chars = 0, sentence = 0, clause = 0, hard = 0;
    while (i < len && chars < TITLE_MAX_CHARS) {
        size_t at = i;
        tx_utf8_next(s, len, &i);
        chars++;
        if (!sentence && chars >= 8 && is_sentence_end(s, len, at, i))
            sentence = i;
        if (chars >= TITLE_MAX_CHARS / 2 && is_clause_break(s, at, i))
            clause = at;
        hard = i;
    }
    if (i >= len) {
        *oom |= tx_buf_append(out, s, len) < 0;
        return 0;
    }
    if (sentence) {
        *oom |= tx_buf_append(out, s, sentence) < 0;
        return 1;
    }
    size_t cut = clause ? clause : hard;
    while (cut > 0 && (s[cut - 1] == ' ' || s[cut - 1] == ','))
        cut--;
    *oom |= tx_buf_append(out, s, cut) < 0 || tx_buf_puts(out, "\xe2\x80\xa6") < 0;
    return 1;
}

/* Split LF-separated text into a title (first non-empty line) and the body after it. */
typedef struct split {
    tx_buf title;
    const char *body;
    size_t body_len;
} split;

static int split_first_line(const char *t, size_t len, int markdown, split *sp)
{
    int oom = 0;
    sp->body = t + len, sp->body_len = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(t + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - t) : len;
        const char *line = t + pos;
        size_t n = end - pos;
        trim(&line, &n);
        if (markdown)
            strip_md_heading(&line, &n);
        if (n == 0) {
            pos = end + 1;
            continue;
        }
        int shortened = make_title(line, n, &sp->title, &oom);
        size_t rest = shortened ? pos : (end < len ? end + 1 : len);
        if (markdown && !shortened && rest < len) { /* a setext underline (=== or ---) */
            size_t k = rest;
            char u = t[k];
            while (k < len && (t[k] == u || t[k] == ' ' || t[k] == '\r') && t[k] != '\n')
                k++;
            if ((u == '=' || u == '-') && (k == len || t[k] == '\n'))
                rest = k < len ? k + 1 : len;
        }
        while (rest < len && (t[rest] == '\n' || blank_len(t + rest, len - rest))) {
            /* skip blank lines (but keep the indentation of the first body line) */
            const char *nl2 = memchr(t + rest, '\n', len - rest);
            size_t e2 = nl2 ? (size_t)(nl2 - t) : len;
            const char *l2 = t + rest;
            size_t n2 = e2 - rest;
            trim(&l2, &n2);
            if (n2)
                break;
            rest = e2 < len ? e2 + 1 : len;
        }
        size_t end_body = len;
        while (end_body > rest && (t[end_body - 1] == '\n' || t[end_body - 1] == ' ' ||
                                   t[end_body - 1] == '\t' || t[end_body - 1] == '\r'))
            end_body--;
        sp->body = t + rest, sp->body_len = end_body - rest;
        break;
    }
    return oom ? IN_ENOMEM : 0;
}

/* ---- text files ------------------------------------------------------------------------- */

/* Drop CR before LF. */
static int crlf_to_lf(const char *s, size_t len, tx_buf *out)
{
    tx_buf_clear(out);
    if (tx_buf_reserve(out, len) < 0)
        return -1;
    size_t run = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] == '\r' && s[i + 1] == '\n') {
            tx_buf_append(out, s + run, i - run);
            run = i + 1;
        }
    }
    return tx_buf_append(out, s + run, len - run);
}

/* Check for binary data; returns 1 (reported) when the file is not text. */
static int check_binary(const in_sink *s, const char *name, const tx_utf8_stats *st)
{
    if (st->nul) {
        report(s, name, 0, IN_BINARY, "binary file (%zu NUL byte%s)", st->nul,
               st->nul == 1 ? "" : "s");
        return 1;
    }
    if (st->invalid * 10 > st->chars) {
        report(s, name, 0, IN_BINARY, "not UTF-8 text (%zu of %zu characters invalid)",
               st->invalid, st->chars);
        return 1;
    }
    return 0;
}

typedef struct text_doc {
    tx_buf clean, lf;
    split sp;
    ht_page page;
} text_doc;

static int deliver_text(const char *name, const char *id, int format, const char *t,
                        size_t len, text_doc *td, const in_sink *s)
{
    in_doc d = {.file = name, .id = id, .id_len = strlen(id)};
    if (format == IN_FMT_HTML) {
        if (ht_page_parse(t, len, &td->page) < 0)
            return IN_ENOMEM;
        ht_page *pg = &td->page;
        const tx_buf *given = pg->title.len ? &pg->title : pg->h1.len ? &pg->h1 : NULL;
        if (given) {
            d.title = given->data, d.title_len = given->len;
            d.body = tx_buf_str(&pg->text), d.body_len = pg->text.len;
        } else {
            if (split_first_line(pg->text.data, pg->text.len, 0, &td->sp) < 0)
                return IN_ENOMEM;
            d.title = td->sp.title.data, d.title_len = td->sp.title.len;
            d.body = td->sp.body, d.body_len = td->sp.body_len;
        }
        d.date = pg->date.len ? pg->date.data : NULL;
        d.url = pg->url.len ? pg->url.data : NULL;
    } else {
        if (crlf_to_lf(t, len, &td->lf) < 0 ||
            split_first_line(td->lf.data, td->lf.len, format == IN_FMT_MD, &td->sp) < 0)
            return IN_ENOMEM;
        d.title = td->sp.title.data, d.title_len = td->sp.title.len;
        d.body = td->sp.body, d.body_len = td->sp.body_len;
    }
    if (d.title_len == 0 && d.body_len == 0) {
        report(s, name, 0, IN_EMPTY, "no text");
        return 0;
    }
    if (d.title_len == 0)
        d.title = NULL;
    if (d.body_len == 0)
        d.body = NULL;
    return s->on_doc ? s->on_doc(s->ctx, &d) : 0;
}

int in_read_text(const char *name, const char *id, int format, const char *data, size_t len,
                 const in_sink *s)
{
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        data += 3, len -= 3;
    tx_utf8_stats st;
    tx_utf8_scan(data, len, &st);
    if (check_binary(s, name, &st))
        return 0;
    text_doc td;
    memset(&td, 0, sizeof td);
    ht_page_init(&td.page);
    int rc = 0;
    if (st.invalid) {
        size_t repl = 0;
        if (tx_utf8_sanitize(data, len, 0, &td.clean, &repl) < 0) {
            rc = IN_ENOMEM;
            goto out;
        }
        report(s, name, tx_line_of(data, st.first_invalid), IN_WARN_UTF8,
               "%zu invalid UTF-8 sequence%s replaced by U+FFFD", repl, repl == 1 ? "" : "s");
        data = td.clean.data, len = td.clean.len;
    }
    rc = deliver_text(name, id, format, data, len, &td, s);
out:
    tx_buf_free(&td.clean);
    tx_buf_free(&td.lf);
    tx_buf_free(&td.sp.title);
    ht_page_free(&td.page);
    return rc;
}

static int read_file(const char *path, tx_buf *out, int *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = errno;
        return -1;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && sb.st_size > 0 &&
        tx_buf_reserve(out, (size_t)sb.st_size) < 0) {
        fclose(f);
        *err = ENOMEM;
        return -1;
    }
    for (;;) {
        if (tx_buf_reserve(out, 65536) < 0) {
            fclose(f);
            *err = ENOMEM;
            return -1;
        }
        size_t n = fread(out->data + out->len, 1, out->cap - out->len - 1, f);
        out->len += n;
        out->data[out->len] = '\0';
        if (n == 0)
            break;
    }
    *err = ferror(f) ? EIO : 0;
    fclose(f);
    return *err ? -1 : 0;
}

int in_read_text_file(const char *path, const char *id, int format, const in_sink *s)
{
    tx_buf data;
    tx_buf_init(&data);
    int err = 0, rc = 0;
    if (read_file(path, &data, &err) < 0) {
        if (err == ENOMEM)
            rc = IN_ENOMEM;
        else
            report(s, path, 0, IN_UNREADABLE, "cannot read: %s", strerror(err));
    } else {
        consumed(s, data.len);
        rc = in_read_text(path, id, format, tx_buf_str(&data), data.len, s);
    }
    tx_buf_free(&data);
    return rc;
}

/* ---- JSON Lines ------------------------------------------------------------------------ */

typedef struct jl_state {
    const char *file;
    unsigned long line;
    const in_sink *s;
    json_tokener *tok;
    tx_buf id, title, body, scratch;
    in_field *extra;
    size_t n_extra, cap_extra;
} jl_state;

static const char *json_type_label(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null: return "null";
    case json_type_boolean: return "a boolean";
    case json_type_double: return "a number";
    case json_type_int: return "an integer";
    case json_type_object: return "an object";
    case json_type_array: return "an array";
    case json_type_string: return "a string";
    }
    return "?";
}

/* A string field's value: 1 with *out and *len set, 0 when null, -1 (reported) when unusable. */
static int string_field(jl_state *j, const char *key, json_object *v, int allow_nul,
                        const char **out, size_t *len)
{
    if (!v || json_object_get_type(v) == json_type_null)
        return 0;
    if (json_object_get_type(v) != json_type_string) {
        report(j->s, j->file, j->line, IN_BAD_FIELD, "field \"%s\" is %s, not a string", key,
               json_type_label(v));
        return -1;
    }
    *out = json_object_get_string(v);
    *len = (size_t)json_object_get_string_len(v);
    if (!tx_utf8_valid(*out, *len)) {
        report(j->s, j->file, j->line, IN_BAD_UTF8, "invalid UTF-8 in field \"%s\"", key);
        return -1;
    }
    if (!allow_nul && memchr(*out, '\0', *len)) {
        report(j->s, j->file, j->line, IN_BAD_FIELD, "field \"%s\" contains a NUL character",
               key);
        return -1;
    }
    return 1;
}

static int take_id(jl_state *j, json_object *v, in_doc *d)
{
    if (!v || json_object_get_type(v) == json_type_null) {
        report(j->s, j->file, j->line, IN_NO_ID, "no \"id\" field");
        return -1;
    }
    const char *s;
    size_t len;
    tx_buf_clear(&j->id);
    if (json_object_get_type(v) == json_type_int) {
        s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
        len = strlen(s);
    } else if (json_object_get_type(v) != json_type_string) {
        report(j->s, j->file, j->line, IN_NO_ID, "\"id\" is %s, not a string or an integer",
               json_type_label(v));
        return -1;
    } else if (string_field(j, "id", v, 0, &s, &len) < 0) {
        return -1;
    }
    if (len == 0 || len > MAX_ID_BYTES) {
        report(j->s, j->file, j->line, IN_NO_ID, "\"id\" is %s",
               len ? "longer than 1024 bytes" : "empty");
        return -1;
    }
    if (tx_buf_append(&j->id, s, len) < 0)
        return IN_ENOMEM;
    d->id = j->id.data, d->id_len = len;
    return 0;
}

/* title or body: NULs become spaces, HTML becomes text. */
static int take_text(jl_state *j, const char *key, json_object *v, int one_line, tx_buf *out,
                     const char **p, size_t *plen)
{
    const char *s;
    size_t len;
    int r = string_field(j, key, v, 1, &s, &len);
    *p = NULL, *plen = 0;
    if (r <= 0)
        return r;
    tx_buf_clear(&j->scratch);
    tx_buf_clear(out);
    if (memchr(s, '\0', len)) { /* valid UTF-8 (checked above): only NULs need replacing */
        if (tx_utf8_sanitize(s, len, 1, &j->scratch, NULL) < 0)
            return IN_ENOMEM;
        s = tx_buf_str(&j->scratch);
    }
    if (ht_to_text(s, len, ht_sniff(s, len), one_line, out) < 0)
        return IN_ENOMEM;
    if (out->len)
        *p = out->data, *plen = out->len;
    return 0;
}

static int add_extra(jl_state *j, const char *key, json_object *v)
{
    if (!v || json_object_get_type(v) == json_type_null)
        return 0;
    const char *s;
    size_t len;
    if (json_object_get_type(v) == json_type_string) {
        if (string_field(j, key, v, 1, &s, &len) < 0)
            return -1;
    } else {
        s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
                                                  JSON_C_TO_STRING_NOSLASHESCAPE);
        len = strlen(s);
    }
    if (j->n_extra == j->cap_extra) {
        size_t cap = j->cap_extra ? 2 * j->cap_extra : 8;
        in_field *e = realloc(j->extra, cap * sizeof *e);
        if (!e)
            return IN_ENOMEM;
        j->extra = e, j->cap_extra = cap;
    }
    j->extra[j->n_extra++] = (in_field){key, s, len};
    return 0;
}

/* Fill d from a parsed object; -1 when the record is skipped (reported), IN_ENOMEM. */
static int object_to_doc(jl_state *j, json_object *obj, in_doc *d)
{
    json_object *id = NULL, *title = NULL, *body = NULL, *date = NULL, *url = NULL;
    j->n_extra = 0;
    int rc = 0;
    json_object_object_foreach(obj, key, val)
    {
        if (strcmp(key, "id") == 0)
            id = val;
        else if (strcmp(key, "title") == 0)
            title = val;
        else if (strcmp(key, "body") == 0)
            body = val;
        else if (strcmp(key, "date") == 0)
            date = val;
        else if (strcmp(key, "url") == 0)
            url = val;
        else if ((rc = add_extra(j, key, val)) != 0)
            return rc;
    }
    if ((rc = take_id(j, id, d)) != 0)
        return rc;
    size_t len;
    if (string_field(j, "date", date, 0, &d->date, &len) < 0 ||
        string_field(j, "url", url, 0, &d->url, &len) < 0)
        return -1;
    if (d->date && !*d->date)
        d->date = NULL;
    if (d->url && !*d->url)
        d->url = NULL;
    if ((rc = take_text(j, "title", title, 1, &j->title, &d->title, &d->title_len)) != 0 ||
        (rc = take_text(j, "body", body, 0, &j->body, &d->body, &d->body_len)) != 0)
        return rc;
    d->extra = j->extra, d->n_extra = j->n_extra;
    return 0;
}

static int only_space(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

static int jl_record(jl_state *j, const char *line, size_t len)
{
    if (len > INT_MAX) {
        report(j->s, j->file, j->line, IN_BAD_JSON, "line of %zu bytes is too long to parse",
               len);
        return 0;
    }
    json_tokener_reset(j->tok);
    json_object *obj = json_tokener_parse_ex(j->tok, line, (int)len);
    enum json_tokener_error err = json_tokener_get_error(j->tok);
    size_t end = json_tokener_get_parse_end(j->tok);
    if (!obj) {
        if (err == json_tokener_error_parse_utf8_string)
            report(j->s, j->file, j->line, IN_BAD_UTF8, "invalid UTF-8 in a JSON string");
        else if (err == json_tokener_continue || err == json_tokener_success)
            report(j->s, j->file, j->line, IN_BAD_JSON, "incomplete JSON (line ends early)");
        else
            report(j->s, j->file, j->line, IN_BAD_JSON, "%s at column %zu",
                   json_tokener_error_desc(err), end + 1);
        return 0;
    }
    int rc = 0;
    if (end < len && !only_space(line + end, len - end)) {
        report(j->s, j->file, j->line, IN_BAD_JSON, "unexpected text after the object at column %zu",
               end + 1);
    } else if (json_object_get_type(obj) != json_type_object) {
        report(j->s, j->file, j->line, IN_BAD_JSON, "%s, not a JSON object",
               json_type_label(obj));
    } else {
        in_doc d = {.file = j->file, .line = j->line};
        rc = object_to_doc(j, obj, &d);
        if (rc == 0 && j->s->on_doc)
            rc = j->s->on_doc(j->s->ctx, &d);
        else if (rc == -1)
            rc = 0;
    }
    json_object_put(obj);
    return rc;
}

/* Look at the start of the file for NUL bytes or mostly invalid UTF-8. */
static int jl_sniff(FILE *f, const char *path, const in_sink *s)
{
    char *buf = malloc(SNIFF_BYTES);
    if (!buf)
        return IN_ENOMEM;
    /* a sequence cut by the end of the sample counts as one invalid character at most */
    size_t n = fread(buf, 1, SNIFF_BYTES, f);
    tx_utf8_stats st;
    tx_utf8_scan(buf, n, &st);
    free(buf);
    if (check_binary(s, path, &st))
        return 1;
    rewind(f);
    return 0;
}

static void jl_free(jl_state *j)
{
    if (j->tok)
        json_tokener_free(j->tok);
    tx_buf_free(&j->id);
    tx_buf_free(&j->title);
    tx_buf_free(&j->body);
    tx_buf_free(&j->scratch);
    free(j->extra);
}

int in_read_jsonl(const char *path, const in_sink *s)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        report(s, path, 0, IN_UNREADABLE, "cannot open: %s", strerror(errno));
        return 0;
    }
    int rc = jl_sniff(f, path, s);
    if (rc != 0) {
        if (rc == 1) {
            struct stat sb;
            consumed(s, fstat(fileno(f), &sb) == 0 ? (uint64_t)sb.st_size : 0);
        }
        fclose(f);
        return rc == 1 ? 0 : rc;
    }
    jl_state j;
    memset(&j, 0, sizeof j);
    j.file = path, j.s = s;
    j.tok = json_tokener_new();
    if (!j.tok) {
        fclose(f);
        return IN_ENOMEM;
    }
    json_tokener_set_flags(j.tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while (rc == 0 && (got = getline(&line, &cap, f)) >= 0) {
        size_t len = (size_t)got;
        j.line++;
        consumed(s, len);
        const char *p = line;
        if (j.line == 1 && len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
            p += 3, len -= 3;
        while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
            len--;
        if (!only_space(p, len))
            rc = jl_record(&j, p, len);
    }
    if (rc == 0 && ferror(f))
        report(s, path, j.line + 1, IN_UNREADABLE, "read error: %s", strerror(errno));
    free(line);
    fclose(f);
    jl_free(&j);
    return rc;
}

/* ---- the plan of inputs ------------------------------------------------------------------ */

void in_plan_init(in_plan *p)
{
    memset(p, 0, sizeof *p);
}

void in_plan_free(in_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->items[i].path);
        free(p->items[i].id);
    }
    free(p->items);
    in_plan_init(p);
}

static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int slash = la > 0 && a[la - 1] != '/';
    char *s = malloc(la + (size_t)slash + lb + 1);
    if (!s)
        return NULL;
    memcpy(s, a, la);
    if (slash)
        s[la] = '/';
    memcpy(s + la + (size_t)slash, b, lb + 1);
    return s;
}

static int plan_push(in_plan *p, const char *path, const char *id, int format, uint64_t size)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        in_item *it = realloc(p->items, cap * sizeof *it);
        if (!it)
            return IN_ENOMEM;
        p->items = it, p->cap = cap;
    }
    in_item *it = &p->items[p->n];
    it->path = strdup(path);
    it->id = id ? strdup(id) : NULL;
    if (!it->path || (id && !it->id)) {
        free(it->path);
        free(it->id);
        return IN_ENOMEM;
    }
    it->format = format, it->size = size;
    p->n++;
    p->total_bytes += size;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of a folder except hidden ones, sorted; NULL on failure (errno set). */
static char **list_dir(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int failed = 0;
    while (!failed && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            char **nn = realloc(names, cap * sizeof *nn);
            failed = !nn;
            if (nn)
                names = nn;
        }
        if (!failed && (names[n] = strdup(e->d_name)) != NULL)
            n++;
        else
            failed = 1;
    }
    closedir(d);
    if (failed) {
        while (n)
            free(names[--n]);
        free(names);
        errno = ENOMEM;
        return NULL;
    }
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    *count = n;
    return names ? names : calloc(1, sizeof *names);
}

static int plan_dir(in_plan *p, const char *dir, const char *rel, const in_sink *s);

static int plan_entry(in_plan *p, const char *path, const char *rel, const in_sink *s)
{
    struct stat sb;
    if (lstat(path, &sb) < 0) {
        report(s, path, 0, IN_UNREADABLE, "cannot open: %s", strerror(errno));
        return 0;
    }
    int link = S_ISLNK(sb.st_mode);
    if (link && stat(path, &sb) < 0) {
        report(s, path, 0, IN_UNREADABLE, "broken symbolic link");
        return 0;
    }
    if (S_ISDIR(sb.st_mode)) {
        if (link) {
            p->ignored++;
            return 0;
        }
        return plan_dir(p, path, rel, s);
    }
    int fmt = in_format_of(path);
    if (!S_ISREG(sb.st_mode) || fmt == IN_FMT_NONE || fmt == IN_FMT_JSONL) {
        p->ignored++;
        return 0;
    }
    return plan_push(p, path, rel, fmt, (uint64_t)sb.st_size);
}

static int plan_dir(in_plan *p, const char *dir, const char *rel, const in_sink *s)
{
    size_t n = 0;
    char **names = list_dir(dir, &n);
    if (!names) {
        if (errno == ENOMEM)
            return IN_ENOMEM;
        report(s, dir, 0, IN_UNREADABLE, "cannot read folder: %s", strerror(errno));
        return 0;
    }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char *path = rc ? NULL : join(dir, names[i]);
        char *sub = rc ? NULL : (*rel ? join(rel, names[i]) : strdup(names[i]));
        if (!rc && (!path || !sub))
            rc = IN_ENOMEM;
        if (!rc)
            rc = plan_entry(p, path, sub, s);
        free(path);
        free(sub);
        free(names[i]);
    }
    free(names);
    return rc;
}

int in_plan_add(in_plan *p, const char *input, const in_sink *s)
{
    struct stat sb;
    if (stat(input, &sb) < 0) {
        report(s, input, 0, IN_UNREADABLE, "cannot open: %s", strerror(errno));
        return 0;
    }
    if (S_ISDIR(sb.st_mode))
        return plan_dir(p, input, "", s);
    int fmt = in_format_of(input);
    if (!S_ISREG(sb.st_mode) || fmt == IN_FMT_NONE) {
        report(s, input, 0, IN_UNSUPPORTED,
               "not a folder or a .txt, .md, .html, .htm, .jsonl or .json file");
        return 0;
    }
    const char *slash = strrchr(input, '/');
    return plan_push(p, input, fmt == IN_FMT_JSONL ? NULL : slash ? slash + 1 : input, fmt,
                     (uint64_t)sb.st_size);
}

int in_plan_run(const in_plan *p, const in_sink *s)
{
    for (size_t i = 0; i < p->n; i++) {
        const in_item *it = &p->items[i];
        int rc = it->format == IN_FMT_JSONL ? in_read_jsonl(it->path, s)
                                            : in_read_text_file(it->path, it->id, it->format, s);
        if (rc)
            return rc;
    }
    return 0;
}
