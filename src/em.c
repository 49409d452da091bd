/*
 * em.c: the iteration shared by the three methods.  Each iteration updates the parameters by
 *
 *   METHOD_EM           exact M-steps of the experts and the gate (experts.c, gating.c),
 *   METHOD_GRADIENT_EM  one curvature-scaled gradient step on Q per block (gradient_em.c),
 *   METHOD_GD           one backtracking gradient step on the average negative
 *                       log-likelihood (gd.c),
 *
 * then recomputes the posterior and the log-likelihood (estep.c), and the gradient (EM takes it
 * from its next M-step's first pass instead, recorded one iteration late, and the last one from
 * the last E-step's statistics where they give it).  With a ridge
 * penalty the iterations climb the log-posterior loglik - pen instead.  It stops when
 * |logpost_t - logpost_{t-1}| < tol (|logpost_t| + 0.1 mean(w)), or after maxit iterations;
 * tol = 0 runs exactly maxit.  EM's shortcuts are one policy, decided here for each M-step
 * (mstep_plan, moem.h): warm starts from the E-step, its statistics, the gradient recorded from
 * the M-step's first pass, the gate's last step tested by the next E-step, and a slack: each
 * M-step block may stop once what is left of its gain is below inner_slack times EM's last
 * change, or its own inner_tol.  An update after which the log-likelihood or a parameter is
 * not finite (an overflowing step) is undone, and the fit stops there with st->diverged set.
 *
 * On entry the parameters hold the start; with start_with_mstep, wk->e.post holds starting
 * posterior probabilities (n x K) and an EM M-step makes the start of every method.
 * st->trace ((maxit + 1) x TRACE_COLUMNS) gets a row per iteration from 0: the loglik, the norm
 * of the gradient of the average negative log-posterior, the seconds since the start, the
 * inner iterations of the experts' and the gate's M-steps, the step of gradient descent and the
 * log-posterior.
 * With keep_path, st->path ((maxit + 1) x P) gets the free parameters (params.c).
 */
#include <math.h>
#include <string.h>
#include <time.h>
#include <R_ext/Utils.h>
#include "moem.h"

static double seconds_now(void)
{
#ifdef CLOCK_MONOTONIC
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
#else
    return (double) clock() / CLOCKS_PER_SEC;
#endif
}

static void em_mstep(const moem_data *d, moem_par *par, moem_work *wk, const moem_control *ctl,
                     moem_status *st, int *inner_x, int *inner_z, const mstep_plan *plan)
{
    if (d->symmetric) {
        symmetric_mstep(d, par, &wk->e, &wk->m, ctl, st, inner_x, plan);
    } else {
        experts_mstep(d, par, &wk->e, &wk->m, ctl, st, inner_x, plan);
    }
    gate_mstep(d, par, &wk->e, &wk->m, ctl, st, inner_z, plan);
}

static void record(const moem_data *d, const moem_par *par, moem_work *wk,
                   const moem_control *ctl, moem_status *st, int it, double loglik,
                   double logpost, double seconds, int inner_x, int inner_z, double step)
{
    const int rows = ctl->maxit + 1, P = par_count(d, ctl);
    double *row = st->trace + it;
    row[TRACE_LOGLIK * rows] = loglik;
    row[TRACE_SECONDS * rows] = seconds;
    row[TRACE_INNER_EXPERTS * rows] = inner_x;
    row[TRACE_INNER_GATE * rows] = inner_z;
    row[TRACE_STEP * rows] = step;
    row[TRACE_LOGPOST * rows] = logpost;
    if (st->path) {
        par_pack(d, ctl, par, wk->theta);
        for (int j = 0; j < P; j++) st->path[it + (size_t) j * rows] = wk->theta[j];
    }
}

/* The norm of the gradient of the average negative log-posterior, from wk->e.grad, into row it. */
static void record_gradient(const moem_data *d, moem_work *wk, const moem_control *ctl,
                            moem_status *st, int it)
{
    const int P = par_count(d, ctl);
    double norm2 = 0.0;
    gradient_pack(d, ctl, &wk->e.grad, wk->ascent);
    for (int j = 0; j < P; j++) norm2 += wk->ascent[j] * wk->ascent[j];
    st->trace[it + TRACE_GRADIENT * (ctl->maxit + 1)] = sqrt(norm2) / wk->e.wsum;
}

/* The E-step after an EM M-step.  EM's policy for the gate's last Newton step (gating.c,
 * softmax.c): it is taken without the Armijo test's pass over the rows, and tested here by the
 * E-step's own pass, which sums the gate's objective at the new coefficients against the
 * posterior it replaces (estep.c's replaced_q).  A step that fails goes back to the
 * coefficients before it (wk->m.gate_before; when it was the M-step's only step, the iteration
 * has moved the experts alone, and the log-likelihood still rises), is counted out of
 * *inner_z, the gate's saved Hessian factor is dropped, and the E-step runs again. */
static double estep_after_mstep(const moem_data *d, moem_par *par, moem_work *wk, int fused,
                                untested_step *untested, double *loglik, int *inner_z)
{
    double replaced_q;
    double logpost = moem_evaluate(d, par, &wk->e, !fused, fused, loglik,
                                   untested->pending ? &replaced_q : NULL);
    if (!untested->pending) return logpost;
    untested->pending = 0;
    const double f = replaced_q - (d->penalty_z ? penalty_gate(d, par) : 0.0);
    if (f >= untested->f_before + untested->least_gain) return logpost;
    memcpy(par->gate + d->q, wk->m.gate_before, (size_t) d->q * (d->K - 1) * sizeof(double));
    wk->m.gate_saved.valid = 0;
    (*inner_z)--;
    return moem_evaluate(d, par, &wk->e, !fused, fused, loglik, NULL);
}

