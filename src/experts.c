/*
 * experts.c: the M-step of the experts.  Expert k is fitted with weights v = w post[, k] (n),
 * by the kind of M-step its family names (family.h):
 *
 *   least squares  (gaussian) weighted least squares of y on x: the Cholesky factor of
 *                  x' diag(v) x (p x p), from the E-step's statistics (stats.c) when EM has
 *                  them, and iterative refinement against the residuals when LAPACK's condition
 *                  estimate says the factor alone may fall short of what a QR solve gives;
 *   softmax        (binomial, multinomial) weighted softmax regression of the targets on x
 *                  with weights v size, warm-started from the current coefficients, by Newton's
 *                  method (softmax.c) or Boehning's bound (bound.c);
 *   Newton         (poisson, Gamma) Newton's method on sum v log f (glm_newton.c).
 *
 * Then the dispersions (gaussian sigma, Gamma shape) by maximum likelihood from the family's
 * sums at the new coefficients (unless known): each expert's, or one for all experts from the
 * sums of all (ctl->equal_dispersion), kept within sigma_min's limit.  With coefficients
 * shared by all experts (d->p_fixed), the experts' own coefficients and the shared ones are
 * fitted at once by Newton's method, whatever the family (glm_newton.c): an exact M-step, as
 * a stacked regression would solve it.
 *
 * With a ridge penalty (d->penalty_x) each fit maximises its part of the log-posterior (for a
 * gaussian expert the ridge of its least squares is sigma_k^2 times the penalty).  The
 * driver's plan (mstep_plan, moem.h) says which of EM's shortcuts apply: the E-step's
 * statistics (from_stats), a slack within which a block may stop, and a gradient that each
 * least squares or softmax block fills with the log-posterior's gradient at the parameters it
 * starts from, which its first pass computes anyway (EM records it instead of a separate
 * pass).
 *
 * beta (p x MK) and sigma (K) are updated in place.  An expert whose total weight sum v falls
 * below min_weight keeps its parameters and is flagged as frozen; a block whose matrix cannot be
 * factored (only with non-finite cross-products) keeps its parameters and is counted as failed.
 *
 * The symmetric model (beta_2 = -beta_1, K = 2) has one block for both experts, with
 * r = post[, 1]:
 *   gaussian   beta = weighted least squares of (2 r - 1) y on x with weights w;
 *              sigma^2 = sum w (r (y - x'beta)^2 + (1 - r) (y + x'beta)^2) / sum w
 *   binomial   beta = weighted logistic regression of the soft target r y + (1 - r)(1 - y).
 */
#include <math.h>
#include <string.h>
#include "moem.h"
#include "linalg.h"
#include "softmax.h"

/* The arguments of the least squares passes: r = u - x beta - offset, and x' (v r) */
typedef struct {
    const moem_data *d;
    const double *u, *beta, *v, *r;
    double *resid;
} least_squares_args;

/* r = u - x beta - offset over rows i0 .. i0 + len - 1 (no sums) */
static void residuals_block(const void *args, ptrdiff_t i0, int len, double *scratch,
                            double *sums)
{
    const least_squares_args *a = args;
    const moem_data *d = a->d;
    double *r = a->resid + i0;
    (void) scratch;
    (void) sums;
    rows_times(len, d->p, 1, d->x + i0, d->n, a->beta, r);
    offset_add(len, 1, d->offset_x, d->n, i0, r, len);
    for (int i = 0; i < len; i++) r[i] = a->u[i0 + i] - r[i];
}

/* sums (p) += x' (v r) over rows i0 .. i0 + len - 1; scratch: MOEM_CHUNK */
static void score_block(const void *args, ptrdiff_t i0, int len, double *scratch, double *sums)
{
    const least_squares_args *a = args;
    const moem_data *d = a->d;
    for (int i = 0; i < len; i++) scratch[i] = a->v[i0 + i] * a->r[i0 + i];
    tcross_add(d->p, 1, len, d->x + i0, d->n, scratch, len, sums, d->p);
}

