/*
 * family_binomial.c: binomial experts, logit link, for y the proportion of successes in size
 * trials (size NULL: one trial, y 0 or 1):
 *
 *     log f = log choose(size, size y) + size (y eta - log(1 + exp(eta))),
 *
 * the binomial coefficient as the row constant, so that the log-likelihood is glm's.  Arrays
 * as in family.h.  Their M-step is the logistic regression of y with weights v size
 * (softmax.c, bound.c).
 */
#include <Rmath.h>
#include "moem.h"
#include "family.h"

static void logdens(int len, int M, const double *y, const double *size, const double *eta,
                    double phi, double *logf)
{
    (void) M;
    (void) phi;
    for (int i = 0; i < len; i++) logf[i] = y[i] * eta[i] - log_one_plus_exp(eta[i]);
    if (size)
        for (int i = 0; i < len; i++) logf[i] *= size[i];
}

static void row_constant(int len, const double *y, const double *size, double *out)
{
    for (int i = 0; i < len; i++) {
        if (!size) {
            out[i] = 0.0;
            continue;
        }
        /* (lgammafn only at positive arguments, where it raises no R warning: the E-step calls
         * this on several threads) */
        double m = size[i], s = nearbyint(m * y[i]);
        out[i] = s >= 0 && m - s >= 0 ?
            lgammafn(m + 1.0) - lgammafn(s + 1.0) - lgammafn(m - s + 1.0) : NAN;
    }
}

static void score(int len, int M, const double *y, const double *size, double phi, double *eta)
{
    (void) M;
    (void) phi;
    for (int i = 0; i < len; i++)
        eta[i] = (size ? size[i] : 1.0) * (y[i] - 1.0 / (1.0 + exp(-eta[i])));
}

static void curvature(int len, const double *y, const double *size, const double *eta,
                      double phi, double *c)
{
    (void) y;
    (void) phi;
    for (int i = 0; i < len; i++) {
        double p = 1.0 / (1.0 + exp(-eta[i]));
        c[i] = (size ? size[i] : 1.0) * p * (1.0 - p);
    }
}

static void mean(int len, const double *eta, double *mu)
{
    for (int i = 0; i < len; i++) mu[i] = 1.0 / (1.0 + exp(-eta[i]));
}

static double curvature_bound(int M, double phi)
{
    (void) M;
    (void) phi;
    return 0.25;
}

const moem_family family_binomial = {
    .mstep = MSTEP_SOFTMAX,
    .multiclass = 0,
    .has_dispersion = 0,
    .logdens = logdens,
    .row_constant = row_constant,
    .score = score,
    .curvature = curvature,
    .mean = mean,
    .curvature_bound = curvature_bound
};
