/*
 * family_gamma.c: Gamma experts, log link, phi = the shape a (mean mu = exp(eta), variance
 * mu^2 / a):
 *
 *     log f = a log a - lgamma(a) + (a - 1) log y - a (y / mu + log mu),
 *
 * -log y as the row constant.  Arrays as in family.h.  Their M-step is Newton's method over the
 * coefficients (glm_newton.c), then the shape by maximum likelihood: with
 * s0 = sum v (log(y / mu) - y / mu) and s1 = sum v, it solves log a - digamma(a) = -s0 / s1 - 1
 * (>= 0) by Newton's method from Minka's (2002) approximation.  The shape is kept at most
 * 1 / sigma_min^2 (a coefficient of variation of at least sigma_min).
 */
#include <Rmath.h>
#include "moem.h"
#include "family.h"

static void logdens(int len, int M, const double *y, const double *size, const double *eta,
                    double a, double *logf)
{
    (void) M;
    (void) size;
    /* (lgammafn only at a positive shape, where it raises no R warning: the E-step calls this
     * on several threads) */
    const double c = a > 0 ? a * log(a) - lgammafn(a) : NAN;
    for (int i = 0; i < len; i++) logf[i] = c + a * (log(y[i]) - y[i] * exp(-eta[i]) - eta[i]);
}

static void row_constant(int len, const double *y, const double *size, double *out)
{
    (void) size;
    for (int i = 0; i < len; i++) out[i] = -log(y[i]);
}

static void score(int len, int M, const double *y, const double *size, double a, double *eta)
{
    (void) M;
    (void) size;
    for (int i = 0; i < len; i++) eta[i] = a * (y[i] * exp(-eta[i]) - 1.0);
}

static void curvature(int len, const double *y, const double *size, const double *eta,
                      double a, double *c)
{
    (void) size;
    for (int i = 0; i < len; i++) c[i] = a * y[i] * exp(-eta[i]);
}

static void mean(int len, const double *eta, double *mu)
{
    for (int i = 0; i < len; i++) mu[i] = exp(eta[i]);
}

static void dispersion_sums(int len, const double *y, const double *eta, const double *v,
                            double *sums)
{
    double s0 = 0.0, s1 = 0.0;
    for (int i = 0; i < len; i++) {
        if (!(v[i] > 0)) continue;
        double t = y[i] * exp(-eta[i]) - 1.0; /* y / mu - 1 */
        s0 += v[i] * (t - log1p(t));
        s1 += v[i];
    }
    sums[0] += s0;
    sums[1] += s1;
}

/* log a - digamma(a) and its derivative 1 / a - trigamma(a) (< 0); for a > 100 by their
 * asymptotic series, to the last digits */
static double log_minus_digamma(double a)
{
    if (a <= 100.0) return log(a) - digamma(a);
    const double u = 1.0 / (a * a);
    return 1.0 / (2.0 * a) + u * (1.0 / 12.0 - u * (1.0 / 120.0 - u * (1.0 / 252.0)));
}

static double log_minus_digamma_slope(double a)
{
    if (a <= 100.0) return 1.0 / a - trigamma(a);
    const double u = 1.0 / (a * a);
    return -(u / 2.0 + u / a * (1.0 / 6.0 - u * (1.0 / 30.0 - u * (1.0 / 42.0))));
}

static double dispersion_limit(double a, double sigma_min, int *limited)
{
    const double top = 1.0 / (sigma_min * sigma_min);
    if (!(a < top)) {
        *limited = 1;
        return top;
    }
    return a;
}

static double dispersion_update(const double *sums, double sigma_min, int *limited)
{
    const double r = sums[0] / sums[1], top = 1.0 / (sigma_min * sigma_min);
    if (!(r > 0)) return dispersion_limit(INFINITY, sigma_min, limited);
    double a = (3.0 - r + sqrt((r - 3.0) * (r - 3.0) + 24.0 * r)) / (12.0 * r);
    for (int it = 0; it < 100 && a < top; it++) {
        double f = log_minus_digamma(a) - r, next = a - f / log_minus_digamma_slope(a);
        if (!(next > 0)) next = a / 2.0;
        if (fabs(next - a) <= 1e-15 * a) {
            a = next;
            break;
        }
        a = next;
    }
    return dispersion_limit(a, sigma_min, limited);
}

/* a d/da of sum v log f = a (s1 (log a - digamma(a)) - s0) */
static double dispersion_gradient(const double *sums, double a)
{
    return a * (sums[1] * log_minus_digamma(a) - sums[0]);
}

const moem_family family_gamma = {
    .mstep = MSTEP_NEWTON,
    .multiclass = 0,
    .has_dispersion = 1,
    .logdens = logdens,
    .row_constant = row_constant,
    .score = score,
    .curvature = curvature,
    .mean = mean,
    .curvature_bound = NULL,
    .dispersion_sums = dispersion_sums,
    .dispersion_update = dispersion_update,
    .dispersion_gradient = dispersion_gradient,
    .dispersion_limit = dispersion_limit
};