/* r = u - x beta - offset */
static void residuals(const moem_data *d, const double *u, const double *beta, double *r,
                      pass_work *w)
{
    const least_squares_args args = { .d = d, .u = u, .beta = beta, .resid = r };
    const moem_pass pass = { .block = residuals_block, .args = &args, .n = d->n, .size = 0,
                             .row_cost = 2.0 * d->p + 2.0, .narrow = narrow_terms(d->p) };
    pass_run(&pass, w, NULL);
}

/* g (p) = x' (v r) */
static void weighted_score(const moem_data *d, const double *v, const double *r, double *g,
                           pass_work *w)
{
    const least_squares_args args = { .d = d, .v = v, .r = r };
    const moem_pass pass = { .block = score_block, .args = &args, .n = d->n, .size = d->p,
                             .row_cost = 2.0 * d->p + 2.0, .narrow = narrow_terms(d->p) };
    pass_run(&pass, w, g);
}

/* The score of weighted ridge least squares at beta: x' (v r) - ridge L beta (p), with
 * L = diag(d->penalty_x). */
static void ridge_score(const moem_data *d, const double *v, const double *r, const double *beta,
                        double ridge, pass_work *w, double *score)
{
    weighted_score(d, v, r, score, w);
    if (d->penalty_x)
        for (int j = 0; j < d->p; j++) score[j] -= ridge * d->penalty_x[j] * beta[j];
}

/* Adds ridge L to the Gram matrix in mstep->sm.hess (p x p, upper triangle) and factors it into
 * mstep->sm.chol and mstep->sm.scale; *rcond gets LAPACK's estimate of its reciprocal condition
 * number (0 when the factorisation failed).  Returns the chol_factor status. */
static int factor_ridged(const moem_data *d, double ridge, mstep_work *mstep, double *rcond)
{
    const int p = d->p;
    softmax_work *sm = &mstep->sm;
    if (d->penalty_x)
        for (int j = 0; j < p; j++) sm->hess[j + (size_t) j * p] += ridge * d->penalty_x[j];
    int status = chol_factor(p, sm->hess, sm->chol, sm->scale);
    *rcond = status == CHOL_FAILED ? 0.0
                                   : chol_rcond(p, sm->hess, sm->chol, sm->scale, mstep->eigen,
                                                mstep->iwork);
    return status;
}

/* Weighted ridge least squares of u on x, minimising sum v (u - x beta)^2 + ridge beta' L beta
 * with L = diag(d->penalty_x), from beta (updated in place); leaves the residuals u - x beta in
 * resid.  first_score (p), when set, receives x' (v r) - ridge L beta at the start, and
 * *first_rss sum v r^2 there.  One Cholesky solve is accurate to about cond * 1e-16; when
 * LAPACK's estimate of the condition number is above 1e4, the solution is refined against the
 * residuals, which brings it close to what a QR solve gives.  Returns the chol_factor status. */
static int least_squares(const moem_data *d, const double *v, const double *u, double *beta,
                         double *resid, mstep_work *mstep, double ridge, double *first_score,
                         double *first_rss)
{
    const int p = d->p;
    softmax_work *sm = &mstep->sm;
    double rcond;
    residuals(d, u, beta, resid, sm->pass);
    if (first_score) {
        double rss = 0.0;
        for (int i = 0; i < d->n; i++) rss += v[i] * resid[i] * resid[i];
        *first_rss = rss;
        ridge_score(d, v, resid, beta, ridge, sm->pass, first_score);
    }
    gram_pass(sm->pass, d->n, p, d->x, v, sm->hess);
    int status = factor_ridged(d, ridge, mstep, &rcond);
    if (status == CHOL_FAILED) return status;
    int passes = rcond > 1e-4 ? 1 : 4;
    for (int pass = 0; pass < passes && p > 0; pass++) {
        double step_size = 0.0, size = 0.0;
        if (pass == 0 && first_score) {
            memcpy(sm->step, first_score, (size_t) p * sizeof(double));
        } else {
            ridge_score(d, v, resid, beta, ridge, sm->pass, sm->step);
        }
        chol_solve(p, sm->chol, sm->scale, sm->step);
        for (int j = 0; j < p; j++) {
            beta[j] += sm->step[j];
            step_size = fmax(step_size, fabs(sm->step[j]));
            size = fmax(size, fabs(beta[j]));
        }
        residuals(d, u, beta, resid, sm->pass);
        if (step_size <= 1e-12 * size) break;
    }
    return status;
}

