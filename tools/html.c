/* html.c: HTML to plain text with gumbo or, for simple fragments, a direct scan. */
#include "html.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gumbo.h>

/* ---- sniffing ---------------------------------------------------------------------------- */

/* Common HTML element names, sorted: a '<' followed by one of these makes text HTML. Pseudo
 * tags seen in plain news text ("<NAVY SEALS>", "<IT関連商品の動向>") are not in the list. */
static const char *const known_tags[] = {
    "a",      "abbr",   "article", "aside", "b",     "big",    "blockquote", "body",
    "br",     "center", "cite",    "code",  "dd",    "div",    "dl",         "dt",
    "em",     "figcaption", "figure", "font", "footer", "h1",  "h2",         "h3",
    "h4",     "h5",     "h6",      "head",  "header", "hr",    "html",       "i",
    "img",    "li",     "main",    "nav",   "ol",    "p",      "pre",        "script",
    "section", "small", "span",    "strike", "strong", "style", "sub",       "sup",
    "table",  "tbody",  "td",      "th",    "thead", "title",  "tr",         "tt",
    "u",      "ul",
};

static int cmp_tag(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

/* Is s[0..len) (just after a '<') the start of a known tag, a comment or a doctype? */
static int looks_like_tag(const char *s, size_t len)
{
    if (len >= 3 && memcmp(s, "!--", 3) == 0)
        return 1;
    if (len >= 8 && strncasecmp(s, "!doctype", 8) == 0)
        return 1;
    size_t i = 0;
    if (i < len && s[i] == '/')
        i++;
    char name[12];
    size_t n = 0;
    while (i < len && n < sizeof name - 1 && isalnum((unsigned char)s[i]))
        name[n++] = (char)tolower((unsigned char)s[i++]);
    name[n] = '\0';
    if (n == 0 || i >= len)
        return 0;
    char c = s[i];
    if (c != '>' && c != '/' && c != ' ' && c != '\t' && c != '\n' && c != '\r')
        return 0;
    return bsearch(name, known_tags, sizeof known_tags / sizeof known_tags[0],
                   sizeof known_tags[0], cmp_tag) != NULL;
}

/* Length of a character reference starting at s[0] == '&', or 0 when it is not one. */
static size_t reference_len(const char *s, size_t len)
{
    size_t i = 1, digits = 0;
    if (i < len && s[i] == '#') {
        i++;
        int hex = i < len && (s[i] == 'x' || s[i] == 'X');
        i += (size_t)hex;
        while (i < len && (hex ? isxdigit((unsigned char)s[i]) : isdigit((unsigned char)s[i])))
            i++, digits++;
        if (digits == 0 || digits > 7)
            return 0;
    } else {
        if (i >= len || !isalpha((unsigned char)s[i]))
            return 0;
        while (i < len && isalnum((unsigned char)s[i]) && digits < 32)
            i++, digits++;
    }
    return i < len && s[i] == ';' ? i + 1 : 0;
}

int ht_sniff(const char *s, size_t len)
{
    int has_lt = 0, has_ref = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '<') {
            if (looks_like_tag(s + i + 1, len - i - 1))
                return HT_HTML;
            has_lt = 1;
        } else if (s[i] == '&' && !has_ref) {
            has_ref = reference_len(s + i, len - i) > 0;
        }
    }
    return has_ref && !has_lt ? HT_ENTITIES : HT_PLAIN;
}

/* ---- text sinks --------------------------------------------------------------------------
 * A sink appends text to a buffer, collapsing white space: a run of spaces becomes one space,
 * line breaks asked for by block elements are emitted only before the next visible text, so
 * nothing leads or trails. */
typedef struct sink {
    tx_buf *b;
    size_t start;    /* b->len when the sink began: its output is b[start..] */
    int one_line;    /* breaks become spaces */
    int emitted;     /* something visible was written */
    int pend_space;  /* a space is due before the next text */
    int pend_nl;     /* line breaks (0..2) due before the next text */
    int oom;
} sink;

static void sink_init(sink *k, tx_buf *b, int one_line)
{
    memset(k, 0, sizeof *k);
    k->b = b;
    k->start = b->len;
    k->one_line = one_line;
}

