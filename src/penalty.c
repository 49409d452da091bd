/*
 * penalty.c: the ridge penalty of MAP-EM,
 *
 *     pen(theta) = sum_k sum_j lambda_x,j |beta_k[j, ]|^2 / 2 + sum_{k >= 2} sum_j lambda_z,j gate[j, k]^2 / 2,
 *
 * over every expert's coefficients (beta p x MK) and the gate's columns 2..K (gate q x K), with
 * lambda_x (p) and lambda_z (q) the per-row penalties (NULL for none).  The fit maximises
 * loglik - pen; penalty_gradient subtracts pen's gradient from the E-step's gradient.
 */
#include "moem.h"

double penalty_top(const double *penalty, int len)
{
    double top = 0.0;
    if (penalty)
        for (int j = 0; j < len; j++) if (penalty[j] > top) top = penalty[j];
    return top;
}

static double half_sum_squares(const double *penalty, const double *a, int rows, int cols)
{
    double s = 0.0;
    for (int c = 0; c < cols; c++)
        for (int j = 0; j < rows; j++) s += penalty[j] * a[j + (size_t) c * rows] * a[j + (size_t) c * rows];
    return 0.5 * s;
}

/* the gate's part of pen */
double penalty_gate(const moem_data *d, const moem_par *par)
{
    if (!d->penalty_z || d->K < 2) return 0.0;
    return half_sum_squares(d->penalty_z, par->gate + d->q, d->q, d->K - 1);
}

double penalty_value(const moem_data *d, const moem_par *par)
{
    double pen = penalty_gate(d, par);
    if (d->penalty_x) pen += half_sum_squares(d->penalty_x, par->beta, d->p, d->M * d->K);
    return pen;
}

void penalty_gradient(const moem_data *d, const moem_par *par, moem_gradient *g)
{
    if (d->penalty_x)
        for (int c = 0; c < d->M * d->K; c++)
            for (int j = 0; j < d->p; j++)
                g->beta[j + (size_t) c * d->p] -= d->penalty_x[j] * par->beta[j + (size_t) c * d->p];
    if (d->penalty_z)
        for (int c = 0; c < d->K - 1; c++)
            for (int j = 0; j < d->q; j++)
                g->gate[j + (size_t) c * d->q] -= d->penalty_z[j] * par->gate[j + (size_t) (c + 1) * d->q];
}
