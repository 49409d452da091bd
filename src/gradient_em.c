/*
 * gradient_em.c: one iteration of gradient EM, a single gradient step on EM's Q(. | theta_t)
 * per block, from the gradient that the last E-step left in wk->grad (at theta_t the gradient
 * of Q is that of the log-likelihood).  Each block's step is 1 / L, with L a bound on the
 * curvature of Q over the block, computed once from the data (lambda_x and lambda_z are the top
 * eigenvalues of x' diag(w) x and z' diag(w) z):
 *
 *   gaussian expert k           L = lambda_x / sigma_k^2  (Q's Hessian: x' diag(w post_k) x / sigma_k^2)
 *   softmax expert, C classes   L = lambda_x / 4 for C = 2, lambda_x / 2 for C > 2 (Boehning)
 *   gate                        L = lambda_z / 4 for K = 2, lambda_z / 2 for K > 2
 *   symmetric model             the same bounds for beta (Q's Hessian is x' diag(w) x / sigma^2
 *                               for gaussian experts, at most x' diag(w) x / 4 for logistic)
 *
 * With ctl->step > 0 every step is multiplied by it (a step above 1 may overshoot: only 1
 * guarantees that Q increases).  A ridge penalty adds its largest value to each block's L.  A gaussian sigma_k is set to the
 * exact maximiser of Q at beta_t: sqrt(rss_k / size_k), floored as in EM.  Every block step
 * increases Q, so gradient EM never decreases the log-likelihood (the log-posterior).
 */
#include <math.h>
#include "moem.h"

/* 1 / L for a softmax block with m + 1 classes whose design has top eigenvalue lambda, with
 * the largest ridge penalty pen */
static double softmax_step(double lambda, int m, double pen)
{
    double L = lambda * (m == 1 ? 0.25 : 0.5) + pen;
    return L > 0 ? 1.0 / L : 0.0;
}

static double gaussian_step(double lambda, double sigma, double pen)
{
    double L = lambda / (sigma * sigma) + pen;
    return L > 0 ? 1.0 / L : 0.0;
}

static void symmetric_step(const moem_data *d, moem_par *par, const moem_work *wk,
                           const moem_control *ctl, moem_status *st)
{
    const moem_gradient *g = &wk->grad;
    const int p = d->p, gaussian = d->family == FAMILY_GAUSSIAN;
    double step = (ctl->step > 0 ? ctl->step : 1.0) *
                  (gaussian ? gaussian_step(wk->lambda_x, par->sigma[0], 0.0)
                            : softmax_step(wk->lambda_x, 1, 0.0));
    for (int j = 0; j < p; j++) {
        par->beta[j] += step * (g->beta[j] - g->beta[p + j]);
        par->beta[p + j] = -par->beta[j];
    }
    if (gaussian && !ctl->fix_sigma) {
        double s = sqrt((g->rss[0] + g->rss[1]) / (g->size[0] + g->size[1]));
        if (!(s >= ctl->sigma_min)) {
            s = ctl->sigma_min;
            st->floored[0] = 1;
        }
        par->sigma[0] = par->sigma[1] = s;
    }
}

void gradient_em_step(const moem_data *d, moem_par *par, moem_work *wk,
                      const moem_control *ctl, moem_status *st)
{
    const moem_gradient *g = &wk->grad;
    const int p = d->p, M = d->M, q = d->q;
    const double pen_x = penalty_top(d->penalty_x, p), pen_z = penalty_top(d->penalty_z, q);
    const double scale = ctl->step > 0 ? ctl->step : 1.0;
    if (d->symmetric) {
        symmetric_step(d, par, wk, ctl, st);
    } else {
        for (int k = 0; k < d->K; k++) {
            double *beta = par->beta + (size_t) k * M * p;
            const double *gk = g->beta + (size_t) k * M * p;
            int gaussian = d->family == FAMILY_GAUSSIAN;
            double step = gaussian ? gaussian_step(wk->lambda_x, par->sigma[k], pen_x)
                                   : softmax_step(wk->lambda_x, M, pen_x);
            for (int j = 0; j < M * p; j++) beta[j] += scale * step * gk[j];
            if (!gaussian || ctl->fix_sigma) continue;
            if (!(g->size[k] > ctl->min_weight)) {
                st->frozen[k] = 1;
                continue;
            }
            double s = sqrt(g->rss[k] / g->size[k]);
            if (!(s >= ctl->sigma_min)) {
                s = ctl->sigma_min;
                st->floored[k] = 1;
            }
            par->sigma[k] = s;
        }
    }
    if (d->K < 2) return;
    double step = scale * softmax_step(wk->lambda_z, d->K - 1, pen_z);
    for (int j = 0; j < q * (d->K - 1); j++) par->gate[q + j] += step * g->gate[j];
}