/* sqrt(sum v r^2 / sum v), computed on r's own scale so that r^2 cannot underflow */
static double weighted_rms(int n, const double *v, const double *r, double vsum)
{
    double top = 0.0, sum = 0.0;
    for (int i = 0; i < n; i++)
        if (v[i] > 0 && fabs(r[i]) > top) top = fabs(r[i]);
    if (!(top > 0)) return 0.0;
    for (int i = 0; i < n; i++) {
        double u = r[i] / top;
        sum += v[i] * u * u;
    }
    return top * sqrt(sum / vsum);
}

/* sigma_k from the residuals at the new coefficients (unless it is known, or one for all
 * experts), and sum v r^2 and sum v in sums (2) for one sigma for all.  The root mean square
 * of the residuals is computed on their own scale (weighted_rms), so that a response of scale
 * 1e-170 keeps its sigma; their sum of squares, for one sigma for all, would underflow there. */
static void gaussian_sigma(const moem_data *d, int k, double rms, double vsum, moem_par *par,
                           const moem_control *ctl, moem_status *st, double *sums)
{
    sums[0] = rms * rms * vsum;
    sums[1] = vsum;
    if (!ctl->fix_sigma && !ctl->equal_dispersion)
        par->sigma[k] = d->family->dispersion_limit(rms, ctl->sigma_min, &st->floored[k]);
}

/* With grad set, also stores the log-likelihood's gradient at the start over beta_k and
 * log sigma_k: x' (v r) / sigma^2 - L beta and sum v (r^2 / sigma^2 - 1). */
static void gaussian_expert(const moem_data *d, int k, double vsum, moem_par *par,
                            mstep_work *mstep, const moem_control *ctl, moem_status *st,
                            moem_gradient *grad, double *sums)
{
    const double s2 = par->sigma[k] * par->sigma[k];
    double *score = grad ? grad->beta + (size_t) k * d->p : NULL, rss = 0.0;
    int status = least_squares(d, mstep->v, d->y, par->beta + (size_t) k * d->p, mstep->resid,
                               mstep, s2, score, &rss);
    if (grad) {
        for (int j = 0; j < d->p; j++) score[j] /= s2;
        grad->logsigma[k] = rss / s2 - vsum;
    }
    if (status == CHOL_RIDGE) st->regularised++;
    if (status == CHOL_FAILED) {
        st->failed++;
        return;
    }
    gaussian_sigma(d, k, weighted_rms(d->n, mstep->v, mstep->resid, vsum), vsum, par, ctl, st,
                   sums);
}

/* A gaussian expert's M-step from the E-step's statistics (stats.c), without reading the
 * design: beta += (G + s2 L)^{-1} (score - s2 L beta), and the new sum of squares
 * rss - 2 delta' score + delta' G delta.  Returns 0, leaving the expert untouched, when the
 * least squares with refinement must do it: an ill-conditioned G (LAPACK's estimate above 1e4),
 * or a sum of squares that fell below 1e-8 of its old value, where the difference formula
 * loses precision. */
