# `truth =`: where the true parameters are all zero, the trace has absolute errors.

test_that("a truth whose gate is all zero gives the gate's absolute error", {
  experts <- cbind(c(1, 2), c(-1, -1))
  set.seed(21)
  d <- rmoe(200, experts = experts, gating = matrix(0, 2, 2), intercept = TRUE)
  fit <- moem(y ~ x1, data = d, truth = list(experts = experts, gating = matrix(0, 2, 2)))
  last <- fit$trace[nrow(fit$trace), ]
  expect_true(all(is.finite(fit$trace$beta_error)) && all(is.finite(fit$trace$gate_error)))
  # by hand from the final coefficients: the labelling with the smaller sum of squared errors,
  # the experts' error relative to their norm, the gate's absolute
  b <- coef(fit, "experts")
  g <- coef(fit, "gating")
  errors <- sapply(list(1:2, 2:1), function(perm) {
    gp <- g[, perm] - g[, perm[1L]]
    c(sqrt(sum((b[, perm] - experts)^2)) / sqrt(sum(experts^2)), sqrt(sum(gp^2)))
  })
  best <- errors[, which.min(colSums(errors^2))]
  expect_equal(c(last$beta_error, last$gate_error), best, tolerance = 1e-12)
  expect_gt(last$gate_error, 0)
})

test_that("with one expert the gate's error is 0, not NaN", {
  d <- moe_data(n = 100, K = 1, seed = 8)
  truth <- list(experts = cbind(c(1, 1, -1)), gating = matrix(0, 3, 1))
  fit <- moem(y ~ x1 + x2, data = d, K = 1, truth = truth)
  expect_identical(fit$trace$gate_error, rep(0, nrow(fit$trace)))
  ref <- coef(lm(y ~ x1 + x2, data = d))
  expect_equal(fit$trace$beta_error[nrow(fit$trace)],
               sqrt(sum((ref - truth$experts)^2)) / sqrt(3), tolerance = 1e-6)
})
