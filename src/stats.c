/*
 * stats.c: the sufficient statistics of EM's M-step, accumulated by the E-step over its blocks
 * of rows, while they are in cache, so that the M-step of gaussian experts does not read the
 * design again, nor the gate's first Newton step to form its gradient:
 *
 *   gram_k   x' diag(w post_k) x                     p x p (upper triangle), one per expert
 *   score_k  x' (w post_k (y - x beta_k))            p, one per expert
 *   rss_k    sum w post_k (y - x beta_k)^2,  size_k = sum w post_k
 *   gate     z' (w (post_k - pi_k)),  k = 2..K       q x (K - 1): the gradient of the
 *                                                   gate's Q (gradient.c's gate_score_block)
 *
 * The experts' part is for gaussian experts without shared coefficients only
 * (least_squares_experts, moem.h).  Their weights add up to w, so one gram
 * matrix, that of the expert that held the most weight at the last E-step, is the total
 * x' diag(w) x (computed once per fit) less the others: the pass skips its K-th share of the
 * work, and while that expert holds a fair share of the weight, the difference loses little
 * precision (stats_derived_gram; experts.c solves from the design an expert left with less
 * than 1/(2K) of it).  For the block of rows
 * i0 .. i0 + len - 1: post n x K, gate_prob n x K (experts 2..K, 1), eta len x K (x beta), scratch
 * len x K, rows MOEM_CHUNK x p.
 */
#include <math.h>
#include <string.h>
#include "moem.h"
#include "linalg.h"

/* Doubles of the statistics laid out in one vector (stats_view): for least squares experts
 * gram (p p K), score (p K), rss (K) and size (K); then gate (q (K - 1)). */
size_t stats_size(const moem_data *d)
{
    const size_t p = d->p, K = d->K;
    return (least_squares_experts(d) ? p * p * K + p * K + 2 * K : 0) + (size_t) d->q * (K - 1);
}

/* s's parts in the vector at (stats_size doubles); the experts' are NULL unless they are least
 * squares experts. */
void stats_view(const moem_data *d, double *at, moem_stats *s)
{
    const size_t p = d->p, K = d->K;
    s->gram = s->score = s->rss = s->size = NULL;
    if (least_squares_experts(d)) {
        s->gram = at;
        s->score = s->gram + p * p * K;
        s->rss = s->score + p * K;
        s->size = s->rss + K;
        at = s->size + K;
    }
    s->gate = at;
}

/* The log-likelihood's gradient at the parameters of the E-step that made the statistics, from
 * them (gradient.c's, for gaussian experts): x' (w post_k (y - x beta_k)) / sigma_k^2,
 * rss_k / sigma_k^2 - size_k, and the gate's part as it is.  Returns 0, leaving g as it was,
 * when they cannot give it (other experts, or no statistics). */
int stats_gradient(const moem_data *d, const moem_par *par, const moem_stats *s,
                   moem_gradient *g)
{
    const int p = d->p, K = d->K;
    if (!least_squares_experts(d) || !s->ready) return 0;
    for (int k = 0; k < K; k++) {
        const double s2 = par->sigma[k] * par->sigma[k];
        for (int j = 0; j < p; j++) g->beta[j + (size_t) k * p] = s->score[j + (size_t) k * p] / s2;
        g->logsigma[k] = s->rss[k] / s2 - s->size[k];
        g->dispersion[2 * k] = s->rss[k];
        g->dispersion[2 * k + 1] = s->size[k];
    }
    if (K > 1) memcpy(g->gate, s->gate, (size_t) d->q * (K - 1) * sizeof(double));
    return 1;
}

/* The expert whose gram matrix the next statistics derive from e->gram_total: the one that
 * held the most weight at the last E-step, or -1 for none (no total, or no last E-step). */
int stats_derived_expert(const moem_data *d, const estep_work *e)
{
    int top = 0;
    if (!e->gram_total || !e->stats.ready) return -1;
    for (int k = 1; k < d->K; k++) if (e->stats.size[k] > e->stats.size[top]) top = k;
    return top;
}

/* gram_k = gram_total - sum of the other experts' grams, for k = derived. */
void stats_derived_gram(const moem_data *d, const double *gram_total, int derived, moem_stats *s)
{
    const size_t pp = (size_t) d->p * d->p;
    double *out = s->gram + derived * pp;
    memcpy(out, gram_total, pp * sizeof(double));
    for (int k = 0; k < d->K; k++)
        if (k != derived)
            for (size_t j = 0; j < pp; j++) out[j] -= s->gram[k * pp + j];
}

void stats_block(const moem_data *d, const double *post, const double *gate_prob, ptrdiff_t i0,
                 int len, const double *eta, double *scratch, double *rows, int derived,
                 moem_stats *s)
{
    const int n = d->n, p = d->p, K = d->K;
    double root[MOEM_CHUNK];
    if (least_squares_experts(d)) {
        for (int k = 0; k < K; k++) {
            const double *pk = post + (size_t) k * n + i0, *ek = eta + (size_t) k * len;
            double rss = 0.0, size = 0.0, *weighted = scratch + (size_t) k * len;
            for (int i = 0; i < len; i++) {
                /* a row of weight zero adds nothing, even where its residual overflows */
                double v = d->w[i0 + i] * pk[i], e = v > 0 ? d->y[i0 + i] - ek[i] : 0.0;
                if (k != derived) root[i] = sqrt(v); /* the derived gram needs no rows */
                weighted[i] = v * e;
                rss += v * e * e;
                size += v;
            }
            s->rss[k] += rss;
            s->size[k] += size;
            if (k != derived) {
                scale_rows(n, p, d->x, i0, len, root, rows);
                syrk_add(p, len, rows, s->gram + (size_t) k * p * p, p);
            }
        }
        /* every expert's score from one product */
        tcross_add(p, K, len, d->x + i0, n, scratch, len, s->score, p);
    }
    gate_score_block(d, post, gate_prob, i0, len, scratch, s->gate);
}
