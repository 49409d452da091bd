/* softmax.h: weighted softmax regression with soft targets (softmax.c). */
#ifndef MOEM_SOFTMAX_H
#define MOEM_SOFTMAX_H
#include "moem.h"

typedef struct {
    int n, q, m;
    const double *z;      /* n x q  design */
    const double *target; /* n x m  targets of classes 2..m+1; rows in the simplex */
    const double *v;      /* n      row weights >= 0 */
} softmax_problem;

typedef struct {
    int iter;        /* Newton steps taken */
    int capped;      /* 1 if maxit steps did not reach the tolerance */
    int regularised; /* 1 if a Hessian needed a ridge to factor */
} softmax_result;

double softmax_objective(const softmax_problem *pr, const double *coef, softmax_work *wk);
void softmax_fit(const softmax_problem *pr, double *coef, softmax_work *wk, int maxit,
                 double tol, softmax_result *res);

#endif
