/*
 * glm_newton.c: the M-step of experts whose family has no closed form (family.h's
 * MSTEP_NEWTON: poisson, Gamma), and of coefficients shared by all experts (moem_data's
 * p_fixed), by Newton's method with backtracking, warm-started from the current coefficients.
 * It maximises, over the rows j0 .. j0 + cols - 1 of the listed experts' columns of beta
 * (p x K; the same coefficients c in each of them),
 *
 *     f(c) = sum_{k listed} sum_i w_i post_ik log f_k(y_i | eta_ik) - sum_j lambda_j c_j^2 / 2,
 *     eta_ik = x_i' beta_k + offset_i,
 *
 * with log f, its score and its curvature from the family, lambda the ridge penalty of those
 * rows (for one expert's own coefficients only).  The gradient is X' (v u) and the negative
 * Hessian X' diag(v c) X over the columns X = x[, j0 .. j0 + cols - 1], summed over the listed
 * experts (v = w post_k, u = d log f / d eta, c = -d^2 log f / d eta^2).  Every pass computes
 * f, the gradient and the Hessian at once, a block of MOEM_CHUNK rows at a time, in order.
 * Newton stops after the step whose half decrement is below max(tol (|f| + 0.1 sum v / n),
 * slack); the last step is kept unless it lowers f by more than rounding.
 *
 *   post     n x K       posterior probabilities
 *   beta     p x K       updated in place: rows j0 .. of every listed expert's column (of every
 *                        column when all = 1, to keep shared coefficients equal)
 *   scratch  glm_scratch: 4 x MOEM_CHUNK doubles and MOEM_CHUNK x cols rows; grad, step,
 *            trial, scale (cols) and hess, chol (cols x cols)
 */
#include <math.h>
#include <string.h>
#include "moem.h"
#include "linalg.h"

/* f at the coefficients in beta, with its gradient and negative Hessian (upper triangle) over
 * the fitted rows; returns -Inf when f is not finite */
static double evaluate(const moem_data *d, const double *post, const double *sigma,
                       const int *experts, int count, int j0, int cols, const double *beta,
                       glm_scratch *s)
{
    const ptrdiff_t n = d->n;
    const moem_family *fam = d->family;
    double f = 0.0;
    memset(s->grad, 0, (size_t) cols * sizeof(double));
    memset(s->hess, 0, (size_t) cols * cols * sizeof(double));
    for (ptrdiff_t b = 0; b * MOEM_CHUNK < n; b++) {
        const ptrdiff_t i0 = b * MOEM_CHUNK;
        const int len = block_rows(n, b);
        const double *y = d->y + i0, *size = d->size ? d->size + i0 : NULL;
        for (int e = 0; e < count; e++) {
            const int k = experts[e];
            const double *pk = post + (size_t) k * n + i0;
            double part = 0.0;
            rows_times(len, d->p, 1, d->x + i0, (int) n, beta + (size_t) k * d->p, s->eta);
            offset_add(len, 1, d->offset_x, n, i0, s->eta, len);
            for (int i = 0; i < len; i++) s->v[i] = d->w[i0 + i] * pk[i];
            fam->logdens(len, 1, y, size, s->eta, sigma[k], s->u);
            for (int i = 0; i < len; i++)
                if (s->v[i] > 0) part += s->v[i] * s->u[i];
            f += part;
            fam->curvature(len, y, size, s->eta, sigma[k], s->c);
            fam->score(len, 1, y, size, sigma[k], s->eta);
            for (int i = 0; i < len; i++) {
                s->u[i] = s->v[i] > 0 ? s->v[i] * s->eta[i] : 0.0;
                s->c[i] = s->v[i] > 0 ? sqrt(s->v[i] * s->c[i]) : 0.0;
            }
            tcross_add(cols, 1, len, d->x + (size_t) j0 * n + i0, (int) n, s->u, len, s->grad,
                       cols);
            scale_rows((int) n, cols, d->x + (size_t) j0 * n, (int) i0, len, s->c, s->rows);
            syrk_add(cols, len, s->rows, s->hess, cols);
        }
    }
    if (d->penalty_x && count == 1) {
        const double *c = beta + (size_t) experts[0] * d->p + j0;
        for (int j = 0; j < cols; j++) {
            const double lambda = d->penalty_x[j0 + j];
            f -= 0.5 * lambda * c[j] * c[j];
            s->grad[j] -= lambda * c[j];
            s->hess[j + (size_t) j * cols] += lambda;
        }
    }
    return isfinite(f) ? f : -INFINITY;
}

