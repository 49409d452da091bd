/*
 * ffi_checks.c: the checks of the .Call entry points' arguments (ffi.c, checks.c).  The R code
 * validates what users give and calls the entry points with well-formed arguments; these checks
 * turn a malformed call (a bug in that R code, or .Call by hand) into an R error instead of a
 * crash or a read out of bounds.  Each checks one argument before anything of it is read, and
 * its error names the entry point (fn), the argument (name), what it must be and what it is:
 *
 *   matrix_dims(fn, a, name, &rows, &cols)
 *       a is a double matrix; its dimensions.
 *   need_doubles(fn, a, name, rows, cols)
 *       a is a double rows x cols matrix, or, for one column, a double vector of length rows.
 *   need_optional_doubles(fn, a, name, rows, cols)
 *       the same, or NULL.
 *   need_double_vector(fn, a, name)
 *       a is a double vector (or matrix, or array); its length.
 *   need_double_scalar(fn, a, name)
 *       a is one double; its value.
 *   need_ints(fn, a, name, len)
 *       a is an integer vector of length len; its values.
 *   need_in_range(fn, name, value, least, most)
 *       an integer value (of argument name) is in least..most, not NA; the value.
 *   need_codes(fn, y, name, top)
 *       y (doubles, checked) holds whole numbers in 0..top: class codes, used as indices.
 *   need_labels(fn, labels, name, top)
 *       labels (integers) are in 1..top: expert labels, used as indices.
 *   control_element(fn, control, name)
 *       control is a named list with an element `name`; the first of that name.
 *   control_int(fn, control, name, least, most)
 *       that element is one integer in least..most; its value.
 *   control_double(fn, control, name, least, strict)
 *       one finite double >= least (> least when strict); its value.
 *   control_logical(fn, control, name)
 *       TRUE or FALSE; its value.
 *
 * They read only attributes and lengths, except need_codes and need_labels, whose one pass
 * reads each value that becomes an index.  Non-finite data are the R code's to reject: here
 * they can only give NaN results.
 */
#define R_NO_REMAP
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <Rinternals.h>
#include "ffi_checks.h"

/* What a is, for an error message: "NULL", "a 3 x 2 double matrix", "an integer vector of
 * length 4", "a list of length 2", "a closure", ... */
static const char *describe(SEXP a, char *buf, size_t size)
{
    if (Rf_isNull(a)) return "NULL";
    const char *type = TYPEOF(a) == VECSXP ? "list" : Rf_type2char(TYPEOF(a)),
               *article = strchr("aeiou", type[0]) ? "an" : "a";
    SEXP dim = Rf_isVector(a) ? Rf_getAttrib(a, R_DimSymbol) : R_NilValue;
    if (!Rf_isVector(a))
        snprintf(buf, size, "%s %s", article, type);
    else if (TYPEOF(dim) == INTSXP && XLENGTH(dim) == 2)
        snprintf(buf, size, "a %d x %d %s matrix", INTEGER(dim)[0], INTEGER(dim)[1], type);
    else if (TYPEOF(dim) == INTSXP)
        snprintf(buf, size, "%s %s array of %d dimensions", article, type, (int) XLENGTH(dim));
    else if (TYPEOF(a) == VECSXP)
        snprintf(buf, size, "a list of length %.0f", (double) XLENGTH(a));
    else
        snprintf(buf, size, "%s %s vector of length %.0f", article, type, (double) XLENGTH(a));
    return buf;
}

/* A double as R prints it: NA, NaN, Inf, -Inf or the number */
static const char *number(double v, char *buf, size_t size)
{
    if (ISNA(v)) return "NA";
    if (ISNAN(v)) return "NaN";
    if (!R_FINITE(v)) return v > 0 ? "Inf" : "-Inf";
    snprintf(buf, size, "%.15g", v);
    return buf;
}

NORET static void wrong(const char *fn, const char *name, const char *what, SEXP a)
{
    char buf[96];
    Rf_error("%s: `%s` must be %s, not %s.", fn, name, what, describe(a, buf, sizeof buf));
}

/* 1 if a has a dim attribute of length 2; its values in *rows, *cols */
static int dims_of(SEXP a, int *rows, int *cols)
{
    SEXP dim = Rf_getAttrib(a, R_DimSymbol);
    if (TYPEOF(dim) != INTSXP || XLENGTH(dim) != 2) return 0;
    *rows = INTEGER(dim)[0];
    *cols = INTEGER(dim)[1];
    return 1;
}

void matrix_dims(const char *fn, SEXP a, const char *name, int *rows, int *cols)
{
    if (TYPEOF(a) != REALSXP || !dims_of(a, rows, cols)) wrong(fn, name, "a double matrix", a);
}

/* 1 if a is a double rows x cols matrix, or for one column a double vector of length rows */
static int doubles_ok(SEXP a, R_xlen_t rows, R_xlen_t cols)
{
    int r, c;
    if (TYPEOF(a) != REALSXP) return 0;
    if (dims_of(a, &r, &c)) return r == rows && c == cols;
    return cols == 1 && XLENGTH(a) == rows && Rf_isNull(Rf_getAttrib(a, R_DimSymbol));
}

