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
 * par_layout gives the blocks' lengths, which R reads by name (ffi_par_layout: experts,
 * fixed, gating, dispersion) for its coefficient vector and the fit's path.  Unpacking keeps
 * the dispersion within sigma_min's limit, as EM's M-step does.  Gradient descent steps on
 * theta; gradient_pack maps the E-step's gradient (moem_gradient) to the gradient over theta
 * by the chain rule: shared coefficients and an equal dispersion sum their experts'
 * gradients, and the symmetric model has beta_2 = -beta_1 and one sigma.
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

void par_layout(const moem_data *d, const moem_control *ctl, int *lengths)
{
    const int own = d->p - d->p_fixed;
    lengths[PAR_EXPERTS] = d->symmetric ? d->p : own * d->M * d->K;
    lengths[PAR_FIXED] = d->symmetric ? 0 : d->p_fixed;
    lengths[PAR_GATING] = d->symmetric ? d->q : d->q * (d->K - 1);
    lengths[PAR_DISPERSION] = dispersions(d, ctl);
}

int par_count(const moem_data *d, const moem_control *ctl)
{
    int lengths[PAR_BLOCKS], P = 0;
    par_layout(d, ctl, lengths);
    for (int b = 0; b < PAR_BLOCKS; b++) P += lengths[b];
    return P;
}

/* Where each block of theta starts */
static void block_starts(const moem_data *d, const moem_control *ctl, int *lengths, int *starts)
{
    par_layout(d, ctl, lengths);
    starts[0] = 0;
    for (int b = 1; b < PAR_BLOCKS; b++) starts[b] = starts[b - 1] + lengths[b - 1];
}

void par_pack(const moem_data *d, const moem_control *ctl, const moem_par *par, double *theta)
{
    const int own = d->symmetric ? d->p : d->p - d->p_fixed;
    int lengths[PAR_BLOCKS], at[PAR_BLOCKS];
    block_starts(d, ctl, lengths, at);
    for (int c = 0; c * own < lengths[PAR_EXPERTS]; c++)
        memcpy(theta + at[PAR_EXPERTS] + c * own, par->beta + (size_t) c * d->p,
               (size_t) own * sizeof(double));
    memcpy(theta + at[PAR_FIXED], par->beta + own, (size_t) lengths[PAR_FIXED] * sizeof(double));
    memcpy(theta + at[PAR_GATING], par->gate + d->q,
           (size_t) lengths[PAR_GATING] * sizeof(double));
    for (int k = 0; k < lengths[PAR_DISPERSION]; k++)
        theta[at[PAR_DISPERSION] + k] = log(par->sigma[k]);
}

void par_unpack(const moem_data *d, const moem_control *ctl, const double *theta,
                moem_par *par)
{
    const int own = d->symmetric ? d->p : d->p - d->p_fixed;
    int lengths[PAR_BLOCKS], at[PAR_BLOCKS];
    block_starts(d, ctl, lengths, at);
    for (int c = 0; c * own < lengths[PAR_EXPERTS]; c++)
        memcpy(par->beta + (size_t) c * d->p, theta + at[PAR_EXPERTS] + c * own,
               (size_t) own * sizeof(double));
    if (d->symmetric)
        for (int j = 0; j < d->p; j++) par->beta[d->p + j] = -par->beta[j];
    for (int c = 0; c < d->K && lengths[PAR_FIXED] > 0; c++)
        memcpy(par->beta + (size_t) c * d->p + own, theta + at[PAR_FIXED],
               (size_t) lengths[PAR_FIXED] * sizeof(double));
    memcpy(par->gate + d->q, theta + at[PAR_GATING],
           (size_t) lengths[PAR_GATING] * sizeof(double));
    for (int k = 0; k < lengths[PAR_DISPERSION]; k++)
        par->sigma[k] = dispersion_of(d, ctl, theta[at[PAR_DISPERSION] + k]);
    if (lengths[PAR_DISPERSION] == 1)
        for (int k = 1; k < d->K; k++) par->sigma[k] = par->sigma[0];
}

void gradient_pack(const moem_data *d, const moem_control *ctl, const moem_gradient *g,
                   double *out)
{
    const int own = d->symmetric ? d->p : d->p - d->p_fixed;
    int lengths[PAR_BLOCKS], at[PAR_BLOCKS];
    block_starts(d, ctl, lengths, at);
    if (d->symmetric) {
        for (int j = 0; j < d->p; j++) out[j] = g->beta[j] - g->beta[d->p + j];
    } else {
        for (int c = 0; c * own < lengths[PAR_EXPERTS]; c++)
            memcpy(out + at[PAR_EXPERTS] + c * own, g->beta + (size_t) c * d->p,
                   (size_t) own * sizeof(double));
    }
    for (int j = 0; j < lengths[PAR_FIXED]; j++) {
        double sum = 0.0;
        for (int c = 0; c < d->K; c++) sum += g->beta[(size_t) c * d->p + own + j];
        out[at[PAR_FIXED] + j] = sum;
    }
    memcpy(out + at[PAR_GATING], g->gate, (size_t) lengths[PAR_GATING] * sizeof(double));
    if (lengths[PAR_DISPERSION] == 1) {
        double sum = 0.0;
        for (int k = 0; k < d->K; k++) sum += g->logsigma[k];
        out[at[PAR_DISPERSION]] = sum;
    } else {
        for (int k = 0; k < lengths[PAR_DISPERSION]; k++)
            out[at[PAR_DISPERSION] + k] = g->logsigma[k];
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
