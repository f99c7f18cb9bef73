/* fold.c: Han variant folding (traditional, simplified and Japanese shinjitai forms to one
 * form) through the two-level table that mkvariants.c generates at build time. */
#include "analysis.h"

#include "an_variants.h"

uint32_t an_fold(uint32_t cp)
{
    uint32_t hi = cp >> AN_VAR_SHIFT;
    if (hi >= AN_VAR_STAGE1_LEN)
        return cp;
    uint32_t block = an_var_stage1[hi];
    uint32_t t = an_var_stage2[block << AN_VAR_SHIFT | (cp & ((1u << AN_VAR_SHIFT) - 1))];
    return t ? an_var_target[t] : cp;
}

size_t an_fold_count(void)
{
    return AN_VAR_MAPPED;
}
