/*
 * family_gaussian.c: gaussian experts, identity link, phi = sigma:
 *
 *     log f = -log(sqrt(2 pi) sigma) - (y - eta)^2 / (2 sigma^2).
 *
 * Arrays as in family.h.  Their M-step is least squares (experts.c), from the E-step's
 * statistics where EM has them (stats.c); sigma^2 = sum v (y - eta)^2 / sum v.
 */
#include "moem.h"
#include "family.h"

#define LOG_SQRT_2PI 0.918938533204672741780329736406

static void logdens(int len, int M, const double *y, const double *size, const double *eta,
                    double sigma, double *logf)
{
    (void) M;
    (void) size;
    const double c = -LOG_SQRT_2PI - log(sigma);
    SIMD_LOOP
    for (int i = 0; i < len; i++) {
        double u = (y[i] - eta[i]) / sigma;
        logf[i] = c - 0.5 * u * u;
    }
}

static void score(int len, int M, const double *y, const double *size, double sigma,
                  double *eta)
{
    (void) M;
    (void) size;
    const double s2 = sigma * sigma;
    SIMD_LOOP
    for (int i = 0; i < len; i++) eta[i] = (y[i] - eta[i]) / s2;
}

static void curvature(int len, const double *y, const double *size, const double *eta,
                      double sigma, double *c)
{
    (void) y;
    (void) size;
    (void) eta;
    for (int i = 0; i < len; i++) c[i] = 1.0 / (sigma * sigma);
}

static void mean(int len, const double *eta, double *mu)
{
    for (int i = 0; i < len; i++) mu[i] = eta[i];
}

static double curvature_bound(int M, double sigma)
{
    (void) M;
    return 1.0 / (sigma * sigma);
}

/* sums: sum v (y - eta)^2, sum v (a row of weight zero adds nothing, even where its residual
 * overflows) */
static void dispersion_sums(int len, const double *y, const double *eta, const double *v,
                            double *sums)
{
    double rss = 0.0, size = 0.0;
    for (int i = 0; i < len; i++) {
        double e = v[i] > 0 ? y[i] - eta[i] : 0.0;
        rss += v[i] * e * e;
        size += v[i];
    }
    sums[0] += rss;
    sums[1] += size;
}

static double dispersion_limit(double sigma, double sigma_min, int *limited)
{
    if (!(sigma >= sigma_min)) {
        *limited = 1;
        return sigma_min;
    }
    return sigma;
}

static double dispersion_update(const double *sums, double sigma_min, int *limited)
{
    return dispersion_limit(sqrt(sums[0] / sums[1]), sigma_min, limited);
}

static double dispersion_gradient(const double *sums, double sigma)
{
    return sums[0] / (sigma * sigma) - sums[1];
}

const moem_family family_gaussian = {
    .mstep = MSTEP_LEAST_SQUARES,
    .multiclass = 0,
    .has_dispersion = 1,
    .logdens = logdens,
    .row_constant = NULL,
    .score = score,
    .curvature = curvature,
    .mean = mean,
    .curvature_bound = curvature_bound,
    .dispersion_sums = dispersion_sums,
    .dispersion_update = dispersion_update,
    .dispersion_gradient = dispersion_gradient,
    .dispersion_limit = dispersion_limit
};
