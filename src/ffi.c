/*
 * ffi.c: the .Call entry points.  R has already checked the user's arguments (R/moem-fit.R,
 * R/start.R, R/predict.R); each entry point still checks what it receives, before reading it
 * (read_dims, read_data, check_par, check_start, read_control, with the helpers of
 * ffi_checks.c): types, dimensions against x's n rows and dims' K and M, the codes of dims and
 * control, class codes and expert labels that become indices, and sizes whose int arithmetic
 * could overflow.  A malformed call is then an R error naming the argument, not a crash;
 * finiteness is left to R (non-finite data give NaN, never an index).  Then it allocates the
 * outputs and the workspace (R_alloc: released by R when the call ends, also after an error or
 * an interrupt) and calls the kernels.
 *
 *   ffi_em(x, z, y, target, w, size, offset_x, offset_z, dims, beta, gate, sigma, post,
 *          control)
 *       x n x p, z n x q, y n, target n x M or NULL, w n, size n (binomial trials) or NULL,
 *       offset_x n x M or NULL (the experts' offsets), offset_z n x (K - 1) or NULL (the
 *       gate's), dims = c(family, K, M, symmetric, p_fixed) (family: the code of families.c;
 *       p_fixed: x's last columns whose coefficients all experts share), beta p x MK, gate
 *       q x K, sigma K (the dispersions), post an n x K matrix, n expert labels 1..K or NULL
 *       (then the fit starts with an E-step), control a list (see read_control).  Returns the
 *       fitted parameters, the posterior (n x K, columns named expert1..), the trace, the
 *       status flags and the mixture's mean (n, named as x's rows; NULL for a family without
 *       a mean, multinomial); the inputs are not modified.
 *   ffi_par_layout(dims, p, q, dispersion)
 *       the lengths of the parameter vector's blocks (params.c), named experts, fixed, gating
 *       and dispersion, for a model with dims = c(family, K, M, symmetric, p_fixed) as
 *       ffi_em's, p expert and q gate columns, and dispersion = c(fix_sigma, equal_dispersion).
 *   ffi_aliased(x, w, tol)
 *       logical (p): the columns of x (n x p) that lm's rule finds aliased under weights w (n),
 *       from x' diag(w) x computed a block of rows at a time, without a copy of x.
 *   ffi_estep(x, z, y, target, w, size, offset_x, offset_z, dims, beta, gate, sigma)
 *       list(loglik, posterior, gradient_experts (p x MK), gradient_gate (q x (K - 1)),
 *       gradient_logsigma (K)) at the given parameters; the gradient is of the log-likelihood
 *       (over each expert's column of beta, shared coefficients as if they were not, and
 *       log phi_k).
 *   ffi_exp_block(x)
 *       exp(x) of a double vector by exp_block (exp_block.c), for its tests.
 *   ffi_pass_threads(dims, threads)
 *       integer (5): the threads a fit with dims = c(n, p, q, K, M) and control threads
 *       `threads` gives its E-step, its gate's objective, gradient and Hessian passes and the
 *       Newton pass of its K experts with shared coefficients (glm_newton.c) by their work
 *       (pass_threads, pass.h), for the tests of that rule.
 *   ffi_thread_gauge(cores, threads)
 *       integer (length(cores)): the threads of successive passes that pass_threads gives
 *       `threads`, after the gauge (threads.c) has seen each pass on threads do cores[i] cores'
 *       worth of work; for its tests.
 */
#define R_NO_REMAP
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <Rinternals.h>
#include "moem.h"
#include "ffi_checks.h"
#include "linalg.h"
#include "softmax.h"

static const double *optional_doubles(SEXP a)
{
    return Rf_isNull(a) ? NULL : REAL(a);
}

/* dims = c(family, K, M, symmetric, p_fixed): family a code of families.c, K >= 1, M >= 1 and
 * 1 unless the family is a softmax one (multinomial), symmetric 0 or 1 and 1 only for K = 2
 * experts of M = 1 fitted by least squares or softmax regression, p_fixed from 0 to x's p
 * columns and 0 for a multiclass family (multinomial).  The E-step's scratch of a block of rows,
 * MOEM_CHUNK (M K + 3 K + 4) doubles, is indexed by ints. */
