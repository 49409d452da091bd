/*
 * estep.c: the E-step, in log space and MOEM_CHUNK rows at a time, on the E-step's workspace
 * (estep_work, moem.h).
 *
 * For each block of rows: eta_x = x beta (len x MK) and eta_z = z gate (len x K) by two BLAS
 * products, plus the experts' and the gate's offsets (d->offset_x, d->offset_z) if any,
 * log f_k(y_i) from the experts' family (family.h), log pi_ik = eta_z,ik - log sum_j
 * exp(eta_z,ij), then
 *
 *     post_ik = exp(a_ik - l_i),  a_ik = log pi_ik + log f_k(y_i),  l_i = log sum_k exp(a_ik),
 *
 * written to e->post (n x K), with one exponential per term (estep_block has the details).
 * The family's row constant, the part of log f_k(y_i) that is the same for every expert and
 * parameter, enters the log-likelihood only, as its weighted sum over the rows, computed once
 * per fit (estep_row_constant, e->row_constant).  For the gate's M-step the pass also keeps
 * the gate probabilities of experts 2..K and 1 (e->gate_prob, n x K) and the gate's part of
 * EM's objective Q, sum_i w_i sum_k post_ik log pi_ik (e->gate_q).  With with_gradient, the same
 * pass accumulates the gradient of the log-likelihood into e->grad (gradient.c), and with
 * with_stats the M-step's statistics into e->stats (stats.c).  While a gate step waits for its
 * test (em.c), the pass also sums that test's objective, sum_i w_i (sum_k post_ik eta_z,ik -
 * log sum_k exp(eta_z,ik)) with the posterior it replaces, into *replaced_q when that is set.
 * With a given posterior (a start), the pass keeps e->post and makes only the gate's
 * probabilities and part of Q and the statistics.  Returns the observed log-likelihood
 * sum_i w_i l_i, or -Inf when some l_i of an observation with positive weight is not finite.
 *
 * The E-step is one pass over the rows (pass.h): estep_block adds a block's terms to the sums
 * (estep_sums_size: the log-likelihood, the gate's part of Q and the replaced posterior's, the
 * gradient, the statistics), which pass_run reduces over the blocks in a fixed order, on as
 * many threads as the pass's work is worth and the machine gives, with the same result on any
 * number; e->grad and e->stats are views of the totals in e->sums.
 */
#include <math.h>
#include "moem.h"
#include "linalg.h"

/* sum_k post_ik eta_z,ik of row i (post at the row, eta_z len x K; eta_z,i1 = 0): the fit of
 * the gate's linear predictors to a posterior. */
static double gate_fit(const double *post, ptrdiff_t n, const double *eta_z, int i, int len,
                       int K)
{
    double fit = 0.0;
    for (int k = 1; k < K; k++) fit += post[(size_t) k * n] * eta_z[i + k * len];
    return fit;
}

/* Expert k's column of the gate probabilities (n x K): experts 2..K first, expert 1 last. */
static double *gate_prob_column(const moem_data *d, double *gate_prob, int k)
{
    return gate_prob + (size_t) (k > 0 ? k - 1 : d->K - 1) * d->n;
}

/* b (len x K) = each expert's log f (family.h) of rows i0 .. i0 + len - 1, without the row
 * constant; eta_x len x MK */
static void experts_logdens(const moem_data *d, const moem_par *par, ptrdiff_t i0, int len,
                            const double *eta_x, double *b)
{
    const double *y = d->y + i0, *size = d->size ? d->size + i0 : NULL;
    for (int k = 0; k < d->K; k++)
        d->family->logdens(len, d->M, y, size, eta_x + (size_t) k * d->M * len, par->sigma[k],
                           b + (size_t) k * len);
}

/* The row constants' block: sums[0] += sum_i w_i c_i over the rows of positive weight */
static void row_constant_block(const void *args, ptrdiff_t i0, int len, double *scratch,
                               double *sums)
{
    const moem_data *d = args;
    double sum = 0.0;
    d->family->row_constant(len, d->y + i0, d->size ? d->size + i0 : NULL, scratch);
    for (int i = 0; i < len; i++)
        if (d->w[i0 + i] > 0) sum += d->w[i0 + i] * scratch[i];
    sums[0] += sum;
}

