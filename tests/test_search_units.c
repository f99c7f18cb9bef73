/* test_search_units.c: the pieces of the search layer that need no index: the BM25 formula
 * (against values written out here) and the top-k heap (against a full sort). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <math.h>

#include "search/search.h"

static void test_bm25(void **state)
{
    (void)state;
    se_bm25 p = {1.2, 0.75};
    /* idf = ln(1 + (N - n + 0.5) / (n + 0.5)) */
    assert_true(fabs(se_idf(4, 1) - log(1 + 3.5 / 1.5)) < 1e-15);
    assert_true(fabs(se_idf(1000, 1000) - log(1 + 0.5 / 1000.5)) < 1e-15);
    assert_true(se_idf(1000, 1000) > 0); /* never negative, even for a term in every doc */
    /* tf (k1 + 1) / (tf + k1 (1 - b + b len / avglen)) */
    assert_true(fabs(se_tfnorm(&p, 2, 9, 7.25) - 2 * 2.2 / (2 + 1.2 * (0.25 + 0.75 * 9 / 7.25))) <
                1e-15);
    assert_true(fabs(se_length_norm(&p, 10, 0) - 1.2) < 1e-15); /* avglen 0: ratio 1 */
    /* monotone: more tf scores more, a longer field less; bounded by k1 + 1 */
    for (double tf = 1; tf < 50; tf++)
        for (double len = 0; len < 500; len += 7) {
            double s = se_tfnorm(&p, tf, len, 100);
            assert_true(s < 2.2);
            assert_true(se_tfnorm(&p, tf + 1, len, 100) > s);
            assert_true(se_tfnorm(&p, tf, len + 1, 100) < s);
        }
    se_bm25 nob = {1.2, 0};
    assert_true(se_tfnorm(&nob, 3, 1, 100) == se_tfnorm(&nob, 3, 1000, 100));
}

static int cmp_hit(const void *a, const void *b)
{
    const se_hit *x = a, *y = b;
    return se_hit_better(x->score, x->key, y->score, y->key) ? -1
           : se_hit_better(y->score, y->key, x->score, x->key) ? 1 : 0;
}

static void test_topk(void **state)
{
    (void)state;
    uint64_t s = 7;
    for (size_t k = 0; k < 40; k += 3) {
        enum { N = 500 };
        se_hit all[N];
        se_topk t;
        se_topk_init(&t, k);
        for (size_t i = 0; i < N; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            all[i].score = (double)((s >> 40) % 50); /* many ties */
            all[i].key = i;
            assert_true(se_topk_push(&t, all[i].score, all[i].key) >= 0);
            if (se_topk_full(&t) && k > 0)
                assert_true(se_topk_min(&t) == t.h[0].score);
        }
        qsort(all, N, sizeof all[0], cmp_hit);
        se_topk_sort(&t);
        assert_int_equal(t.n, k);
        for (size_t i = 0; i < k; i++) {
            assert_true(t.h[i].score == all[i].score);
            assert_int_equal(t.h[i].key, all[i].key);
        }
        se_topk_free(&t);
    }
    se_topk t;
    se_topk_init(&t, 2);
    assert_true(se_topk_min(&t) == -INFINITY);
    assert_int_equal(se_topk_push(&t, 1.0, 5), 1);
    assert_int_equal(se_topk_push(&t, 1.0, 3), 1);
    assert_int_equal(se_topk_push(&t, 1.0, 9), 0); /* equal score, later document: out */
    assert_int_equal(se_topk_push(&t, 1.0, 1), 1); /* earlier document: in */
    se_topk_sort(&t);
    assert_int_equal(t.h[0].key, 1);
    assert_int_equal(t.h[1].key, 3);
    se_topk_free(&t);
    /* margins: a bound equal to theta is never dropped */
    assert_false(se_cannot_beat(1.0, 1.0));
    assert_true(se_cannot_beat(0.5, 1.0));
    assert_false(se_cannot_beat(1.0, -INFINITY));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bm25),
        cmocka_unit_test(test_topk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
