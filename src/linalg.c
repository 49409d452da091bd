/*
 * linalg.c: products and solves over R's BLAS and LAPACK.
 *
 *   rows_times     c (n x m) = a (n x k, leading dimension lda) b (k x m); a may be a block of
 *                  rows of a taller matrix
 *   scale_rows     rows (MOEM_CHUNK x p) = diag(f) x[i0 .. i0 + len - 1, ]   (x n x p)
 *   syrk_add       upper triangle of out (p x p) += rows' rows   (rows len x p, ld MOEM_CHUNK)
 *   tcross_add     out (p x m) += a' b   (a len x p, b len x m)
 *   add_vector     to (len) += from (len)
 *   chol_factor    Cholesky factor of an equilibrated symmetric d x d matrix (upper triangle read),
 *                  with a small ridge when it is not numerically positive definite
 *   chol_solve     solves a b = rhs in place from chol_factor's result
 *   chol_rcond     LAPACK's estimate of the reciprocal condition number of the equilibrated
 *                  matrix whose factor chol_factor made (work 3 d doubles, iwork d ints)
 *   find_aliased   lm's rule for aliased columns from a Gram matrix (see below)
 *   top_eigenvalue the largest eigenvalue of a symmetric p x p matrix (upper triangle read),
 *                  by LAPACK's dsyev; copy (p x p) and values (p) are scratch, work has lwork
 *                  >= 3 p - 1 elements.  Falls back to the trace, an upper bound for a positive
 *                  semi-definite matrix, if dsyev fails.
 */
#define USE_FC_LEN_T
#include <math.h>
#include <string.h>
#include <R_ext/BLAS.h>
#include <R_ext/Lapack.h>
#ifndef FCONE
#define FCONE
#endif
#include "moem.h"
#include "linalg.h"

void rows_times(int n, int k, int m, const double *a, int lda, const double *b, double *c)
{
    const double one = 1.0, zero = 0.0;
    if (n == 0 || m == 0) return;
    if (k == 0) {
        memset(c, 0, (size_t) n * m * sizeof(double));
        return;
    }
    F77_CALL(dgemm)("N", "N", &n, &m, &k, &one, a, &lda, b, &k, &zero, c, &n FCONE FCONE);
}

void scale_rows(int n, int p, const double *x, int i0, int len, const double *f, double *rows)
{
    for (int j = 0; j < p; j++) {
        const double *xj = x + (size_t) j * n + i0;
        double *rj = rows + (size_t) j * MOEM_CHUNK;
        SIMD_LOOP
        for (int i = 0; i < len; i++) rj[i] = xj[i] * f[i];
    }
}

void syrk_add(int p, int len, const double *rows, double *out, int ldout)
{
    const double one = 1.0;
    const int ld = MOEM_CHUNK;
    if (p == 0 || len == 0) return;
    F77_CALL(dsyrk)("U", "T", &p, &len, &one, rows, &ld, &one, out, &ldout FCONE FCONE);
}

void tcross_add(int p, int m, int len, const double *a, int lda, const double *b, int ldb,
                double *out, int ldout)
{
    const double one = 1.0;
    if (p == 0 || m == 0 || len == 0) return;
    F77_CALL(dgemm)("T", "N", &p, &m, &len, &one, a, &lda, b, &ldb, &one, out, &ldout
                    FCONE FCONE);
}

void add_vector(size_t len, const double *from, double *to)
{
    for (size_t j = 0; j < len; j++) to[j] += from[j];
}

void zero_block(int p, int m, double *out, int ldout)
{
    for (int j = 0; j < m; j++) memset(out + (size_t) j * ldout, 0, (size_t) p * sizeof(double));
}

/* Factors S a S = R'R with S = diag(1 / sqrt(a_jj)), so that the factor does not depend on the
 * scale of the columns.  If that fails, adds a ridge of 1e-10, 1e-8, 1e-6 or 1e-4 to the unit
 * diagonal.  chol (d x d) receives R in its upper triangle, scale the diagonal of S. */
