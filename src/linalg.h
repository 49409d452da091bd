/* linalg.h: the BLAS/LAPACK operations moem needs (linalg.c). */
#ifndef MOEM_LINALG_H
#define MOEM_LINALG_H

#include <stddef.h>

enum chol_status { CHOL_OK = 0, CHOL_RIDGE = 1, CHOL_FAILED = 2 };

void rows_times(int n, int k, int m, const double *a, int lda, const double *b, double *c);
void scale_rows(int n, int p, const double *x, int i0, int len, const double *f, double *rows);
void syrk_add(int p, int len, const double *rows, double *out, int ldout);
void tcross_add(int p, int m, int len, const double *a, int lda, const double *b, int ldb,
                double *out, int ldout);
void add_vector(size_t len, const double *from, double *to);
void zero_block(int p, int m, double *out, int ldout);
int chol_factor(int d, const double *a, double *chol, double *scale);
void chol_solve(int d, const double *chol, const double *scale, double *b);
double chol_rcond(int d, const double *a, const double *chol, const double *scale, double *work,
                  int *iwork);
void find_aliased(int p, double *gram, double tol, int *aliased);
double top_eigenvalue(int p, const double *a, double *copy, double *values, double *work,
                      int lwork);

#endif
