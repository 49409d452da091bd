/*
 * softmax.c: weighted softmax (multinomial logistic) regression with soft targets, by Newton's
 * method with backtracking, warm-started from the coefficients it is given.  It is the M-step of
 * the gate (targets: the posterior probabilities) and of binomial and multinomial experts
 * (targets: the response, weights: case weights times the expert's posterior).
 *
 * Maximises  f(B) = sum_i v_i (t_i' eta_i - log(1 + sum_c exp(eta_ic))) - sum_jc lambda_j B_jc^2 / 2,
 * eta = z B (plus the problem's offsets, if any), lambda the optional ridge penalty of each row of B (q).  With a bound in the
 * problem, softmax_fit hands over to bound.c's steps instead of Newton's.  A warm problem
 * starts from the probabilities and objective it is given (the E-step's, for the gate), and
 * first_gradient, when set, receives the gradient at the start: at EM's current parameters
 * it is the gradient of the log-likelihood over this block.  The problem's slack loosens the
 * tolerance to a set gain (EM sets it to a small fraction of its last change of the
 * objective, so that early M-steps stop sooner and later ones, as EM's changes shrink, are
 * solved more precisely).  With
 * a saved factor (the gate's), the first step tries the Hessian factor of an earlier M-step, and
 * a second one may too, if it is ten times within tolerance (a fresh Hessian costs a pass).
 * When the problem has a place for the coefficients before it (pr->before), the last step,
 * whether from the saved factor or a fresh Hessian, is taken without the pass over the rows
 * that tests it: the caller tests it (em.c: EM's next E-step does, as it passes over the
 * rows anyway).
 *
 *   z       n x q   design
 *   target  n x m   t_i, the targets of classes 2..m+1 (class 1, the reference, has
 *                   linear predictor 0 and target 1 - sum_c t_ic)
 *   v       n       row weights >= 0
 *   coef    q x m   B: the start on entry, the solution on exit
 *
 * The gradient is z' (v (t - p)); the Hessian block of classes (c, e) is
 * -z' diag(v p_c (delta_ce - p_e)) z.  With m = 1 this is logistic regression.  Newton stops
 * after the step whose half decrement, an estimate of f(B*) - f(B), is below
 * max(tol (|f| + 0.1 mean(v)), slack).  The objective with its gradient, the gradient and the
 * Hessian are passes over the rows (pass.h), each on the threads its work is worth.
 */
#include <math.h>
#include <string.h>
#include "softmax.h"
#include "linalg.h"

/* grad (q x m) += z' (v (t - p)) over rows i0 .. i0 + len - 1; eta (len x m) is scratch */
static void gradient_rows(const softmax_problem *pr, ptrdiff_t i0, int len, double *eta,
                          double *grad)
{
    const int n = pr->n, m = pr->m, q = pr->q;
    for (int c = 0; c < m; c++)
        for (int r = 0; r < len; r++) {
            size_t ic = i0 + r + (size_t) c * n;
            eta[r + c * len] = pr->v[i0 + r] * (pr->target[ic] - pr->prob[ic]);
        }
    tcross_add(q, m, len, pr->z + i0, n, eta, len, grad, q);
}

/* The sum over rows i0 .. i0 + len - 1 of v_i (t_i' eta_i - log(1 + sum_c exp(eta_ic))), and
 * their class probabilities in pr->prob (the reference's last); their terms of the gradient are
 * added to grad (q x m); eta (len x m) is scratch. */
