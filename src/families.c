/*
 * families.c: the registry of the experts' families, by the code R gives them (R/family.R's
 * family_table, in the same order).  A new family is its file and one line here.
 */
#include <stddef.h>
#include "family.h"

extern const moem_family family_gaussian, family_binomial, family_multinomial, family_poisson,
    family_gamma;

static const moem_family *const registry[] = {
    &family_gaussian,    /* 1 */
    &family_binomial,    /* 2 */
    &family_multinomial, /* 3 */
    &family_poisson,     /* 4 */
    &family_gamma        /* 5 */
};

int family_count(void)
{
    return (int) (sizeof registry / sizeof registry[0]);
}

const moem_family *family_of_code(int code)
{
    return code >= 1 && code <= family_count() ? registry[code - 1] : NULL;
}
