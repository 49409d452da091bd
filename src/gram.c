/*
 * gram.c: the weighted Gram matrix x' diag(v) x of a design, as a pass over its rows (pass.h).
 *
 *   x    n x p   the design
 *   v    n       weights >= 0
 *   out  p x p   the upper triangle of x' diag(v) x (the lower one is left as it was)
 */
#include <math.h>
#include <string.h>
#include "moem.h"
#include "linalg.h"

typedef struct {
    ptrdiff_t n;
    int p;
    const double *x, *v;
} gram_args;

/* sums (p x p) += x' diag(v) x over rows i0 .. i0 + len - 1; scratch: MOEM_CHUNK x p */
static void gram_block(const void *args, ptrdiff_t i0, int len, double *scratch, double *sums)
{
    const gram_args *a = args;
    double root[MOEM_CHUNK];
    for (int i = 0; i < len; i++) root[i] = sqrt(a->v[i0 + i]);
    scale_rows((int) a->n, a->p, a->x, (int) i0, len, root, scratch);
    syrk_add(a->p, len, scratch, sums, a->p);
}

/* Doubles of a thread's scratch in the pass of a design of p columns */
size_t gram_scratch_size(int p)
{
    return (size_t) MOEM_CHUNK * p;
}

/* Doubles of the pass's sums */
size_t gram_sums_size(int p)
{
    return (size_t) p * p;
}

void gram_pass(pass_work *w, ptrdiff_t n, int p, const double *x, const double *v, double *out)
{
    const gram_args args = { .n = n, .p = p, .x = x, .v = v };
    const moem_pass pass = { .block = gram_block, .args = &args, .n = n,
                             .size = gram_sums_size(p), .row_cost = 0.5 * p * p + 2.0,
                             .narrow = narrow_terms((size_t) p) };
    pass_run(&pass, w, out);
}
