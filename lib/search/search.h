/* search.h: internal interface of the search layer (lib/search): BM25, the top-k heap, global
 * term statistics of a snapshot, scorers (posting iterators that score), the top-level
 * collectors (exhaustive and block-max MaxScore), explanations and the hits handle.
 *
 * Depends on lib/index (snapshot, dictionary, postings, stored fields), lib/query (plans) and
 * lib/snippet. The ranking formula is documented in lib/search/SEARCH.md.
 *
 * Scorer contract (every scorer, leaf or group): after creation it is positioned on its first
 * matching document of the segment (or IX_NO_MORE_DOCS); next() and advance(target) move
 * forward only and return the new document; advance() to a target at or before the current
 * document does not move. score() is valid on the current document. max_score bounds score()
 * on every document of the segment; block_bound(target, &upto) bounds it on every document in
 * [target, upto] (upto >= target; IX_NO_MORE_DOCS when the bound holds to the end). */
#ifndef CJKFTS_SEARCH_H
#define CJKFTS_SEARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "index/index.h"
#include "query/query.h"

/* ---- BM25 ----------------------------------------------------------------------------------
 * idf(N, n) = ln(1 + (N - n + 0.5) / (n + 0.5))
 * norm(len) = k1 * (1 - b + b * len / avglen)        (len / avglen taken as 1 when avglen == 0)
 * tfnorm    = tf * (k1 + 1) / (tf + norm(len)) */
typedef struct se_bm25 {
    double k1, b;
} se_bm25;

CF_HIDDEN double se_idf(double n_docs, double df);
CF_HIDDEN double se_length_norm(const se_bm25 *p, double len, double avglen);
CF_HIDDEN double se_tfnorm(const se_bm25 *p, double tf, double len, double avglen);

/* ---- top-k ---------------------------------------------------------------------------------- */
typedef struct se_hit {
    double score;
    uint64_t key; /* segment index << 32 | document number: the global document order */
} se_hit;

/* a ranks before b: higher score, then smaller key. */
static inline bool se_hit_better(double sa, uint64_t ka, double sb, uint64_t kb)
{
    return sa > sb || (sa == sb && ka < kb);
}

typedef struct se_topk {
    se_hit *h;
    size_t n, cap, k;
} se_topk;

CF_HIDDEN void se_topk_init(se_topk *t, size_t k);
/* 1 when kept, 0 when not good enough, CJKFTS_ENOMEM. */
CF_HIDDEN int se_topk_push(se_topk *t, double score, uint64_t key);
CF_HIDDEN bool se_topk_full(const se_topk *t);
/* The score a new hit must beat (a later key never wins a tie), or -INFINITY when not full. */
CF_HIDDEN double se_topk_min(const se_topk *t);
CF_HIDDEN void se_topk_sort(se_topk *t); /* best first */
CF_HIDDEN void se_topk_free(se_topk *t);

/* A bound that cannot beat theta even after floating-point rounding of sums in another order. */
static inline bool se_cannot_beat(double bound, double theta)
{
    return bound * (1.0 + 1e-9) + 1e-12 <= theta;
}

/* ---- search context: options and global statistics ----------------------------------------- */

/* One term of one unit, in one field of one segment. */
typedef struct se_termref {
    bool found;
    ix_term_info ti; /* exact term */
    /* a one-character (prefix) term: every dictionary term starting with it, and their union
     * per document (deleted documents included), ascending */
    ix_term_info *range;
    size_t n_range;
    uint32_t *docs, *tfs;
    size_t n_docs;
    uint32_t max_tf;
} se_termref;

typedef struct se_ctx {
    const ix_snapshot *snap;
    const qy_plan *plan;
    se_bm25 bm;
    double fw[IX_NFIELDS];     /* field weights: title boost, 1 */
    double n_docs;             /* N: live documents of the snapshot */
    double avglen[IX_NFIELDS]; /* field length sum over live documents / N */
    size_t n_flat;             /* terms over all units */
    size_t *first;             /* [unit]: flat index of the unit's first term */
    uint32_t n_seg;
    se_termref *refs;  /* [(seg * n_flat + flat) * IX_NFIELDS + field] */
    double *df;        /* [flat * IX_NFIELDS + field]: live documents holding the term */
    double *idf;       /* [unit * IX_NFIELDS + field]: idf of the unit (sum over a phrase) */
    bool *can_match;   /* [unit * IX_NFIELDS + field]: every term occurs in the field */
    cf_err err;
} se_ctx;

/* Read options and compute every statistic the plan needs (dictionary lookups in every
 * segment; for segments with deletions the live documents of each posting list are counted,
 * which reads those postings once). */
CF_HIDDEN int se_ctx_open(se_ctx *c, const ix_snapshot *snap, const qy_plan *plan,
                          const cjkfts_index_options *io, double title_boost);
