/*
 * family.c: the experts' log densities log f_k(y_i | x_i) for a block of rows.
 *
 *   eta   len x (M K)  linear predictors x_i' beta of rows i0 .. i0 + len - 1 (leading dim len)
 *   logf  len x K      output
 *
 *   gaussian     f_k = N(eta_ik, sigma_k^2)
 *   binomial     f_k = plogis(eta_ik)^t (1 - plogis(eta_ik))^(1 - t), t = y_i in [0, 1]
 *   multinomial  f_k = softmax(0, eta_i,kM .. eta_i,kM+M-1)[y_i], y_i the class code 0..M
 */
#include <math.h>
#include "moem.h"

#define LOG_SQRT_2PI 0.918938533204672741780329736406

/* log(1 + exp(t)) without overflow or loss of precision */
double log1pexp(double t)
{
    return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t));
}

static void gaussian_logdens(const double *y, const double *sigma, int K, int len,
                             const double *eta, double *logf)
{
    for (int k = 0; k < K; k++) {
        double s = sigma[k], c = -LOG_SQRT_2PI - log(s);
        const double *ek = eta + (size_t) k * len;
        double *lk = logf + (size_t) k * len;
        SIMD_LOOP
        for (int i = 0; i < len; i++) {
            double u = (y[i] - ek[i]) / s;
            lk[i] = c - 0.5 * u * u;
        }
    }
}

static void binomial_logdens(const double *y, int K, int len, const double *eta, double *logf)
{
    for (int k = 0; k < K; k++) {
        const double *ek = eta + (size_t) k * len;
        double *lk = logf + (size_t) k * len;
        for (int i = 0; i < len; i++) lk[i] = y[i] * ek[i] - log1pexp(ek[i]);
    }
}

static void multinomial_logdens(const double *y, int K, int M, int len, const double *eta,
                                double *logf)
{
    for (int k = 0; k < K; k++) {
        const double *ek = eta + (size_t) k * M * len;
        double *lk = logf + (size_t) k * len;
        for (int i = 0; i < len; i++) {
            double top = 0.0, s;
            for (int c = 0; c < M; c++)
                if (ek[i + (size_t) c * len] > top) top = ek[i + (size_t) c * len];
            s = exp(-top);
            for (int c = 0; c < M; c++) s += exp(ek[i + (size_t) c * len] - top);
            int cls = (int) y[i];
            lk[i] = (cls > 0 ? ek[i + (size_t) (cls - 1) * len] : 0.0) - top - log(s);
        }
    }
}

void expert_logdens(const moem_data *d, const moem_par *par, int i0, int len,
                    const double *eta, double *logf)
{
    switch (d->family) {
    case FAMILY_GAUSSIAN:
        gaussian_logdens(d->y + i0, par->sigma, d->K, len, eta, logf);
        break;
    case FAMILY_BINOMIAL:
        binomial_logdens(d->y + i0, d->K, len, eta, logf);
        break;
    default:
        multinomial_logdens(d->y + i0, d->K, d->M, len, eta, logf);
    }
}