/* sum_i w_i c_i over the rows of positive weight, c the family's row constant (a pass, whose
 * block needs MOEM_CHUNK doubles of scratch); 0 for a family without one.  It depends on the
 * data alone: the fit computes it once and adds it to every E-step's log-likelihood. */
double estep_row_constant(const moem_data *d, pass_work *w)
{
    double sum = 0.0;
    if (!d->family->row_constant) return 0.0;
    const moem_pass pass = { .block = row_constant_block, .args = d, .n = d->n, .size = 1,
                             .row_cost = 20.0, .narrow = 1 };
    pass_run(&pass, w, &sum);
    return sum;
}

/* sum (len) = the sums of the rows of a (len x K) */
static void row_sums(int len, int K, const double *a, double *sum)
{
    for (int i = 0; i < len; i++) sum[i] = a[i];
    for (int k = 1; k < K; k++) {
        const double *ak = a + (size_t) k * len;
        SIMD_LOOP
        for (int i = 0; i < len; i++) sum[i] += ak[i];
    }
}

/* Doubles of one thread's block scratch (estep_block): eta_x, eta_z, b and gexp, and the
 * rows' gtop, gsum, btop and bsum. */
static size_t estep_block_size(const moem_data *d)
{
    return (size_t) MOEM_CHUNK * (d->M * d->K + 3 * d->K + 4);
}

/* The E-step's sums before the gradient's and the statistics' (estep_sums_size) */
enum { SUM_LOGLIK, SUM_GATE_Q, SUM_REPLACED_Q, SUM_SCALARS };

/* The arguments of estep_block: the posterior and the gate's probabilities it writes by row
 * are e's; given: keep the posterior (a start's); check: also sum the replaced posterior's
 * gate objective; derived: the expert whose gram matrix the statistics derive (stats.c) */
typedef struct {
    const moem_data *d;
    const moem_par *par;
    estep_work *e;
    int with_gradient, with_stats, given, check, derived;
} estep_args;

/* The E-step of rows i0 .. i0 + len - 1, its sums added to sums (estep_sums_view); scratch
 * (estep_scratch_size) holds the block's terms, then the scaled rows of the statistics.  With b_ik = log f_k(y_i) + eta_z,ik, the log-sum-exps of the gate
 * and of the posterior's numerators are
 *
 *     glse_i = gtop_i + log gsum_i,  l_i + glse_i = btop_i + log bsum_i
 *
 * (gtop_i, btop_i their largest terms), so the posterior is exp(b_ik - btop_i) / bsum_i and the
 * logs of gsum_i and bsum_i enter only the sums over rows (log_sum).  The exponentials are
 * taken a block at a time (exp_block.c). */