static int gaussian_from_stats(const moem_data *d, int k, moem_par *par,
                               const estep_work *estep, mstep_work *mstep,
                               const moem_control *ctl, moem_status *st, moem_gradient *grad,
                               double *sums)
{
    const int p = d->p;
    const moem_stats *s = &estep->stats;
    const double *gram = s->gram + (size_t) k * p * p, *score = s->score + (size_t) k * p;
    const double s2 = par->sigma[k] * par->sigma[k];
    double *beta = par->beta + (size_t) k * p, *delta = mstep->sm.step, quad = 0.0, lin = 0.0;
    softmax_work *sm = &mstep->sm;
    double rcond;
    /* a gram derived from the total (stats.c) is precise while its expert holds a fair share
     * of the weight */
    if (k == estep->gram_derived && !(2.0 * d->K * s->size[k] >= estep->wsum)) return 0;
    memcpy(sm->hess, gram, (size_t) p * p * sizeof(double));
    if (factor_ridged(d, s2, mstep, &rcond) != CHOL_OK || !(rcond > 1e-4)) return 0;
    for (int j = 0; j < p; j++)
        delta[j] = score[j] - (d->penalty_x ? s2 * d->penalty_x[j] * beta[j] : 0.0);
    if (grad) {
        for (int j = 0; j < p; j++) grad->beta[(size_t) k * p + j] = delta[j] / s2;
        grad->logsigma[k] = s->rss[k] / s2 - s->size[k];
    }
    chol_solve(p, sm->chol, sm->scale, delta);
    for (int j = 0; j < p; j++) {
        double row = 0.0;
        for (int i = 0; i < p; i++)
            row += (i <= j ? gram[i + (size_t) j * p] : gram[j + (size_t) i * p]) * delta[i];
        quad += delta[j] * row;
        lin += delta[j] * score[j];
    }
    double rss = s->rss[k] - 2.0 * lin + quad;
    if (!(rss > 1e-8 * s->rss[k])) return 0;
    for (int j = 0; j < p; j++) beta[j] += delta[j];
    gaussian_sigma(d, k, sqrt(rss / s->size[k]), s->size[k], par, ctl, st, sums);
    return 1;
}

/* mstep->v = w post[, k] (n); returns its sum */
static double expert_weights(const moem_data *d, const estep_work *estep, mstep_work *mstep,
                             int k)
{
    const double *post = estep->post + (size_t) k * d->n;
    double vsum = 0.0;
    for (int i = 0; i < d->n; i++) {
        mstep->v[i] = d->w[i] * post[i];
        vsum += mstep->v[i];
    }
    return vsum;
}

/* The arguments of dispersion_block: expert k's coefficients and posterior */
typedef struct {
    const moem_data *d;
    const double *beta_k, *post_k;
} dispersion_args;

/* sums (2) += the family's dispersion sums of the expert over rows i0 .. i0 + len - 1;
 * scratch: eta, v (MOEM_CHUNK each) */
static void dispersion_block(const void *args, ptrdiff_t i0, int len, double *scratch,
                             double *sums)
{
    const dispersion_args *a = args;
    double *eta = scratch, *v = scratch + MOEM_CHUNK;
    expert_rows(a->d, a->beta_k, a->post_k, i0, len, eta, v);
    a->d->family->dispersion_sums(len, a->d->y + i0, eta, v, sums);
}

/* sums (2) = the family's dispersion sums of expert k at its coefficients */
static void dispersion_pass(const moem_data *d, const moem_par *par, const estep_work *estep,
                            mstep_work *mstep, int k, double *sums)
{
    const dispersion_args args = { .d = d, .beta_k = par->beta + (size_t) k * d->p,
                                   .post_k = estep->post + (size_t) k * d->n };
    const moem_pass pass = { .block = dispersion_block, .args = &args, .n = d->n, .size = 2,
                             .row_cost = 2.0 * d->p + 30.0, .narrow = narrow_terms(d->p) };
    pass_run(&pass, mstep->sm.pass, sums);
}

