/*
 * gradient_em.c: one iteration of gradient EM, a single gradient step on EM's Q(. | theta_t)
 * per block, from the gradient that the last E-step left in wk->e.grad (at theta_t the gradient
 * of Q is that of the log-likelihood).  Each block's step is 1 / L, with L a bound on the
 * curvature of Q over the block, computed once from the data (lambda_x and lambda_z are the top
 * eigenvalues of x' diag(w) x and z' diag(w) z) and the family's bound on -d^2 log f / d eta^2
 * (family.h's curvature_bound):
 *
 *   expert k          L = lambda_x curvature_bound: 1 / sigma_k^2 (gaussian), 1/4 (binomial),
 *                     1/4 or 1/2 (multinomial, two or more free classes: Boehning)
 *   gate              L = lambda_z / 4 for K = 2, lambda_z / 2 for K > 2
 *   symmetric model   the same bound for beta (Q's Hessian is at most lambda_x times it)
 *
 * Families without a bound (poisson, Gamma), binomial trials and shared coefficients have no
 * gradient EM (ffi.c refuses them).  With ctl->step > 0 every step is multiplied by it (a step
 * above 1 may overshoot: only 1 guarantees that Q increases).  A ridge penalty adds its largest
 * value to each block's L.  A dispersion is set to the exact maximiser of Q at beta_t from the
 * E-step's sums (family.h), each expert's or, when equal, one from all, within sigma_min's
 * limit as in EM.  Every block step increases Q, so gradient EM never decreases the
 * log-likelihood (the log-posterior).
 */
#include <math.h>
#include "moem.h"

/* 1 / L for a block whose design has top eigenvalue lambda and whose family bounds the
 * curvature by bound, with the largest ridge penalty pen */
static double bounded_step(double lambda, double bound, double pen)
{
    double L = lambda * bound + pen;
    return L > 0 ? 1.0 / L : 0.0;
}

/* The dispersions from the E-step's sums at beta_t: expert k's (k >= 0), or one for all from
 * the sums of the experts that hold weight (k = -1) */
static void dispersion_step(const moem_data *d, moem_par *par, const moem_gradient *g,
                            const moem_control *ctl, moem_status *st, int k)
{
    const moem_family *fam = d->family;
    if (k >= 0) {
        par->sigma[k] = fam->dispersion_update(g->dispersion + 2 * k, ctl->sigma_min,
                                               &st->floored[k]);
        return;
    }
    double pooled[2] = { 0.0, 0.0 };
    int limited = 0;
    for (int e = 0; e < d->K; e++) {
        if (!(g->dispersion[2 * e + 1] > ctl->min_weight)) continue;
        pooled[0] += g->dispersion[2 * e];
        pooled[1] += g->dispersion[2 * e + 1];
    }
    if (!(pooled[1] > 0)) return;
    const double phi = fam->dispersion_update(pooled, ctl->sigma_min, &limited);
    for (int e = 0; e < d->K; e++) {
        par->sigma[e] = phi;
        if (limited) st->floored[e] = 1;
    }
}

static void symmetric_step(const moem_data *d, moem_par *par, const moem_work *wk,
                           const moem_control *ctl, moem_status *st)
{
    const moem_gradient *g = &wk->e.grad;
    const int p = d->p;
    double step = (ctl->step > 0 ? ctl->step : 1.0) *
                  bounded_step(wk->lambda_x, d->family->curvature_bound(1, par->sigma[0]), 0.0);
    for (int j = 0; j < p; j++) {
        par->beta[j] += step * (g->beta[j] - g->beta[p + j]);
        par->beta[p + j] = -par->beta[j];
    }
    if (d->family->has_dispersion && !ctl->fix_sigma) dispersion_step(d, par, g, ctl, st, -1);
}

void gradient_em_step(const moem_data *d, moem_par *par, moem_work *wk,
                      const moem_control *ctl, moem_status *st)
{
    const moem_gradient *g = &wk->e.grad;
    const moem_family *fam = d->family;
    const int p = d->p, M = d->M, q = d->q, dispersion = fam->has_dispersion && !ctl->fix_sigma;
    const double pen_x = penalty_top(d->penalty_x, p), pen_z = penalty_top(d->penalty_z, q);
    const double scale = ctl->step > 0 ? ctl->step : 1.0;
    if (d->symmetric) {
        symmetric_step(d, par, wk, ctl, st);
    } else {
        for (int k = 0; k < d->K; k++) {
            double *beta = par->beta + (size_t) k * M * p;
            const double *gk = g->beta + (size_t) k * M * p;
            double step = bounded_step(wk->lambda_x, fam->curvature_bound(M, par->sigma[k]),
                                       pen_x);
            for (int j = 0; j < M * p; j++) beta[j] += scale * step * gk[j];
            if (!dispersion) continue;
            if (!(g->dispersion[2 * k + 1] > ctl->min_weight)) {
                st->frozen[k] = 1;
                continue;
            }
            if (!ctl->equal_dispersion) dispersion_step(d, par, g, ctl, st, k);
        }
        if (dispersion && ctl->equal_dispersion) dispersion_step(d, par, g, ctl, st, -1);
    }
    if (d->K < 2) return;
    double step = scale * bounded_step(wk->lambda_z, d->K == 2 ? 0.25 : 0.5, pen_z);
    for (int j = 0; j < q * (d->K - 1); j++) par->gate[q + j] += step * g->gate[j];
}