static void need_doubles_or(const char *fn, SEXP a, const char *name, R_xlen_t rows,
                            R_xlen_t cols, const char *or_null)
{
    if (doubles_ok(a, rows, cols)) return;
    char what[128];
    if (cols == 1)
        snprintf(what, sizeof what, "%sa double vector of length %.0f (or a %.0f x 1 matrix)",
                 or_null, (double) rows, (double) rows);
    else
        snprintf(what, sizeof what, "%sa %.0f x %.0f double matrix", or_null, (double) rows,
                 (double) cols);
    wrong(fn, name, what, a);
}

void need_doubles(const char *fn, SEXP a, const char *name, R_xlen_t rows, R_xlen_t cols)
{
    need_doubles_or(fn, a, name, rows, cols, "");
}

void need_optional_doubles(const char *fn, SEXP a, const char *name, R_xlen_t rows,
                           R_xlen_t cols)
{
    if (!Rf_isNull(a)) need_doubles_or(fn, a, name, rows, cols, "NULL or ");
}

R_xlen_t need_double_vector(const char *fn, SEXP a, const char *name)
{
    if (TYPEOF(a) != REALSXP) wrong(fn, name, "a double vector", a);
    return XLENGTH(a);
}

const int *need_ints(const char *fn, SEXP a, const char *name, R_xlen_t len)
{
    if (TYPEOF(a) != INTSXP || XLENGTH(a) != len) {
        char what[64];
        if (len == 1)
            snprintf(what, sizeof what, "one integer");
        else
            snprintf(what, sizeof what, "an integer vector of length %.0f", (double) len);
        wrong(fn, name, what, a);
    }
    return INTEGER(a);
}

int need_in_range(const char *fn, const char *name, int value, int least, int most)
{
    if (value == NA_INTEGER)
        Rf_error("%s: `%s` must be in %d..%d, not NA.", fn, name, least, most);
    if (value < least || value > most)
        Rf_error("%s: `%s` must be in %d..%d, not %d.", fn, name, least, most, value);
    return value;
}

double need_double_scalar(const char *fn, SEXP a, const char *name)
{
    if (TYPEOF(a) != REALSXP || XLENGTH(a) != 1) wrong(fn, name, "one double", a);
    return REAL(a)[0];
}

void need_codes(const char *fn, SEXP y, const char *name, int top)
{
    const double *v = REAL(y);
    const R_xlen_t n = XLENGTH(y);
    for (R_xlen_t i = 0; i < n; i++) {
        if (!(v[i] >= 0 && v[i] <= top && v[i] == floor(v[i]))) {
            char buf[32];
            Rf_error("%s: `%s` must hold class codes 0..%d, not %s (element %.0f).", fn, name,
                     top, number(v[i], buf, sizeof buf), (double) i + 1);
        }
    }
}

void need_labels(const char *fn, SEXP labels, const char *name, int top)
{
    const int *v = INTEGER(labels);
    const R_xlen_t n = XLENGTH(labels);
    for (R_xlen_t i = 0; i < n; i++) {
        if (v[i] < 1 || v[i] > top) {
            if (v[i] == NA_INTEGER)
                Rf_error("%s: `%s` must hold expert labels 1..%d, not NA (element %.0f).", fn,
                         name, top, (double) i + 1);
            Rf_error("%s: `%s` must hold expert labels 1..%d, not %d (element %.0f).", fn, name,
                     top, v[i], (double) i + 1);
        }
    }
}

SEXP control_element(const char *fn, SEXP control, const char *name)
{
    SEXP names = Rf_getAttrib(control, R_NamesSymbol);
    if (TYPEOF(control) != VECSXP || TYPEOF(names) != STRSXP)
        wrong(fn, "control", "a named list", control);
    for (R_xlen_t i = 0; i < XLENGTH(control) && i < XLENGTH(names); i++) {
        SEXP label = STRING_ELT(names, i);
        if (label != NA_STRING && strcmp(CHAR(label), name) == 0) return VECTOR_ELT(control, i);
    }
    Rf_error("%s: `control` has no element `%s`.", fn, name);
    return R_NilValue;
}

int control_int(const char *fn, SEXP control, const char *name, int least, int most)
{
    SEXP a = control_element(fn, control, name);
    char full[96];
    snprintf(full, sizeof full, "control$%s", name);
    return need_in_range(fn, full, need_ints(fn, a, full, 1)[0], least, most);
}

double control_double(const char *fn, SEXP control, const char *name, double least, int strict)
{
    SEXP a = control_element(fn, control, name);
    char what[80], full[96];
    snprintf(what, sizeof what, "one finite double %s %g", strict ? ">" : ">=", least);
    snprintf(full, sizeof full, "control$%s", name);
    if (TYPEOF(a) != REALSXP || XLENGTH(a) != 1) wrong(fn, full, what, a);
    const double v = REAL(a)[0];
    if (!R_FINITE(v) || v < least || (strict && v == least)) {
        char buf[32];
        Rf_error("%s: `%s` must be %s, not %s.", fn, full, what, number(v, buf, sizeof buf));
    }
    return v;
}

int control_logical(const char *fn, SEXP control, const char *name)
{
    SEXP a = control_element(fn, control, name);
    if (TYPEOF(a) != LGLSXP || XLENGTH(a) != 1 || LOGICAL(a)[0] == NA_LOGICAL) {
        char full[96];
        snprintf(full, sizeof full, "control$%s", name);
        if (TYPEOF(a) == LGLSXP && XLENGTH(a) == 1)
            Rf_error("%s: `%s` must be TRUE or FALSE, not NA.", fn, full);
        wrong(fn, full, "TRUE or FALSE", a);
    }
    return LOGICAL(a)[0];
}
