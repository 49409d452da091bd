/*
 * family.h: an expert family as a table of functions.  Each family is one C file
 * (family_gaussian.c, family_binomial.c, ...) that defines one moem_family, and families.c
 * lists them by the code R gives them (R/family.R's family_table).  No other C file branches
 * on the family: they call its functions and read its properties.
 *
 * For a block of len rows of one expert (arrays of len, or len x M with leading dimension len):
 *   y      the response: the value (gaussian, poisson, Gamma), the proportion of successes
 *          (binomial) or the class code 0..M (multinomial)
 *   size   the binomial trials of each row, or NULL (one each); other families get NULL
 *   eta    the expert's linear predictors (M of them for multinomial)
 *   phi    the expert's dispersion: gaussian sigma, Gamma shape; unused by the others
 */
#ifndef MOEM_FAMILY_H
#define MOEM_FAMILY_H

#include <math.h>

/* How an expert's M-step is solved, given its row weights v = w post_k (experts.c):
 * least squares (gaussian; also from the E-step's statistics, stats.c), softmax regression of
 * the targets with weights v size (binomial, multinomial; softmax.c and bound.c), or Newton's
 * method on sum v log f (glm_newton.c). */
enum mstep_kind { MSTEP_LEAST_SQUARES, MSTEP_SOFTMAX, MSTEP_NEWTON };

typedef struct moem_family {
    enum mstep_kind mstep;
    int multiclass;     /* 1: M linear predictors per expert, one per free class (multinomial);
                           else one */
    int has_dispersion; /* 1: each expert has a dispersion phi_k, estimated by maximum
                           likelihood unless known */
    /* logf = log f(y | eta, phi) less the family's row constant */
    void (*logdens)(int len, int M, const double *y, const double *size, const double *eta,
                    double phi, double *logf);
    /* out = the part of log f that is the same for every expert and parameter (the binomial
     * coefficient, -log y!, ...); NULL when there is none */
    void (*row_constant)(int len, const double *y, const double *size, double *out);
    /* eta (len x M) is overwritten with d log f / d eta */
    void (*score)(int len, int M, const double *y, const double *size, double phi,
                  double *eta);
    /* c = -d^2 log f / d eta^2 >= 0 (M = 1; NULL for multinomial) */
    void (*curvature)(int len, const double *y, const double *size, const double *eta,
                      double phi, double *c);
    /* mu = the mean of y given eta (M = 1; NULL for multinomial) */
    void (*mean)(int len, const double *eta, double *mu);
    /* A bound on -d^2 log f / d eta^2 for one unit of weight and trial (gradient EM's step,
     * with M free classes), or NULL when it has none (gradient EM does not apply). */
    double (*curvature_bound)(int M, double phi);
    /* The dispersion (has_dispersion only).  dispersion_sums adds to sums[0], sums[1] its
     * sufficient statistics over a block with row weights v; dispersion_update gives the phi
     * that maximises sum v log f from them, kept within limit (sigma_min for gaussian sigma,
     * 1 / sigma_min^2 for a Gamma shape) and *limited set when it was; dispersion_gradient is
     * d sum v log f / d log phi at phi from the sums at the same eta. */
    void (*dispersion_sums)(int len, const double *y, const double *eta, const double *v,
                            double *sums);
    double (*dispersion_update)(const double *sums, double limit, int *limited);
    double (*dispersion_gradient)(const double *sums, double phi);
    /* phi kept within sigma_min's limit, *limited set when it was not */
    double (*dispersion_limit)(double phi, double sigma_min, int *limited);
} moem_family;

/* families.c: the family with R's code, or NULL */
const moem_family *family_of_code(int code);
int family_count(void);

/* log(1 + exp(t)) without overflow or loss of precision */
static inline double log_one_plus_exp(double t)
{
    return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t));
}

#endif
