/* explain.c: the readable score breakdown of one hit: the scorer tree of its segment is moved
 * to the document and every contributing leaf prints its field, tf, idf (with the terms' idfs
 * for a phrase), field length, average length, length norm, weight and contribution. */
#include "search/search.h"

static const char *kind_name(const qy_unit *u)
{
    return u->n > 1 ? "phrase" : u->terms[0].prefix ? "character" : "term";
}

int se_explain_leaf(se_ctx *c, cf_buf *out, size_t unit, int field, double tf, double len,
                    double contribution)
{
    const qy_unit *u = &c->plan->units[unit];
    qy_unit bare = *u;
    bare.fields = QY_FIELD_ALL;
    bare.weight = 1.0;
    int rc = cf_buf_printf(out, "  %.6f  %s %s ", contribution,
                           field == IX_FIELD_TITLE ? "title" : "body", kind_name(u));
    if (!rc)
        rc = qy_unit_describe(&bare, out);
    if (!rc)
        rc = cf_buf_printf(out, ": tf=%g idf=%.6f", tf, c->idf[unit * IX_NFIELDS + field]);
    for (size_t t = 0; t < u->n && u->n > 1 && !rc; t++) {
        double df = c->df[(c->first[unit] + t) * IX_NFIELDS + field];
        rc = cf_buf_printf(out, "%s%.6f%s", t ? "+" : " (", se_idf(c->n_docs, df),
                           t + 1 == u->n ? ")" : "");
    }
    double norm = se_length_norm(&c->bm, len, c->avglen[field]);
    if (!rc)
        rc = cf_buf_printf(out, " len=%g avglen=%.6f norm=%.6f weight=%g\n", len,
                           c->avglen[field], norm, u->weight * c->fw[field]);
    return rc;
}

int se_explain(se_ctx *c, uint32_t seg, uint32_t doc, double score, cf_buf *out)
{
    int rc = cf_buf_printf(out, "%.6f = sum of: weight * idf * tf*(k1+1) / (tf + norm), "
                           "norm = k1*(1 - b + b*len/avglen); k1=%g b=%g N=%g\n", score,
                           c->bm.k1, c->bm.b, c->n_docs);
    se_segrun sr;
    se_segrun_init(&sr, c, seg);
    se_scorer *root = rc ? NULL : se_build(&sr, c->plan->root);
    if (root && root->ops->advance(root, doc) == doc)
        rc = root->ops->explain(root, out);
    if (!rc)
        rc = sr.rc;
    se_segrun_free(&sr);
    if (!rc && !(rc = cf_buf_putc(out, 0)))
        out->len--;
    return rc;
}
