# With many observations from well-separated experts, the fit recovers the truth (up to the
# labels of the experts, matched here by the permutation closest to the truth).

# The gate's coefficients after relabelling the experts by `perm`, re-referenced to expert 1.
relabel_gate <- function(gate, perm) {
  g <- gate[, perm, drop = FALSE]
  g - g[, 1L]
}

best_permutation <- function(est, truth) {
  perms <- all_permutations(ncol(truth))
  cost <- apply(perms, 1L, function(p) max(abs(est[, p, drop = FALSE] - truth)))
  perms[which.min(cost), ]
}

test_that("three separated gaussian experts with a softmax gate are recovered", {
  skip_on_cran()
  experts <- cbind(c(3, 2, 0), c(-3, -1, 1), c(0, 0, -2))
  gating <- cbind(0, c(0, 2, -1), c(0, -1, 2))
  set.seed(42)
  d <- rmoe(20000, experts = experts, gating = gating, sigma = 0.5, intercept = TRUE)
  set.seed(44)
  fit <- moem(y ~ x1 + x2, data = d, K = 3, nstart = 3)
  expect_true(fit$converged)
  expect_identical(fit$loglik, max(fit$starts))
  est <- coef(fit, "experts")
  perm <- best_permutation(est, experts)
  # standard errors here are about 0.01, so 0.05 is a 5-sigma band
  expect_lt(max(abs(est[, perm] - experts)), 0.05)
  expect_lt(max(abs(coef(fit, "sigma")[perm] - 0.5)), 0.02)
  # the gate is estimated less precisely (standard errors about 0.04)
  expect_lt(max(abs(relabel_gate(coef(fit, "gating"), perm) - gating)), 0.2)
  # the posterior classifies the observations as the truth does: estimated expert perm[j] is
  # true expert j
  truth <- attr(d, "truth")$component
  classified <- max.col(posterior(fit))
  expect_gt(mean(classified[truth == 1L] == perm[1]) + mean(classified[truth == 2L] == perm[2]) +
              mean(classified[truth == 3L] == perm[3]), 3 * 0.95)
})

test_that("two binomial experts with a gate on another covariate are recovered", {
  skip_on_cran()
  # Binomial experts carry little information about the latent expert, so they need many
  # observations: at n = 40000 the experts' standard errors are at most 0.037 (observed
  # information at the truth), so 0.15 is a 4-sigma band for each of the 4 coefficients; the
  # gate's slope has a standard error of about 0.17.
  truth_experts <- cbind(c(-0.5, 1.5), c(0.5, -1.5))
  d <- binomial_moe_data(40000, seed = 3, gate_slope = 5)
  set.seed(4)
  fit <- moem(y ~ x1, gating = ~ x2, data = d, K = 2, family = binomial, nstart = 3)
  expect_true(fit$converged)
  expect_identical(fit$loglik, max(fit$starts))
  est <- coef(fit, "experts")
  perm <- best_permutation(est, truth_experts)
  expect_lt(max(abs(est[, perm] - truth_experts)), 0.15)
  gate <- relabel_gate(coef(fit, "gating"), perm)
  expect_lt(max(abs(gate - cbind(0, c(0, 5)))), 0.7)
  # the fit is at least as likely as the truth, where the C E-step is not involved
  x <- model.matrix(~ x1, d)
  z <- model.matrix(~ x2, d)
  at_truth <- ref_estep(x, z, d$y, rep(1, nrow(d)), truth_experts, cbind(0, c(0, 5)),
                        NULL, "binomial")$loglik
  expect_gt(fit$loglik, at_truth)
})
