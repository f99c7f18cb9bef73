/* bm25.c: the BM25 formula (Robertson's form, with the (k1 + 1) factor) used for scores,
 * upper bounds and explanations alike, so that all three agree to the last bit. */
#include <math.h>

#include "search/search.h"

double se_idf(double n_docs, double df)
{
    return log(1.0 + (n_docs - df + 0.5) / (df + 0.5));
}

double se_length_norm(const se_bm25 *p, double len, double avglen)
{
    double ratio = avglen > 0 ? len / avglen : 1.0;
    return p->k1 * (1.0 - p->b + p->b * ratio);
}

double se_tfnorm(const se_bm25 *p, double tf, double len, double avglen)
{
    return tf * (p->k1 + 1.0) / (tf + se_length_norm(p, len, avglen));
}
