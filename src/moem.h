/*
 * moem.h: the types shared by moem's C kernels.
 *
 * A mixture of K experts with a softmax gate:
 *
 *     p(y | x, z) = sum_k pi_k(z) f_k(y | x),   pi = softmax(z'W),  W[, 1] = 0.
 *
 * Every matrix is column-major, as R stores it.  The kernels never allocate, never raise R
 * conditions and never modify the data; they report through return codes and flags that the
 * .Call glue (ffi.c) turns into R values.
 */
#ifndef MOEM_H
#define MOEM_H

#include <math.h>
#include <stddef.h>
#include "family.h"
#include "pass.h"

/* eta (len x m, leading dimension ld) += rows i0 .. i0 + len - 1 of offset (n x m), unless
 * offset is NULL */
static inline void offset_add(int len, int m, const double *offset, ptrdiff_t n, ptrdiff_t i0,
                              double *eta, int ld)
{
    if (!offset) return;
    for (int c = 0; c < m; c++) {
        const double *oc = offset + (size_t) c * n + i0;
        double *ec = eta + (size_t) c * ld;
        SIMD_LOOP
        for (int i = 0; i < len; i++) ec[i] += oc[i];
    }
}

/* The sum of w_i log(s_i) over the rows of a block, s_i >= 1.  With weights 0 and 1
 * (unit_weights) it is the log of the product of the s_i, kept below 2^500 by exact powers of
 * 2: one log a block instead of one a row.  Each product rounds by half an ulp, so the block's
 * sum is off by at most about len ulps of 1 (1e-13 for 1024 rows), the order of the rounding
 * of the sums over rows the E-step adds it to. */
typedef struct {
    double product, sum;
    int twos;
} log_sum;

static inline void log_sum_add(log_sum *a, double s, double w, int unit_weights)
{
    if (!unit_weights) {
        a->sum += w * log(s);
        return;
    }
    a->product *= s;
    if (a->product > 0x1p500) {
        a->product *= 0x1p-500;
        a->twos += 500;
    }
}

static inline double log_sum_value(const log_sum *a)
{
    return a->sum + log(a->product) + a->twos * 0.693147180559945309417232121458;
}

enum moem_method { METHOD_EM = 1, METHOD_GRADIENT_EM = 2, METHOD_GD = 3 };
enum moem_solver { SOLVER_NEWTON = 1, SOLVER_BOUND = 2 };

/* The data of one fit.  M is the number of linear predictors per expert: C - 1 for
 * multinomial experts over C classes (class 1 is the reference), else 1.  A symmetric model
 * has K = 2, M = 1, expert 2's coefficients minus expert 1's and, for gaussian experts, one
 * sigma shared by both.  The last p_fixed columns of x have coefficients shared by all experts
 * (M = 1): their rows of beta are the same in every column. */
typedef struct {
    int n, p, q, K, M, symmetric, p_fixed;
    const moem_family *family; /* the experts' family (family.h) */
    const double *x;      /* n x p   experts' design */
    const double *z;      /* n x q   gate's design */
    const double *y;      /* n       response; class code 0..C-1 for multinomial, proportion
                                     of successes for binomial */
    const double *size;   /* n       binomial trials, or NULL (one each) */
    const double *target; /* n x M   targets of the experts' softmax likelihood: y for binomial,
                                     indicators of classes 2..C for multinomial; NULL for the
                                     other families */
    const double *w;      /* n       case weights, >= 0 */
    const double *offset_x; /* n x M the experts' offsets, added to each expert's linear
                               predictors x beta_k (the same for every expert), or NULL */
    const double *offset_z; /* n x (K - 1)  the gate's offsets, added to the log-odds of experts
                               2..K against expert 1, or NULL */
    const double *penalty_x; /* p    ridge penalty of each expert coefficient row, or NULL */
    const double *penalty_z; /* q    ridge penalty of each gate coefficient row, or NULL */
} moem_data;