/* The state of EM's iteration, which the driver owns and changes: the objective and the
 * log-likelihood at the current parameters, the slack of the next M-step, gradient descent's
 * last step, the gate's step that waits for its test, and the current iteration's inner
 * iterations. */
typedef struct {
    int fused;       /* EM's shortcuts apply: the gradient from the M-step's first pass, the
                        M-step's statistics from the E-step (not for the symmetric model, nor
                        for Newton's M-steps of glm_newton.c, whose gradient the E-step
                        computes) */
    double logpost, loglik;
    double slack;    /* inner_slack times EM's last change of the objective */
    double step;     /* gradient descent's last step */
    untested_step untested;
    int inner_x, inner_z;
} em_state;

/* One iteration's update of the parameters by the fit's method, and the E-step after it:
 * returns the new objective (the log-likelihood into s->loglik); *taken gets gradient
 * descent's step, else NaN. */
static double em_iteration(const moem_data *d, moem_par *par, moem_work *wk,
                           const moem_control *ctl, moem_status *st, em_state *s, int it,
                           double *taken)
{
    *taken = NAN;
    s->inner_x = s->inner_z = 0;
    switch (ctl->method) {
    case METHOD_GD: {
        const double next = gd_step(d, par, wk, ctl, s->logpost, &s->step, &s->loglik);
        *taken = s->step;
        return next;
    }
    case METHOD_GRADIENT_EM:
        gradient_em_step(d, par, wk, ctl, st);
        return moem_evaluate(d, par, &wk->e, 1, 0, &s->loglik, NULL);
    default: {
        /* EM's shortcuts: warm starts from the E-step, its statistics, the gradient recorded
         * from the M-step's first pass, early stops within the slack, and the gate's last step
         * tested by the next E-step */
        const mstep_plan plan = { .slack = s->slack, .warm = 1, .from_stats = s->fused,
                                  .gradient = s->fused ? &wk->e.grad : NULL,
                                  .untested = &s->untested };
        if (s->fused) gradient_zero(d, &wk->e.grad);
        em_mstep(d, par, wk, ctl, st, &s->inner_x, &s->inner_z, &plan);
        if (s->fused) record_gradient(d, wk, ctl, st, it - 1);
        return estep_after_mstep(d, par, wk, s->fused, &s->untested, &s->loglik, &s->inner_z);
    }
    }
}

void moem_em(const moem_data *d, moem_par *par, moem_work *wk, const moem_control *ctl,
             int start_with_mstep, moem_status *st)
{
    em_state s = {
        .fused = ctl->method == METHOD_EM && !d->symmetric &&
                 d->family->mstep != MSTEP_NEWTON && d->p_fixed == 0,
        .slack = 0.0, .step = ctl->step > 0 ? ctl->step : 0.5, .untested = { .pending = 0 }
    };
    const double start = seconds_now();
    st->iter = 0;
    st->converged = 0;
    if (start_with_mstep) {
        /* one pass over the rows makes the statistics of the starting posterior, and the first
         * M-step then starts from them as the later ones do */
        if (s.fused) moem_start_statistics(d, par, &wk->e);
        const mstep_plan first = { .slack = 0.0, .warm = s.fused, .from_stats = s.fused,
                                   .gradient = NULL, .untested = &s.untested };
        em_mstep(d, par, wk, ctl, st, &s.inner_x, &s.inner_z, &first);
    }
    s.logpost = estep_after_mstep(d, par, wk, s.fused, &s.untested, &s.loglik, &s.inner_z);
    record(d, par, wk, ctl, st, 0, s.loglik, s.logpost, seconds_now() - start, s.inner_x,
           s.inner_z, NAN);
    if (!s.fused) record_gradient(d, wk, ctl, st, 0);
    if (!isfinite(s.logpost)) {
        st->trace[TRACE_GRADIENT * (ctl->maxit + 1)] = NAN; /* not computed: no M-step follows */
        return;
    }
    for (int it = 1; it <= ctl->maxit; it++) {
        double taken;
        R_CheckUserInterrupt();
        par_pack(d, ctl, par, wk->last);
        const double next = em_iteration(d, par, wk, ctl, st, &s, it, &taken);
        if (!isfinite(next) || !par_finite(d, ctl, par, wk->theta)) {
            par_unpack(d, ctl, wk->last, par);
            moem_evaluate(d, par, &wk->e, !s.fused, 0, &s.loglik, NULL);
            st->diverged = it;
            break;
        }
        record(d, par, wk, ctl, st, it, s.loglik, next, seconds_now() - start, s.inner_x,
               s.inner_z, taken);
        if (!s.fused) record_gradient(d, wk, ctl, st, it);
        st->iter = it;
        if (next < s.logpost - 1e-10 * (fabs(s.logpost) + 1.0)) st->decreased++;
        const double change = fabs(next - s.logpost);
        s.logpost = next;
        s.slack = ctl->inner_slack * change;
        if (change < ctl->tol * (fabs(s.logpost) + 0.1 * wk->e.wsum / d->n)) {
            st->converged = 1;
            break;
        }
    }
    if (s.fused) {
        /* the last E-step's statistics give the gradient there, for gaussian experts */
        if (stats_gradient(d, par, &wk->e.stats, &wk->e.grad))
            penalty_gradient(d, par, &wk->e.grad);
        else
            moem_evaluate(d, par, &wk->e, 1, 0, &s.loglik, NULL);
        record_gradient(d, wk, ctl, st, st->iter);
    }
}