static void sink_put(sink *k, const char *p, size_t n)
{
    if (!k->oom && tx_buf_append(k->b, p, n) < 0)
        k->oom = 1;
}

static void sink_flush(sink *k)
{
    if (k->emitted) {
        if (k->pend_nl && !k->one_line)
            sink_put(k, "\n\n", (size_t)k->pend_nl);
        else if (k->pend_nl || k->pend_space)
            sink_put(k, " ", 1);
    }
    k->pend_nl = k->pend_space = 0;
}

static void sink_break(sink *k, int n)
{
    if (n > 1)
        k->pend_nl = k->pend_nl + 1 > 2 ? 2 : k->pend_nl + 1;
    else if (k->pend_nl < 1)
        k->pend_nl = 1;
}

/* Length of the white space at s[0] (ASCII space, tab, CR, LF, FF or U+00A0), or 0. */
static size_t space_len(const char *s, size_t len)
{
    char c = s[0];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f')
        return 1;
    return len >= 2 && (unsigned char)c == 0xc2 && (unsigned char)s[1] == 0xa0 ? 2 : 0;
}

/* Text with white space collapsed. */
static void sink_text(sink *k, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t w = space_len(s + i, len - i);
        if (w) {
            k->pend_space = 1;
            i += w;
            continue;
        }
        size_t j = i + 1;
        while (j < len && !space_len(s + j, len - j))
            j++;
        sink_flush(k);
        sink_put(k, s + i, j - i);
        k->emitted = 1;
        i = j;
    }
}

/* Text kept as it is (inside <pre>, or decoded references only): U+00A0 becomes a space,
 * leading white space of the whole output is dropped. */
static void sink_verbatim(sink *k, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t w = space_len(s + i, len - i);
        if (w && !k->emitted) {
            i += w;
            continue;
        }
        sink_flush(k);
        k->emitted = 1;
        if (w) {
            char c = w == 2 || (k->one_line && (s[i] == '\n' || s[i] == '\r')) ? ' ' : s[i];
            sink_put(k, &c, 1);
            i += w;
        } else {
            size_t j = i + 1;
            while (j < len && !space_len(s + j, len - j))
                j++;
            sink_put(k, s + i, j - i);
            i = j;
        }
    }
}

/* Drop trailing white space written by the sink. */
static void sink_end(sink *k)
{
    tx_buf *b = k->b;
    while (b->len > k->start && space_len(b->data + b->len - 1, 1))
        b->len--;
    if (b->data)
        b->data[b->len] = '\0';
}

/* ---- tree walk ---------------------------------------------------------------------------- */

typedef struct walk {
    sink body, title, h1;
    int verbatim;    /* HT_ENTITIES: keep all white space */
    int hidden;      /* depth inside <head> */
    int pre;         /* depth inside <pre>-like elements */
    int in_title;    /* depth inside the first <title> */
    int h1_state;    /* 0 before the first <h1>, 1 inside it, 2 after it */
    int h1_depth;
    int url_canonical;
    ht_page *pg;     /* NULL for fragments */
} walk;

static int is_skipped(GumboTag t)
{
    return t == GUMBO_TAG_SCRIPT || t == GUMBO_TAG_STYLE || t == GUMBO_TAG_NOSCRIPT ||
           t == GUMBO_TAG_TEMPLATE || t == GUMBO_TAG_IFRAME || t == GUMBO_TAG_OBJECT ||
           t == GUMBO_TAG_SELECT || t == GUMBO_TAG_TEXTAREA || t == GUMBO_TAG_SVG ||
           t == GUMBO_TAG_MATH;
}