/* The parameters, updated in place by the fit. */
typedef struct {
    double *beta;  /* p x (M K)  expert k's coefficients in columns k M .. k M + M - 1 */
    double *gate;  /* q x K      column 0 is the reference and stays 0 */
    double *sigma; /* K          the experts' dispersions (family.h): gaussian sigma, Gamma
                                 shape; unused by the other families */
} moem_par;

/* The settings of one fit, checked in R by moem_control(). */
typedef struct {
    int maxit;          /* EM iterations */
    double tol;         /* stop when |change of loglik| < tol (|loglik| + 0.1) */
    int inner_maxit;    /* Newton iterations of one M-step block */
    double inner_tol;   /* Newton decrement / 2 < inner_tol (|objective| + 0.1) */
    double inner_slack; /* or < inner_slack times EM's last change of the log-likelihood */
    double sigma_min;   /* absolute floor for a gaussian expert's sigma; a Gamma expert's shape
                           is at most 1 / sigma_min^2 */
    double min_weight;  /* an expert whose total posterior weight falls below this is frozen */
    int fix_sigma;      /* 1: the dispersion (sigma, shape) is known and not updated */
    int equal_dispersion; /* 1: one dispersion for all experts (all entries of sigma equal) */
    int method;         /* enum moem_method */
    double step;        /* gradient descent: fixed step size, or 0 for Armijo backtracking */
    int keep_path;      /* 1: record the free parameters after every iteration */
    int solver;         /* enum moem_solver: of the softmax M-steps (experts and gate) */
    int threads;        /* threads of the passes over the rows; the results do not depend on it */
} moem_control;

/* Scratch for the weighted softmax (multinomial logistic) regression of softmax.c, for problems
 * of up to n rows, q columns and m free classes; D = q m coefficients. */
typedef struct {
    double *prob;  /* n x (m + 1)     class probabilities at the current coefficients, the
                      reference class's last */
    pass_work *pass;   /* the fit's passes' (pass.h) */
    double *objective; /* 1 + D  the last objective pass's sums: the unpenalised objective, then
                          its gradient at the probabilities it made (grad_next) */
    double *grad;  /* D */
    double *grad_next; /* D  objective + 1, used when grad_ready */
    int grad_ready;
    double *hess;  /* D x D */
    double *chol;  /* D x D */
    double *scale; /* D */
    double *step;  /* D */
    double *trial; /* D */
} softmax_work;

/* The gradient of the log-likelihood, as the E-step accumulates it, with the sums of the
 * experts' dispersions (family.h) that gradient EM also needs. */
typedef struct {
    double *beta;     /* p x MK       d loglik / d beta */
    double *gate;     /* q x (K - 1)  d loglik / d gate[, 2..K] */
    double *logsigma; /* K            d loglik / d log phi_k (families with a dispersion), from
                                      dispersion by gradient_finish */
    double *dispersion; /* 2 x K      each expert's dispersion_sums with v = w post_k */
} moem_gradient;

/* Boehning's bound for a softmax regression with m free classes over a design with Gram
 * matrix G = z' diag(w) z (q x q): the negative Hessian is at most A (x) G + I (x) Lambda with
 * A = (I - 11' / (m + 1)) / 2 and Lambda the ridge penalty.  A has the eigenvalue 1/2 off the
 * direction of 1 and 1 / (2 (m + 1)) along it, so two q x q factors solve with the bound;
 * they are computed once per fit (bound.c).  The bound holds for any row weights v <= w. */
typedef struct {
    int ready;          /* 1 when the factors are set */
    double *chol_perp;  /* q x q  Cholesky factor of G / 2 + Lambda (m > 1) */
    double *scale_perp; /* q */
    double *chol_ones;  /* q x q  Cholesky factor of G / (2 (m + 1)) + Lambda */
    double *scale_ones; /* q */
} softmax_bound;

/* The M-step's sufficient statistics, accumulated by the E-step (stats.c). */
typedef struct {
    int ready;     /* 1 when they belong to the current parameters and posterior */
    double *gram;  /* p x p x K  x' diag(w post_k) x (gaussian experts) */
    double *score; /* p x K      x' (w post_k (y - x beta_k)) */
    double *rss;   /* K          sum w post_k (y - x beta_k)^2 */
    double *size;  /* K          sum w post_k */
    double *gate;  /* q x (K - 1)  z' (w (post_k - pi_k)) */
} moem_stats;

