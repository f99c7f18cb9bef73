/* describe.c: a compact readable form of plans and units, for explain output and tests. */
#include <stdint.h>

#include "query/query.h"

/* Keep the text NUL-terminated after the last byte (not counted in len). */
static int terminate(cf_buf *out, int rc)
{
    if (!rc && !(rc = cf_buf_putc(out, 0)))
        out->len--;
    return rc;
}

int qy_unit_describe(const qy_unit *u, cf_buf *out)
{
    int rc = 0;
    if (u->fields == QY_FIELD_TITLE)
        rc = cf_buf_printf(out, "title:");
    else if (u->fields == QY_FIELD_BODY)
        rc = cf_buf_printf(out, "body:");
    bool gaps = false;
    for (size_t i = 0; i < u->n; i++)
        gaps |= u->terms[i].pos != i;
    if (!rc && u->n > 1)
        rc = cf_buf_putc(out, '"');
    for (size_t i = 0; i < u->n && !rc; i++) {
        const qy_term *t = &u->terms[i];
        rc = cf_buf_printf(out, "%s%.*s%s", i ? " " : "", (int)t->len, t->text,
                           t->prefix ? "*" : "");
        if (!rc && gaps)
            rc = cf_buf_printf(out, "@%u", t->pos);
    }
    if (!rc && u->n > 1)
        rc = cf_buf_putc(out, '"');
    if (!rc && u->weight != 1.0)
        rc = cf_buf_printf(out, "^%g", u->weight);
    return terminate(out, rc);
}

static int describe_day(cf_buf *out, int32_t day)
{
    if (day == INT32_MIN || day == INT32_MAX)
        return 0;
    int y, m, d;
    qy_civil_from_days(day, &y, &m, &d);
    return cf_buf_printf(out, "%04d-%02d-%02d", y, m, d);
}

static int describe_node(const qy_plan *p, const qy_node *n, cf_buf *out)
{
    static const char *names[] = {"", "AND", "OR", "NOT", ""};
    int rc;
    switch (n->kind) {
    case QY_N_UNIT:
        return qy_unit_describe(&p->units[n->unit], out);
    case QY_N_DATE:
        rc = cf_buf_printf(out, "date:");
        if (!rc)
            rc = describe_day(out, n->date_lo);
        if (!rc)
            rc = cf_buf_printf(out, "..");
        if (!rc)
            rc = describe_day(out, n->date_hi);
        return rc;
    default:
        rc = cf_buf_printf(out, "%s(", names[n->kind]);
        for (size_t i = 0; i < n->n_kids && !rc; i++) {
            if (i)
                rc = cf_buf_putc(out, ' ');
            if (!rc)
                rc = describe_node(p, n->kids[i], out);
        }
        return rc ? rc : cf_buf_putc(out, ')');
    }
}

int qy_plan_describe(const qy_plan *p, cf_buf *out)
{
    return terminate(out, describe_node(p, p->root, out));
}