static int is_block(GumboTag t)
{
    switch (t) {
    case GUMBO_TAG_ADDRESS: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_CAPTION: case GUMBO_TAG_CENTER:
    case GUMBO_TAG_DD: case GUMBO_TAG_DETAILS: case GUMBO_TAG_DIV:
    case GUMBO_TAG_DL: case GUMBO_TAG_DT: case GUMBO_TAG_FIELDSET: case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_FIGURE: case GUMBO_TAG_FOOTER: case GUMBO_TAG_FORM: case GUMBO_TAG_H1:
    case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5:
    case GUMBO_TAG_H6: case GUMBO_TAG_HEADER: case GUMBO_TAG_HGROUP: case GUMBO_TAG_HR:
    case GUMBO_TAG_LEGEND: case GUMBO_TAG_LI: case GUMBO_TAG_MAIN: case GUMBO_TAG_MENU:
    case GUMBO_TAG_NAV: case GUMBO_TAG_OL: case GUMBO_TAG_P: case GUMBO_TAG_PRE:
    case GUMBO_TAG_SECTION: case GUMBO_TAG_SUMMARY: case GUMBO_TAG_TABLE:
    case GUMBO_TAG_TBODY: case GUMBO_TAG_THEAD: case GUMBO_TAG_TFOOT: case GUMBO_TAG_TR:
    case GUMBO_TAG_UL: case GUMBO_TAG_BODY: case GUMBO_TAG_LISTING: case GUMBO_TAG_PLAINTEXT:
        return 1;
    default:
        return 0;
    }
}

static const char *attr(const GumboElement *e, const char *name)
{
    const GumboAttribute *a = gumbo_get_attribute(&e->attributes, name);
    return a ? a->value : NULL;
}

static void set_field(sink *oom_to, tx_buf *b, const char *value)
{
    tx_buf_clear(b);
    sink tmp;
    sink_init(&tmp, b, 1);
    sink_text(&tmp, value, strlen(value));
    sink_end(&tmp);
    oom_to->oom |= tmp.oom;
}

static void on_meta(walk *w, const GumboElement *e)
{
    static const char *const date_names[] = {"date", "dc.date", "dcterms.date",
                                             "dc.date.issued"};
    const char *name = attr(e, "name"), *prop = attr(e, "property");
    const char *content = attr(e, "content");
    if (!content || !*content)
        return;
    int is_date = prop && strcasecmp(prop, "article:published_time") == 0;
    for (size_t i = 0; name && i < sizeof date_names / sizeof date_names[0]; i++)
        is_date |= strcasecmp(name, date_names[i]) == 0;
    if (is_date && w->pg->date.len == 0)
        set_field(&w->body, &w->pg->date, content);
    if (prop && strcasecmp(prop, "og:url") == 0 && w->pg->url.len == 0)
        set_field(&w->body, &w->pg->url, content);
}

static void on_link(walk *w, const GumboElement *e)
{
    const char *rel = attr(e, "rel"), *href = attr(e, "href");
    if (rel && href && *href && strcasecmp(rel, "canonical") == 0 && !w->url_canonical) {
        set_field(&w->body, &w->pg->url, href);
        w->url_canonical = 1;
    }
}

/* Start of an element; returns 1 when its children are to be visited. */
static int enter(walk *w, const GumboNode *n)
{
    GumboTag t = n->v.element.tag;
    if (n->type == GUMBO_NODE_TEMPLATE || is_skipped(t))
        return 0;
    if (w->pg && t == GUMBO_TAG_META)
        on_meta(w, &n->v.element);
    else if (w->pg && t == GUMBO_TAG_LINK)
        on_link(w, &n->v.element);
    else if (t == GUMBO_TAG_HEAD)
        w->hidden++;
    else if (t == GUMBO_TAG_TITLE && w->pg && w->pg->title.len == 0)
        w->in_title++;
    else if (t == GUMBO_TAG_BR)
        sink_break(&w->body, 2);
    else if (t == GUMBO_TAG_TD || t == GUMBO_TAG_TH)
        w->body.pend_space = 1;
    if (t == GUMBO_TAG_PRE || t == GUMBO_TAG_LISTING || t == GUMBO_TAG_PLAINTEXT)
        w->pre++;
    if (t == GUMBO_TAG_H1 && w->h1_state == 0)
        w->h1_state = 1;
    if (w->h1_state == 1)
        w->h1_depth++;
    if (is_block(t))
        sink_break(&w->body, 1);
    return 1;
}

/* End of an element whose enter() was called. */
static void leave(walk *w, const GumboNode *n)
{
    GumboTag t = n->v.element.tag;
    if (n->type == GUMBO_NODE_TEMPLATE || is_skipped(t))
        return;
    if (t == GUMBO_TAG_HEAD)
        w->hidden--;
    else if (t == GUMBO_TAG_TITLE && w->in_title)
        w->in_title--;
    if (t == GUMBO_TAG_PRE || t == GUMBO_TAG_LISTING || t == GUMBO_TAG_PLAINTEXT)
        w->pre--;
    if (w->h1_state == 1 && --w->h1_depth == 0)
        w->h1_state = 2;
    if (is_block(t))
        sink_break(&w->body, 1);
}

