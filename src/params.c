/*
 * params.c: the free parameters of a fit as one vector theta (P), in this order:
 *
 *   general model    beta (p x MK, by column), gate[, 2..K] (q x (K - 1)), then log sigma_k
 *                    (K) for gaussian experts whose sigma is estimated;
 *   symmetric model  beta[, 1] (p), gate[, 2] (q), then log sigma (1) when estimated.
 *
 * Unpacking floors sigma at sigma_min, as EM's M-step does.  Gradient descent steps on theta;
 * gradient_pack maps the E-step's gradient (moem_gradient)
 * to the gradient over theta, by the chain rule for the symmetric model (beta_2 = -beta_1, one
 * shared sigma).
 */
#include <math.h>
#include <string.h>
#include "moem.h"

static int has_sigma(const moem_data *d, const moem_control *ctl)
{
    return d->family == FAMILY_GAUSSIAN && !ctl->fix_sigma;
}

int par_count(const moem_data *d, const moem_control *ctl)
{
    if (d->symmetric) return d->p + d->q + has_sigma(d, ctl);
    return d->p * d->M * d->K + d->q * (d->K - 1) + (has_sigma(d, ctl) ? d->K : 0);
}

void par_pack(const moem_data *d, const moem_control *ctl, const moem_par *par, double *theta)
{
    size_t nb = d->symmetric ? (size_t) d->p : (size_t) d->p * d->M * d->K;
    size_t ng = d->symmetric ? (size_t) d->q : (size_t) d->q * (d->K - 1);
    int ns = has_sigma(d, ctl) ? (d->symmetric ? 1 : d->K) : 0;
    memcpy(theta, par->beta, nb * sizeof(double));
    memcpy(theta + nb, par->gate + d->q, ng * sizeof(double));
    for (int k = 0; k < ns; k++) theta[nb + ng + k] = log(par->sigma[k]);
}

void par_unpack(const moem_data *d, const moem_control *ctl, const double *theta,
                moem_par *par)
{
    size_t nb = d->symmetric ? (size_t) d->p : (size_t) d->p * d->M * d->K;
    size_t ng = d->symmetric ? (size_t) d->q : (size_t) d->q * (d->K - 1);
    int ns = has_sigma(d, ctl) ? (d->symmetric ? 1 : d->K) : 0;
    memcpy(par->beta, theta, nb * sizeof(double));
    memcpy(par->gate + d->q, theta + nb, ng * sizeof(double));
    for (int k = 0; k < ns; k++) par->sigma[k] = fmax(exp(theta[nb + ng + k]), ctl->sigma_min);
    if (d->symmetric) {
        for (int j = 0; j < d->p; j++) par->beta[d->p + j] = -par->beta[j];
        if (d->family == FAMILY_GAUSSIAN) par->sigma[1] = par->sigma[0];
    }
}

void gradient_pack(const moem_data *d, const moem_control *ctl, const moem_gradient *g,
                   double *out)
{
    if (d->symmetric) {
        for (int j = 0; j < d->p; j++) out[j] = g->beta[j] - g->beta[d->p + j];
        memcpy(out + d->p, g->gate, (size_t) d->q * sizeof(double));
        if (has_sigma(d, ctl)) out[d->p + d->q] = g->logsigma[0] + g->logsigma[1];
        return;
    }
    size_t nb = (size_t) d->p * d->M * d->K, ng = (size_t) d->q * (d->K - 1);
    memcpy(out, g->beta, nb * sizeof(double));
    memcpy(out + nb, g->gate, ng * sizeof(double));
    if (has_sigma(d, ctl)) memcpy(out + nb + ng, g->logsigma, (size_t) d->K * sizeof(double));
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