static void read_dims(const char *fn, SEXP dims, int p, moem_data *d)
{
    const int *v = need_ints(fn, dims, "dims", 5);
    d->family = family_of_code(need_in_range(fn, "dims[1] (family)", v[0], 1, family_count()));
    d->K = need_in_range(fn, "dims[2] (K)", v[1], 1, INT_MAX);
    d->M = need_in_range(fn, "dims[3] (M)", v[2], 1,
                         d->family->multiclass ? INT_MAX : 1);
    d->symmetric = need_in_range(fn, "dims[4] (symmetric)", v[3], 0, 1);
    d->p_fixed = need_in_range(fn, "dims[5] (p_fixed)", v[4], 0, d->family->multiclass ? 0 : p);
    if (d->symmetric && (d->K != 2 || d->M != 1 || d->p_fixed > 0 ||
                         d->family->mstep == MSTEP_NEWTON))
        Rf_error("%s: `dims` asks for a symmetric model, which needs K = 2 and gaussian or "
                 "binomial experts without shared coefficients.", fn);
    if ((size_t) d->M * d->K + 3 * (size_t) d->K + 4 > INT_MAX / MOEM_CHUNK)
        Rf_error("%s: `dims` asks for K = %d experts with M = %d predictors each: too many.", fn,
                 d->K, d->M);
}

/* The data of ffi_em and ffi_estep: x n x p, z n x q, y n (class codes 0..M for multinomial
 * experts), target n x M (or NULL, except in a fit of softmax experts: binomial, multinomial),
 * w n, size n or NULL (only for softmax experts of M = 1: binomial), offset_x n x M or NULL,
 * offset_z n x (K - 1) or NULL; and no more coefficients than an int counts (params.c). */
static void read_data(const char *fn, SEXP x, SEXP z, SEXP y, SEXP target, SEXP w, SEXP size,
                      SEXP offset_x, SEXP offset_z, SEXP dims, int fit, moem_data *d)
{
    int rows;
    matrix_dims(fn, x, "x", &d->n, &d->p);
    read_dims(fn, dims, d->p, d);
    matrix_dims(fn, z, "z", &rows, &d->q);
    if (rows != d->n)
        Rf_error("%s: `z` must have as many rows as `x` (%d), not %d.", fn, d->n, rows);
    need_doubles(fn, y, "y", d->n, 1);
    if (d->family->multiclass) need_codes(fn, y, "y", d->M);
    if (fit && d->family->mstep == MSTEP_SOFTMAX)
        need_doubles(fn, target, "target", d->n, d->M);
    else
        need_optional_doubles(fn, target, "target", d->n, d->M);
    need_doubles(fn, w, "w", d->n, 1);
    need_optional_doubles(fn, size, "size", d->n, 1);
    if (!Rf_isNull(size) &&
        (d->family->mstep != MSTEP_SOFTMAX || d->family->multiclass || d->symmetric))
        Rf_error("%s: `size` (binomial trials) is for binomial experts, not symmetric.", fn);
    need_optional_doubles(fn, offset_x, "offset_x", d->n, d->M);
    need_optional_doubles(fn, offset_z, "offset_z", d->n, d->K - 1);
    const size_t cols = d->p > d->q ? d->p : d->q,
                 coefs = (size_t) d->p * d->M * d->K + (size_t) d->q * d->K + d->K;
    if (coefs > INT_MAX || 3 * cols > INT_MAX)
        Rf_error("%s: `x` (%d columns) and `z` (%d) with K = %d and M = %d: too many "
                 "coefficients.", fn, d->p, d->q, d->K, d->M);
    d->x = REAL(x);
    d->z = REAL(z);
    d->y = REAL(y);
    d->target = optional_doubles(target);
    d->w = REAL(w);
    d->size = optional_doubles(size);
    d->offset_x = optional_doubles(offset_x);
    d->offset_z = optional_doubles(offset_z);
    d->penalty_x = d->penalty_z = NULL;
}

/* The parameters: beta p x MK, gate q x K, sigma K (read by the gaussian experts only, but
 * always K). */
static void check_par(const char *fn, const moem_data *d, SEXP beta, SEXP gate, SEXP sigma)
{
    need_doubles(fn, beta, "beta", d->p, (R_xlen_t) d->M * d->K);
    need_doubles(fn, gate, "gate", d->q, d->K);
    need_doubles(fn, sigma, "sigma", d->K, 1);
}

/* The settings, as c_control() in R/moem-fit.R makes them, in the ranges moem_control()
 * allows (maxit as well: the trace has maxit + 1 rows); the ridge penalties NULL or one per
 * column of x and z. */