static void count_result(const glm_result *res, moem_status *st, int *inner)
{
    *inner += res->iter;
    st->inner_capped += res->capped;
    st->regularised += res->regularised;
    st->failed += res->failed;
}

/* The softmax M-step of expert k (binomial, multinomial) with weights mstep->v times the trials */
static void softmax_expert(const moem_data *d, int k, moem_par *par, mstep_work *mstep,
                           const moem_control *ctl, moem_status *st, int *inner,
                           const mstep_plan *plan)
{
    moem_gradient *grad = plan->gradient;
    const int p = d->p, M = d->M;
    if (d->size)
        for (int i = 0; i < d->n; i++) mstep->v[i] *= d->size[i];
    softmax_problem pr = {
        .n = d->n, .q = p, .m = M, .z = d->x, .offset = d->offset_x, .target = d->target,
        .v = mstep->v, .penalty = d->penalty_x,
        .bound = mstep->bound_x.ready ? &mstep->bound_x : NULL, .prob = mstep->sm.prob,
        .first_gradient = grad ? grad->beta + (size_t) k * M * p : NULL,
        .slack = plan->slack
    };
    softmax_result res;
    softmax_fit(&pr, par->beta + (size_t) k * M * p, &mstep->sm, ctl->inner_maxit, ctl->inner_tol,
                &res);
    *inner += res.iter;
    st->inner_capped += res.capped;
    st->regularised += res.regularised;
    st->failed += res.failed;
}

/* The dispersions from the sums of the fitted experts (2 x K): each its own, or one from all
 * (least squares has set each its own, from its residuals) */
static void update_dispersions(const moem_data *d, moem_par *par, const mstep_work *mstep,
                               const moem_control *ctl, moem_status *st, int count)
{
    const moem_family *fam = d->family;
    const double *sums = mstep->dispersion_sums;
    if (ctl->equal_dispersion) {
        double pooled[2] = { 0.0, 0.0 };
        int limited = 0;
        if (count == 0) return;
        for (int e = 0; e < count; e++) {
            pooled[0] += sums[2 * mstep->listed[e]];
            pooled[1] += sums[2 * mstep->listed[e] + 1];
        }
        const double phi = fam->dispersion_update(pooled, ctl->sigma_min, &limited);
        for (int k = 0; k < d->K; k++) {
            par->sigma[k] = phi;
            if (limited) st->floored[k] = 1;
        }
        return;
    }
    if (least_squares_experts(d)) return;
    for (int e = 0; e < count; e++) {
        const int k = mstep->listed[e];
        par->sigma[k] = fam->dispersion_update(sums + 2 * k, ctl->sigma_min, &st->floored[k]);
    }
}

