/* parser.c: recursive-descent parser of the query syntax into an AST, with bounded nesting.
 *
 *   query   := or_expr END
 *   or_expr := and_expr ( OR and_expr )*           (OR mode: OR or juxtaposition)
 *   and_expr:= unary ( AND unary )*                (AND mode: AND or juxtaposition)
 *   unary   := ( NOT | '-' ) unary | primary
 *   primary := WORD | "PHRASE" | date:RANGE | '(' or_expr ')' | FIELD: primary
 *
 * Every recursion (group, negation, field prefix) adds one level; QY_MAX_DEPTH bounds it, so
 * 10,000 nested parentheses fail cleanly instead of exhausting the stack. */
#include <string.h>

#include "query/query.h"

typedef struct parser {
    qy_lexer lx;
    qy_tok tok; /* the current, not yet consumed token */
    qy_arena *arena;
    cf_err *err;
    bool implicit_or;
} parser;

typedef struct kidvec {
    qy_ast **v;
    size_t n, cap;
} kidvec;

static int kid_push(kidvec *kv, qy_ast *a)
{
    if (kv->n == kv->cap) {
        size_t cap = kv->cap ? kv->cap * 2 : 4;
        qy_ast **v = cf_realloc(kv->v, cap * sizeof *v);
        if (!v)
            return CJKFTS_ENOMEM;
        kv->v = v;
        kv->cap = cap;
    }
    kv->v[kv->n++] = a;
    return 0;
}

static int fail_nomem(parser *p)
{
    return cf_fail(p->err, CJKFTS_ENOMEM, "out of memory parsing the query");
}

static int next_tok(parser *p)
{
    return qy_lex_next(&p->lx, &p->tok, p->err);
}

static qy_ast *new_node(parser *p, qy_ast_kind kind, size_t pos)
{
    qy_ast *a = qy_arena_alloc(p->arena, sizeof *a);
    if (a) {
        a->kind = kind;
        a->pos = pos;
    }
    return a;
}

/* A node of kind over the collected children (the only child itself when there is one). */
static int finish_group(parser *p, kidvec *kv, qy_ast_kind kind, size_t pos, qy_ast **out)
{
    if (kv->n <= 1) {
        *out = kv->n ? kv->v[0] : NULL;
        return 0;
    }
    qy_ast *a = new_node(p, kind, pos);
    qy_ast **kids = a ? qy_arena_alloc(p->arena, kv->n * sizeof *kids) : NULL;
    if (!kids)
        return fail_nomem(p);
    memcpy(kids, kv->v, kv->n * sizeof *kids);
    a->kids = kids;
    a->n_kids = kv->n;
    *out = a;
    return 0;
}

static bool starts_unit(qy_tok_kind k)
{
    return k == QY_T_WORD || k == QY_T_PHRASE || k == QY_T_LPAREN || k == QY_T_NOT ||
           k == QY_T_MINUS || k == QY_T_FIELD || k == QY_T_DATE;
}

static int too_deep(parser *p)
{
    return cf_fail(p->err, CJKFTS_ETOOBIG, "query nests deeper than %d levels at byte %zu",
                   QY_MAX_DEPTH, p->tok.pos);
}

static const char *field_name(unsigned field)
{
    return field == QY_FIELD_TITLE ? "title:" : "body:";
}

static int parse_or(parser *p, int depth, qy_ast **out);
static int parse_primary(parser *p, int depth, qy_ast **out);

static int parse_unary(parser *p, int depth, qy_ast **out)
{
    if (p->tok.kind != QY_T_NOT && p->tok.kind != QY_T_MINUS)
        return parse_primary(p, depth, out);
    if (depth + 1 > QY_MAX_DEPTH)
        return too_deep(p);
    size_t pos = p->tok.pos;
    const char *what = p->tok.kind == QY_T_NOT ? "NOT" : "'-'";
    int rc = next_tok(p);
    if (rc)
        return rc;
    if (!starts_unit(p->tok.kind))
        return cf_fail(p->err, CJKFTS_ESYNTAX, "%s at byte %zu needs a term after it", what,
                       pos);
    qy_ast *child;
    if ((rc = parse_unary(p, depth + 1, &child)))
        return rc;
    qy_ast *a = new_node(p, QY_A_NOT, pos);
    qy_ast **kids = a ? qy_arena_alloc(p->arena, sizeof *kids) : NULL;
    if (!kids)
        return fail_nomem(p);
    kids[0] = child;
    a->kids = kids;
    a->n_kids = 1;
    *out = a;
    return 0;
}

