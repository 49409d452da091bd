/*
 * gradient.c: the gradient of the observed log-likelihood, accumulated by the E-step one block
 * of rows at a time (rows i0 .. i0 + len - 1):
 *
 *   d loglik / d beta_k      = x' (w post_k s_k),  s_k = d log f_k / d eta_k:
 *                              (y - eta_k) / sigma_k^2 (gaussian), y - plogis(eta_k)
 *                              (binomial), 1{y = c} - softmax_c (multinomial, M columns)
 *   d loglik / d log sigma_k = sum w post_k ((y - eta_k)^2 / sigma_k^2 - 1)
 *   d loglik / d gate_k      = z' (w (post_k - pi_k)),  k = 2..K
 *
 * which is also the gradient of EM's Q(. | theta) at theta.  For gradient EM the same pass sums
 * w post_k (y - eta_k)^2 and w post_k.  gate_score_block adds the gate's part alone (stats.c
 * uses it too).
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

void gradient_zero(const moem_data *d, moem_gradient *g)
{
    memset(g->beta, 0, (size_t) d->p * d->M * d->K * sizeof(double));
    memset(g->gate, 0, (size_t) d->q * (d->K > 1 ? d->K - 1 : 1) * sizeof(double));
    memset(g->logsigma, 0, (size_t) d->K * sizeof(double));
    memset(g->rss, 0, (size_t) d->K * sizeof(double));
    memset(g->size, 0, (size_t) d->K * sizeof(double));
}

void gradient_add(const moem_data *d, const moem_gradient *from, moem_gradient *to)
{
    add_vector((size_t) d->p * d->M * d->K, from->beta, to->beta);
    add_vector((size_t) d->q * (d->K > 1 ? d->K - 1 : 1), from->gate, to->gate);
    add_vector(d->K, from->logsigma, to->logsigma);
    add_vector(d->K, from->rss, to->rss);
    add_vector(d->K, from->size, to->size);
}

/* Overwrites eta (len x M, expert k's block) with w post_k times d log f_k / d eta. */
static void expert_scores(const moem_data *d, const moem_par *par, const double *post, int k,
                          ptrdiff_t i0, int len, double *eta, moem_gradient *g)
{
    const double *y = d->y + i0, *w = d->w + i0;
    const int M = d->M;
    switch (d->family) {
    case FAMILY_GAUSSIAN: {
        double s2 = par->sigma[k] * par->sigma[k], rss = 0.0, size = 0.0, dlog = 0.0;
        for (int i = 0; i < len; i++) {
            double v = w[i] * post[i], e = y[i] - eta[i];
            rss += v * e * e;
            size += v;
            dlog += v * (e * e / s2 - 1.0);
            eta[i] = v * e / s2;
        }
        g->rss[k] += rss;
        g->size[k] += size;
        g->logsigma[k] += dlog;
        break;
    }
    case FAMILY_BINOMIAL:
        for (int i = 0; i < len; i++) {
            double v = w[i] * post[i];
            g->size[k] += v;
            eta[i] = v * (y[i] - 1.0 / (1.0 + exp(-eta[i])));
        }
        break;
    default:
        for (int i = 0; i < len; i++) {
            double v = w[i] * post[i], top = 0.0, sum;
            int cls = (int) y[i];
            g->size[k] += v;
            for (int c = 0; c < M; c++) if (eta[i + c * len] > top) top = eta[i + c * len];
            sum = exp(-top);
            for (int c = 0; c < M; c++) sum += exp(eta[i + c * len] - top);
            for (int c = 0; c < M; c++) {
                double prob = exp(eta[i + c * len] - top) / sum;
                eta[i + c * len] = v * ((cls == c + 1) - prob);
            }
        }
    }
}

void gradient_block(const moem_data *d, const moem_par *par, const double *post,
                    const double *gate_prob, ptrdiff_t i0, int len, double *eta_x,
                    double *scratch, moem_gradient *g)
{
    const int n = d->n, K = d->K, M = d->M;
    for (int k = 0; k < K; k++)
        expert_scores(d, par, post + (size_t) k * n + i0, k, i0, len, eta_x + (size_t) k * M * len,
                      g);
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