static double objective_block(const softmax_problem *pr, const double *coef, ptrdiff_t i0,
                              int len, double *eta, double *grad)
{
    const int n = pr->n, m = pr->m;
    double f = 0.0, top[MOEM_CHUNK], sum[MOEM_CHUNK];
    double *prob = pr->prob + i0, *reference = prob + (size_t) m * n;
    log_sum log_sums = { .product = 1.0 };
    rows_times(len, pr->q, m, pr->z + i0, n, coef, eta);
    offset_add(len, m, pr->offset, n, i0, eta, len);
    /* the classes' exp(eta_ic - top_i) and the reference's exp(-top_i), top_i >= 0 */
    exp_from_top(len, m, eta, len, prob, n, top, 0.0);
    for (int r = 0; r < len; r++) reference[r] = -top[r];
    exp_block(reference, len);
    for (int r = 0; r < len; r++) sum[r] = reference[r];
    for (int c = 0; c < m; c++)
        for (int r = 0; r < len; r++) sum[r] += prob[r + (size_t) c * n];
    for (int c = 0; c <= m; c++) {
        double *pc = prob + (size_t) c * n;
        SIMD_LOOP
        for (int r = 0; r < len; r++) pc[r] /= sum[r];
    }
    for (int r = 0; r < len; r++) {
        ptrdiff_t i = i0 + r;
        double fit = 0.0;
        if (!(pr->v[i] > 0)) continue;
        for (int c = 0; c < m; c++) fit += pr->target[i + (size_t) c * n] * eta[r + c * len];
        f += pr->v[i] * (fit - top[r]);
        log_sum_add(&log_sums, sum[r], pr->v[i], pr->unit_v);
    }
    gradient_rows(pr, i0, len, eta, grad);
    return f - log_sum_value(&log_sums);
}

/* sum(v) / n: the scale of one observation's share of f, for the stopping rule */
double softmax_mean_weight(const softmax_problem *pr)
{
    double s = 0.0;
    for (int i = 0; i < pr->n; i++) s += pr->v[i];
    return pr->n > 0 ? s / pr->n : 1.0;
}

/* The upper triangle of -Hessian (D x D, D = q m) += its terms over rows i0 .. i0 + len - 1;
 * rows (MOEM_CHUNK x q) is scratch.  1 - p_c is the sum of the other classes' probabilities,
 * the reference's included: 1.0 - p_c would be 0 where p_c rounds to 1 (a gate that
 * separates), while the blocks (c, e) keep their p_c p_e, and the matrix would not be
 * positive definite. */
static void hessian_rows(const softmax_problem *pr, ptrdiff_t i0, int len, double *rows,
                         double *hess)
{
    const int n = pr->n, m = pr->m, q = pr->q, D = q * m;
    double f[MOEM_CHUNK];
    for (int c = 0; c < m; c++) {
        const double *pc = pr->prob + (size_t) c * n + i0;
        double *diag = hess + (size_t) c * q * (D + 1);
        for (int r = 0; r < len; r++) f[r] = pr->prob[i0 + r + (size_t) m * n]; /* reference */
        for (int e = 0; e < m; e++)
            if (e != c)
                for (int r = 0; r < len; r++) f[r] += pr->prob[i0 + r + (size_t) e * n];
        for (int r = 0; r < len; r++) f[r] = sqrt(pr->v[i0 + r] * pc[r] * f[r]);
        scale_rows(n, q, pr->z, i0, len, f, rows);
        syrk_add(q, len, rows, diag, D);
        for (int e = c + 1; e < m; e++) {
            const double *pe = pr->prob + (size_t) e * n + i0;
            SIMD_LOOP
            for (int r = 0; r < len; r++) f[r] = -pr->v[i0 + r] * pc[r] * pe[r];
            scale_rows(n, q, pr->z, i0, len, f, rows);
            tcross_add(q, q, len, pr->z + i0, n, rows, MOEM_CHUNK,
                       hess + (size_t) c * q + (size_t) e * q * D, D);
        }
    }
}

/* The cost of one row of a pass (pass_threads, moem.h), in nanoseconds: the objective's q m / 2
 * for its products and 10 for each of the m + 1 classes' exponentials and probabilities; the
 * gradient's products and 2 a class; the Hessian's 30 a class and q^2 / 10 for each of its
 * m (m + 1) / 2 blocks of pairs of classes, whose products grow as q^2. */
static double row_cost(const softmax_problem *pr, enum softmax_pass pass)
{
    const double q = pr->q, m = pr->m;
    if (pass == PASS_OBJECTIVE) return q * m / 2 + 10 * (m + 1);
    if (pass == PASS_GRADIENT) return q * m / 2 + 2 * (m + 1);
    return 30 * m + q * q * m * (m + 1) / 20;
}

