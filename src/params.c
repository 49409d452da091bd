/*
 * params.c: the free parameters of a fit as one vector theta (P), in this order:
 *
 *   general model    each expert's own coefficients, beta[1 .. p - p_fixed, ] (p x MK, by
 *                    column), then the p_fixed coefficients shared by all experts (the last
 *                    rows of beta, the same in every column), gate[, 2..K] (q x (K - 1)), then
 *                    log phi_k (K, or 1 when the dispersion is equal) for a family with a
 *                    dispersion (gaussian sigma, Gamma shape) when it is estimated;
 *   symmetric model  beta[, 1] (p), gate[, 2] (q), then log sigma (1) when estimated.
 *
 * R reads the same order (R/vcov.R's free_labels).  Unpacking keeps the dispersion within
 * sigma_min's limit, as EM's M-step does.  Gradient descent steps on theta; gradient_pack maps
 * the E-step's gradient (moem_gradient) to the gradient over theta by the chain rule: shared
 * coefficients and an equal dispersion sum their experts' gradients, and the symmetric model
 * has beta_2 = -beta_1 and one sigma.
 */
#include <math.h>
#include <string.h>
#include "moem.h"

/* the number of estimated dispersions */
static int dispersions(const moem_data *d, const moem_control *ctl)
{
    if (!d->family->has_dispersion || ctl->fix_sigma) return 0;
    return d->symmetric || ctl->equal_dispersion ? 1 : d->K;
}

/* The dispersion from its log, within sigma_min's limit (family.h) */
static double dispersion_of(const moem_data *d, const moem_control *ctl, double log_phi)
{
    int limited = 0;
    return d->family->dispersion_limit(exp(log_phi), ctl->sigma_min, &limited);
}

int par_count(const moem_data *d, const moem_control *ctl)
{
    if (d->symmetric) return d->p + d->q + dispersions(d, ctl);
    return (d->p - d->p_fixed) * d->M * d->K + d->p_fixed + d->q * (d->K - 1) +
        dispersions(d, ctl);
}

void par_pack(const moem_data *d, const moem_control *ctl, const moem_par *par, double *theta)
{
    const int own = d->p - d->p_fixed, ns = dispersions(d, ctl);
    size_t at = 0;
    if (d->symmetric) {
        memcpy(theta, par->beta, (size_t) d->p * sizeof(double));
        at = d->p;
    } else {
        for (int c = 0; c < d->M * d->K; c++, at += own)
            memcpy(theta + at, par->beta + (size_t) c * d->p, (size_t) own * sizeof(double));
        memcpy(theta + at, par->beta + own, (size_t) d->p_fixed * sizeof(double));
        at += d->p_fixed;
    }
    size_t ng = d->symmetric ? (size_t) d->q : (size_t) d->q * (d->K - 1);
    memcpy(theta + at, par->gate + d->q, ng * sizeof(double));
    at += ng;
    for (int k = 0; k < ns; k++) theta[at + k] = log(par->sigma[k]);
}

void par_unpack(const moem_data *d, const moem_control *ctl, const double *theta,
                moem_par *par)
{
    const int own = d->p - d->p_fixed, ns = dispersions(d, ctl);
    size_t at = 0;
    if (d->symmetric) {
        memcpy(par->beta, theta, (size_t) d->p * sizeof(double));
        for (int j = 0; j < d->p; j++) par->beta[d->p + j] = -par->beta[j];
        at = d->p;
    } else {
        for (int c = 0; c < d->M * d->K; c++, at += own)
            memcpy(par->beta + (size_t) c * d->p, theta + at, (size_t) own * sizeof(double));
        for (int c = 0; c < d->K; c++)
            memcpy(par->beta + (size_t) c * d->p + own, theta + at,
                   (size_t) d->p_fixed * sizeof(double));
        at += d->p_fixed;
    }
    size_t ng = d->symmetric ? (size_t) d->q : (size_t) d->q * (d->K - 1);
    memcpy(par->gate + d->q, theta + at, ng * sizeof(double));
    at += ng;
    for (int k = 0; k < ns; k++) par->sigma[k] = dispersion_of(d, ctl, theta[at + k]);
    if (ns == 1)
        for (int k = 1; k < d->K; k++) par->sigma[k] = par->sigma[0];
}

void gradient_pack(const moem_data *d, const moem_control *ctl, const moem_gradient *g,
                   double *out)
{
    const int own = d->p - d->p_fixed, ns = dispersions(d, ctl);
    size_t at = 0;
    if (d->symmetric) {
        for (int j = 0; j < d->p; j++) out[j] = g->beta[j] - g->beta[d->p + j];
        at = d->p;
    } else {
        for (int c = 0; c < d->M * d->K; c++, at += own)
            memcpy(out + at, g->beta + (size_t) c * d->p, (size_t) own * sizeof(double));
        for (int j = 0; j < d->p_fixed; j++) {
            double sum = 0.0;
            for (int c = 0; c < d->K; c++) sum += g->beta[(size_t) c * d->p + own + j];
            out[at + j] = sum;
        }
        at += d->p_fixed;
    }
    size_t ng = d->symmetric ? (size_t) d->q : (size_t) d->q * (d->K - 1);
    memcpy(out + at, g->gate, ng * sizeof(double));
    at += ng;
    if (ns == 1) {
        double sum = 0.0;
        for (int k = 0; k < d->K; k++) sum += g->logsigma[k];
        out[at] = sum;
    } else {
        for (int k = 0; k < ns; k++) out[at + k] = g->logsigma[k];
    }
}

/* 1 if every free parameter is finite; theta (P) is scratch */
int par_finite(const moem_data *d, const moem_control *ctl, const moem_par *par, double *theta)
{
    const int P = par_count(d, ctl);
    par_pack(d, ctl, par, theta);
    for (int j = 0; j < P; j++)
        if (!isfinite(theta[j])) return 0;
    return 1;
}