void experts_mstep(const moem_data *d, moem_par *par, const estep_work *estep,
                   mstep_work *mstep, const moem_control *ctl, moem_status *st, int *inner,
                   const mstep_plan *plan)
{
    const moem_family *fam = d->family;
    const int newton = fam->mstep == MSTEP_NEWTON || d->p_fixed > 0,
              from_stats = plan->from_stats && least_squares_experts(d);
    moem_gradient *grad = plan->gradient;
    double *sums = mstep->dispersion_sums;
    int count = 0; /* the experts fitted, in mstep->listed */
    glm_result res;
    *inner = 0;
    memset(sums, 0, (size_t) 2 * d->K * sizeof(double));
    for (int k = 0; k < d->K; k++) {
        if (from_stats) {
            if (!(estep->stats.size[k] > ctl->min_weight)) {
                st->frozen[k] = 1;
                continue;
            }
            if (gaussian_from_stats(d, k, par, estep, mstep, ctl, st, grad, sums + 2 * k)) {
                *inner += 1;
                mstep->listed[count++] = k;
                continue;
            }
        }
        const double vsum = expert_weights(d, estep, mstep, k);
        if (!(vsum > ctl->min_weight)) {
            st->frozen[k] = 1;
            continue;
        }
        mstep->listed[count++] = k;
        if (d->p_fixed > 0) continue; /* all experts at once, below */
        if (newton) {
            glm_newton(d, estep->post, par->sigma, &k, 1, par->beta, &mstep->glm, ctl->inner_maxit,
                       ctl->inner_tol, plan->slack, &res);
            count_result(&res, st, inner);
        } else if (fam->mstep == MSTEP_LEAST_SQUARES) {
            gaussian_expert(d, k, vsum, par, mstep, ctl, st, grad, sums + 2 * k);
            *inner += 1;
        } else {
            softmax_expert(d, k, par, mstep, ctl, st, inner, plan);
        }
    }
    if (d->p_fixed > 0 && count > 0) {
        glm_newton(d, estep->post, par->sigma, mstep->listed, count, par->beta, &mstep->glm,
                   ctl->inner_maxit, ctl->inner_tol, plan->slack, &res);
        count_result(&res, st, inner);
    }
    if (!fam->has_dispersion || ctl->fix_sigma) return;
    if (newton)
        for (int e = 0; e < count; e++) dispersion_pass(d, par, estep, mstep, mstep->listed[e],
                                                sums + 2 * mstep->listed[e]);
    update_dispersions(d, par, mstep, ctl, st, count);
}

void symmetric_mstep(const moem_data *d, moem_par *par, const estep_work *estep,
                     mstep_work *mstep, const moem_control *ctl, moem_status *st, int *inner,
                     const mstep_plan *plan)
{
    const int n = d->n, p = d->p;
    const double *r = estep->post;
    double *u = mstep->v;
    if (d->family->mstep == MSTEP_LEAST_SQUARES) {
        double top = 0.0, rss = 0.0, wsum = 0.0;
        for (int i = 0; i < n; i++) u[i] = (2.0 * r[i] - 1.0) * d->y[i];
        int status = least_squares(d, d->w, u, par->beta, mstep->resid, mstep,
                                   par->sigma[0] * par->sigma[0], NULL, NULL);
        if (status == CHOL_RIDGE) st->regularised++;
        if (status == CHOL_FAILED) {
            st->failed++;
            *inner = 0;
            return;
        }
        for (int i = 0; i < n; i++) {
            double fit = u[i] - mstep->resid[i];
            top = fmax(top, fmax(fabs(d->y[i] - fit), fabs(d->y[i] + fit)));
        }
        for (int i = 0; i < n && top > 0; i++) {
            double fit = u[i] - mstep->resid[i], e1 = (d->y[i] - fit) / top,
                   e2 = (d->y[i] + fit) / top;
            rss += d->w[i] * (r[i] * e1 * e1 + (1.0 - r[i]) * e2 * e2);
            wsum += d->w[i];
        }
        if (!ctl->fix_sigma)
            par->sigma[0] = par->sigma[1] =
                d->family->dispersion_limit(top > 0 ? top * sqrt(rss / wsum) : 0.0,
                                            ctl->sigma_min, &st->floored[0]);
        *inner = 1;
    } else {
        for (int i = 0; i < n; i++) u[i] = r[i] * d->y[i] + (1.0 - r[i]) * (1.0 - d->y[i]);
        softmax_problem pr = {
            .n = n, .q = p, .m = 1, .z = d->x, .target = u, .v = d->w, .penalty = d->penalty_x,
            .bound = mstep->bound_x.ready ? &mstep->bound_x : NULL, .prob = mstep->sm.prob,
            .slack = plan->slack
        };
        softmax_result res;
        softmax_fit(&pr, par->beta, &mstep->sm, ctl->inner_maxit, ctl->inner_tol, &res);
        *inner = res.iter;
        st->inner_capped += res.capped;
        st->regularised += res.regularised;
        st->failed += res.failed;
    }
    for (int j = 0; j < p; j++) par->beta[p + j] = -par->beta[j];
}
