# moem_icl(): BIC + 2 * entropy of the posterior, against a hand computation from an
# independent E-step and against flexmix.

test_that("moem_icl() is BIC plus twice the posterior's entropy, computed by hand", {
  d <- moe_data(n = 300, K = 2, seed = 161)
  w <- rep(1:2, length.out = 300)
  fit <- moem(y ~ x1 + x2, data = d, K = 2, weights = w,
              init = informed_posterior(attr(d, "truth")$component, 2, seed = 162))
  x <- model.matrix(~ x1 + x2, d)
  post <- ref_estep(x, x, d$y, w, coef(fit, "experts"), coef(fit, "gating"),
                    coef(fit, "sigma"), "gaussian")$posterior
  entropy <- -sum(w * post * log(post))
  bic <- -2 * fit$loglik + log(sum(w)) * fit$df
  expect_equal(moem:::moem_icl(fit), bic + 2 * entropy, tolerance = 1e-10)
  expect_gt(moem:::moem_icl(fit), BIC(fit))
})

test_that("with one expert the ICL is the BIC (0 log 0 = 0 where a posterior is 0)", {
  d <- k1_data()
  fit <- moem(y ~ x + u, data = d, K = 1)
  expect_identical(moem:::moem_icl(fit), BIC(fit))
  # a posterior of exactly 0 adds nothing
  fake <- fit
  fake$posterior <- cbind(fit$posterior, 0)
  expect_identical(moem:::moem_icl(fake), BIC(fit))
})

test_that("moem_icl() at flexmix's fit: its BIC and entropy, and never below flexmix's ICL", {
  skip_if_not_installed("flexmix")
  d <- moe_data(n = 300, K = 2, seed = 163)
  set.seed(164)
  ff <- flexmix::flexmix(y ~ x1 + x2, data = d, k = 2,
                         control = list(tolerance = 1e-10, iter.max = 500))
  skip_if(length(ff@size) != 2L, "flexmix dropped a component")
  pars <- flexmix::parameters(ff)
  prior <- flexmix::prior(ff)
  # moem at flexmix's parameters: a constant gate of log prior ratios, no iteration
  fit <- moem(y ~ x1 + x2, gating = ~ 1, data = d, K = 2,
              init = list(experts = pars[1:3, ], gating = matrix(log(prior / prior[1]), 1),
                          sigma = pars["sigma", ]),
              control = moem_control(maxit = 0))
  post <- ff@posterior$scaled
  entropy <- -sum(ifelse(post > 0, post * log(post), 0))
  expect_equal(BIC(fit), BIC(ff), tolerance = 1e-8)
  expect_equal(moem:::moem_icl(fit), BIC(ff) + 2 * entropy, tolerance = 1e-8)
  # flexmix's ICL has the most probable expert's log-posterior in place of the entropy
  expect_gte(moem:::moem_icl(fit), flexmix::ICL(ff) - 1e-8)
})