static void on_text(walk *w, const GumboNode *n)
{
    if (n->type == GUMBO_NODE_COMMENT)
        return;
    const char *s = n->v.text.text;
    size_t len = strlen(s);
    if (w->in_title) {
        sink_text(&w->title, s, len);
        return;
    }
    if (w->hidden)
        return;
    if (w->verbatim || w->pre)
        sink_verbatim(&w->body, s, len);
    else
        sink_text(&w->body, s, len);
    if (w->h1_state == 1)
        sink_text(&w->h1, s, len);
}

static const GumboVector *children(const GumboNode *n)
{
    if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
        return &n->v.element.children;
    return n->type == GUMBO_NODE_DOCUMENT ? &n->v.document.children : NULL;
}

/* Depth-first walk with an explicit stack (documents may nest deeper than the C stack). */
typedef struct frame {
    const GumboNode *node;
    size_t next;
} frame;

static int walk_tree(walk *w, const GumboNode *root)
{
    size_t depth = 0, cap = 64;
    frame *st = malloc(cap * sizeof *st);
    if (!st)
        return -1;
    st[depth++] = (frame){root, 0};
    while (depth > 0) {
        frame *f = &st[depth - 1];
        const GumboVector *kids = children(f->node);
        if (f->next >= kids->length) {
            if (f->node->type != GUMBO_NODE_DOCUMENT)
                leave(w, f->node);
            depth--;
            continue;
        }
        const GumboNode *c = kids->data[f->next++];
        if (c->type != GUMBO_NODE_ELEMENT && c->type != GUMBO_NODE_TEMPLATE) {
            on_text(w, c);
            continue;
        }
        if (!enter(w, c) || c->v.element.children.length == 0) {
            leave(w, c);
            continue;
        }
        if (depth == cap) {
            frame *g = realloc(st, 2 * cap * sizeof *st);
            if (!g) {
                free(st);
                return -1;
            }
            st = g, cap *= 2;
        }
        st[depth++] = (frame){c, 0};
    }
    free(st);
    return 0;
}

static GumboOutput *parse(const char *s, size_t len)
{
    GumboOptions opts = kGumboDefaultOptions;
    opts.max_errors = 0; /* parse errors are not reported; skip recording them */
    return gumbo_parse_with_options(&opts, s, len);
}

static int run(const char *s, size_t len, int verbatim, ht_page *pg, tx_buf *out, int one_line)
{
    GumboOutput *g = parse(s, len);
    if (!g)
        return -1;
    walk w;
    memset(&w, 0, sizeof w);
    w.verbatim = verbatim;
    w.pg = pg;
    sink_init(&w.body, out, one_line);
    if (pg) {
        sink_init(&w.title, &pg->title, 1);
        sink_init(&w.h1, &pg->h1, 1);
    }
    int rc = walk_tree(&w, g->document);
    sink_end(&w.body);
    if (pg) {
        sink_end(&w.title);
        sink_end(&w.h1);
    }
    gumbo_destroy_output(&kGumboDefaultOptions, g);
    return rc < 0 || w.body.oom || w.title.oom || w.h1.oom ? -1 : 0;
}

/* ---- fast path for simple fragments -------------------------------------------------------
 * Most bodies are fragments such as "<p><strong>lead</strong>text<br>text</p><p>...</p>". For
 * them gumbo's tree is exactly the stream of tags, so the text can go to the sink while the
 * fragment is scanned, with the same calls the tree walk would make. A fragment is taken only
 * when no rule of HTML5 parsing can make the tree differ from the stream:
 * - characters: valid UTF-8 without the code points gumbo replaces by U+FFFD or drops (NUL,
 *   controls other than TAB LF FF CR, U+0080..U+009F, noncharacters) and without a leading
 *   byte order mark. CR and CR LF become LF in gumbo: all of them are one white space to
 *   sink_text;
 * - '&' only in &nbsp; &amp; &lt; &gt; &quot; (with ';', the name is the longest match in the
 *   table of named references);
 * - '<' only in the tags of fast_tags: lowercase, no attributes;
 * - <p> and <div> only where no <p> and no inline element is open (an open p would be closed
 *   by them; blocks inside inline elements are left to gumbo), an inline element never inside
 *   one of its own name (formatting elements have a limit of three), an end tag only for the
 *   current element (no implied end tags, no adoption agency), at most FAST_DEPTH open.
 * Everything then lands in <body>, in order: the modes before <body> only drop white space,
 * which the sink drops as leading space anyway. The line breaks of <body> itself and of the
 * elements still open at the end of the input fall before the first or after the last text,
 * where the sink never writes them, so they are not made. There is no <pre>: all text goes
 * through sink_text, as in the tree walk of a fragment. */

