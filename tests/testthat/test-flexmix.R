# moem against flexmix, an independent EM for mixtures of GLMs with a multinomial concomitant
# model (the gate): from the same starting responsibilities, moem's final log-likelihood is
# flexmix's (flexmix's gaussian sigma divides by n - p, not n, so its M-step is not the exact
# maximiser and it may end a little lower) or higher.

fit_flexmix <- function(formula, gating, data, K, family, cluster) {
  flexmix::flexmix(formula, data = data, k = K, cluster = cluster,
                   model = flexmix::FLXMRglm(family = family),
                   concomitant = flexmix::FLXPmultinom(gating),
                   control = list(minprior = 0, iter.max = 1000, tolerance = 1e-10))
}

# flexmix's expert coefficients as a p x K matrix.
flexmix_experts <- function(fl, p) {
  par <- flexmix::parameters(fl)
  par[startsWith(rownames(par), "coef."), , drop = FALSE][seq_len(p), , drop = FALSE]
}

expect_at_least_flexmix <- function(fit, fl) {
  ll_moem <- as.numeric(logLik(fit))
  ll_flex <- fl@logLik
  expect_gte(ll_moem, ll_flex - 1e-6 * abs(ll_flex))
  # and they found the same optimum, not merely a better one elsewhere
  expect_lt(ll_moem - ll_flex, 0.05)
}

for (K in 2:3) {
  test_that(paste("gaussian experts, K =", K, ": moem's log-likelihood >= flexmix's"), {
    skip_if_not_installed("flexmix")
    d <- moe_data(n = 400, K = K, seed = 20 + K)
    for (start in list(random_posterior(400, K, seed = 5),
                       informed_posterior(attr(d, "truth")$component, K, seed = 6))) {
      fl <- fit_flexmix(y ~ x1 + x2, ~ x1 + x2, d, K, "gaussian", start)
      fit <- moem(y ~ x1 + x2, data = d, K = K, init = start,
                  control = moem_control(tol = 1e-12, maxit = 5000))
      expect_at_least_flexmix(fit, fl)
      # the same labels, since both began from the same responsibilities
      expect_equal(unname(coef(fit, "experts")), unname(flexmix_experts(fl, 3)),
                   tolerance = 5e-3)
      gate_fl <- flexmix::parameters(fl, which = "concomitant")
      expect_equal(unname(coef(fit, "gating")), unname(as.matrix(gate_fl)), tolerance = 0.02)
    }
  })
}

test_that("binomial experts: moem's log-likelihood equals flexmix's or is higher", {
  skip_if_not_installed("flexmix")
  d <- binomial_moe_data(1000, seed = 11)
  start <- random_posterior(1000, 2, seed = 5)
  fl <- fit_flexmix(cbind(y, 1 - y) ~ x1, ~ x2, d, 2, "binomial", start)
  fit <- moem(y ~ x1, gating = ~ x2, data = d, K = 2, family = binomial, init = start,
              control = moem_control(tol = 1e-12, maxit = 5000))
  expect_at_least_flexmix(fit, fl)
  expect_equal(as.numeric(logLik(fit)), fl@logLik, tolerance = 1e-6)
  expect_equal(unname(coef(fit, "experts")), unname(flexmix_experts(fl, 2)), tolerance = 1e-3)
  gate_fl <- flexmix::parameters(fl, which = "concomitant")
  expect_equal(unname(coef(fit, "gating")), unname(as.matrix(gate_fl)), tolerance = 1e-3)
})

test_that("binomial experts, gate ~ 1 (a mixture of logistic regressions), as flexmix", {
  skip_if_not_installed("flexmix")
  d <- binomial_moe_data(800, seed = 12, gate_slope = 0)
  start <- informed_posterior(attr(d, "truth")$component, 2, seed = 8)
  fl <- flexmix::flexmix(cbind(y, 1 - y) ~ x1, data = d, k = 2, cluster = start,
                         model = flexmix::FLXMRglm(family = "binomial"),
                         control = list(minprior = 0, iter.max = 1000, tolerance = 1e-10))
  fit <- moem(y ~ x1, gating = ~ 1, data = d, K = 2, family = binomial, init = start,
              control = moem_control(tol = 1e-12, maxit = 5000))
  expect_at_least_flexmix(fit, fl)
  # the gate is then the constant prior of flexmix
  expect_equal(unname(predict(fit, type = "gating")[1, ]), unname(flexmix::prior(fl)),
               tolerance = 1e-3)
})
