# EM never decreases the observed log-likelihood: every M-step maximises the expected
# complete-data log-likelihood. Rounding may make the trace dip by a few ulps, no more.

expect_monotone <- function(fit) {
  ll <- fit$trace$loglik
  expect_true(all(is.finite(ll)))
  drops <- diff(ll)
  expect_true(all(drops >= -1e-10 * abs(ll[-1L])),
              label = paste("largest decrease", format(min(drops), digits = 3)))
  # the trace ends at the reported log-likelihood, and starts are recorded
  expect_identical(ll[length(ll)], fit$loglik)
  expect_identical(fit$trace$iter, seq_along(ll) - 1L)
}

monotone_cases <- list(
  list(family = "gaussian", K = 2, gating = NULL, seed = 1),
  list(family = "gaussian", K = 2, gating = ~ 1, seed = 2),
  list(family = "gaussian", K = 3, gating = ~ x2, seed = 3),
  list(family = "gaussian", K = 3, gating = NULL, seed = 4),
  list(family = "binomial", K = 2, gating = ~ x1 + x2, seed = 5),
  list(family = "binomial", K = 2, gating = ~ 1, seed = 6),
  list(family = "binomial", K = 3, gating = ~ x2, seed = 7)
)

for (case in monotone_cases) {
  label <- paste0(case$family, ", K = ", case$K, ", gate ",
                  if (is.null(case$gating)) "= experts' covariates" else deparse(case$gating))
  test_that(paste("the log-likelihood never decreases:", label), {
    d <- moe_data(n = 250, K = case$K, family = case$family, seed = case$seed)
    set.seed(case$seed + 100)
    # small binomial mixtures often let an expert separate its observations, which moem
    # reports; monotonicity must hold all the same
    fit <- withCallingHandlers(
      moem(y ~ x1 + x2, data = d, K = case$K, gating = case$gating,
           family = case$family, nstart = 2,
           control = moem_control(tol = 1e-10, maxit = 3000)),
      warning = function(w) {
        if (grepl("numerically 0 or 1|numerically singular", conditionMessage(w))) {
          invokeRestart("muffleWarning")
        }
      }
    )
    expect_monotone(fit)
    # the trace climbs overall: EM improves on its start
    expect_gt(fit$loglik, fit$trace$loglik[1])
  })
}

test_that("the log-likelihood never decreases from a random posterior start, weighted", {
  d <- moe_data(n = 200, K = 3, seed = 11)
  set.seed(12)
  w <- runif(nrow(d), 0.2, 3)
  fit <- moem(y ~ x1 + x2, data = d, K = 3, weights = w, init = random_posterior(200, 3, 13),
              control = moem_control(tol = 0, maxit = 300))
  expect_length(fit$trace$loglik, 301L)
  expect_monotone(fit)
})

test_that("the trace's change column is the difference of the log-likelihoods", {
  d <- moe_data(n = 200, K = 2, seed = 21)
  fit <- moem(y ~ x1 + x2, data = d, init = random_posterior(200, 2, 22))
  expect_identical(fit$trace$change, c(NA, diff(fit$trace$loglik)))
  expect_true(fit$converged)
  # converged by the documented rule: |change| < tol (|loglik| + 0.1)
  last <- nrow(fit$trace)
  expect_lt(abs(fit$trace$change[last]), 1e-8 * (abs(fit$loglik) + 0.1))
  expect_gte(abs(fit$trace$change[last - 1L]), 1e-8 * (abs(fit$trace$loglik[last - 1L]) + 0.1))
})

test_that("a gate step that fails its test in the next E-step is undone, and EM still climbs", {
  # Steady EM iterations take the gate's last Newton step without a test of their own and
  # leave it to the next E-step (gating.c). This data set and start force such a step to fail:
  # the flat likelihood of the start (a saturated gate, pi_2 = 0.999) leaves the gate's saved
  # Hessian factor where its curvature p (1 - p) is tiny; the experts' first M-step then moves
  # the posterior far (about half the weight to expert 1), and the huge `inner_slack` lets the
  # next step from that factor go untested: it overshoots by some hundred times and lowers the
  # gate's objective by far more than rounding. The iteration must keep the gate where it was,
  # update the experts alone, and not lower the likelihood.
  near <- seq_len(200) <= 100
  d <- data.frame(y = ifelse(near, 0.05 * qnorm(ppoints(100)), 0.5 + 10 * qnorm(ppoints(100))))
  fit <- moem(y ~ 1, data = d, K = 2, gating = ~ 1, sigma = c(0.1, 10),
              init = list(experts = cbind(0, 0), gating = cbind(0, qlogis(0.999))),
              control = moem_control(path = TRUE, inner_slack = 1e10, maxit = 30))
  gate <- fit$path[, 3L]  # the path's columns: the two experts' intercepts, then the gate's
  rows <- seq_len(nrow(fit$path))[-1L]
  undone <- rows[fit$trace$inner_gate[rows] == 0L & gate[rows] == gate[rows - 1L]]
  expect_gte(length(undone), 1L)
  expect_true(2L %in% fit$trace$iter[undone])  # the first after the gate's tested M-step
  expect_true(all(fit$trace$loglik[undone] >= fit$trace$loglik[undone - 1L]))
  expect_true(all(rowSums(fit$path[undone, 1:2, drop = FALSE] !=
                            fit$path[undone - 1L, 1:2, drop = FALSE]) > 0))
  expect_gt(fit$trace$loglik[3L], fit$trace$loglik[2L])
  expect_monotone(fit)
})