/* Give every leaf below a without a field of its own the field mask fields. */
static void apply_field(qy_ast *a, unsigned fields)
{
    if (a->kind == QY_A_WORD || a->kind == QY_A_PHRASE) {
        if (a->fields == 0)
            a->fields = fields;
        return;
    }
    for (size_t i = 0; i < a->n_kids; i++)
        apply_field(a->kids[i], fields);
}

static int parse_field(parser *p, int depth, qy_ast **out)
{
    if (depth + 1 > QY_MAX_DEPTH)
        return too_deep(p);
    qy_tok f = p->tok;
    if (f.empty)
        return cf_fail(p->err, CJKFTS_ESYNTAX, "empty field %s at byte %zu", field_name(f.field),
                       f.pos);
    int rc = next_tok(p);
    if (rc)
        return rc;
    qy_tok_kind k = p->tok.kind;
    if (k != QY_T_WORD && k != QY_T_PHRASE && k != QY_T_LPAREN)
        return cf_fail(p->err, CJKFTS_ESYNTAX, "field %s at byte %zu must be followed by a "
                       "word, a quoted phrase or a group", field_name(f.field), f.pos);
    if ((rc = parse_primary(p, depth + 1, out)))
        return rc;
    apply_field(*out, f.field);
    return 0;
}

static int parse_date(parser *p, qy_ast **out)
{
    qy_tok t = p->tok;
    if (t.empty)
        return cf_fail(p->err, CJKFTS_ESYNTAX, "empty field date: at byte %zu", t.pos);
    qy_ast *a = new_node(p, QY_A_DATE, t.pos);
    if (!a)
        return fail_nomem(p);
    const char *why = NULL;
    if (qy_date_range(p->lx.s + t.start, t.end - t.start, &a->date_lo, &a->date_hi, &why)) {
        int n = t.end - t.start > 40 ? 40 : (int)(t.end - t.start);
        return cf_fail(p->err, CJKFTS_ESYNTAX, "bad date '%.*s' at byte %zu: %s", n,
                       p->lx.s + t.start, t.start, why);
    }
    *out = a;
    return next_tok(p);
}

static int parse_group(parser *p, int depth, qy_ast **out)
{
    if (depth + 1 > QY_MAX_DEPTH)
        return too_deep(p);
    size_t open = p->tok.pos;
    int rc = next_tok(p);
    if (rc)
        return rc;
    if (p->tok.kind == QY_T_RPAREN)
        return cf_fail(p->err, CJKFTS_ESYNTAX, "empty parentheses at byte %zu", open);
    if ((rc = parse_or(p, depth + 1, out)))
        return rc;
    if (p->tok.kind != QY_T_RPAREN)
        return cf_fail(p->err, CJKFTS_ESYNTAX,
                       "unbalanced parenthesis: '(' at byte %zu is not closed", open);
    return next_tok(p);
}

static int parse_primary(parser *p, int depth, qy_ast **out)
{
    qy_tok t = p->tok;
    switch (t.kind) {
    case QY_T_WORD:
    case QY_T_PHRASE: {
        qy_ast *a = new_node(p, t.kind == QY_T_WORD ? QY_A_WORD : QY_A_PHRASE, t.pos);
        if (!a)
            return fail_nomem(p);
        a->start = t.start;
        a->end = t.end;
        *out = a;
        return next_tok(p);
    }
    case QY_T_DATE:
        return parse_date(p, out);
    case QY_T_LPAREN:
        return parse_group(p, depth, out);
    case QY_T_FIELD:
        return parse_field(p, depth, out);
    default: /* callers check starts_unit() first */
        return cf_fail(p->err, CJKFTS_ESYNTAX, "unexpected token at byte %zu", t.pos);
    }
}

static int op_error(parser *p, const char *op, size_t pos)
{
    return cf_fail(p->err, CJKFTS_ESYNTAX, "%s at byte %zu needs a term on each side", op, pos);
}

