/*
 * gating.c: the M-step of the gate: the weighted softmax regression of the posterior
 * probabilities post[, 2..K] (n x (K - 1)) on z (n x q) with the case weights w (n) and the
 * ridge penalty d->penalty_z, solved by Newton's method (softmax.c) or Boehning's bound
 * (bound.c) from the current gate coefficients gate[, 2..K] (q x (K - 1)), updated in place.
 * A warm M-step starts from the E-step's gate probabilities (wk->gate_prob) and objective
 * (wk->gate_q) instead of computing them again; with grad set, grad->gate receives the
 * gradient at the start.
 */
#include "moem.h"
#include "softmax.h"

void gate_mstep(const moem_data *d, moem_par *par, moem_work *wk, const moem_control *ctl,
                moem_status *st, int *inner, int warm, moem_gradient *grad)
{
    *inner = 0;
    if (d->K < 2) return;
    double f0 = warm ? wk->gate_q - (d->penalty_z ? penalty_gate(d, par) : 0.0) : 0.0;
    softmax_problem pr = { d->n, d->q, d->K - 1, d->z, wk->post + d->n, d->w, d->penalty_z,
                           wk->bound_z.ready ? &wk->bound_z : NULL, wk->gate_prob, warm, f0,
                           grad ? grad->gate : NULL, wk->slack,
                           wk->gate_saved.chol ? &wk->gate_saved : NULL,
                           warm && wk->stats.ready ? wk->stats.gate : NULL };
    softmax_result res;
    softmax_fit(&pr, par->gate + d->q, &wk->sm, ctl->inner_maxit, ctl->inner_tol, &res);
    *inner = res.iter;
    st->inner_capped += res.capped;
    st->regularised += res.regularised;
    st->failed += res.failed;
}