static void read_control(const char *fn, SEXP control, moem_control *ctl, moem_data *d)
{
    ctl->maxit = control_int(fn, control, "maxit", 0, 1000000);
    ctl->tol = control_double(fn, control, "tol", 0.0, 0);
    ctl->inner_maxit = control_int(fn, control, "inner_maxit", 1, INT_MAX);
    ctl->inner_tol = control_double(fn, control, "inner_tol", 0.0, 1);
    ctl->inner_slack = control_double(fn, control, "inner_slack", 0.0, 0);
    ctl->sigma_min = control_double(fn, control, "sigma_min", 0.0, 1);
    ctl->min_weight = control_double(fn, control, "min_weight", 0.0, 0);
    ctl->fix_sigma = control_logical(fn, control, "fix_sigma");
    ctl->equal_dispersion = control_logical(fn, control, "equal_dispersion");
    ctl->method = control_int(fn, control, "method", METHOD_EM, METHOD_GD);
    ctl->step = control_double(fn, control, "step", 0.0, 0);
    ctl->keep_path = control_logical(fn, control, "keep_path");
    ctl->solver = control_int(fn, control, "solver", SOLVER_NEWTON, SOLVER_BOUND);
    ctl->threads = control_int(fn, control, "threads", 1, INT_MAX);
    SEXP penalty_x = control_element(fn, control, "penalty_x"),
         penalty_z = control_element(fn, control, "penalty_z");
    need_optional_doubles(fn, penalty_x, "control$penalty_x", d->p, 1);
    need_optional_doubles(fn, penalty_z, "control$penalty_z", d->q, 1);
    d->penalty_x = optional_doubles(penalty_x);
    d->penalty_z = optional_doubles(penalty_z);
    if (ctl->method == METHOD_GRADIENT_EM &&
        (!d->family->curvature_bound || d->size || d->p_fixed > 0))
        Rf_error("%s: gradient EM needs experts whose curvature is bounded (gaussian, binomial "
                 "without trials, multinomial) and no shared coefficients.", fn);
    if (d->p_fixed > 0 && d->penalty_x)
        for (int j = d->p - d->p_fixed; j < d->p; j++)
            if (d->penalty_x[j] != 0)
                Rf_error("%s: `control$penalty_x` must be 0 on the shared coefficients.", fn);
}

/* The start: NULL, n expert labels 1..K (integers) or an n x K posterior (doubles). */
static void check_start(const char *fn, const moem_data *d, SEXP post)
{
    if (Rf_isNull(post)) return;
    if (TYPEOF(post) == INTSXP) {
        need_ints(fn, post, "post", d->n);
        need_labels(fn, post, "post", d->K);
    } else {
        need_doubles(fn, post, "post", d->n, d->K);
    }
}

static double *alloc_doubles(size_t len)
{
    double *a = (double *) R_alloc(len > 0 ? len : 1, sizeof(double));
    memset(a, 0, (len > 0 ? len : 1) * sizeof(double));
    return a;
}

/* Boehning's bound for a softmax M-step with m free classes over a design whose weighted
 * Gram matrix is gram (q x q). */
static void alloc_bound(int q, int m, const double *gram, const double *penalty, moem_work *wk,
                        softmax_bound *b)
{
    b->chol_perp = alloc_doubles((size_t) q * q);
    b->scale_perp = alloc_doubles(q);
    b->chol_ones = alloc_doubles((size_t) q * q);
    b->scale_ones = alloc_doubles(q);
    bound_setup(q, m, gram, penalty, wk->m.sm.chol, b);
}

/* What the fit takes from the Gram matrices x' diag(w) x and z' diag(w) z, each computed once
 * (once in all when z is x): the bound solver's factors, gradient EM's curvature, and the total
 * from which EM's E-step derives one gaussian expert's gram (stats.c). */
static void setup_curvature(const moem_data *d, const moem_control *ctl, moem_work *wk)
{
    const int bound_x = ctl->solver == SOLVER_BOUND && d->family->mstep == MSTEP_SOFTMAX &&
                        d->p_fixed == 0;
    const int bound_z = ctl->solver == SOLVER_BOUND && d->K > 1;
    const int eigen = ctl->method == METHOD_GRADIENT_EM;
    const int derived = least_squares_experts(d) && d->K > 1 && ctl->method == METHOD_EM &&
                        !d->symmetric;
    const int lwork = 3 * (d->p > d->q ? d->p : d->q);
    double *gram_x = NULL, *gram_z = NULL;
    if (bound_x || eigen || derived) {
        gram_x = alloc_doubles((size_t) d->p * d->p);
        gram_pass(&wk->pass, d->n, d->p, d->x, d->w, gram_x);
    }
    if (bound_z || eigen) {
        if (d->z == d->x && gram_x) {
            gram_z = gram_x;
        } else {
            gram_z = alloc_doubles((size_t) d->q * d->q);
            gram_pass(&wk->pass, d->n, d->q, d->z, d->w, gram_z);
        }
    }
    if (bound_x) alloc_bound(d->p, d->M, gram_x, d->penalty_x, wk, &wk->m.bound_x);
    if (bound_z) alloc_bound(d->q, d->K - 1, gram_z, d->penalty_z, wk, &wk->m.bound_z);
    if (eigen) {
        wk->lambda_x = top_eigenvalue(d->p, gram_x, wk->m.sm.chol, wk->m.sm.step, wk->m.eigen,
                                      lwork);
        wk->lambda_z = top_eigenvalue(d->q, gram_z, wk->m.sm.chol, wk->m.sm.step, wk->m.eigen,
                                      lwork);
    }
    if (derived) wk->e.gram_total = gram_x;
}

