/*
 * gradient.c: the gradient of the observed log-likelihood, accumulated by the E-step one block
 * of rows at a time (rows i0 .. i0 + len - 1):
 *
 *   d loglik / d beta_k      = x' (w post_k u_k),  u_k = d log f_k / d eta_k, the family's
 *                              score (family.h; M columns for multinomial)
 *   d loglik / d log phi_k   = the family's dispersion_gradient from its dispersion_sums
 *                              (gradient_finish, once the blocks' sums are added)
 *   d loglik / d gate_k      = z' (w (post_k - pi_k)),  k = 2..K
 *
 * which is also the gradient of EM's Q(. | theta) at theta.  Gradient EM also takes the
 * dispersion's sums.  gate_score_block adds the gate's part alone (stats.c uses it too).
 *
 *   post       n x K          posterior probabilities
 *   gate_prob  n x K          gate probabilities of experts 2..K (then of expert 1, unused)
 *   eta_x      len x MK       the block's experts' linear predictors; overwritten
 *   scratch    len x K        overwritten
 */
#include <math.h>
#include <string.h>
#include "moem.h"
#include "linalg.h"

/* Doubles of a gradient laid out in one vector (gradient_view): beta (p M K), gate
 * (q max(K - 1, 1)), logsigma (K), dispersion (2 K). */
size_t gradient_size(const moem_data *d)
{
    return (size_t) d->p * d->M * d->K + (size_t) d->q * (d->K > 1 ? d->K - 1 : 1) +
        3 * (size_t) d->K;
}

/* g's parts in the vector at (gradient_size doubles) */
void gradient_view(const moem_data *d, double *at, moem_gradient *g)
{
    g->beta = at;
    g->gate = g->beta + (size_t) d->p * d->M * d->K;
    g->logsigma = g->gate + (size_t) d->q * (d->K > 1 ? d->K - 1 : 1);
    g->dispersion = g->logsigma + d->K;
}

void gradient_zero(const moem_data *d, moem_gradient *g)
{
    memset(g->beta, 0, (size_t) d->p * d->M * d->K * sizeof(double));
    memset(g->gate, 0, (size_t) d->q * (d->K > 1 ? d->K - 1 : 1) * sizeof(double));
    memset(g->logsigma, 0, (size_t) d->K * sizeof(double));
    memset(g->dispersion, 0, (size_t) 2 * d->K * sizeof(double));
}

/* d loglik / d log phi_k from the dispersion's sums, once they are complete */
void gradient_finish(const moem_data *d, const moem_par *par, moem_gradient *g)
{
    for (int k = 0; k < d->K; k++)
        g->logsigma[k] = d->family->has_dispersion ?
            d->family->dispersion_gradient(g->dispersion + 2 * k, par->sigma[k]) : 0.0;
}

/* Overwrites eta (len x M, expert k's block) with w post_k times d log f_k / d eta, and adds
 * the expert's dispersion sums; v (len) is scratch. */
static void expert_scores(const moem_data *d, const moem_par *par, const double *post, int k,
                          ptrdiff_t i0, int len, double *eta, double *v, moem_gradient *g)
{
    const moem_family *fam = d->family;
    const double *y = d->y + i0, *size = d->size ? d->size + i0 : NULL;
    for (int i = 0; i < len; i++) v[i] = d->w[i0 + i] * post[i];
    if (fam->has_dispersion) fam->dispersion_sums(len, y, eta, v, g->dispersion + 2 * k);
    fam->score(len, d->M, y, size, par->sigma[k], eta);
    for (int c = 0; c < d->M; c++) {
        double *ec = eta + (size_t) c * len;
        /* a row of weight zero adds nothing, even where its score overflows */
        for (int i = 0; i < len; i++) ec[i] = v[i] > 0 ? v[i] * ec[i] : 0.0;
    }
}

void gradient_block(const moem_data *d, const moem_par *par, const double *post,
                    const double *gate_prob, ptrdiff_t i0, int len, double *eta_x,
                    double *scratch, moem_gradient *g)
{
    const int n = d->n, K = d->K, M = d->M;
    for (int k = 0; k < K; k++)
        expert_scores(d, par, post + (size_t) k * n + i0, k, i0, len, eta_x + (size_t) k * M * len,
                      scratch, g);
    tcross_add(d->p, M * K, len, d->x + i0, n, eta_x, len, g->beta, d->p);
    gate_score_block(d, post, gate_prob, i0, len, scratch, g->gate);
}

void gate_score_block(const moem_data *d, const double *post, const double *gate_prob,
                      ptrdiff_t i0, int len, double *scratch, double *out)
{
    const int n = d->n, K = d->K;
    if (K < 2) return;
    for (int k = 1; k < K; k++) {
        const double *pk = post + (size_t) k * n + i0, *gk = gate_prob + (size_t) (k - 1) * n + i0;
        double *sk = scratch + (size_t) (k - 1) * len;
        SIMD_LOOP
        for (int i = 0; i < len; i++) sk[i] = d->w[i0 + i] * (pk[i] - gk[i]);
    }
    tcross_add(d->q, K - 1, len, d->z + i0, n, scratch, len, out, d->q);
}
