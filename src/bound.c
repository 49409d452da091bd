/*
 * bound.c: Boehning's bound for the softmax M-steps with many coefficients, where Newton's
 * Hessian (q m x q m) is too costly.  With G = z' diag(w) z (q x q) and A = (I - 11'/(m+1)) / 2,
 * the softmax log-likelihood's negative Hessian is at most A (x) G for any row weights v <= w
 * (Boehning 1992), so with the ridge penalty Lambda (diagonal, q) the step
 *
 *     G Delta A + Lambda Delta = grad,   grad = z' (v (t - p)) - Lambda B   (q x m)
 *
 * maximises a quadratic lower bound of the objective: every step increases it, without a line
 * search.  A's eigenvalues are 1/2 off the direction of 1 and 1 / (2 (m + 1)) along it, so with
 * s = grad 1 / m the step is
 *
 *     Delta = (G/2 + Lambda)^{-1} (grad - s 1') + (G / (2 (m + 1)) + Lambda)^{-1} s 1'.
 *
 * The two q x q factors depend only on the data, and are computed once per fit (bound_setup,
 * from G; work is q x q scratch).
 */
#include <math.h>
#include <string.h>
#include "softmax.h"
#include "linalg.h"

static int factor_scaled(int q, const double *gram, double a, const double *penalty,
                         double *work, double *chol, double *scale)
{
    for (int j = 0; j < q; j++) {
        for (int i = 0; i <= j; i++) work[i + (size_t) j * q] = a * gram[i + (size_t) j * q];
        if (penalty) work[j + (size_t) j * q] += penalty[j];
    }
    return chol_factor(q, work, chol, scale);
}

/* Fills b's factors from G (q x q, upper triangle).  Returns the worse chol_factor status. */
int bound_setup(int q, int m, const double *gram, const double *penalty, double *work,
                softmax_bound *b)
{
    int status = 0, st;
    if (m > 1) {
        st = factor_scaled(q, gram, 0.5, penalty, work, b->chol_perp, b->scale_perp);
        if (st > status) status = st;
    }
    st = factor_scaled(q, gram, 0.5 / (m + 1), penalty, work, b->chol_ones, b->scale_ones);
    if (st > status) status = st;
    b->ready = 1;
    return status;
}

/* step (q x m) from grad (q x m), as above */
static void bound_solve(const softmax_bound *b, int q, int m, const double *grad, double *step,
                        double *mean)
{
    for (int j = 0; j < q; j++) {
        mean[j] = 0.0;
        for (int c = 0; c < m; c++) mean[j] += grad[j + (size_t) c * q];
        mean[j] /= m;
    }
    if (m > 1) {
        for (int c = 0; c < m; c++) {
            double *sc = step + (size_t) c * q;
            for (int j = 0; j < q; j++) sc[j] = grad[j + (size_t) c * q] - mean[j];
            chol_solve(q, b->chol_perp, b->scale_perp, sc);
        }
    } else {
        memset(step, 0, (size_t) q * sizeof(double));
    }
    chol_solve(q, b->chol_ones, b->scale_ones, mean);
    for (int c = 0; c < m; c++)
        for (int j = 0; j < q; j++) step[j + (size_t) c * q] += mean[j];
}

void bound_fit(const softmax_problem *pr, double *coef, softmax_work *wk, int maxit,
               double tol, softmax_result *res)
{
    const int D = pr->q * pr->m;
    double f = pr->warm ? pr->f0 : softmax_objective(pr, coef, wk);
    double scale = 0.1 * softmax_mean_weight(pr);
    res->iter = 0;
    res->capped = 0; /* a capped run is a partial M-step that still climbs: not reported */
    res->regularised = 0;
    res->failed = 0;
    while (res->iter < maxit) {
        double gain = 0.0;
        softmax_gradient(pr, coef, wk, res->iter == 0);
        bound_solve(pr->bound, pr->q, pr->m, wk->grad, wk->step, wk->trial);
        for (int j = 0; j < D; j++) {
            gain += wk->grad[j] * wk->step[j];
            coef[j] += wk->step[j];
        }
        res->iter++;
        if (!(gain > 2.0 * fmax(tol * (fabs(f) + scale), pr->slack))) break;
        if (res->iter < maxit) f = softmax_objective(pr, coef, wk);
    }
}
