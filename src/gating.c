/*
 * gating.c: the M-step of the gate: the weighted softmax regression of the posterior
 * probabilities post[, 2..K] (n x (K - 1)) on z (n x q) with the case weights w (n) and the
 * ridge penalty d->penalty_z, solved by Newton's method (softmax.c) or Boehning's bound
 * (bound.c) from the current gate coefficients gate[, 2..K] (q x (K - 1)), updated in place.
 * A warm M-step starts from the E-step's gate probabilities (wk->gate_prob) and objective
 * (wk->gate_q) instead of computing them again; with grad set, grad->gate receives the
 * gradient at the start.
 *
 * A warm M-step takes its last Newton step, the one within tolerance, without the Armijo
 * test's pass over the rows (softmax.c): the next E-step computes the objective there as it
 * passes over the rows (estep.c), and gate_step_kept then tests the step.  A step that fails
 * goes back to where the M-step's earlier steps had brought the gate (when it was the only
 * one, EM's iteration has updated the experts alone: the log-likelihood still rises), and the
 * next M-step computes a fresh Hessian.
 */
#include <string.h>
#include "moem.h"
#include "softmax.h"

void gate_mstep(const moem_data *d, moem_par *par, moem_work *wk, const moem_control *ctl,
                moem_status *st, int *inner, int warm, moem_gradient *grad)
{
    *inner = 0;
    if (d->K < 2) return;
    gate_check *check = &wk->gate_check;
    double f0 = warm ? wk->gate_q - (d->penalty_z ? penalty_gate(d, par) : 0.0) : 0.0;
    softmax_problem pr = {
        .n = d->n, .q = d->q, .m = d->K - 1, .z = d->z, .offset = d->offset_z,
        .target = wk->post + d->n, .v = d->w, .penalty = d->penalty_z,
        .bound = wk->bound_z.ready ? &wk->bound_z : NULL, .prob = wk->gate_prob, .warm = warm,
        .f0 = f0, .first_gradient = grad ? grad->gate : NULL, .slack = wk->slack,
        .saved = wk->gate_saved.chol ? &wk->gate_saved : NULL,
        .given_gradient = warm && wk->stats.ready ? wk->stats.gate : NULL,
        .before = warm ? check->before : NULL, .unit_v = wk->unit_weights
    };
    softmax_result res;
    softmax_fit(&pr, par->gate + d->q, &wk->sm, ctl->inner_maxit, ctl->inner_tol, &res);
    if (res.deferred) {
        check->pending = 1;
        check->f0 = res.f_before;
        check->gain = res.least_gain;
    }
    *inner = res.iter;
    st->inner_capped += res.capped;
    st->regularised += res.regularised;
    st->failed += res.failed;
}

/* The Armijo test of a deferred step, from the E-step's check->q at the new coefficients.
 * Returns 1 if the step stands; else the gate goes back to its coefficients before the step,
 * the saved factor is dropped, and 0 tells the caller to run the E-step again. */
int gate_step_kept(const moem_data *d, moem_par *par, moem_work *wk)
{
    gate_check *check = &wk->gate_check;
    check->pending = 0;
    double f = check->q - (d->penalty_z ? penalty_gate(d, par) : 0.0);
    if (f >= check->f0 + check->gain) return 1;
    memcpy(par->gate + d->q, check->before, (size_t) d->q * (d->K - 1) * sizeof(double));
    wk->gate_saved.valid = 0;
    return 0;
}
