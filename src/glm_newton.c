/*
 * glm_newton.c: the M-step of experts whose family has no closed form (family.h's
 * MSTEP_NEWTON: poisson, Gamma), and of experts with coefficients shared by all of them
 * (moem_data's p_fixed, x's last columns), by Newton's method with backtracking, warm-started
 * from the current coefficients.  It maximises jointly, over the own coefficients (beta's rows
 * 1 .. own, own = p - p_fixed) of each listed expert and the shared ones (rows own + 1 .. p,
 * the same in every column of beta),
 *
 *     f = sum_{k listed} sum_i w_i post_ik log f_k(y_i | eta_ik) - sum_j lambda_j b_j^2 / 2,
 *     eta_ik = x_i' beta_k + offset_i,
 *
 * with log f, its score and its curvature from the family, lambda the ridge penalty of the own
 * coefficients (none on shared ones).  The joint coefficient vector (D = count own + p_fixed)
 * has each listed expert's own coefficients, then the shared ones.  Expert k's terms of the
 * gradient and of the negative Hessian are x' (v u) and x' diag(v c) x over all p columns
 * (v = w post_k, u = d log f / d eta, c = -d^2 log f / d eta^2): their own rows and columns go
 * to the expert's own block, the shared ones to the shared block, summed over the experts, and
 * the cross terms to the blocks between them; experts' own blocks do not meet.  A pass over
 * the rows (pass.h) computes f, the gradient and the Hessian at once (f alone at the last
 * step's trial, which no step follows).  Newton stops after the step
 * whose half decrement is below max(tol (|f| + 0.1 sum v / n), slack); the last step is kept
 * unless it lowers f by more than rounding.  With shared
 * coefficients this is an exact M-step of all of them at once, as a stacked regression solves
 * it (flexmix's FLXMRglmfix); without, each expert is its own problem (count = 1).
 *
 *   post     n x K       posterior probabilities
 *   beta     p x K       updated in place: the listed experts' own rows, and the shared rows of
 *                        every column
 *   scratch  glm_scratch (moem.h): sums (glm_sums_size); coef, grad, step, trial, scale (D)
 *            and hess, chol (D x D), D up to K own + p_fixed
 */
#include <math.h>
#include <string.h>
#include "moem.h"
#include "linalg.h"

/* eta = x beta_k + offset and v = w post_k over rows i0 .. i0 + len - 1 of expert k (M = 1;
 * beta_k p, post_k n) */
void expert_rows(const moem_data *d, const double *beta_k, const double *post_k, ptrdiff_t i0,
                 int len, double *eta, double *v)
{
    rows_times(len, d->p, 1, d->x + i0, d->n, beta_k, eta);
    offset_add(len, 1, d->offset_x, d->n, i0, eta, len);
    for (int i = 0; i < len; i++) v[i] = d->w[i0 + i] * post_k[i0 + i];
}

/* The arguments of glm_block: the listed experts at the coefficients in beta */
typedef struct {
    const moem_data *d;
    const double *post, *sigma, *beta;
    const int *experts;
    int count, derivatives;
} glm_args;

/* sums[0] += sum_{k listed} sum_i w_i post_ik log f_k(y_i) over rows i0 .. i0 + len - 1, and
 * with derivatives each listed expert's terms of the gradient, x' (v u) (p), and of the
 * negative Hessian, x' diag(v c) x (p x p, upper triangle), in sums[1 ..]: all the gradients,
 * then all the Hessians.  scratch: eta, v, u, c (MOEM_CHUNK each), rows (MOEM_CHUNK x p). */
