/*
 * experts.c: the M-step of the experts.  Expert k is fitted with weights v = w post[, k] (n):
 *
 *   gaussian     weighted least squares of y on x: the Cholesky factor of x' diag(v) x (p x p),
 *                then iterative refinement against the residuals, which brings the solution
 *                close to what a QR solve gives; then sigma_k^2 = sum v r^2 / sum v, floored
 *                at sigma_min (unless sigma is fixed);
 *   binomial,    weighted softmax regression of the targets on x (softmax.c), warm-started from
 *   multinomial  the current coefficients.
 *
 * beta (p x MK) and sigma (K) are updated in place.  An expert whose total weight sum v falls
 * below min_weight keeps its parameters and is flagged as frozen.
 */
#define USE_FC_LEN_T
#include <math.h>
#include <string.h>
#include <R_ext/BLAS.h>
#ifndef FCONE
#define FCONE
#endif
#include "moem.h"
#include "linalg.h"
#include "softmax.h"

/* r = y - x beta */
static void residuals(const moem_data *d, const double *beta, double *r)
{
    const double one = 1.0, minus_one = -1.0;
    const int inc = 1;
    memcpy(r, d->y, (size_t) d->n * sizeof(double));
    if (d->p > 0)
        F77_CALL(dgemv)("N", &d->n, &d->p, &minus_one, d->x, &d->n, beta, &inc, &one, r, &inc
                        FCONE);
}

/* g (p) = x' (v r), a block of rows at a time */
static void weighted_score(const moem_data *d, const double *v, const double *r, double *vr,
                           double *g)
{
    const int n = d->n, p = d->p;
    zero_block(p, 1, g, p);
    for (int i0 = 0; i0 < n; i0 += MOEM_CHUNK) {
        int len = n - i0 < MOEM_CHUNK ? n - i0 : MOEM_CHUNK;
        for (int i = 0; i < len; i++) vr[i] = v[i0 + i] * r[i0 + i];
        tcross_add(p, 1, len, d->x + i0, n, vr, len, g, p);
    }
}

static void gaussian_expert(const moem_data *d, int k, double vsum, moem_par *par,
                            moem_work *wk, const moem_control *ctl, moem_status *st)
{
    const int n = d->n, p = d->p;
    softmax_work *sm = &wk->sm;
    double *beta = par->beta + (size_t) k * p, rss = 0.0;
    gram_weighted(n, p, d->x, wk->v, sm->rows, sm->hess, p);
    int status = chol_factor(p, sm->hess, sm->chol, sm->scale);
    if (status != CHOL_OK) st->regularised++;
    if (status == CHOL_FAILED) return;
    residuals(d, beta, wk->resid);
    for (int pass = 0; pass < 4 && p > 0; pass++) {
        double step_size = 0.0, size = 0.0;
        weighted_score(d, wk->v, wk->resid, sm->eta, sm->step);
        chol_solve(p, sm->chol, sm->scale, sm->step);
        for (int j = 0; j < p; j++) {
            beta[j] += sm->step[j];
            step_size = fmax(step_size, fabs(sm->step[j]));
            size = fmax(size, fabs(beta[j]));
        }
        residuals(d, beta, wk->resid);
        if (step_size <= 1e-12 * size) break;
    }
    if (ctl->fix_sigma) return;
    for (int i = 0; i < n; i++) rss += wk->v[i] * wk->resid[i] * wk->resid[i];
    double s = sqrt(rss / vsum);
    if (!(s >= ctl->sigma_min)) {
        s = ctl->sigma_min;
        st->floored[k] = 1;
    }
    par->sigma[k] = s;
}

void experts_mstep(const moem_data *d, moem_par *par, moem_work *wk, const moem_control *ctl,
                   moem_status *st, int *inner)
{
    const int n = d->n, p = d->p, M = d->M;
    *inner = 0;
    for (int k = 0; k < d->K; k++) {
        const double *post = wk->post + (size_t) k * n;
        double vsum = 0.0;
        for (int i = 0; i < n; i++) {
            wk->v[i] = d->w[i] * post[i];
            vsum += wk->v[i];
        }
        if (!(vsum >= ctl->min_weight)) {
            st->frozen[k] = 1;
            continue;
        }
        if (d->family == FAMILY_GAUSSIAN) {
            gaussian_expert(d, k, vsum, par, wk, ctl, st);
            *inner += 1;
        } else {
            softmax_problem pr = { n, p, M, d->x, d->target, wk->v };
            softmax_result res;
            softmax_fit(&pr, par->beta + (size_t) k * M * p, &wk->sm, ctl->inner_maxit,
                        ctl->inner_tol, &res);
            *inner += res.iter;
            st->inner_capped += res.capped;
            st->regularised += res.regularised;
        }
    }
}