int chol_factor(int d, const double *a, double *chol, double *scale)
{
    int info = 0;
    if (d == 0) return CHOL_OK;
    for (int j = 0; j < d; j++) {
        double ajj = a[j + (size_t) j * d];
        scale[j] = (ajj > 0 && isfinite(ajj)) ? 1.0 / sqrt(ajj) : 1.0;
    }
    for (int attempt = 0; attempt < 5; attempt++) {
        double ridge = attempt == 0 ? 0.0 : pow(10.0, -12.0 + 2.0 * attempt);
        for (int j = 0; j < d; j++) {
            for (int i = 0; i <= j; i++)
                chol[i + (size_t) j * d] = a[i + (size_t) j * d] * scale[i] * scale[j];
            chol[j + (size_t) j * d] += ridge;
        }
        F77_CALL(dpotrf)("U", &d, chol, &d, &info FCONE);
        if (info == 0) return attempt == 0 ? CHOL_OK : CHOL_RIDGE;
    }
    return CHOL_FAILED;
}

double chol_rcond(int d, const double *a, const double *chol, const double *scale, double *work,
                  int *iwork)
{
    int info = 0;
    double anorm = 0.0, rcond = 0.0;
    if (d == 0) return 1.0;
    for (int j = 0; j < d; j++) {
        double column = 0.0;
        for (int i = 0; i < d; i++) {
            double aij = i <= j ? a[i + (size_t) j * d] : a[j + (size_t) i * d];
            column += fabs(aij) * scale[i] * scale[j];
        }
        if (column > anorm) anorm = column;
    }
    F77_CALL(dpocon)("U", &d, chol, &d, &anorm, &rcond, work, iwork, &info FCONE);
    return info == 0 ? rcond : 0.0;
}

void chol_solve(int d, const double *chol, const double *scale, double *b)
{
    int one = 1, info = 0;
    if (d == 0) return;
    for (int j = 0; j < d; j++) b[j] *= scale[j];
    F77_CALL(dpotrs)("U", &d, &one, chol, &d, b, &d, &info FCONE);
    for (int j = 0; j < d; j++) b[j] *= scale[j];
}

double top_eigenvalue(int p, const double *a, double *copy, double *values, double *work,
                      int lwork)
{
    int info = 0;
    double trace = 0.0;
    if (p == 0) return 0.0;
    for (int j = 0; j < p; j++) {
        memcpy(copy + (size_t) j * p, a + (size_t) j * p, (size_t) (j + 1) * sizeof(double));
        trace += a[j + (size_t) j * p];
    }
    F77_CALL(dsyev)("N", "U", &p, copy, &p, values, work, &lwork, &info FCONE FCONE);
    return info == 0 ? values[p - 1] : trace;
}

/* Marks aliased[j] = 1 for each column of x whose residual, after projection on the earlier
 * columns that are not aliased, has a norm at most tol times its own, as LINPACK's dqrdc2 with
 * limited pivoting does for lm().  gram (p x p, upper triangle, overwritten) holds x' W x; the
 * Cholesky factor is built column by column in its place, skipping the aliased columns. */
void find_aliased(int p, double *gram, double tol, int *aliased)
{
    for (int j = 0; j < p; j++) {
        double *gj = gram + (size_t) j * p, norm2 = gj[j], residual;
        aliased[j] = 0;
        for (int k = 0; k < j; k++) {
            if (aliased[k]) continue;
            const double *gk = gram + (size_t) k * p;
            double r = gj[k];
            for (int i = 0; i < k; i++) if (!aliased[i]) r -= gk[i] * gj[i];
            gj[k] = r / gk[k];
        }
        residual = norm2;
        for (int k = 0; k < j; k++) if (!aliased[k]) residual -= gj[k] * gj[k];
        if (!(norm2 > 0) || !(residual > tol * tol * norm2)) {
            aliased[j] = 1;
            continue;
        }
        gj[j] = sqrt(residual);
    }
}