static void glm_block(const void *args, ptrdiff_t i0, int len, double *scratch, double *sums)
{
    const glm_args *a = args;
    const moem_data *d = a->d;
    const ptrdiff_t n = d->n;
    const int p = d->p;
    const moem_family *fam = d->family;
    const double *y = d->y + i0, *size = d->size ? d->size + i0 : NULL;
    double *eta = scratch, *v = eta + MOEM_CHUNK, *u = v + MOEM_CHUNK, *c = u + MOEM_CHUNK,
           *rows = c + MOEM_CHUNK, *grad = sums + 1, *hess = grad + (size_t) p * a->count;
    for (int e = 0; e < a->count; e++) {
        const int k = a->experts[e];
        double part = 0.0;
        expert_rows(d, a->beta + (size_t) k * p, a->post + (size_t) k * n, i0, len, eta, v);
        fam->logdens(len, 1, y, size, eta, a->sigma[k], u);
        for (int i = 0; i < len; i++)
            if (v[i] > 0) part += v[i] * u[i];
        sums[0] += part;
        if (!a->derivatives) continue;
        fam->curvature(len, y, size, eta, a->sigma[k], c);
        fam->score(len, 1, y, size, a->sigma[k], eta);
        /* a row of weight zero adds nothing, even where its score overflows */
        for (int i = 0; i < len; i++) {
            u[i] = v[i] > 0 ? v[i] * eta[i] : 0.0;
            c[i] = v[i] > 0 ? sqrt(v[i] * c[i]) : 0.0;
        }
        tcross_add(p, 1, len, d->x + i0, (int) n, u, len, grad + (size_t) e * p, p);
        scale_rows((int) n, p, d->x, (int) i0, len, c, rows);
        syrk_add(p, len, rows, hess + (size_t) e * p * p, p);
    }
}

/* Doubles of a thread's scratch in glm_block */
size_t glm_scratch_size(const moem_data *d)
{
    return (size_t) MOEM_CHUNK * (4 + d->p);
}

/* Doubles of glm_block's sums for the experts of one M-step: all K with shared coefficients,
 * else one */
size_t glm_sums_size(const moem_data *d)
{
    const size_t count = d->p_fixed > 0 ? d->K : 1, p = d->p;
    return 1 + count * (p + p * p);
}

/* The cost of one row of glm_block (pass_threads, pass.h), in nanoseconds: for each expert,
 * some 30 for its log-density (40 with its score and curvature) and 1 for each term of its
 * linear predictor, and with derivatives 1 more a term and p / 4 for each of its rank-one
 * update of the Hessian. */
double glm_row_cost(int p, int count, int derivatives)
{
    const double terms = (double) p * count;
    return derivatives ? 40.0 * count + 2.0 * terms + terms * p / 4 : 30.0 * count + terms;
}

/* f at the coefficients in beta, and with derivatives its joint gradient and negative Hessian
 * (upper triangle); returns -Inf when f is not finite */
static double evaluate(const moem_data *d, const double *post, const double *sigma,
                       const int *experts, int count, const double *beta, int derivatives,
                       glm_scratch *s)
{
    const int p = d->p, own = p - d->p_fixed, D = count * own + d->p_fixed;
    const glm_args args = { .d = d, .post = post, .sigma = sigma, .beta = beta,
                            .experts = experts, .count = count, .derivatives = derivatives };
    const moem_pass pass = {
        .block = glm_block, .args = &args, .n = d->n,
        .size = derivatives ? 1 + (size_t) count * (p + (size_t) p * p) : 1,
        .row_cost = glm_row_cost(p, count, derivatives), .narrow = narrow_terms((size_t) p * count)
    };
    pass_run(&pass, s->pass, s->sums);
    double f = s->sums[0];
    if (derivatives) {
        memset(s->grad, 0, (size_t) D * sizeof(double));
        memset(s->hess, 0, (size_t) D * D * sizeof(double));
    }
    /* the experts' terms into the joint gradient and Hessian (upper triangles) */
    const int shared = count * own;
    const double *expert_grad = s->sums + 1, *expert_hess = expert_grad + (size_t) p * count;
    for (int e = 0; e < count; e++) {
        const double *g = expert_grad + (size_t) e * p, *h = expert_hess + (size_t) e * p * p;
        const int at = e * own;
        if (d->penalty_x) {
            const double *b = beta + (size_t) experts[e] * p;
            for (int j = 0; j < own; j++) f -= 0.5 * d->penalty_x[j] * b[j] * b[j];
        }
        if (!derivatives) continue;
        for (int j = 0; j < own; j++) s->grad[at + j] = g[j];
        for (int j = own; j < p; j++) s->grad[shared + j - own] += g[j];
        for (int c = 0; c < p; c++) {
            const int column = c < own ? at + c : shared + c - own;
            for (int r = 0; r <= c; r++) {
                const int row = r < own ? at + r : shared + r - own;
                s->hess[row + (size_t) column * D] += h[r + (size_t) c * p];
            }
        }
        if (d->penalty_x) {
            const double *b = beta + (size_t) experts[e] * p;
            for (int j = 0; j < own; j++) {
                s->grad[at + j] -= d->penalty_x[j] * b[j];
                s->hess[(at + j) * ((size_t) D + 1)] += d->penalty_x[j];
            }
        }
    }
    return isfinite(f) ? f : -INFINITY;
}

