# moem's C EM against a slow EM written in plain R (helper-reference.R): the same start (a
# matrix of posterior probabilities, so both begin with the same M-step), the same fixed number
# of iterations, then the whole log-likelihood trace and the final parameters must agree.

slow_em_cases <- list(
  list(name = "gaussian, K = 2", family = "gaussian", K = 2, gating = ~ x1 + x2),
  list(name = "gaussian, K = 3, gate on x1", family = "gaussian", K = 3, gating = ~ x1),
  list(name = "gaussian, K = 2, case weights", family = "gaussian", K = 2,
       gating = ~ x1 + x2, weighted = TRUE),
  list(name = "binomial, K = 2", family = "binomial", K = 2, gating = ~ x1 + x2),
  list(name = "binomial, K = 3, gate on x2", family = "binomial", K = 3, gating = ~ x2)
)

compare_with_slow_em <- function(case, control, tolerance = 1e-6) {
  d <- moe_data(n = 300, K = case$K, family = case$family, seed = 30 + case$K)
  post <- informed_posterior(attr(d, "truth")$component, case$K, seed = 3)
  w <- if (isTRUE(case$weighted)) {
    set.seed(4)
    sample(0:3, nrow(d), replace = TRUE, prob = c(0.1, 0.3, 0.3, 0.3))
  } else {
    rep(1, nrow(d))
  }
  fit <- moem(y ~ x1 + x2, data = d, K = case$K, gating = case$gating, family = case$family,
              weights = w, init = post, control = control)
  x <- model.matrix(~ x1 + x2, d)
  z <- model.matrix(case$gating, d)
  ref <- ref_em(x, z, d$y, post, w = w, family = case$family, iterations = 20)

  expect_length(fit$trace$loglik, 21L)
  expect_equal(fit$trace$loglik, ref$trace, tolerance = tolerance)
  expect_equal(unname(coef(fit, "experts")), ref$beta, tolerance = tolerance)
  expect_equal(unname(coef(fit, "gating")), ref$gate, tolerance = tolerance)
  if (case$family == "gaussian") {
    expect_equal(unname(coef(fit, "sigma")), ref$sigma, tolerance = tolerance)
  }
  expect_equal(unname(posterior(fit)), unname(ref$posterior), tolerance = tolerance)
  expect_false(fit$converged)
  expect_identical(fit$iter, 20L)
}

for (case in slow_em_cases) {
  test_that(paste("20 EM iterations equal a slow EM in R:", case$name), {
    compare_with_slow_em(case, moem_control(tol = 0, maxit = 20, inner_slack = 0))
  })
}

for (case in slow_em_cases) {
  test_that(paste("20 EM iterations equal a slow EM in R, Newton to rounding:", case$name), {
    # An inner tolerance below rounding: Newton's method stops only when it can no longer
    # ascend, which separates the EM iteration itself from the precision of the M-steps.
    compare_with_slow_em(case, moem_control(tol = 0, maxit = 20, inner_tol = 1e-15,
                                            inner_slack = 0))
  })
}