enum { FT_BR = 1, FT_P, FT_DIV, FT_B, FT_STRONG, FT_EM, FT_I, FT_U, FT_SPAN };
#define FAST_DEPTH 32

typedef struct fast_tag {
    const char *text;
    unsigned char len, id, end;
} fast_tag;

#define FT(text, id, end) {text, sizeof text - 1, id, end}
static const fast_tag fast_tags[] = {
    FT("<br>", FT_BR, 0),          FT("<br/>", FT_BR, 0),        FT("<br />", FT_BR, 0),
    FT("<p>", FT_P, 0),            FT("</p>", FT_P, 1),
    FT("<div>", FT_DIV, 0),        FT("</div>", FT_DIV, 1),
    FT("<strong>", FT_STRONG, 0),  FT("</strong>", FT_STRONG, 1),
    FT("<b>", FT_B, 0),            FT("</b>", FT_B, 1),
    FT("<em>", FT_EM, 0),          FT("</em>", FT_EM, 1),
    FT("<i>", FT_I, 0),            FT("</i>", FT_I, 1),
    FT("<u>", FT_U, 0),            FT("</u>", FT_U, 1),
    FT("<span>", FT_SPAN, 0),      FT("</span>", FT_SPAN, 1),
};
#undef FT

static const struct {
    const char *name, *text;
    unsigned char len;
} fast_refs[] = {
    {"&nbsp;", "\xc2\xa0", 6}, {"&amp;", "&", 5}, {"&lt;", "<", 4},
    {"&gt;", ">", 4},          {"&quot;", "\"", 6},
};

typedef struct fast {
    sink *k;                         /* NULL: only check */
    unsigned char open[FAST_DEPTH];  /* open elements, innermost last */
    size_t depth;
    unsigned open_mask;              /* bits 1 << id of the open p and inline elements */
} fast;

static int fast_is_block(int id)
{
    return id == FT_P || id == FT_DIV;
}

static void fast_text(fast *f, const char *s, size_t len)
{
    if (f->k && len)
        sink_text(f->k, s, len);
}

static int fast_open(fast *f, int id)
{
    if (f->depth == FAST_DEPTH ||
        (fast_is_block(id) ? f->open_mask != 0 : (f->open_mask >> id) & 1))
        return 0;
    f->open[f->depth++] = (unsigned char)id;
    if (id != FT_DIV)
        f->open_mask |= 1u << id;
    if (f->k && fast_is_block(id))
        sink_break(f->k, 1);
    return 1;
}

static int fast_close(fast *f, int id)
{
    if (f->depth == 0 || f->open[f->depth - 1] != id)
        return 0;
    f->depth--;
    if (id != FT_DIV)
        f->open_mask &= ~(1u << id);
    if (f->k && fast_is_block(id))
        sink_break(f->k, 1);
    return 1;
}

/* The tag at s[*i] == '<'; moves *i past it. Returns 0 when it is not a simple one. */
static int fast_markup(fast *f, const char *s, size_t len, size_t *i)
{
    for (size_t t = 0; t < sizeof fast_tags / sizeof fast_tags[0]; t++) {
        const fast_tag *g = &fast_tags[t];
        if (g->len > len - *i || memcmp(s + *i, g->text, g->len) != 0)
            continue;
        *i += g->len;
        if (g->id == FT_BR) {
            if (f->k)
                sink_break(f->k, 2);
            return 1;
        }
        return g->end ? fast_close(f, g->id) : fast_open(f, g->id);
    }
    return 0;
}

