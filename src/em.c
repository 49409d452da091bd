/*
 * em.c: the EM iteration.  Each iteration updates the experts and the gate from the current
 * posterior (experts.c, gating.c), then recomputes the posterior and the log-likelihood
 * (estep.c).  It stops when |loglik_t - loglik_{t-1}| < tol (|loglik_t| + 0.1), or after maxit
 * iterations; tol = 0 runs exactly maxit.
 *
 * On entry the parameters hold the start; with start_with_mstep, wk->post holds starting
 * posterior probabilities (n x K) and the first M-step comes before the first E-step.
 * st->trace ((maxit + 1) x 3) gets, per iteration from 0: the loglik and the inner iterations
 * of the experts' and the gate's M-steps.
 */
#include <math.h>
#include <R_ext/Utils.h>
#include "moem.h"

static void mstep(const moem_data *d, moem_par *par, moem_work *wk, const moem_control *ctl,
                  moem_status *st, int it)
{
    const int rows = ctl->maxit + 1;
    int inner_x = 0, inner_z = 0;
    experts_mstep(d, par, wk, ctl, st, &inner_x);
    gate_mstep(d, par, wk, ctl, st, &inner_z);
    st->trace[it + rows] = inner_x;
    st->trace[it + 2 * rows] = inner_z;
}

void moem_em(const moem_data *d, moem_par *par, moem_work *wk, const moem_control *ctl,
             int start_with_mstep, moem_status *st)
{
    const int rows = ctl->maxit + 1;
    st->iter = 0;
    st->converged = 0;
    st->trace[rows] = st->trace[2 * rows] = 0.0;
    if (start_with_mstep) mstep(d, par, wk, ctl, st, 0);
    double loglik = moem_estep(d, par, wk);
    st->trace[0] = loglik;
    if (!isfinite(loglik)) return;
    for (int it = 1; it <= ctl->maxit; it++) {
        R_CheckUserInterrupt();
        mstep(d, par, wk, ctl, st, it);
        double next = moem_estep(d, par, wk);
        st->trace[it] = next;
        st->iter = it;
        if (!isfinite(next)) return;
        if (next < loglik - 1e-10 * (fabs(loglik) + 1.0)) st->decreased++;
        double change = fabs(next - loglik);
        loglik = next;
        if (change < ctl->tol * (fabs(loglik) + 0.1)) {
            st->converged = 1;
            return;
        }
    }
}