/* The threads of one of the problem's passes: the work's, if it is worth them (pass.h). */
int softmax_pass_threads(const softmax_problem *pr, int threads, enum softmax_pass pass)
{
    return pass_threads(pr->n, row_cost(pr, pass), narrow_terms((size_t) pr->q * pr->m),
                        threads);
}

/* The arguments of the problem's block functions: the coefficients of an objective pass */
typedef struct {
    const softmax_problem *pr;
    const double *coef;
} softmax_args;

/* sums[0] += the objective's terms, sums[1 .. D] += the gradient's (rows i0 .. i0 + len - 1) */
static void objective_pass_block(const void *args, ptrdiff_t i0, int len, double *scratch,
                                 double *sums)
{
    const softmax_args *a = args;
    sums[0] += objective_block(a->pr, a->coef, i0, len, scratch, sums + 1);
}

static void gradient_pass_block(const void *args, ptrdiff_t i0, int len, double *scratch,
                                double *sums)
{
    gradient_rows(((const softmax_args *) args)->pr, i0, len, scratch, sums);
}

static void hessian_pass_block(const void *args, ptrdiff_t i0, int len, double *scratch,
                               double *sums)
{
    hessian_rows(((const softmax_args *) args)->pr, i0, len, scratch, sums);
}

/* Doubles of a thread's scratch in the passes of a problem of q columns and m free classes:
 * the linear predictors (MOEM_CHUNK x m) or the scaled rows (MOEM_CHUNK x q) of a block */
size_t softmax_scratch_size(int q, int m)
{
    return (size_t) MOEM_CHUNK * (q > m ? q : m);
}

/* Doubles of the largest sums of the passes of such a problem: the Hessian's (with Newton's
 * solver) or the objective's and gradient's */
size_t softmax_sums_size(int q, int m, int newton)
{
    const size_t D = (size_t) q * m;
    return newton && D * D > D + 1 ? D * D : D + 1;
}

/* sums = the pass's terms summed over all rows (pass.c): the objective's (at coef) with its
 * gradient, the gradient's or the Hessian's */
static void run_pass(const softmax_problem *pr, softmax_work *wk, enum softmax_pass pass,
                     const double *coef, double *sums)
{
    static pass_block *const blocks[] = {
        [PASS_OBJECTIVE] = objective_pass_block, [PASS_GRADIENT] = gradient_pass_block,
        [PASS_HESSIAN] = hessian_pass_block
    };
    const size_t D = (size_t) pr->q * pr->m;
    const softmax_args args = { .pr = pr, .coef = coef };
    const moem_pass p = {
        .block = blocks[pass], .args = &args, .n = pr->n,
        .size = pass == PASS_OBJECTIVE ? D + 1 : pass == PASS_GRADIENT ? D : D * D,
        .row_cost = row_cost(pr, pass), .narrow = narrow_terms(D)
    };
    pass_run(&p, wk->pass, sums);
}

/* Evaluates f at coef and leaves the class probabilities in pr->prob, and the gradient's sum
 * z' (v (t - p)) there in wk->grad_next, for the step that follows if this point is kept (the
 * same to the last bit as the gradient's own pass). */
double softmax_objective(const softmax_problem *pr, const double *coef, softmax_work *wk)
{
    run_pass(pr, wk, PASS_OBJECTIVE, coef, wk->objective);
    double f = wk->objective[0];
    wk->grad_ready = 1;
    if (pr->penalty)
        for (int c = 0; c < pr->m; c++)
            for (int j = 0; j < pr->q; j++) {
                double b = coef[j + (size_t) c * pr->q];
                f -= 0.5 * pr->penalty[j] * b * b;
            }
    return f;
}

/* grad (q x m) = z' (v (t - p)) - lambda B, from the probabilities in pr->prob: from
 * pr->given_gradient when it is the first step's, else from the objective pass that made them
 * (wk->grad_next) or by a pass of its own; the first step's is also copied to
 * pr->first_gradient when that is set */