/* A last Newton step of the gate's M-step taken without its Armijo test (softmax.c), which EM
 * tests at the E-step after it (em.c): the step stands if the gate's objective, f_before
 * before it, gains at least least_gain. */
typedef struct {
    int pending;
    double f_before, least_gain;
} untested_step;

/* EM's shortcuts for one M-step, which the driver (em.c) decides as one policy and the
 * M-steps (experts.c, gating.c) follow. */
typedef struct {
    double slack;            /* a block may stop once what is left of its gain is below this
                                (a fraction of EM's last change of the objective) */
    int warm;                /* the gate starts from the E-step's probabilities and objective */
    int from_stats;          /* the E-step's statistics are the current posterior's: gaussian
                                experts solve from them, the gate takes its first gradient there */
    moem_gradient *gradient; /* receives the gradient at the start (EM's trace), or NULL */
    untested_step *untested; /* where the gate may leave its last step untested, or NULL */
} mstep_plan;

/* A Newton Hessian factor kept from an earlier M-step of the same softmax block (softmax.c). */
typedef struct {
    double *chol;  /* D x D */
    double *scale; /* D */
    int valid;     /* 1 once a factor is kept */
    int age;       /* M-steps it has served since it was computed */
} softmax_saved;

/* Scratch of glm_newton.c for p columns, K experts and D = K (p - p_fixed) + p_fixed joint
 * coefficients (p when p_fixed = 0, one expert at a time) */
typedef struct {
    pass_work *pass;         /* the fit's passes' (pass.h) */
    double *sums;            /* glm_sums_size: the objective, then each listed expert's terms
                                of the gradient (p) and of the negative Hessian (p x p) */
    double *coef, *grad, *step, *trial, *scale; /* D */
    double *hess, *chol;     /* D x D */
} glm_scratch;

typedef struct {
    int iter, capped, regularised, failed;
} glm_result;

/* The E-step's workspace (estep.c, with stats.c and gradient.c): its scratch, and what it
 * leaves for the M-steps and the driver.  Allocated once per fit by ffi.c. */
typedef struct {
    double *post;  /* n x K  posterior probabilities */
    double *gate_prob; /* n x K  gate probabilities of experts 2..K, then of expert 1, at the
                          last E-step (the gate's M-step then keeps its own there) */
    double gate_q;     /* the gate's part of Q at the last E-step (for a warm gate M-step) */
    moem_gradient grad; /* the gradient of the last E-step that asked for it */
    moem_stats stats;   /* EM's M-step statistics from the last E-step */
    double wsum;   /*        sum of the case weights */
    double row_constant; /*  sum_i w_i c_i of the family's row constants (estep_row_constant) */
    int unit_weights; /*     1 if every case weight is 0 or 1 (log_sum, moem.h) */
    pass_work *pass;  /*     the fit's passes' (pass.h) */
    double *sums;  /* estep_sums_size  the last E-step's sums, of which grad and stats are
                      views (estep_sums_view) */
    double *gram_total; /* p x p  x' diag(w) x (upper triangle) of gaussian experts, from
                           which the E-step derives one expert's gram (stats.c), or NULL */
    int gram_derived;   /* the expert whose gram the last E-step derived, or -1 */
} estep_work;

/* The M-steps' workspace (experts.c, gating.c, glm_newton.c, softmax.c, bound.c): scratch, and
 * what the gate's solver keeps from one M-step to the next.  Allocated once per fit by ffi.c. */
