/* query.h: internal interface of the query layer (lib/query): the query-syntax lexer, the
 * parser to an abstract syntax tree, the planner that analyzes each word with the index's
 * analyzer into a plan, and the date grammar of date: filters.
 *
 * Stages: text --qy_lex--> tokens --qy_parse_ast--> AST (words and phrases still as text)
 *         --qy_plan_build--> plan (units of normalized terms; AND / OR / NOT / DATE nodes).
 *
 * A plan unit is what the search layer matches and scores as one thing:
 *   - a term (n == 1, !prefix): one normalized term (bigram, word, number, unigram);
 *   - a character (n == 1, prefix): every term that starts with one CJK character (the union
 *     of a dictionary prefix range, which includes the unigram itself);
 *   - a phrase (n > 1): terms at fixed relative positions (entries may be characters).
 * Invariant of a plan: AND nodes have at least one child that is not a NOT; OR nodes have no
 * NOT child; a NOT node has one child; every node owns its children; all memory of a plan is
 * in its arena. */
#ifndef CJKFTS_QUERY_H
#define CJKFTS_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "util/util.h"

/* Documented limits (README "Query syntax"). */
#define QY_MAX_BYTES 32768 /* query text length; longer: CJKFTS_ETOOBIG */
#define QY_MAX_DEPTH 64    /* nesting of parentheses, NOT/-, field prefixes: CJKFTS_ETOOBIG */
#define QY_MAX_TERMS 1024  /* term occurrences over every unit of a plan: CJKFTS_ETOOBIG */

/* Field masks of a unit: bit (1 << IX_FIELD_TITLE) and bit (1 << IX_FIELD_BODY) of
 * index/index.h. */
#define QY_FIELD_TITLE 1u
#define QY_FIELD_BODY 2u
#define QY_FIELD_ALL 3u

/* ---- arena: every allocation of an AST or a plan, freed at once -------------------------- */
typedef struct qy_arena_block qy_arena_block;
typedef struct qy_arena {
    qy_arena_block *head;
    size_t used, cap; /* in the head block */
} qy_arena;

CF_HIDDEN void qy_arena_init(qy_arena *a);
/* Zeroed, 16-byte aligned memory, or NULL when out of memory. */
CF_HIDDEN void *qy_arena_alloc(qy_arena *a, size_t n);
CF_HIDDEN void qy_arena_free(qy_arena *a);

/* ---- lexer ---------------------------------------------------------------------------------- */
typedef enum {
    QY_T_END,
    QY_T_WORD,   /* [start, end): a run of characters that are not spaces, ( ) or " */
    QY_T_PHRASE, /* [start, end): the text between the quotes; pos is the opening quote */
    QY_T_LPAREN,
    QY_T_RPAREN,
    QY_T_AND,
    QY_T_OR,
    QY_T_NOT,    /* NOT */
    QY_T_MINUS,  /* '-' directly before a word, phrase or group */
    QY_T_FIELD,  /* title: or body: ; field = QY_FIELD_*, empty when nothing follows */
    QY_T_DATE,   /* date:VALUE ; [start, end) is VALUE */
} qy_tok_kind;

typedef struct qy_tok {
    qy_tok_kind kind;
    size_t pos;        /* byte position of the token in the query */
    size_t start, end; /* text of WORD / PHRASE / DATE */
    unsigned field;    /* QY_T_FIELD: QY_FIELD_TITLE or QY_FIELD_BODY */
    bool empty;        /* QY_T_FIELD / QY_T_DATE with nothing after the colon */
} qy_tok;

typedef struct qy_lexer {
    const char *s;
    size_t len, i;
} qy_lexer;

CF_HIDDEN void qy_lex_init(qy_lexer *lx, const char *s, size_t len);
/* The next token. An unclosed quote fails with CJKFTS_ESYNTAX (err filled). */
CF_HIDDEN int qy_lex_next(qy_lexer *lx, qy_tok *t, cf_err *err);

/* ---- abstract syntax tree ----------------------------------------------------------------- */
typedef enum { QY_A_WORD, QY_A_PHRASE, QY_A_AND, QY_A_OR, QY_A_NOT, QY_A_DATE } qy_ast_kind;

typedef struct qy_ast {
    qy_ast_kind kind;
    size_t pos;        /* byte position in the query, for messages */
    size_t start, end; /* WORD / PHRASE text */
    unsigned fields;   /* WORD / PHRASE: QY_FIELD_* mask */
    int32_t date_lo, date_hi;
    struct qy_ast **kids; /* AND / OR: n_kids >= 2; NOT: 1 */
    size_t n_kids;
} qy_ast;

