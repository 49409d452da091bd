/*
 * family_poisson.c: poisson experts, log link:
 *
 *     log f = y eta - exp(eta) - log y!,
 *
 * -log y! as the row constant.  Arrays as in family.h.  Their M-step is Newton's method
 * (glm_newton.c).
 */
#include <Rmath.h>
#include "moem.h"
#include "family.h"

static void logdens(int len, int M, const double *y, const double *size, const double *eta,
                    double phi, double *logf)
{
    (void) M;
    (void) size;
    (void) phi;
    for (int i = 0; i < len; i++) logf[i] = y[i] * eta[i] - exp(eta[i]);
}

/* (lgammafn only at positive arguments, where it raises no R warning: the E-step calls this on
 * several threads) */
static void row_constant(int len, const double *y, const double *size, double *out)
{
    (void) size;
    for (int i = 0; i < len; i++) out[i] = y[i] >= 0 ? -lgammafn(y[i] + 1.0) : NAN;
}

static void score(int len, int M, const double *y, const double *size, double phi, double *eta)
{
    (void) M;
    (void) size;
    (void) phi;
    for (int i = 0; i < len; i++) eta[i] = y[i] - exp(eta[i]);
}

static void curvature(int len, const double *y, const double *size, const double *eta,
                      double phi, double *c)
{
    (void) y;
    (void) size;
    (void) phi;
    for (int i = 0; i < len; i++) c[i] = exp(eta[i]);
}

static void mean(int len, const double *eta, double *mu)
{
    for (int i = 0; i < len; i++) mu[i] = exp(eta[i]);
}

const moem_family family_poisson = {
    .mstep = MSTEP_NEWTON,
    .multiclass = 0,
    .has_dispersion = 0,
    .logdens = logdens,
    .row_constant = row_constant,
    .score = score,
    .curvature = curvature,
    .mean = mean,
    .curvature_bound = NULL
};
