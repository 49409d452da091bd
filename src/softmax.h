/* softmax.h: weighted softmax regression with soft targets (softmax.c, bound.c). */
#ifndef MOEM_SOFTMAX_H
#define MOEM_SOFTMAX_H
#include "moem.h"

typedef struct {
    int n, q, m;
    const double *z;       /* n x q  design */
    const double *offset;  /* n x m  offsets added to the linear predictors z B, or NULL */
    const double *target;  /* n x m  targets of classes 2..m+1; rows in the simplex */
    const double *v;       /* n      row weights >= 0 */
    const double *penalty; /* q      ridge penalty of each coefficient row, or NULL */
    const softmax_bound *bound; /* Boehning's bound to step with, or NULL for Newton */
    double *prob;          /* n x (m + 1)  class probabilities at the current coefficients:
                              classes 2..m+1, then the reference (so that the Hessian's
                              weights p_c (1 - p_c) are exact where p_c is near 1) */
    int warm;              /* 1: prob already holds them at the start, and f0 the objective */
    double f0;
    double *first_gradient; /* q x m: receives the gradient at the start, or NULL */
    double slack;          /* a gain below which the fit may stop, whatever tol says */
    softmax_saved *saved;  /* a Hessian factor to try first and to keep, or NULL */
    const double *given_gradient; /* q x m: the unpenalised gradient at the start, or NULL */
    double *before;        /* q x m, or NULL: when set, the fit's last step is taken untested and
                              the coefficients before it are left here (res->deferred) */
    int unit_v;            /* 1 if every v_i is 0 or 1 (log_sum, moem.h) */
} softmax_problem;

typedef struct {
    int iter;        /* steps taken */
    int capped;      /* 1 if maxit steps did not reach the tolerance */
    int regularised; /* 1 if a Hessian needed a ridge to factor */
    int failed;      /* 1 if a Hessian could not be factored: the coefficients stay as they were */
    int deferred;    /* 1 if the last step was taken untested; the caller tests it: */
    double f_before; /* the objective before that step, */
    double least_gain; /* and the least gain of the objective that keeps it */
} softmax_result;

/* The problem's passes over the rows (pass.h) */
enum softmax_pass { PASS_OBJECTIVE, PASS_GRADIENT, PASS_HESSIAN };

int softmax_pass_threads(const softmax_problem *pr, int threads, enum softmax_pass pass);
size_t softmax_scratch_size(int q, int m);
size_t softmax_sums_size(int q, int m, int newton);
double softmax_mean_weight(const softmax_problem *pr);
double softmax_objective(const softmax_problem *pr, const double *coef, softmax_work *wk);
void softmax_gradient(const softmax_problem *pr, const double *coef, softmax_work *wk,
                      int first);
void softmax_fit(const softmax_problem *pr, double *coef, softmax_work *wk, int maxit,
                 double tol, softmax_result *res);
void bound_fit(const softmax_problem *pr, double *coef, softmax_work *wk, int maxit,
               double tol, softmax_result *res);
int bound_setup(int q, int m, const double *gram, const double *penalty, double *work,
                softmax_bound *b);

#endif