/* The threads the passes over the rows may use: as asked, within OpenMP's limit and
 * MOEM_STRIPES; 1 in a build without OpenMP. */
static int usable_threads(int asked)
{
#ifdef _OPENMP
    if (asked > omp_get_thread_limit()) asked = omp_get_thread_limit();
#else
    asked = 1;
#endif
    if (asked > MOEM_STRIPES) asked = MOEM_STRIPES;
    return asked > 1 ? asked : 1;
}

/* The larger of *at_most and size, if the pass of that size is narrow (pass.h) */
static void note_part(size_t size, int narrow, size_t *at_most)
{
    if (narrow && size > *at_most) *at_most = size;
}

static size_t larger(size_t a, size_t b)
{
    return a > b ? a : b;
}

/* The workspace of the fit's passes (pass.h), for the largest of them: the E-step's, the
 * softmax M-steps' (binomial and multinomial experts over p columns and M classes, the gate
 * over q columns and K - 1 classes), Newton's M-steps' (glm_newton.c), the Gram matrices'
 * (gram.c) and the least squares' and dispersions' (experts.c). */
static void alloc_pass(const moem_data *d, int threads, int newton, pass_work *w)
{
    const int p = d->p, q = d->q, M = d->M, K = d->K,
              softmax_experts = d->family->mstep == MSTEP_SOFTMAX && d->p_fixed == 0,
              glm_experts = d->family->mstep == MSTEP_NEWTON || d->p_fixed > 0;
    size_t scratch = larger(estep_scratch_size(d), gram_scratch_size(p > q ? p : q)),
           part = 2; /* a dispersion's sums */
    note_part(estep_sums_size(d), estep_narrow(d), &part);
    note_part(gram_sums_size(p), narrow_terms(p), &part);
    note_part(gram_sums_size(q), narrow_terms(q), &part);
    note_part(p, narrow_terms(p), &part); /* a least squares score */
    if (softmax_experts || d->symmetric) {
        scratch = larger(scratch, softmax_scratch_size(p, M));
        note_part(softmax_sums_size(p, M, newton), narrow_terms((size_t) p * M), &part);
    }
    if (K > 1) {
        scratch = larger(scratch, softmax_scratch_size(q, K - 1));
        note_part(softmax_sums_size(q, K - 1, newton), narrow_terms((size_t) q * (K - 1)),
                  &part);
    }
    if (glm_experts) {
        scratch = larger(scratch, glm_scratch_size(d));
        note_part(glm_sums_size(d), narrow_terms((size_t) p * (d->p_fixed > 0 ? K : 1)), &part);
    }
    w->threads = usable_threads(threads);
    memset(&w->gauge, 0, sizeof w->gauge); /* threads from the first pass on */
    w->scratch_size = scratch;
    w->scratch = alloc_doubles((size_t) w->threads * scratch);
    w->part_size = part;
    w->parts = alloc_doubles(MOEM_STRIPES * part);
}

/* The E-step's workspace (estep.c): the gate probabilities, the sums, and what the weights are
 * (their sum, whether all 0 or 1).  The caller sets its posterior. */
static void alloc_estep(const moem_data *d, pass_work *pass, estep_work *e)
{
    e->wsum = 0.0;
    e->unit_weights = 1;
    for (ptrdiff_t i = 0; i < d->n; i++) {
        e->wsum += d->w[i];
        if (d->w[i] != 0.0 && d->w[i] != 1.0) e->unit_weights = 0;
    }
    e->gram_total = NULL; /* no gram derived (stats.c) */
    e->gram_derived = -1;
    e->pass = pass;
    e->row_constant = estep_row_constant(d, pass);
    e->gate_prob = alloc_doubles((size_t) d->n * d->K);
    e->sums = alloc_doubles(estep_sums_size(d));
    estep_sums_view(d, e->sums, &e->grad, &e->stats);
    e->stats.ready = 0;
}

/* Newton's M-steps' scratch (glm_newton.c): for one expert's p coefficients, or with shared
 * coefficients for all K experts' own and the shared ones at once */
