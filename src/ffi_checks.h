/* ffi_checks.h: checks of the .Call entry points' arguments (ffi_checks.c). */
#ifndef MOEM_FFI_CHECKS_H
#define MOEM_FFI_CHECKS_H

#ifndef R_NO_REMAP
#define R_NO_REMAP
#endif
#include <Rinternals.h>

void matrix_dims(const char *fn, SEXP a, const char *name, int *rows, int *cols);
void need_doubles(const char *fn, SEXP a, const char *name, R_xlen_t rows, R_xlen_t cols);
void need_optional_doubles(const char *fn, SEXP a, const char *name, R_xlen_t rows,
                           R_xlen_t cols);
R_xlen_t need_double_vector(const char *fn, SEXP a, const char *name);
const int *need_ints(const char *fn, SEXP a, const char *name, R_xlen_t len);
int need_in_range(const char *fn, const char *name, int value, int least, int most);
double need_double_scalar(const char *fn, SEXP a, const char *name);
void need_codes(const char *fn, SEXP y, const char *name, int top);
void need_labels(const char *fn, SEXP labels, const char *name, int top);
SEXP control_element(const char *fn, SEXP control, const char *name);
int control_int(const char *fn, SEXP control, const char *name, int least, int most);
double control_double(const char *fn, SEXP control, const char *name, double least,
                      int strict);
int control_logical(const char *fn, SEXP control, const char *name);

#endif