/* Parse text into an AST allocated in arena; *out is NULL for a query with no unit at all.
 * Juxtaposed units are joined by AND in CJKFTS_MODE_AND and by OR in CJKFTS_MODE_OR (where an
 * explicit AND binds tighter). CJKFTS_ESYNTAX / CJKFTS_ETOOBIG with the byte position in err.
 * Leaves with no field prefix get fields 0 here ("default"); the planner reads 0 as ALL. */
CF_HIDDEN int qy_parse_ast(const char *text, size_t len, int mode, qy_arena *arena,
                           qy_ast **out, cf_err *err);

/* ---- dates --------------------------------------------------------------------------------- */
/* Days since 1970-01-01 of a proleptic Gregorian date. */
CF_HIDDEN int32_t qy_days_from_civil(int y, int m, int d);
/* The inverse: year, month (1..12) and day of a day number. */
CF_HIDDEN void qy_civil_from_days(int32_t days, int *y, int *m, int *d);
/* Parse a date: filter value: D, D.., ..D or D..D where D is YYYY, YYYY-MM or YYYY-MM-DD.
 * Bounds are inclusive at their granularity (..2024-06 ends on 2024-06-30). An open end is
 * INT32_MIN / INT32_MAX. Returns 0, or -1 with a reason in why. */
CF_HIDDEN int qy_date_range(const char *s, size_t len, int32_t *lo, int32_t *hi,
                            const char **why);

/* ---- plan ---------------------------------------------------------------------------------- */
typedef struct qy_term {
    char *text; /* normalized term, NUL-terminated */
    size_t len;
    uint32_t pos; /* position relative to the unit's first term */
    bool prefix;  /* a CJK character: matches every term starting with text */
} qy_term;

typedef struct qy_unit {
    qy_term *terms;
    size_t n;
    unsigned fields; /* QY_FIELD_* */
    double weight;   /* times the unit was given in its group (query term frequency) */
} qy_unit;

typedef enum { QY_N_UNIT, QY_N_AND, QY_N_OR, QY_N_NOT, QY_N_DATE } qy_node_kind;

typedef struct qy_node {
    qy_node_kind kind;
    size_t unit;              /* QY_N_UNIT: index in plan->units */
    int32_t date_lo, date_hi; /* QY_N_DATE: inclusive, days since 1970-01-01 */
    struct qy_node **kids;    /* AND / OR: children (>= 2); NOT: 1 */
    size_t n_kids;
} qy_node;

typedef struct qy_plan {
    qy_arena arena;
    qy_node *root;
    qy_unit *units; /* every unit, in query order; a node refers to one by index */
    size_t n_units;
    size_t n_terms; /* term occurrences over all units */
    int mode;       /* CJKFTS_MODE_* */
} qy_plan;

/* Parse and analyze text with analyzer an (the index's) in mode. On success *out is a new
 * plan (qy_plan_free). Errors: CJKFTS_ESYNTAX (bad syntax, or no searchable terms),
 * CJKFTS_ETOOBIG (limits above), CJKFTS_ENOMEM, or the analyzer's error; err has the detail. */
CF_HIDDEN int qy_plan_build(const char *text, size_t len, int mode, cjkfts_analyzer *an,
                            qy_plan **out, cf_err *err);
CF_HIDDEN void qy_plan_free(qy_plan *p);
/* True for a node checked per document on its date alone: DATE, NOT of a filter, AND/OR of
 * filters. NOT of anything else is an exclusion; everything else is searchable. */
CF_HIDDEN bool qy_node_is_filter(const qy_node *n);
/* Append a readable form of the plan (kept NUL-terminated) ("AND(body:\"日美 美同 同盟\" title|body:u) ..."). */
CF_HIDDEN int qy_plan_describe(const qy_plan *p, cf_buf *out);
/* Append a unit as fields:terms, e.g. title|body:"日美@0 同盟@2" or body:美*. */
CF_HIDDEN int qy_unit_describe(const qy_unit *u, cf_buf *out);

/* The query handle (public cjkfts_query). */
struct cjkfts_query {
    cf_handle h;
    qy_plan *plan;
    cjkfts_analyzer *analyzer; /* the index's analyzer, reused for snippets */
};

#endif