static int parse_and(parser *p, int depth, qy_ast **out)
{
    kidvec kv = {0};
    size_t pos = p->tok.pos;
    int rc = 0;
    for (;;) {
        qy_ast *a;
        if (p->tok.kind == QY_T_AND) {
            size_t at = p->tok.pos;
            if (kv.n == 0 || (rc = next_tok(p)) || !starts_unit(p->tok.kind)) {
                rc = rc ? rc : op_error(p, "AND", at);
                break;
            }
        } else if (!starts_unit(p->tok.kind) || (p->implicit_or && kv.n > 0))
            break;
        if ((rc = parse_unary(p, depth, &a)) || (rc = kid_push(&kv, a) ? fail_nomem(p) : 0))
            break;
    }
    if (!rc)
        rc = finish_group(p, &kv, QY_A_AND, pos, out);
    cf_free(kv.v);
    return rc;
}

static int parse_or(parser *p, int depth, qy_ast **out)
{
    kidvec kv = {0};
    size_t pos = p->tok.pos;
    int rc = 0;
    for (;;) {
        size_t at = p->tok.pos;
        bool explicit_or = p->tok.kind == QY_T_OR;
        if (explicit_or && (kv.n == 0 || (rc = next_tok(p)))) {
            rc = rc ? rc : op_error(p, "OR", at);
            break;
        }
        if (!explicit_or && kv.n > 0 && !(p->implicit_or && starts_unit(p->tok.kind)))
            break;
        qy_ast *a = NULL;
        if ((rc = parse_and(p, depth, &a)))
            break;
        if (!a) {
            if (explicit_or || p->tok.kind == QY_T_OR)
                rc = op_error(p, "OR", explicit_or ? at : p->tok.pos);
            break;
        }
        if (kid_push(&kv, a)) {
            rc = fail_nomem(p);
            break;
        }
    }
    if (!rc)
        rc = finish_group(p, &kv, QY_A_OR, pos, out);
    cf_free(kv.v);
    return rc;
}

/* OR mode reads pasted questions: a quote without its partner and parentheses that do not
 * pair up are punctuation. They become spaces in a copy of the text (same byte positions). */
static const char *pair_up(const char *text, size_t len, qy_arena *arena)
{
    char *s = qy_arena_alloc(arena, len + 1);
    size_t *open = s ? qy_arena_alloc(arena, (len + 1) * sizeof *open) : NULL;
    if (!open)
        return NULL;
    memcpy(s, text, len);
    size_t quotes = 0, last_quote = 0, depth = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '"')
            quotes++, last_quote = i;
    if (quotes % 2)
        s[last_quote] = ' ';
    bool quoted = false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted && s[i] == '(')
            open[depth++] = i;
        else if (!quoted && s[i] == ')') {
            if (depth == 0)
                s[i] = ' ';
            else
                depth--;
        }
    }
    while (depth > 0)
        s[open[--depth]] = ' ';
    return s;
}

int qy_parse_ast(const char *text, size_t len, int mode, qy_arena *arena, qy_ast **out,
                 cf_err *err)
{
    *out = NULL;
    if (len > QY_MAX_BYTES)
        return cf_fail(err, CJKFTS_ETOOBIG, "query is %zu bytes; the limit is %d", len,
                       QY_MAX_BYTES);
    parser p = {.arena = arena, .err = err, .implicit_or = mode == CJKFTS_MODE_OR};
    if (mode == CJKFTS_MODE_OR && !(text = pair_up(text, len, arena)))
        return cf_fail(err, CJKFTS_ENOMEM, "out of memory parsing the query");
    qy_lex_init(&p.lx, text, len);
    int rc = next_tok(&p);
    if (!rc)
        rc = parse_or(&p, 0, out);
    if (!rc && p.tok.kind == QY_T_RPAREN)
        rc = cf_fail(err, CJKFTS_ESYNTAX, "unexpected ')' at byte %zu", p.tok.pos);
    if (!rc && p.tok.kind != QY_T_END)
        rc = cf_fail(err, CJKFTS_ESYNTAX, "unexpected token at byte %zu", p.tok.pos);
    if (rc)
        *out = NULL;
    return rc;
}
