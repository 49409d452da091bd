/*
 * checks.c: the input checks of moem() that read every value of the data, done here in one
 * pass each without the column copies and logical vectors R would allocate.  R has checked the
 * arguments: w has one value per row (check_weights in R/moem-fit.R); the entry points check
 * their types and lengths again (ffi_checks.c), so that a malformed call is an R error.
 *
 *   ffi_column_scan(x, w, limit)
 *       x n x p (a vector is one column), w n or NULL, limit > 0.  Integer (p): 1 where a column
 *       has a non-finite value (in any row), else 2 where it has a value beyond limit in absolute
 *       value in a row of positive weight (every row when w is NULL), else 0.
 *   ffi_weighted_sd(y, w)
 *       y n, w n >= 0.  The weighted standard deviation of y over the rows of positive weight,
 *       computed on the scale of its largest centred value so that it neither overflows nor
 *       underflows; 1 when that is zero (a constant y).
 */
#define R_NO_REMAP
#include <math.h>
#include <Rinternals.h>
#include "ffi_checks.h"

SEXP ffi_column_scan(SEXP x, SEXP w, SEXP limit)
{
    const char *fn = "ffi_column_scan";
    int rows, p = 1;
    R_xlen_t n = need_double_vector(fn, x, "x");
    if (Rf_isMatrix(x)) {
        matrix_dims(fn, x, "x", &rows, &p);
        n = rows;
    }
    need_optional_doubles(fn, w, "w", n, 1);
    const double *v = REAL(x), *wt = Rf_isNull(w) ? NULL : REAL(w),
                 top = need_double_scalar(fn, limit, "limit");
    SEXP out = PROTECT(Rf_allocVector(INTSXP, p));
    for (int j = 0; j < p; j++) {
        const double *col = v + (size_t) j * n;
        int status = 0;
        for (R_xlen_t i = 0; i < n; i++) {
            if (!R_FINITE(col[i])) {
                status = 1;
                break;
            }
            if (fabs(col[i]) > top && (!wt || wt[i] > 0)) status = 2;
        }
        INTEGER(out)[j] = status;
    }
    UNPROTECT(1);
    return out;
}

SEXP ffi_weighted_sd(SEXP y, SEXP w)
{
    const R_xlen_t n = need_double_vector("ffi_weighted_sd", y, "y");
    need_doubles("ffi_weighted_sd", w, "w", n, 1);
    const double *yv = REAL(y), *wt = REAL(w);
    long double total = 0, sum = 0;
    for (R_xlen_t i = 0; i < n; i++) {
        if (wt[i] > 0) {
            total += wt[i];
            sum += wt[i] * yv[i];
        }
    }
    if (!(total > 0)) return Rf_ScalarReal(1);
    const double mean = (double) (sum / total);
    double top = 0;
    for (R_xlen_t i = 0; i < n; i++) {
        if (wt[i] > 0 && fabs(yv[i] - mean) > top) top = fabs(yv[i] - mean);
    }
    if (!(top > 0)) return Rf_ScalarReal(1);
    long double squares = 0;
    for (R_xlen_t i = 0; i < n; i++) {
        if (wt[i] > 0) {
            const double r = (yv[i] - mean) / top;
            squares += wt[i] * r * r;
        }
    }
    return Rf_ScalarReal(top * sqrt((double) (squares / total)));
}
