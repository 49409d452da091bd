/*
 * family_multinomial.c: multinomial logistic experts over M + 1 classes, class 1 (code 0) the
 * reference with linear predictor 0:
 *
 *     log f = eta_y - log(1 + sum_c exp(eta_c))   (eta_0 = 0),
 *
 * eta len x M, y the class code.  Arrays as in family.h.  Their M-step is the softmax
 * regression of the class indicators (softmax.c, bound.c).
 */
#include "moem.h"
#include "family.h"

/* top (the largest of 0 and the row's eta) and sum_c exp(eta_c - top) over the M + 1 classes */
static double row_top(const double *eta, int i, int len, int M, double *sum)
{
    double top = 0.0, s;
    for (int c = 0; c < M; c++)
        if (eta[i + (size_t) c * len] > top) top = eta[i + (size_t) c * len];
    s = exp(-top);
    for (int c = 0; c < M; c++) s += exp(eta[i + (size_t) c * len] - top);
    *sum = s;
    return top;
}

static void logdens(int len, int M, const double *y, const double *size, const double *eta,
                    double phi, double *logf)
{
    (void) size;
    (void) phi;
    for (int i = 0; i < len; i++) {
        double s, top = row_top(eta, i, len, M, &s);
        int cls = (int) y[i];
        logf[i] = (cls > 0 ? eta[i + (size_t) (cls - 1) * len] : 0.0) - top - log(s);
    }
}

static void score(int len, int M, const double *y, const double *size, double phi, double *eta)
{
    (void) size;
    (void) phi;
    for (int i = 0; i < len; i++) {
        double s, top = row_top(eta, i, len, M, &s);
        int cls = (int) y[i];
        for (int c = 0; c < M; c++) {
            double prob = exp(eta[i + (size_t) c * len] - top) / s;
            eta[i + (size_t) c * len] = (cls == c + 1) - prob;
        }
    }
}

/* Boehning's bound: 1/4 for two classes, 1/2 for more */
static double curvature_bound(int M, double phi)
{
    (void) phi;
    return M == 1 ? 0.25 : 0.5;
}

const moem_family family_multinomial = {
    .mstep = MSTEP_SOFTMAX,
    .multiclass = 1,
    .has_dispersion = 0,
    .logdens = logdens,
    .row_constant = NULL,
    .score = score,
    .curvature = NULL,
    .mean = NULL,
    .curvature_bound = curvature_bound
};
