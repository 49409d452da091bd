/*
 * gating.c: the M-step of the gate: the weighted softmax regression of the posterior
 * probabilities post[, 2..K] (n x (K - 1)) on z (n x q) with the case weights w (n) and the
 * ridge penalty d->penalty_z, solved by Newton's method (softmax.c) or Boehning's bound
 * (bound.c) from the current gate coefficients gate[, 2..K] (q x (K - 1)), updated in place.
 */
#include "moem.h"
#include "softmax.h"

void gate_mstep(const moem_data *d, moem_par *par, moem_work *wk, const moem_control *ctl,
                moem_status *st, int *inner)
{
    *inner = 0;
    if (d->K < 2) return;
    softmax_problem pr = { d->n, d->q, d->K - 1, d->z, wk->post + d->n, d->w, d->penalty_z,
                           wk->bound_z.ready ? &wk->bound_z : NULL };
    softmax_result res;
    softmax_fit(&pr, par->gate + d->q, &wk->sm, ctl->inner_maxit, ctl->inner_tol, &res);
    *inner = res.iter;
    st->inner_capped += res.capped;
    st->regularised += res.regularised;
    st->failed += res.failed;
}