static void alloc_glm(const moem_data *d, glm_scratch *s)
{
    const size_t p = d->p, K = d->p_fixed > 0 ? d->K : 1,
                 D = d->p_fixed > 0 ? K * (p - d->p_fixed) + d->p_fixed : p;
    s->sums = alloc_doubles(glm_sums_size(d));
    s->coef = alloc_doubles(D);
    s->grad = alloc_doubles(D);
    s->step = alloc_doubles(D);
    s->trial = alloc_doubles(D);
    s->scale = alloc_doubles(D);
    s->hess = alloc_doubles(D * D);
    s->chol = alloc_doubles(D * D);
}

/* The workspace is sized for the largest M-step problem: the gate (q columns, K - 1 classes),
 * the experts' softmax (p columns, M classes) or the gaussian least squares (p x p).  Newton's
 * Hessian is D x D; the bound solver needs only the Gram matrices, at most cols x cols. */
static void alloc_work(const moem_data *d, const moem_control *ctl, moem_work *wk, double *post)
{
    size_t n = d->n, cols = d->p > d->q ? d->p : d->q, P = par_count(d, ctl);
    size_t m = d->M > d->K - 1 ? d->M : d->K - 1, D, H;
    if (m < 1) m = 1;
    D = (size_t) d->p * d->M;
    if ((size_t) d->q * (d->K - 1) > D) D = (size_t) d->q * (d->K - 1);
    if (cols > D) D = cols;
    H = ctl->solver == SOLVER_BOUND ? cols : D;
    wk->e.post = post; /* the result's matrix, n x K: no copy at the end */
    wk->m.v = alloc_doubles(n);
    wk->m.resid = alloc_doubles(n);
    alloc_pass(d, ctl->threads, ctl->solver == SOLVER_NEWTON, &wk->pass);
    alloc_estep(d, &wk->pass, &wk->e);
    wk->theta = alloc_doubles(P);
    wk->trial = alloc_doubles(P);
    wk->ascent = alloc_doubles(P);
    wk->last = alloc_doubles(P);
    wk->m.eigen = alloc_doubles(3 * cols);
    wk->m.iwork = (int *) R_alloc(cols > 0 ? cols : 1, sizeof(int));
    /* class probabilities of the experts' softmax M-steps (the gate has wk->e.gate_prob) */
    const int softmax_experts = d->family->mstep == MSTEP_SOFTMAX && d->p_fixed == 0;
    wk->m.sm.prob = softmax_experts ? alloc_doubles(n * (m + 1)) : NULL;
    wk->m.sm.pass = &wk->pass;
    wk->m.sm.objective = alloc_doubles(D + 1);
    wk->m.sm.grad = alloc_doubles(D);
    wk->m.sm.grad_next = wk->m.sm.objective + 1;
    wk->m.sm.grad_ready = 0;
    wk->m.sm.hess = alloc_doubles(H * H);
    wk->m.sm.chol = alloc_doubles(H * H);
    wk->m.sm.scale = alloc_doubles(D);
    wk->m.sm.step = alloc_doubles(D);
    wk->m.sm.trial = alloc_doubles(D);
    wk->lambda_x = wk->lambda_z = 0.0;
    memset(&wk->m.bound_x, 0, sizeof wk->m.bound_x);
    memset(&wk->m.bound_z, 0, sizeof wk->m.bound_z);
    memset(&wk->m.gate_saved, 0, sizeof wk->m.gate_saved);
    if (ctl->solver == SOLVER_NEWTON && d->K > 1) {
        size_t Dz = (size_t) d->q * (d->K - 1);
        wk->m.gate_saved.chol = alloc_doubles(Dz * Dz);
        wk->m.gate_saved.scale = alloc_doubles(Dz);
        wk->m.gate_before = alloc_doubles(Dz);
    }
    if (d->family->mstep == MSTEP_NEWTON || d->p_fixed > 0) alloc_glm(d, &wk->m.glm);
    wk->m.glm.pass = &wk->pass;
    wk->m.dispersion_sums = alloc_doubles((size_t) 2 * d->K);
    wk->m.listed = (int *) R_alloc(d->K, sizeof(int));
    setup_curvature(d, ctl, wk);
}

/* Fresh copies of the starting parameters, which the fit then updates. */
static SEXP copy_par(SEXP beta, SEXP gate, SEXP sigma, moem_par *par)
{
    SEXP out = PROTECT(Rf_allocVector(VECSXP, 3));
    SET_VECTOR_ELT(out, 0, Rf_duplicate(beta));
    SET_VECTOR_ELT(out, 1, Rf_duplicate(gate));
    SET_VECTOR_ELT(out, 2, Rf_duplicate(sigma));
    par->beta = REAL(VECTOR_ELT(out, 0));
    par->gate = REAL(VECTOR_ELT(out, 1));
    par->sigma = REAL(VECTOR_ELT(out, 2));
    UNPROTECT(1);
    return out;
}