CF_HIDDEN void se_ctx_close(se_ctx *c);
static inline se_termref *se_ref(const se_ctx *c, uint32_t seg, size_t flat, int field)
{
    return &c->refs[(seg * c->n_flat + flat) * IX_NFIELDS + (size_t)field];
}

/* ---- scorers ---------------------------------------------------------------------------------- */
typedef struct se_scorer se_scorer;
typedef struct se_scorer_ops {
    uint32_t (*next)(se_scorer *s);
    uint32_t (*advance)(se_scorer *s, uint32_t target);
    double (*score)(se_scorer *s);
    double (*block_bound)(se_scorer *s, uint32_t target, uint32_t *upto);
    /* Append the score breakdown of the current document (explain mode). */
    int (*explain)(se_scorer *s, cf_buf *out);
    void (*destroy)(se_scorer *s); /* frees what the scorer owns besides its arena memory */
} se_scorer_ops;

struct se_scorer {
    const se_scorer_ops *ops;
    uint32_t doc;
    double max_score;
    uint64_t cost; /* estimated documents */
};

/* Everything built for one segment; scorers live in its arena and are released together. */
typedef struct se_segrun {
    se_ctx *ctx;
    uint32_t seg;
    const ix_segment *g;
    qy_arena arena;
    ix_postings **posts; /* every postings iterator opened, for error checks and freeing */
    size_t n_posts, cap_posts;
    se_scorer **owned; /* scorers with a destroy op */
    size_t n_owned, cap_owned;
    int rc; /* sticky failure while building */
} se_segrun;

CF_HIDDEN void se_segrun_init(se_segrun *sr, se_ctx *c, uint32_t seg);
/* 0, or the first error of any postings iterator (corrupt block) into c->err. */
CF_HIDDEN int se_segrun_check(se_segrun *sr);
CF_HIDDEN void se_segrun_free(se_segrun *sr);
CF_HIDDEN void *se_alloc(se_segrun *sr, size_t n);
CF_HIDDEN int se_own(se_segrun *sr, se_scorer *s);
CF_HIDDEN int se_open_postings(se_segrun *sr, const ix_term_info *ti, int flags,
                               ix_postings **out);

/* Leaves (lib/search/leaf.c, phrase.c): the scorer of unit u in one field, or NULL when it
 * cannot match in this segment (or on failure: sr->rc). */
CF_HIDDEN se_scorer *se_unit_field(se_segrun *sr, size_t unit, int field);
CF_HIDDEN se_scorer *se_phrase_leaf(se_segrun *sr, size_t unit, int field);
/* The scorer of unit u over its fields (a sum of field leaves), or NULL. */
CF_HIDDEN se_scorer *se_unit(se_segrun *sr, size_t unit);

/* Groups (lib/search/group.c). */
CF_HIDDEN se_scorer *se_disj(se_segrun *sr, se_scorer **kids, size_t n);
CF_HIDDEN se_scorer *se_conj(se_segrun *sr, se_scorer **req, size_t n_req, se_scorer **excl,
                             size_t n_excl, const qy_node **filters, size_t n_filters);
CF_HIDDEN se_scorer *se_all_docs(se_segrun *sr);
/* True when the document's date passes a filter node (DATE, NOT of a filter, AND/OR). */
CF_HIDDEN bool se_filter_match(const qy_node *n, int32_t date);
/* Exclusions: true when some scorer of excl matches doc (moving them forward). */
CF_HIDDEN bool se_excluded(se_scorer **excl, size_t n, uint32_t doc);

/* The scorer of a plan node (lib/search/build.c), or NULL when nothing can match. */
CF_HIDDEN se_scorer *se_build(se_segrun *sr, const qy_node *n);

/* ---- collection (lib/search/collect.c) ------------------------------------------------------- */
typedef struct se_result {
    se_topk top;
    uint64_t total;
    bool exact;
} se_result;

#define SE_EXHAUSTIVE 1 /* score every match with the generic scorers (tests) */

/* Run the plan over every segment into res (k = hits wanted). */
CF_HIDDEN int se_collect(se_ctx *c, size_t k, int flags, se_result *res);

/* ---- explain (lib/search/explain.c) ------------------------------------------------------- */
/* Append the breakdown of the score of document doc of segment seg. */
CF_HIDDEN int se_explain(se_ctx *c, uint32_t seg, uint32_t doc, double score, cf_buf *out);
CF_HIDDEN int se_explain_leaf(se_ctx *c, cf_buf *out, size_t unit, int field, double tf,
                              double len, double contribution);

/* ---- internal entry for tests: search with flags ------------------------------------------ */
CF_HIDDEN int se_search(cjkfts_reader *r, const cjkfts_query *q, const cjkfts_search_options *o,
                        int flags, cjkfts_hits **out);

#endif
