/* init.c: registration of moem's .Call entry points (ffi.c, checks.c). */
#define R_NO_REMAP
#include <Rinternals.h>
#include <R_ext/Rdynload.h>

SEXP ffi_em(SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP);
SEXP ffi_estep(SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP);
SEXP ffi_par_layout(SEXP, SEXP, SEXP, SEXP);
SEXP ffi_aliased(SEXP, SEXP, SEXP);
SEXP ffi_column_scan(SEXP, SEXP, SEXP);
SEXP ffi_weighted_sd(SEXP, SEXP);
SEXP ffi_exp_block(SEXP);
SEXP ffi_pass_threads(SEXP, SEXP);
SEXP ffi_thread_gauge(SEXP, SEXP);

static const R_CallMethodDef call_methods[] = {
    { "ffi_em", (DL_FUNC) &ffi_em, 14 },
    { "ffi_estep", (DL_FUNC) &ffi_estep, 12 },
    { "ffi_par_layout", (DL_FUNC) &ffi_par_layout, 4 },
    { "ffi_aliased", (DL_FUNC) &ffi_aliased, 3 },
    { "ffi_column_scan", (DL_FUNC) &ffi_column_scan, 3 },
    { "ffi_weighted_sd", (DL_FUNC) &ffi_weighted_sd, 2 },
    { "ffi_exp_block", (DL_FUNC) &ffi_exp_block, 1 },
    { "ffi_pass_threads", (DL_FUNC) &ffi_pass_threads, 2 },
    { "ffi_thread_gauge", (DL_FUNC) &ffi_thread_gauge, 2 },
    { NULL, NULL, 0 }
};

void R_init_moem(DllInfo *dll)
{
    R_registerRoutines(dll, NULL, call_methods, NULL, NULL);
    R_useDynamicSymbols(dll, FALSE);
    R_forceSymbols(dll, TRUE);
}