static SEXP matrix_copy(const double *a, int nrow, int ncol)
{
    SEXP out = PROTECT(Rf_allocMatrix(REALSXP, nrow, ncol));
    if ((size_t) nrow * ncol > 0) memcpy(REAL(out), a, (size_t) nrow * ncol * sizeof(double));
    UNPROTECT(1);
    return out;
}

/* The first nrow rows of a matrix with ld rows, as an R matrix. */
static SEXP rows_copy(const double *a, int ld, int nrow, int ncol)
{
    SEXP out = PROTECT(Rf_allocMatrix(REALSXP, nrow, ncol));
    for (int j = 0; j < ncol; j++)
        memcpy(REAL(out) + (size_t) j * nrow, a + (size_t) j * ld, (size_t) nrow * sizeof(double));
    UNPROTECT(1);
    return out;
}

/* Column names expert1 .. expertK on the posterior matrix, set here so that R need not copy it
 * to name it. */
static void name_experts(SEXP posterior, int K)
{
    SEXP dimnames = PROTECT(Rf_allocVector(VECSXP, 2)), labels = PROTECT(Rf_allocVector(STRSXP, K));
    char label[32];
    for (int k = 0; k < K; k++) {
        snprintf(label, sizeof label, "expert%d", k + 1);
        SET_STRING_ELT(labels, k, Rf_mkChar(label));
    }
    SET_VECTOR_ELT(dimnames, 1, labels);
    Rf_setAttrib(posterior, R_DimNamesSymbol, dimnames);
    UNPROTECT(2);
}

static SEXP int_vector(const int *a, int len)
{
    SEXP out = PROTECT(Rf_allocVector(INTSXP, len));
    if (len > 0) memcpy(INTEGER(out), a, (size_t) len * sizeof(int));
    UNPROTECT(1);
    return out;
}

static SEXP named_list(const char **names, int len)
{
    SEXP out = PROTECT(Rf_allocVector(VECSXP, len));
    SEXP nms = PROTECT(Rf_allocVector(STRSXP, len));
    for (int i = 0; i < len; i++) SET_STRING_ELT(nms, i, Rf_mkChar(names[i]));
    Rf_setAttrib(out, R_NamesSymbol, nms);
    UNPROTECT(2);
    return out;
}

SEXP ffi_em(SEXP x, SEXP z, SEXP y, SEXP target, SEXP w, SEXP size, SEXP offset_x,
            SEXP offset_z, SEXP dims, SEXP beta, SEXP gate, SEXP sigma, SEXP post, SEXP control)
{
    const char *fn = "ffi_em";
    moem_data d;
    moem_par par;
    moem_control ctl;
    moem_work wk;
    moem_status st;
    memset(&wk, 0, sizeof wk); /* every field defined, also those a fit may not set */
    read_data(fn, x, z, y, target, w, size, offset_x, offset_z, dims, 1, &d);
    check_par(fn, &d, beta, gate, sigma);
    check_start(fn, &d, post);
    read_control(fn, control, &ctl, &d);
    SEXP posterior = PROTECT(Rf_allocMatrix(REALSXP, d.n, d.K));
    alloc_work(&d, &ctl, &wk, REAL(posterior));
    SEXP fitted = PROTECT(copy_par(beta, gate, sigma, &par));
    memset(&st, 0, sizeof st);
    st.frozen = (int *) R_alloc(d.K, sizeof(int));
    st.floored = (int *) R_alloc(d.K, sizeof(int));
    memset(st.frozen, 0, d.K * sizeof(int));
    memset(st.floored, 0, d.K * sizeof(int));
    const int rows = ctl.maxit + 1, P = par_count(&d, &ctl);
    st.trace = alloc_doubles((size_t) rows * TRACE_COLUMNS);
    st.path = ctl.keep_path ? alloc_doubles((size_t) rows * P) : NULL;
    int start_with_mstep = !Rf_isNull(post);
    if (start_with_mstep && Rf_isInteger(post)) {
        /* expert labels 1..K (R/start.R): a posterior of zeros and ones */
        const int *label = INTEGER(post);
        memset(wk.e.post, 0, (size_t) d.n * d.K * sizeof(double));
        for (int i = 0; i < d.n; i++) wk.e.post[i + (size_t) (label[i] - 1) * d.n] = 1.0;
    } else if (start_with_mstep) {
        memcpy(wk.e.post, REAL(post), (size_t) d.n * d.K * sizeof(double));
    }

    moem_em(&d, &par, &wk, &ctl, start_with_mstep, &st);

    const char *names[] = { "beta", "gate", "sigma", "posterior", "trace", "iter", "converged",
                            "frozen", "floored", "inner_capped", "regularised", "decreased",
                            "path", "failed", "diverged", "fitted" };
    SEXP out = PROTECT(named_list(names, 16));
    for (int i = 0; i < 3; i++) SET_VECTOR_ELT(out, i, VECTOR_ELT(fitted, i));
    name_experts(posterior, d.K);
    SET_VECTOR_ELT(out, 3, posterior);
    if (d.family->mean) {
        SEXP mean = PROTECT(Rf_allocVector(REALSXP, d.n)), rows = Rf_getAttrib(x, R_DimNamesSymbol);
        moem_fitted(&d, &par, &wk.e, REAL(mean));
        if (!Rf_isNull(rows)) Rf_setAttrib(mean, R_NamesSymbol, VECTOR_ELT(rows, 0));
        SET_VECTOR_ELT(out, 15, mean);
        UNPROTECT(1);
    }
    SET_VECTOR_ELT(out, 4, rows_copy(st.trace, rows, st.iter + 1, TRACE_COLUMNS));
    if (st.path) SET_VECTOR_ELT(out, 12, rows_copy(st.path, rows, st.iter + 1, P));
    SET_VECTOR_ELT(out, 5, Rf_ScalarInteger(st.iter));
    SET_VECTOR_ELT(out, 6, Rf_ScalarLogical(st.converged));
    SET_VECTOR_ELT(out, 7, int_vector(st.frozen, d.K));
    SET_VECTOR_ELT(out, 8, int_vector(st.floored, d.K));
    SET_VECTOR_ELT(out, 9, Rf_ScalarInteger(st.inner_capped));
    SET_VECTOR_ELT(out, 10, Rf_ScalarInteger(st.regularised));
    SET_VECTOR_ELT(out, 11, Rf_ScalarInteger(st.decreased));
    SET_VECTOR_ELT(out, 13, Rf_ScalarInteger(st.failed));
    SET_VECTOR_ELT(out, 14, Rf_ScalarInteger(st.diverged));
    UNPROTECT(3);
    return out;
}

