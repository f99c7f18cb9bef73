/* lexer.c: splits query text into the tokens of the query syntax (words, "phrases", ( ), AND,
 * OR, NOT, -, title:/body: field prefixes and date: filters). Works on bytes: every syntax
 * character is ASCII, and UTF-8 never uses ASCII bytes inside a multi-byte character. */
#include <string.h>

#include "query/query.h"

void qy_lex_init(qy_lexer *lx, const char *s, size_t len)
{
    lx->s = s;
    lx->len = len;
    lx->i = 0;
}

/* Width in bytes of the white space at s[i] (ASCII space, tab, newline, CR, FF, VT, or the
 * ideographic space U+3000), or 0. */
static size_t space_at(const qy_lexer *lx, size_t i)
{
    unsigned char c = (unsigned char)lx->s[i];
    if (c == ' ' || (c >= '\t' && c <= '\r'))
        return 1;
    if (c == 0xe3 && i + 2 < lx->len && (unsigned char)lx->s[i + 1] == 0x80 &&
        (unsigned char)lx->s[i + 2] == 0x80)
        return 3;
    return 0;
}

/* True when s[i] ends a word: end of text, white space, a parenthesis or a quote. */
static bool word_end_at(const qy_lexer *lx, size_t i)
{
    if (i >= lx->len)
        return true;
    char c = lx->s[i];
    return c == '(' || c == ')' || c == '"' || space_at(lx, i) > 0;
}

static bool word_is(const qy_lexer *lx, size_t start, size_t end, const char *kw)
{
    size_t n = strlen(kw);
    return end - start == n && memcmp(lx->s + start, kw, n) == 0;
}

/* Case-insensitive ASCII prefix test of the word [start, end) against "name:". */
static bool has_prefix_ci(const qy_lexer *lx, size_t start, size_t end, const char *name)
{
    size_t n = strlen(name);
    if (end - start < n)
        return false;
    for (size_t k = 0; k < n; k++) {
        char c = lx->s[start + k];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != name[k])
            return false;
    }
    return true;
}

static void lex_field(qy_lexer *lx, qy_tok *t, size_t start, size_t end, unsigned field,
                      size_t n)
{
    t->kind = QY_T_FIELD;
    t->field = field;
    lx->i = start + n;
    /* "title:" alone; a group or a phrase may follow the colon directly */
    t->empty = end == lx->i && (lx->i >= lx->len || (lx->s[lx->i] != '(' && lx->s[lx->i] != '"'));
}

static void lex_word(qy_lexer *lx, qy_tok *t)
{
    size_t start = lx->i, end = start;
    while (!word_end_at(lx, end))
        end++;
    t->start = start;
    t->end = end;
    lx->i = end;
    if (word_is(lx, start, end, "AND"))
        t->kind = QY_T_AND;
    else if (word_is(lx, start, end, "OR"))
        t->kind = QY_T_OR;
    else if (word_is(lx, start, end, "NOT"))
        t->kind = QY_T_NOT;
    else if (has_prefix_ci(lx, start, end, "title:"))
        lex_field(lx, t, start, end, QY_FIELD_TITLE, 6);
    else if (has_prefix_ci(lx, start, end, "body:"))
        lex_field(lx, t, start, end, QY_FIELD_BODY, 5);
    else if (has_prefix_ci(lx, start, end, "date:")) {
        t->kind = QY_T_DATE;
        t->start = start + 5;
        t->empty = t->start == end;
    } else
        t->kind = QY_T_WORD;
}

int qy_lex_next(qy_lexer *lx, qy_tok *t, cf_err *err)
{
    memset(t, 0, sizeof *t);
    size_t w;
    while (lx->i < lx->len && (w = space_at(lx, lx->i)) > 0)
        lx->i += w;
    t->pos = lx->i;
    if (lx->i >= lx->len) {
        t->kind = QY_T_END;
        return 0;
    }
    char c = lx->s[lx->i];
    if (c == '(' || c == ')') {
        t->kind = c == '(' ? QY_T_LPAREN : QY_T_RPAREN;
        lx->i++;
        return 0;
    }
    if (c == '"') {
        const char *close = memchr(lx->s + lx->i + 1, '"', lx->len - lx->i - 1);
        if (!close)
            return cf_fail(err, CJKFTS_ESYNTAX,
                           "unbalanced quote: '\"' at byte %zu is not closed", lx->i);
        t->kind = QY_T_PHRASE;
        t->start = lx->i + 1;
        t->end = (size_t)(close - lx->s);
        lx->i = t->end + 1;
        return 0;
    }
    /* '-' directly before a word, phrase or group negates it; otherwise it is text */
    if (c == '-' && lx->i + 1 < lx->len && lx->s[lx->i + 1] != ')' &&
        space_at(lx, lx->i + 1) == 0) {
        t->kind = QY_T_MINUS;
        lx->i++;
        return 0;
    }
    lex_word(lx, t);
    return 0;
}