void softmax_gradient(const softmax_problem *pr, const double *coef, softmax_work *wk,
                      int first)
{
    const int m = pr->m, q = pr->q;
    if (first && pr->given_gradient)
        memcpy(wk->grad, pr->given_gradient, (size_t) q * m * sizeof(double));
    else if (wk->grad_ready)
        memcpy(wk->grad, wk->grad_next, (size_t) q * m * sizeof(double));
    else
        run_pass(pr, wk, PASS_GRADIENT, NULL, wk->grad);
    if (pr->penalty)
        for (int c = 0; c < m; c++)
            for (int j = 0; j < q; j++)
                wk->grad[j + (size_t) c * q] -= pr->penalty[j] * coef[j + (size_t) c * q];
    if (first && pr->first_gradient)
        memcpy(pr->first_gradient, wk->grad, (size_t) q * m * sizeof(double));
}

/* Upper triangle of the negative Hessian (D x D, D = q m) into wk->hess, penalty included. */
static void softmax_hessian(const softmax_problem *pr, softmax_work *wk)
{
    const int q = pr->q, D = q * pr->m;
    run_pass(pr, wk, PASS_HESSIAN, NULL, wk->hess);
    if (pr->penalty)
        for (int c = 0; c < pr->m; c++)
            for (int j = 0; j < q; j++) wk->hess[(size_t) (c * q + j) * (D + 1)] += pr->penalty[j];
}

/* Takes the step to wk->trial without testing it, and leaves the coefficients before it in
 * pr->before for the caller's test: the step stands if the objective, f before it, gains at
 * least least_gain. */
static void defer_step(const softmax_problem *pr, double *coef, softmax_work *wk, double f,
                       double least_gain, softmax_result *res)
{
    const size_t D = (size_t) pr->q * pr->m;
    memcpy(pr->before, coef, D * sizeof(double));
    memcpy(coef, wk->trial, D * sizeof(double));
    res->deferred = 1;
    res->f_before = f;
    res->least_gain = least_gain;
}

/* The Newton step with a Hessian factor kept from an earlier M-step, which changes little
 * between EM iterations: kept if it passes the Armijo test, as a fresh Newton step would be.
 * Returns 1 if it was taken (coef, *f and the probabilities updated; its decrement is left in
 * wk->step[0]), 0 if the caller must compute a fresh Hessian (the probabilities still those of
 * coef).  A step whose decrement is at most `untested` is taken without the test, and *f and
 * the probabilities are left as they were (res->deferred); without may_test, a larger one is
 * not taken.  A factor serves at most 10 M-steps. */
static int saved_step(const softmax_problem *pr, double *coef, softmax_work *wk, double *f,
                      double untested, int may_test, softmax_result *res)
{
    const int D = pr->q * pr->m;
    softmax_saved *saved = pr->saved;
    double decrement = 0.0;
    if (!saved || !saved->valid || saved->age >= 10) return 0;
    memcpy(wk->step, wk->grad, (size_t) D * sizeof(double));
    chol_solve(D, saved->chol, saved->scale, wk->step);
    for (int j = 0; j < D; j++) {
        decrement += wk->grad[j] * wk->step[j];
        wk->trial[j] = coef[j] + wk->step[j];
    }
    if (decrement > 0 && decrement <= untested) {
        defer_step(pr, coef, wk, *f, 1e-4 * decrement, res);
        saved->age++;
        wk->step[0] = decrement;
        return 1;
    }
    if (!may_test) return 0;
    if (decrement > 0) {
        double trial_f = softmax_objective(pr, wk->trial, wk);
        if (trial_f >= *f + 1e-4 * decrement) {
            memcpy(coef, wk->trial, (size_t) D * sizeof(double));
            *f = trial_f;
            saved->age++;
            wk->step[0] = decrement;
            return 1;
        }
        /* rejected: the probabilities go back to coef's, for the fresh Hessian */
        softmax_objective(pr, coef, wk);
    }
    saved->valid = 0;
    return 0;
}

/* The decrement within which a step is the last: twice the gain tol (|f| + scale) or the
 * problem's slack, whichever is larger (half the decrement estimates what is left). */
static double last_decrement(const softmax_problem *pr, double tol, double f, double scale)
{
    return 2.0 * fmax(tol * (fabs(f) + scale), pr->slack);
}