SEXP ffi_estep(SEXP x, SEXP z, SEXP y, SEXP target, SEXP w, SEXP size, SEXP offset_x,
               SEXP offset_z, SEXP dims, SEXP beta, SEXP gate, SEXP sigma)
{
    const char *fn = "ffi_estep";
    moem_data d;
    estep_work e;
    pass_work pass;
    memset(&e, 0, sizeof e);
    read_data(fn, x, z, y, target, w, size, offset_x, offset_z, dims, 0, &d);
    check_par(fn, &d, beta, gate, sigma);
    moem_par par = { .beta = REAL(beta), .gate = REAL(gate), .sigma = REAL(sigma) };
    SEXP posterior = PROTECT(Rf_allocMatrix(REALSXP, d.n, d.K));
    e.post = REAL(posterior);
    alloc_pass(&d, 1, 0, &pass);
    alloc_estep(&d, &pass, &e);
    double loglik = moem_estep(&d, &par, &e, 1, 0, NULL);
    const char *names[] = { "loglik", "posterior", "gradient_experts", "gradient_gate",
                            "gradient_logsigma" };
    SEXP out = PROTECT(named_list(names, 5));
    SET_VECTOR_ELT(out, 0, Rf_ScalarReal(loglik));
    SET_VECTOR_ELT(out, 1, posterior);
    SET_VECTOR_ELT(out, 2, matrix_copy(e.grad.beta, d.p, d.M * d.K));
    SET_VECTOR_ELT(out, 3, matrix_copy(e.grad.gate, d.q, d.K - 1));
    SET_VECTOR_ELT(out, 4, matrix_copy(e.grad.logsigma, d.K, 1));
    UNPROTECT(2);
    return out;
}

SEXP ffi_par_layout(SEXP dims, SEXP p, SEXP q, SEXP dispersion)
{
    const char *fn = "ffi_par_layout";
    moem_data d = { .n = 0 };
    const int columns = need_in_range(fn, "p", need_ints(fn, p, "p", 1)[0], 0, 1 << 24);
    read_dims(fn, dims, columns, &d);
    d.p = columns;
    d.q = need_in_range(fn, "q", need_ints(fn, q, "q", 1)[0], 0, 1 << 24);
    const int *flags = need_ints(fn, dispersion, "dispersion", 2);
    const moem_control ctl = {
        .fix_sigma = need_in_range(fn, "dispersion[1] (fix_sigma)", flags[0], 0, 1),
        .equal_dispersion = need_in_range(fn, "dispersion[2] (equal)", flags[1], 0, 1)
    };
    if ((double) d.p * d.M * d.K + (double) d.q * d.K > INT_MAX)
        Rf_error("%s: too many coefficients.", fn);
    const char *names[] = { "experts", "fixed", "gating", "dispersion" };
    SEXP out = PROTECT(Rf_allocVector(INTSXP, PAR_BLOCKS)),
         labels = PROTECT(Rf_allocVector(STRSXP, PAR_BLOCKS));
    par_layout(&d, &ctl, INTEGER(out));
    for (int b = 0; b < PAR_BLOCKS; b++) SET_STRING_ELT(labels, b, Rf_mkChar(names[b]));
    Rf_setAttrib(out, R_NamesSymbol, labels);
    UNPROTECT(2);
    return out;
}