static void estep_block(const void *args, ptrdiff_t i0, int len, double *scratch, double *sums)
{
    const estep_args *a = args;
    const moem_data *d = a->d;
    const moem_par *par = a->par;
    estep_work *e = a->e;
    const int given = a->given, check = a->check;
    moem_gradient grad;
    moem_stats stats;
    double *block = scratch, *rows = scratch + estep_block_size(d);
    estep_sums_view(d, sums, &grad, &stats);
    const int n = d->n, K = d->K, MK = d->M * d->K, unit = e->unit_weights;
    double loglik = 0.0, gate_q = 0.0, check_q = 0.0;
    log_sum log_gsum = { .product = 1.0 }, log_bsum = { .product = 1.0 };
    double *eta_x = block, *eta_z = eta_x + (size_t) len * MK, *b = eta_z + (size_t) len * K,
           *gexp = b + (size_t) len * K, *gtop = gexp + (size_t) len * K, *gsum = gtop + len,
           *btop = gsum + len, *bsum = btop + len;
    rows_times(len, d->p, MK, d->x + i0, n, par->beta, eta_x);
    for (int k = 0; k < K; k++)
        offset_add(len, d->M, d->offset_x, n, i0, eta_x + (size_t) k * d->M * len, len);
    for (int i = 0; i < len; i++) eta_z[i] = 0.0;
    rows_times(len, d->q, K - 1, d->z + i0, n, par->gate + d->q, eta_z + len);
    offset_add(len, K - 1, d->offset_z, n, i0, eta_z + len, len);
    /* the gate: gexp_ik = exp(eta_z,ik - gtop_i), pi_ik = gexp_ik / gsum_i */
    exp_from_top(len, K, eta_z, len, gexp, len, gtop, 0.0);
    row_sums(len, K, gexp, gsum);
    for (int k = 0; k < K; k++) {
        double *prob = gate_prob_column(d, e->gate_prob, k) + i0;
        const double *gk = gexp + (size_t) k * len;
        SIMD_LOOP
        for (int i = 0; i < len; i++) prob[i] = gk[i] / gsum[i];
    }
    if (given) {
        for (int i = 0; i < len; i++) {
            const double wi = d->w[i0 + i];
            if (wi > 0) {
                gate_q += wi * (gate_fit(e->post + i0 + i, n, eta_z, i, len, K) - gtop[i]);
                log_sum_add(&log_gsum, gsum[i], wi, unit);
            }
        }
    } else {
        /* the posterior's numerators: exp(b_ik - btop_i) */
        experts_logdens(d, par, i0, len, eta_x, b);
        for (int k = 0; k < K; k++) {
            double *bk = b + (size_t) k * len;
            const double *ek = eta_z + (size_t) k * len;
            SIMD_LOOP
            for (int i = 0; i < len; i++) bk[i] += ek[i];
        }
        exp_from_top(len, K, b, len, b, len, btop, -INFINITY);
        row_sums(len, K, b, bsum);
        for (int i = 0; i < len; i++) {
            const double wi = d->w[i0 + i];
            double *post = e->post + i0 + i;
            if (!isfinite(btop[i] - gtop[i] + bsum[i] + gsum[i])) {
                /* only an observation that counts makes the log-likelihood non-finite */
                for (int k = 0; k < K; k++) post[(size_t) k * n] = 1.0 / K;
                if (wi > 0) loglik = check_q = -INFINITY; /* (and a gate step waiting is undone) */
                continue;
            }
            /* the posterior before this E-step, which the gate was fitted to */
            if (check && wi > 0) check_q += wi * (gate_fit(post, n, eta_z, i, len, K) - gtop[i]);
            for (int k = 0; k < K; k++) post[(size_t) k * n] = b[i + k * len] / bsum[i];
            if (wi > 0) {
                loglik += wi * (btop[i] - gtop[i]);
                gate_q += wi * (gate_fit(post, n, eta_z, i, len, K) - gtop[i]);
                log_sum_add(&log_bsum, bsum[i], wi, unit);
                log_sum_add(&log_gsum, gsum[i], wi, unit);
            }
        }
    }
    const double sum_log_gsum = log_sum_value(&log_gsum);
    sums[SUM_LOGLIK] += loglik + log_sum_value(&log_bsum) - sum_log_gsum;
    sums[SUM_GATE_Q] += gate_q - sum_log_gsum;
    sums[SUM_REPLACED_Q] += check_q - sum_log_gsum;
    if (a->with_stats)
        stats_block(d, e->post, e->gate_prob, i0, len, eta_x, eta_z, rows, a->derived, &stats);
    if (a->with_gradient)
        gradient_block(d, par, e->post, e->gate_prob, i0, len, eta_x, eta_z, &grad);
}

/* Whether the E-step is a narrow pass (pass.h): for designs whose rows' products have at most
 * MOEM_NARROW terms.  A wider design's blocks add into the totals directly, in order, on one
 * thread (the BLAS has the threads). */
int estep_narrow(const moem_data *d)
{
    return narrow_terms((size_t) d->p * d->M * d->K + (size_t) d->q * (d->K - 1));
}

/* The cost of one row of the E-step (pass_threads, moem.h), in nanoseconds: about 2 for each
 * term of its products (p M K + q (K - 1)) and 8 for each of the K (M + 1) log-densities and
 * exponentials of its experts and the gate (with the expert's statistics or gradient). */
double estep_row_cost(const moem_data *d)
{
    return 2.0 * ((double) d->p * d->M * d->K + (double) d->q * (d->K - 1)) +
        8.0 * d->K * (d->M + 1);
}


/* Doubles of one thread's scratch in the E-step's pass: its block's, and rows of the design
 * scaled for the statistics (MOEM_CHUNK x max(p, q)). */
size_t estep_scratch_size(const moem_data *d)
{
    return estep_block_size(d) + (size_t) MOEM_CHUNK * (d->p > d->q ? d->p : d->q);
}

