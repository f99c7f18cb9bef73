/* html.h: HTML to plain text (gumbo or a direct scan): text, title, date and canonical URL. */
#ifndef CJKFTS_TOOLS_HTML_H
#define CJKFTS_TOOLS_HTML_H

#include <stddef.h>

#include "text.h"

/* What a piece of text looks like (ht_sniff). */
#define HT_PLAIN 0    /* plain text: kept as it is */
#define HT_HTML 1     /* has tags of known HTML elements (<p>, </strong>, <br/>...), a comment
                         or a doctype: parsed as HTML */
#define HT_ENTITIES 2 /* no '<' at all but character references (&amp; &#26085; &#x65E5;):
                         only the references are decoded, line breaks are kept */

int ht_sniff(const char *s, size_t len);

/* Append the text of s[0..len) to out: HT_HTML gives the visible text (scripts, styles and
 * comments dropped; runs of white space collapsed; block elements and <br> end lines;
 * <pre> kept verbatim), HT_ENTITIES the text with references decoded, HT_PLAIN a copy.
 * one_line turns every line break into a space (for titles). &nbsp; becomes a plain space.
 * s must be valid UTF-8. Returns 0 or -1 when out of memory. */
int ht_to_text(const char *s, size_t len, int kind, int one_line, tx_buf *out);

/* ht_to_text(HT_HTML) converts the simple fragments (see html.c: only <p>, <div>, <br> and
 * inline tags without attributes, properly nested, a few named references) without gumbo, to
 * the same text. For tests: ht_html_is_simple says whether s[0..len) is one, and
 * ht_html_to_text_gumbo converts it with gumbo alone (same arguments and result as
 * ht_to_text). */
int ht_html_is_simple(const char *s, size_t len);
int ht_html_to_text_gumbo(const char *s, size_t len, int one_line, tx_buf *out);

/* A whole HTML page. Every field is "" when the page has none. */
typedef struct ht_page {
    tx_buf text;  /* visible text of the page, as ht_to_text(HT_HTML) */
    tx_buf title; /* text of <title>, on one line */
    tx_buf h1;    /* text of the first <h1>, on one line */
    tx_buf date;  /* content of the first date <meta> (name date, dc.date, dcterms.date,
                     dc.date.issued; property article:published_time) */
    tx_buf url;   /* href of <link rel=canonical>, else content of <meta property=og:url> */
} ht_page;

void ht_page_init(ht_page *pg);
void ht_page_free(ht_page *pg);
/* Parse s[0..len) (valid UTF-8) into pg (cleared first). Returns 0 or -1 (out of memory). */
int ht_page_parse(const char *s, size_t len, ht_page *pg);

#endif