/* The reference at s[*i] == '&'; moves *i past it. Returns 0 when it is not a simple one. */
static int fast_ref(fast *f, const char *s, size_t len, size_t *i)
{
    for (size_t r = 0; r < sizeof fast_refs / sizeof fast_refs[0]; r++) {
        size_t n = fast_refs[r].len;
        if (n <= len - *i && memcmp(s + *i, fast_refs[r].name, n) == 0) {
            fast_text(f, fast_refs[r].text, strlen(fast_refs[r].text));
            *i += n;
            return 1;
        }
    }
    return 0;
}

/* The character at s[*i], neither '<' nor '&': moves *i past it. Returns 0 when gumbo would
 * not keep it as it is. */
static int fast_char(const char *s, size_t len, size_t *i)
{
    unsigned char c = (unsigned char)s[*i];
    if (c < 0x80) {
        (*i)++;
        return (c >= 0x20 && c != 0x7f) || c == '\t' || c == '\n' || c == '\f' || c == '\r';
    }
    size_t at = *i;
    int32_t cp = tx_utf8_next(s, len, i);
    if (cp == TX_UTF8_INVALID || cp <= 0x9f || (cp >= 0xfdd0 && cp <= 0xfdef))
        return 0;
    return (cp & 0xfffe) != 0xfffe && !(cp == 0xfeff && at == 0);
}

/* Scan s[0..len) as a simple fragment, writing its text to k when k is not NULL. Returns 1
 * when it is simple, 0 when it is not (k then holds part of the text). */
static int fast_scan(const char *s, size_t len, sink *k)
{
    fast f;
    f.k = k, f.depth = 0, f.open_mask = 0;
    size_t i = 0, text = 0;
    while (i < len) {
        char c = s[i];
        if (c != '<' && c != '&') {
            if (!fast_char(s, len, &i))
                return 0;
            continue;
        }
        fast_text(&f, s + text, i - text);
        if (!(c == '<' ? fast_markup(&f, s, len, &i) : fast_ref(&f, s, len, &i)))
            return 0;
        text = i;
    }
    fast_text(&f, s + text, i - text);
    return 1;
}

/* ht_to_text of an HT_HTML fragment without gumbo: 1 done, 0 not simple (out unchanged), -1
 * out of memory. */
static int fast_to_text(const char *s, size_t len, int one_line, tx_buf *out)
{
    sink k;
    sink_init(&k, out, one_line);
    if (!fast_scan(s, len, &k)) {
        out->len = k.start;
        if (out->data)
            out->data[out->len] = '\0';
        return 0;
    }
    sink_end(&k);
    return k.oom ? -1 : 1;
}

int ht_html_is_simple(const char *s, size_t len)
{
    return fast_scan(s, len, NULL);
}

int ht_html_to_text_gumbo(const char *s, size_t len, int one_line, tx_buf *out)
{
    return run(s, len, 0, NULL, out, one_line);
}

int ht_to_text(const char *s, size_t len, int kind, int one_line, tx_buf *out)
{
    if (kind == HT_PLAIN) {
        sink k;
        sink_init(&k, out, one_line);
        if (one_line)
            sink_text(&k, s, len);
        else
            sink_put(&k, s, len);
        return k.oom ? -1 : 0;
    }
    if (kind == HT_HTML) {
        int r = fast_to_text(s, len, one_line, out);
        if (r != 0)
            return r < 0 ? -1 : 0;
    }
    return run(s, len, kind == HT_ENTITIES && !one_line, NULL, out, one_line);
}

void ht_page_init(ht_page *pg)
{
    tx_buf_init(&pg->text);
    tx_buf_init(&pg->title);
    tx_buf_init(&pg->h1);
    tx_buf_init(&pg->date);
    tx_buf_init(&pg->url);
}

void ht_page_free(ht_page *pg)
{
    tx_buf_free(&pg->text);
    tx_buf_free(&pg->title);
    tx_buf_free(&pg->h1);
    tx_buf_free(&pg->date);
    tx_buf_free(&pg->url);
}

int ht_page_parse(const char *s, size_t len, ht_page *pg)
{
    tx_buf_clear(&pg->text);
    tx_buf_clear(&pg->title);
    tx_buf_clear(&pg->h1);
    tx_buf_clear(&pg->date);
    tx_buf_clear(&pg->url);
    return run(s, len, 0, pg, &pg->text, 0);
}