/* The E-step's sums, estep_sums_size doubles: the log-likelihood, the gate's part of Q and the
 * replaced posterior's, then the gradient (gradient.c), then the M-step's statistics
 * (stats.c).  A pass without the statistics sums the first two parts, one without the
 * gradient either the first. */
size_t estep_sums_size(const moem_data *d)
{
    return SUM_SCALARS + gradient_size(d) + stats_size(d);
}

void estep_sums_view(const moem_data *d, double *sums, moem_gradient *grad, moem_stats *stats)
{
    gradient_view(d, sums + SUM_SCALARS, grad);
    stats_view(d, sums + SUM_SCALARS + gradient_size(d), stats);
}

static double estep_pass(const moem_data *d, const moem_par *par, estep_work *e,
                         int with_gradient, int with_stats, int given, double *replaced_q)
{
    const int derived = with_stats ? stats_derived_expert(d, e) : -1;
    const estep_args args = {
        .d = d, .par = par, .e = e, .with_gradient = with_gradient, .with_stats = with_stats,
        .given = given, .check = replaced_q != NULL, .derived = derived
    };
    const moem_pass pass = {
        .block = estep_block, .args = &args, .n = d->n,
        .size = with_stats ? estep_sums_size(d)
                           : SUM_SCALARS + (with_gradient ? gradient_size(d) : 0),
        .row_cost = estep_row_cost(d), .narrow = estep_narrow(d)
    };
    pass_run(&pass, e->pass, e->sums);
    e->gate_q = e->sums[SUM_GATE_Q];
    if (replaced_q) *replaced_q = e->sums[SUM_REPLACED_Q];
    if (with_gradient) gradient_finish(d, par, &e->grad);
    if (derived >= 0) stats_derived_gram(d, e->gram_total, derived, &e->stats);
    e->gram_derived = derived;
    e->stats.ready = with_stats;
    return e->sums[SUM_LOGLIK] + e->row_constant;
}

double moem_estep(const moem_data *d, const moem_par *par, estep_work *e, int with_gradient,
                  int with_stats, double *replaced_q)
{
    return estep_pass(d, par, e, with_gradient, with_stats, 0, replaced_q);
}

/* The M-step's statistics, the gate's probabilities and its part of Q for the posterior in
 * e->post, kept as it is: a start's, so that the first M-step is as warm as the later ones. */
void moem_start_statistics(const moem_data *d, const moem_par *par, estep_work *e)
{
    estep_pass(d, par, e, 0, 1, 1, NULL);
}

/* The E-step as the iterations use it: returns the log-posterior loglik - pen (penalty.c) and
 * stores the log-likelihood in *loglik; with_gradient also leaves the gradient of the
 * log-posterior in e->grad. */
double moem_evaluate(const moem_data *d, const moem_par *par, estep_work *e, int with_gradient,
                     int with_stats, double *loglik, double *replaced_q)
{
    double ll = moem_estep(d, par, e, with_gradient, with_stats, replaced_q);
    *loglik = ll;
    if (!d->penalty_x && !d->penalty_z) return ll;
    if (with_gradient) penalty_gradient(d, par, &e->grad);
    return ll - penalty_value(d, par);
}

/* The mixture's mean sum_k pi_k mu_k (n) of experts whose family has a mean (not
 * multinomial) at the parameters of the last E-step, whose gate probabilities it takes from
 * e->gate_prob, a block of rows at a time (mu_k the family's mean of x' beta_k + offset). */
void moem_fitted(const moem_data *d, const moem_par *par, estep_work *e, double *fitted)
{
    const int n = d->n, K = d->K;
    for (ptrdiff_t i0 = 0; i0 < n; i0 += MOEM_CHUNK) {
        const int len = block_rows(n, i0 / MOEM_CHUNK);
        double *mu = e->pass->scratch;
        rows_times(len, d->p, K, d->x + i0, n, par->beta, mu);
        for (int k = 0; k < K; k++) offset_add(len, 1, d->offset_x, n, i0, mu + k * len, len);
        d->family->mean(len * K, mu, mu);
        for (int i = 0; i < len; i++) fitted[i0 + i] = 0.0;
        for (int k = 0; k < K; k++) {
            const double *prob = gate_prob_column(d, e->gate_prob, k) + i0;
            for (int i = 0; i < len; i++) fitted[i0 + i] += prob[i] * mu[i + k * len];
        }
    }
}