typedef struct {
    double *v;     /* n      weights of the expert being updated */
    double *resid; /* n      residuals of the gaussian expert being updated */
    double *eigen; /* 3 max(p, q)  scratch of top_eigenvalue() and chol_rcond() */
    int *iwork;    /* max(p, q)    scratch of chol_rcond() */
    softmax_work sm;
    glm_scratch glm;           /* of Newton's M-steps (glm_newton.c) */
    double *dispersion_sums;   /* 2 x K  each expert's dispersion_sums (family.h) after its
                                  M-step */
    int *listed;               /* K      experts of a shared M-step */
    softmax_bound bound_x;     /* Boehning's bound of the softmax experts (solver BOUND) */
    softmax_bound bound_z;     /* and of the gate */
    softmax_saved gate_saved;  /* the gate's last Newton Hessian factor (solver NEWTON) */
    double *gate_before;       /* q x (K - 1)  the gate's coefficients before a step that EM
                                  tests at the next E-step (em.c), with the Newton solver */
} mstep_work;

/* A fit's workspace, allocated once by ffi.c: the E-step's, the M-steps', and the driver's own
 * (em.c, gd.c, gradient_em.c).  P is the number of free parameters (params.c). */
typedef struct {
    pass_work pass; /* of every pass over the rows */
    estep_work e;
    mstep_work m;
    double *theta; /* P      free parameters (gradient descent) */
    double *trial; /* P      free parameters of a trial step (gradient descent) */
    double *ascent;/* P      gradient of the log-likelihood over the free parameters */
    double *last;  /* P      free parameters before the current iteration's update */
    double lambda_x, lambda_z; /* top eigenvalues of x' diag(w) x and z' diag(w) z (gradient
                                  EM) */
} moem_work;

/* What happened during a fit, beyond the parameters. */
typedef struct {
    int iter;          /* EM iterations done */
    int converged;     /* 1 if the tolerance was met */
    int inner_capped;  /* M-step blocks stopped by inner_maxit */
    int regularised;   /* weighted Gram matrices that needed a ridge to factor */
    int failed;        /* M-step blocks left unchanged because their matrix could not be factored */
    int diverged;      /* the iteration whose loglik was not finite (the fit stopped before it) */
    int decreased;     /* iterations where the loglik fell by more than rounding */
    int *frozen;       /* K: 1 if the expert lost its weight and was frozen */
    int *floored;      /* K: 1 if the expert's sigma reached sigma_min */
    double *trace;     /* (maxit + 1) x TRACE_COLUMNS, a row per iteration from 0 */
    double *path;      /* (maxit + 1) x P free parameters per iteration, or NULL */
} moem_status;

/* The columns of moem_status.trace. */
enum trace_column {
    TRACE_LOGLIK, TRACE_GRADIENT, TRACE_SECONDS, TRACE_INNER_EXPERTS, TRACE_INNER_GATE,
    TRACE_STEP, TRACE_LOGPOST, TRACE_COLUMNS
};

/* exp_block.c */
void exp_block(double *x, size_t len);
void exp_from_top(int len, int m, const double *a, int lda, double *out, int ldout,
                  double *top, double least);

/* glm_newton.c */
void expert_rows(const moem_data *d, const double *beta_k, const double *post_k, ptrdiff_t i0,
                 int len, double *eta, double *v);
double glm_row_cost(int p, int count, int derivatives);
size_t glm_scratch_size(const moem_data *d);
size_t glm_sums_size(const moem_data *d);
void glm_newton(const moem_data *d, const double *post, const double *sigma, const int *experts,
                int count, double *beta, glm_scratch *s, int maxit, double tol, double slack,
                glm_result *res);

/* Whether the experts' M-steps are least squares from the E-step's statistics (stats.c):
 * gaussian experts without shared coefficients. */
static inline int least_squares_experts(const moem_data *d)
{
    return d->family->mstep == MSTEP_LEAST_SQUARES && d->p_fixed == 0;
}

/* estep.c, gradient.c */
int estep_narrow(const moem_data *d);
double estep_row_cost(const moem_data *d);
size_t estep_scratch_size(const moem_data *d);
size_t estep_sums_size(const moem_data *d);
void estep_sums_view(const moem_data *d, double *sums, moem_gradient *grad, moem_stats *stats);
double estep_row_constant(const moem_data *d, pass_work *w);
double moem_estep(const moem_data *d, const moem_par *par, estep_work *e, int with_gradient,
                  int with_stats, double *replaced_q);