/* rows j0 .. j0 + cols - 1 of the listed experts' columns (or of all K) = c */
static void set_rows(const moem_data *d, const int *experts, int count, int all, int j0,
                     int cols, const double *c, double *beta)
{
    const int columns = all ? d->K : count;
    for (int e = 0; e < columns; e++) {
        const int k = all ? e : experts[e];
        memcpy(beta + (size_t) k * d->p + j0, c, (size_t) cols * sizeof(double));
    }
}

void glm_newton(const moem_data *d, const double *post, const double *sigma, const int *experts,
                int count, int all, int j0, int cols, double *beta, glm_scratch *s, int maxit,
                double tol, double slack, glm_result *res)
{
    const double *start = beta + (size_t) experts[0] * d->p + j0;
    double vsum = 0.0;
    memset(res, 0, sizeof *res);
    res->capped = 1;
    if (cols == 0) {
        res->capped = 0;
        return;
    }
    for (int e = 0; e < count; e++)
        for (int i = 0; i < d->n; i++) vsum += d->w[i] * post[i + (size_t) experts[e] * d->n];
    const double scale = 0.1 * vsum / d->n;
    memcpy(s->coef, start, (size_t) cols * sizeof(double));
    set_rows(d, experts, count, all, j0, cols, s->coef, beta);
    double f = evaluate(d, post, sigma, experts, count, j0, cols, beta, s);
    if (!isfinite(f)) {
        res->failed = 1;
        res->capped = 0;
        return;
    }
    for (int it = 0; it < maxit; it++) {
        double decrement = 0.0;
        int status = chol_factor(cols, s->hess, s->chol, s->scale);
        if (status == CHOL_FAILED) {
            res->failed = 1;
            res->capped = 0;
            break;
        }
        if (status == CHOL_RIDGE) res->regularised = 1;
        memcpy(s->step, s->grad, (size_t) cols * sizeof(double));
        chol_solve(cols, s->chol, s->scale, s->step);
        for (int j = 0; j < cols; j++) decrement += s->grad[j] * s->step[j];
        const int last = !(decrement > 2.0 * fmax(tol * (fabs(f) + scale), slack));
        const double rounding = 1e-12 * (fabs(f) + scale);
        int accepted = 0;
        double alpha = 1.0, trial_f = -INFINITY;
        for (int halving = 0; halving < 40 && !accepted; halving++, alpha *= 0.5) {
            for (int j = 0; j < cols; j++) s->trial[j] = s->coef[j] + alpha * s->step[j];
            set_rows(d, experts, count, all, j0, cols, s->trial, beta);
            trial_f = evaluate(d, post, sigma, experts, count, j0, cols, beta, s);
            accepted = last ? trial_f >= f - rounding
                            : trial_f >= f + 1e-4 * alpha * decrement;
            if (last) break;
        }
        if (!accepted) {
            /* no ascent along the Newton direction: the optimum to rounding */
            set_rows(d, experts, count, all, j0, cols, s->coef, beta);
            res->capped = 0;
            break;
        }
        memcpy(s->coef, s->trial, (size_t) cols * sizeof(double));
        f = trial_f;
        res->iter++;
        if (last) {
            res->capped = 0;
            break;
        }
    }
}