SEXP ffi_aliased(SEXP x, SEXP w, SEXP tol)
{
    const char *fn = "ffi_aliased";
    int n, p;
    matrix_dims(fn, x, "x", &n, &p);
    need_doubles(fn, w, "w", n, 1);
    const double limit = need_double_scalar(fn, tol, "tol");
    double *gram = alloc_doubles(gram_sums_size(p));
    pass_work pass = { .threads = 1, .scratch_size = gram_scratch_size(p),
                       .part_size = gram_sums_size(p) };
    pass.scratch = alloc_doubles(pass.scratch_size);
    pass.parts = alloc_doubles(MOEM_STRIPES * pass.part_size);
    SEXP out = PROTECT(Rf_allocVector(LGLSXP, p));
    gram_pass(&pass, n, p, REAL(x), REAL(w), gram);
    find_aliased(p, gram, limit, LOGICAL(out));
    UNPROTECT(1);
    return out;
}

/* exp() of a double vector by the passes' exp_block (exp_block.c), for its tests */
SEXP ffi_exp_block(SEXP x)
{
    need_double_vector("ffi_exp_block", x, "x");
    SEXP out = PROTECT(Rf_duplicate(x));
    exp_block(REAL(out), (size_t) XLENGTH(out));
    UNPROTECT(1);
    return out;
}

/* The threads of a fit's passes by their rule, for its tests: a fit's shape without its data */
SEXP ffi_pass_threads(SEXP dims, SEXP threads)
{
    const char *fn = "ffi_pass_threads";
    const int *dim = need_ints(fn, dims, "dims", 5);
    need_in_range(fn, "dims[1] (n)", dim[0], 1, INT_MAX);
    need_in_range(fn, "dims[2] (p)", dim[1], 1, 1 << 20);
    need_in_range(fn, "dims[3] (q)", dim[2], 1, 1 << 20);
    need_in_range(fn, "dims[4] (K)", dim[3], 1, 1 << 16);
    need_in_range(fn, "dims[5] (M)", dim[4], 1, 1 << 16);
    const int asked = need_ints(fn, threads, "threads", 1)[0];
    need_in_range(fn, "threads", asked, 1, 1 << 16);
    moem_data d = { .n = dim[0], .p = dim[1], .q = dim[2], .K = dim[3], .M = dim[4] };
    const int usable = usable_threads(asked);
    softmax_problem gate = { .n = d.n, .q = d.q, .m = d.K - 1 };
    SEXP out = PROTECT(Rf_allocVector(INTSXP, 5));
    INTEGER(out)[0] = pass_threads(d.n, estep_row_cost(&d), estep_narrow(&d), usable);
    INTEGER(out)[1] = softmax_pass_threads(&gate, usable, PASS_OBJECTIVE);
    INTEGER(out)[2] = softmax_pass_threads(&gate, usable, PASS_GRADIENT);
    INTEGER(out)[3] = softmax_pass_threads(&gate, usable, PASS_HESSIAN);
    INTEGER(out)[4] = pass_threads(d.n, glm_row_cost(d.p, d.K, 1),
                                   narrow_terms((size_t) d.p * d.K), usable);
    UNPROTECT(1);
    return out;
}

/* The gauge's threads for passes whose work is worth `threads`, had each pass on threads done
 * cores[i] cores' worth of work (threads.c), for its tests */
SEXP ffi_thread_gauge(SEXP cores, SEXP threads)
{
    const char *fn = "ffi_thread_gauge";
    const R_xlen_t len = need_double_vector(fn, cores, "cores");
    const int asked = need_ints(fn, threads, "threads", 1)[0];
    need_in_range(fn, "threads", asked, 1, 1 << 16);
    thread_gauge g = { .wait = 0 };
    SEXP out = PROTECT(Rf_allocVector(INTSXP, len));
    for (R_xlen_t i = 0; i < len; i++) {
        INTEGER(out)[i] = gauge_threads(&g, asked);
        if (INTEGER(out)[i] > 1) gauge_update(&g, REAL(cores)[i], 1.0);
    }
    UNPROTECT(1);
    return out;
}