void moem_start_statistics(const moem_data *d, const moem_par *par, estep_work *e);
double moem_evaluate(const moem_data *d, const moem_par *par, estep_work *e, int with_gradient,
                     int with_stats, double *loglik, double *replaced_q);
void moem_fitted(const moem_data *d, const moem_par *par, estep_work *e, double *fitted);
size_t stats_size(const moem_data *d);
void stats_view(const moem_data *d, double *at, moem_stats *s);
void stats_block(const moem_data *d, const double *post, const double *gate_prob, ptrdiff_t i0,
                 int len, const double *eta, double *scratch, double *rows, int derived,
                 moem_stats *s);
int stats_derived_expert(const moem_data *d, const estep_work *e);
void stats_derived_gram(const moem_data *d, const double *gram_total, int derived, moem_stats *s);
int stats_gradient(const moem_data *d, const moem_par *par, const moem_stats *s,
                   moem_gradient *g);
size_t gradient_size(const moem_data *d);
void gradient_view(const moem_data *d, double *at, moem_gradient *g);
void gradient_zero(const moem_data *d, moem_gradient *g);
void gradient_finish(const moem_data *d, const moem_par *par, moem_gradient *g);
void gradient_block(const moem_data *d, const moem_par *par, const double *post,
                    const double *gate_prob, ptrdiff_t i0, int len, double *eta_x,
                    double *scratch, moem_gradient *g);
void gate_score_block(const moem_data *d, const double *post, const double *gate_prob,
                      ptrdiff_t i0, int len, double *scratch, double *out);

/* gram.c */
size_t gram_scratch_size(int p);
size_t gram_sums_size(int p);
void gram_pass(pass_work *w, ptrdiff_t n, int p, const double *x, const double *v, double *out);

/* penalty.c */
double penalty_value(const moem_data *d, const moem_par *par);
double penalty_gate(const moem_data *d, const moem_par *par);
void penalty_gradient(const moem_data *d, const moem_par *par, moem_gradient *g);
double penalty_top(const double *penalty, int len);

/* params.c: the blocks of the parameter vector, in order */
enum par_block { PAR_EXPERTS, PAR_FIXED, PAR_GATING, PAR_DISPERSION, PAR_BLOCKS };
void par_layout(const moem_data *d, const moem_control *ctl, int *lengths);
int par_count(const moem_data *d, const moem_control *ctl);
void par_pack(const moem_data *d, const moem_control *ctl, const moem_par *par, double *theta);
void par_unpack(const moem_data *d, const moem_control *ctl, const double *theta,
                moem_par *par);
void gradient_pack(const moem_data *d, const moem_control *ctl, const moem_gradient *g,
                   double *out);
int par_finite(const moem_data *d, const moem_control *ctl, const moem_par *par, double *theta);

/* experts.c, gating.c, gradient_em.c, gd.c */
void symmetric_mstep(const moem_data *d, moem_par *par, const estep_work *estep,
                     mstep_work *mstep, const moem_control *ctl, moem_status *st, int *inner,
                     const mstep_plan *plan);
void gradient_em_step(const moem_data *d, moem_par *par, moem_work *wk,
                      const moem_control *ctl, moem_status *st);
double gd_step(const moem_data *d, moem_par *par, moem_work *wk, const moem_control *ctl,
               double logpost, double *step, double *loglik);
void experts_mstep(const moem_data *d, moem_par *par, const estep_work *estep,
                   mstep_work *mstep, const moem_control *ctl, moem_status *st, int *inner,
                   const mstep_plan *plan);
void gate_mstep(const moem_data *d, moem_par *par, estep_work *estep, mstep_work *mstep,
                const moem_control *ctl, moem_status *st, int *inner, const mstep_plan *plan);

/* em.c */
void moem_em(const moem_data *d, moem_par *par, moem_work *wk, const moem_control *ctl,
             int start_with_mstep, moem_status *st);

#endif
