/*
 * gating.c: the M-step of the gate: the weighted softmax regression of the posterior
 * probabilities post[, 2..K] (n x (K - 1)) on z (n x q) with the case weights w (n) and the
 * ridge penalty d->penalty_z, solved by Newton's method (softmax.c) or Boehning's bound
 * (bound.c) from the current gate coefficients gate[, 2..K] (q x (K - 1)), updated in place.
 * EM's plan (mstep_plan, moem.h) says which shortcuts apply.  A warm M-step starts from the
 * E-step's gate probabilities (estep->gate_prob) and objective (estep->gate_q), and with the
 * E-step's statistics from their gradient, instead of computing them again; with a gradient in
 * the plan, its gate part receives the gradient at the start.  With `untested` in the plan, a
 * warm M-step may take its last Newton step,
 * the one within tolerance, without the Armijo test's pass over the rows (softmax.c): the
 * coefficients before it are left in mstep->gate_before and the test's figures in *untested, for
 * the caller (em.c) to test at the next E-step.
 */
#include <string.h>
#include "moem.h"
#include "softmax.h"

void gate_mstep(const moem_data *d, moem_par *par, estep_work *estep, mstep_work *mstep,
                const moem_control *ctl, moem_status *st, int *inner, const mstep_plan *plan)
{
    const int warm = plan->warm;
    untested_step *untested = plan->untested;
    *inner = 0;
    if (untested) untested->pending = 0;
    if (d->K < 2) return;
    double f0 = warm ? estep->gate_q - (d->penalty_z ? penalty_gate(d, par) : 0.0) : 0.0;
    softmax_problem pr = {
        .n = d->n, .q = d->q, .m = d->K - 1, .z = d->z, .offset = d->offset_z,
        .target = estep->post + d->n, .v = d->w, .penalty = d->penalty_z,
        .bound = mstep->bound_z.ready ? &mstep->bound_z : NULL, .prob = estep->gate_prob,
        .warm = warm,
        .f0 = f0, .first_gradient = plan->gradient ? plan->gradient->gate : NULL,
        .slack = plan->slack, .saved = mstep->gate_saved.chol ? &mstep->gate_saved : NULL,
        .given_gradient = warm && plan->from_stats ? estep->stats.gate : NULL,
        .before = untested && warm ? mstep->gate_before : NULL, .unit_v = estep->unit_weights
    };
    softmax_result res;
    softmax_fit(&pr, par->gate + d->q, &mstep->sm, ctl->inner_maxit, ctl->inner_tol, &res);
    if (res.deferred) {
        untested->pending = 1;
        untested->f_before = res.f_before;
        untested->least_gain = res.least_gain;
    }
    *inner = res.iter;
    st->inner_capped += res.capped;
    st->regularised += res.regularised;
    st->failed += res.failed;
}