void softmax_fit(const softmax_problem *pr, double *coef, softmax_work *wk, int maxit,
                 double tol, softmax_result *res)
{
    const int D = pr->q * pr->m;
    res->deferred = 0;
    wk->grad_ready = 0; /* the probabilities are the caller's, or another problem's */
    if (pr->bound) {
        bound_fit(pr, coef, wk, maxit, tol, res);
        return;
    }
    double f = pr->warm ? pr->f0 : softmax_objective(pr, coef, wk);
    const double scale = 0.1 * softmax_mean_weight(pr);
    const double rounding = 1e-12 * (fabs(f) + 1.0);
    res->iter = 0;
    res->capped = 1;
    res->regularised = 0;
    res->failed = 0;
    int after_saved = 0; /* 1 after a step from the saved factor */
    while (res->iter < maxit) {
        double decrement = 0.0, alpha = 1.0, trial_f = f;
        int accepted = 0;
        softmax_gradient(pr, coef, wk, res->iter == 0);
        /* a step within tolerance ends the fit: the caller may test it */
        const double untested = pr->before ? last_decrement(pr, tol, f, scale) : -1.0;
        /* the first step tries the saved factor; after it, a second step from the same factor
         * ends the fit only if it is ten times within tolerance, else a fresh Newton step does
         * (which leaves the M-step closer to its optimum than the factor's step would) */
        const int first = res->iter == 0;
        if ((first || after_saved) &&
            saved_step(pr, coef, wk, &f, first ? untested : 0.1 * untested, first, res)) {
            after_saved = 1;
            res->iter++;
            if (res->deferred || !(wk->step[0] > last_decrement(pr, tol, f, scale))) {
                res->capped = 0;
                break;
            }
            continue;
        }
        after_saved = 0;
        softmax_hessian(pr, wk);
        int status = chol_factor(D, wk->hess, wk->chol, wk->scale);
        if (status == CHOL_FAILED) {
            res->failed = 1;
            res->capped = 0;
            break;
        }
        if (status == CHOL_RIDGE) res->regularised = 1;
        if (pr->saved) {
            memcpy(pr->saved->chol, wk->chol, (size_t) D * D * sizeof(double));
            memcpy(pr->saved->scale, wk->scale, (size_t) D * sizeof(double));
            pr->saved->valid = 1;
            pr->saved->age = 0;
        }
        memcpy(wk->step, wk->grad, (size_t) D * sizeof(double));
        chol_solve(D, wk->chol, wk->scale, wk->step);
        for (int j = 0; j < D; j++) decrement += wk->grad[j] * wk->step[j];
        /* within tolerance after this step */
        int last = !(decrement > last_decrement(pr, tol, f, scale));
        /* at the optimum to rounding (decrement <= rounding), the last Newton step still gains
         * accuracy (its error is of the order of the decrement squared), so it is kept unless
         * it lowers f by more than rounding, which happens far from the quadratic regime, as
         * when an expert separates its data */
        if (last && (pr->before || !(decrement > rounding))) {
            if (decrement > 0) {
                for (int j = 0; j < D; j++) wk->trial[j] = coef[j] + wk->step[j];
                if (pr->before) { /* the caller tests it (counted, so that it can count it out) */
                    defer_step(pr, coef, wk, f,
                               decrement > rounding ? 1e-4 * decrement : -rounding, res);
                    res->iter++;
                } else if (softmax_objective(pr, wk->trial, wk) >= f - rounding) {
                    memcpy(coef, wk->trial, (size_t) D * sizeof(double));
                }
            }
            res->capped = 0;
            break;
        }
        for (int halving = 0; halving < 40 && !accepted; halving++, alpha *= 0.5) {
            for (int j = 0; j < D; j++) wk->trial[j] = coef[j] + alpha * wk->step[j];
            trial_f = softmax_objective(pr, wk->trial, wk);
            accepted = trial_f >= f + 1e-4 * alpha * decrement;
        }
        if (!accepted) {
            /* no ascent along the Newton direction: the optimum to rounding */
            res->capped = 0;
            break;
        }
        memcpy(coef, wk->trial, (size_t) D * sizeof(double));
        f = trial_f;
        res->iter++;
        if (last) {
            res->capped = 0;
            break;
        }
    }
}
