/*
 * gd.c: one iteration of gradient descent on the average negative log-likelihood
 * L(theta) = -loglik(theta) / sum(w) (the log-posterior with a ridge penalty), jointly over the
 * free parameters theta (params.c), from the gradient that the last E-step left in wk->e.grad:
 *
 *     theta <- theta - s grad L(theta).
 *
 * With ctl->step > 0 the step s is fixed.  Otherwise s is found by Armijo backtracking, from
 * twice the previous step, halving until L(theta - s grad L) <= L(theta) - 1e-4 s |grad L|^2.
 * Each trial is an E-step with the gradient, so the accepted one leaves the posterior and the
 * gradient at the new theta.  When no step of the 60 halvings decreases L, theta is kept.
 * Returns the new log-posterior; *loglik gets the log-likelihood and *step the step taken.
 */
#include <math.h>
#include <string.h>
#include "moem.h"

double gd_step(const moem_data *d, moem_par *par, moem_work *wk, const moem_control *ctl,
               double logpost, double *step, double *loglik)
{
    const int P = par_count(d, ctl);
    const double objective = -logpost / wk->e.wsum;
    double norm2 = 0.0, s = ctl->step > 0 ? ctl->step : 2.0 * *step;
    par_pack(d, ctl, par, wk->theta);
    gradient_pack(d, ctl, &wk->e.grad, wk->ascent);
    for (int j = 0; j < P; j++) {
        wk->ascent[j] /= wk->e.wsum;
        norm2 += wk->ascent[j] * wk->ascent[j];
    }
    for (int halving = 0; halving < 60; halving++, s *= 0.5) {
        for (int j = 0; j < P; j++) wk->trial[j] = wk->theta[j] + s * wk->ascent[j];
        par_unpack(d, ctl, wk->trial, par);
        double next = moem_evaluate(d, par, &wk->e, 1, 0, loglik, NULL);
        if (ctl->step > 0 ||
            (isfinite(next) && -next / wk->e.wsum <= objective - 1e-4 * s * norm2)) {
            *step = s;
            return next;
        }
    }
    par_unpack(d, ctl, wk->theta, par);
    *step = s;
    return moem_evaluate(d, par, &wk->e, 1, 0, loglik, NULL);
}