/* beta = the joint coefficients c: the listed experts' own rows, and the shared rows of every
 * column */
static void set_coefficients(const moem_data *d, const int *experts, int count, const double *c,
                             double *beta)
{
    const int p = d->p, own = p - d->p_fixed;
    for (int e = 0; e < count; e++)
        memcpy(beta + (size_t) experts[e] * p, c + (size_t) e * own, (size_t) own * sizeof(double));
    for (int k = 0; k < d->K && d->p_fixed > 0; k++)
        memcpy(beta + (size_t) k * p + own, c + (size_t) count * own,
               (size_t) d->p_fixed * sizeof(double));
}

void glm_newton(const moem_data *d, const double *post, const double *sigma, const int *experts,
                int count, double *beta, glm_scratch *s, int maxit, double tol, double slack,
                glm_result *res)
{
    const int p = d->p, own = p - d->p_fixed, D = count * own + d->p_fixed;
    double vsum = 0.0;
    memset(res, 0, sizeof *res);
    res->capped = 1;
    if (D == 0 || count == 0) {
        res->capped = 0;
        return;
    }
    for (int e = 0; e < count; e++)
        for (int i = 0; i < d->n; i++) vsum += d->w[i] * post[i + (size_t) experts[e] * d->n];
    const double scale = 0.1 * vsum / d->n;
    /* the start: the listed experts' own rows, and the first one's shared rows */
    for (int e = 0; e < count; e++)
        memcpy(s->coef + (size_t) e * own, beta + (size_t) experts[e] * p,
               (size_t) own * sizeof(double));
    memcpy(s->coef + (size_t) count * own, beta + (size_t) experts[0] * p + own,
           (size_t) d->p_fixed * sizeof(double));
    set_coefficients(d, experts, count, s->coef, beta);
    double f = evaluate(d, post, sigma, experts, count, beta, 1, s);
    if (!isfinite(f)) {
        res->failed = 1;
        res->capped = 0;
        return;
    }
    for (int it = 0; it < maxit; it++) {
        double decrement = 0.0;
        int status = chol_factor(D, s->hess, s->chol, s->scale);
        if (status == CHOL_FAILED) {
            res->failed = 1;
            res->capped = 0;
            break;
        }
        if (status == CHOL_RIDGE) res->regularised = 1;
        memcpy(s->step, s->grad, (size_t) D * sizeof(double));
        chol_solve(D, s->chol, s->scale, s->step);
        for (int j = 0; j < D; j++) decrement += s->grad[j] * s->step[j];
        const int last = !(decrement > 2.0 * fmax(tol * (fabs(f) + scale), slack));
        const double rounding = 1e-12 * (fabs(f) + scale);
        int accepted = 0;
        double alpha = 1.0, trial_f = -INFINITY;
        for (int halving = 0; halving < 40 && !accepted; halving++, alpha *= 0.5) {
            for (int j = 0; j < D; j++) s->trial[j] = s->coef[j] + alpha * s->step[j];
            set_coefficients(d, experts, count, s->trial, beta);
            /* the last step's objective alone: no Newton step follows it */
            trial_f = evaluate(d, post, sigma, experts, count, beta, !last, s);
            accepted = last ? trial_f >= f - rounding
                            : trial_f >= f + 1e-4 * alpha * decrement;
            if (last) break;
        }
        if (!accepted) {
            /* no ascent along the Newton direction: the optimum to rounding */
            set_coefficients(d, experts, count, s->coef, beta);
            res->capped = 0;
            break;
        }
        memcpy(s->coef, s->trial, (size_t) D * sizeof(double));
        f = trial_f;
        res->iter++;
        if (last) {
            res->capped = 0;
            break;
        }
    }
}
