/* snippet.h: internal interface of the snippet layer (lib/snippet): finds where the units of a
 * query plan occur in a stored text (by re-analyzing it: the index keeps positions, not
 * offsets) and cuts the best fragment around them, with highlight markers around matched spans
 * of the ORIGINAL text (a traditional-character body stays traditional).
 *
 * Depends on lib/query (the plan) and the public analyzer API. */
#ifndef CJKFTS_SNIPPET_H
#define CJKFTS_SNIPPET_H

#include "query/query.h"

/* One occurrence of a unit in the text: bytes [start, end) of the original text. */
typedef struct sn_occ {
    size_t start, end;
    uint32_t unit;
} sn_occ;

/* Every occurrence in text of the units with weight[u] > 0, in order of start. A term matches
 * a token with the same normalized text; a one-character (prefix) term matches any token
 * starting with that character and marks only that character; a phrase matches when all its
 * terms occur at their relative positions, and marks the span from its first to its last
 * token. *occ is a new array (cf_free) of *n entries. */
CF_HIDDEN int sn_find(cjkfts_analyzer *an, const qy_plan *plan, const double *weight,
                      const char *text, size_t len, sn_occ **occ, size_t *n, cf_err *err);

/* Fragment choice and output. */
typedef struct sn_options {
    size_t chars;         /* fragment length in characters (> 0) */
    const char *hl_open;  /* before a matched span */
    const char *hl_close; /* after a matched span */
} sn_options;

/* Append the best fragment of text to out (NUL-terminated, valid UTF-8): the window of about
 * o->chars characters whose occurrences carry the largest sum of weights of distinct units
 * (plus a tenth of a weight for each repeated occurrence), started after a sentence end when
 * one is close before the matches; "…" marks a cut at either end. White-space and control runs
 * become one space; invalid UTF-8 becomes U+FFFD. With no occurrence, the beginning of the
 * text. weight: per unit of plan, > 0 to take part (NOT units and units of other fields get
 * 0); NULL = 1 for every unit outside a NOT. */
CF_HIDDEN int sn_snippet(cjkfts_analyzer *an, const qy_plan *plan, const double *weight,
                         const char *text, size_t len, const sn_options *o, cf_buf *out,
                         cf_err *err);

/* Fill w[0..plan->n_units) with 1 for units outside NOT whose fields include the body, else 0. */
CF_HIDDEN void sn_default_weights(const qy_plan *plan, double *w);

#endif
