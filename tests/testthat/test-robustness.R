# Odd but legal shapes of data and formulas: no crash, no NaN, and where a reference exists,
# the reference's answer.

robust_data <- function(n = 150, seed = 100) moe_data(n = n, K = 2, seed = seed)

expect_sane_fit <- function(fit) {
  expect_s3_class(fit, "moem")
  expect_true(is.finite(fit$loglik))
  cf <- coef(fit)
  aliased <- c(rep(fit$aliased$experts, fit$K), rep(fit$aliased$gating, fit$K - 1L))
  expect_true(all(is.finite(cf[seq_along(aliased)][!aliased])))
  expect_false(anyNA(fit$posterior))
  expect_equal(unname(rowSums(fit$posterior)), rep(1, nrow(fit$posterior)), tolerance = 1e-12)
}

test_that("y ~ 1: a mixture of gaussians with constant weights", {
  d <- robust_data()
  d$y <- c(rnorm(75, -2), rnorm(75, 2))
  fit <- moem(y ~ 1, data = d, init = cbind(rep(1:0, each = 75), rep(0:1, each = 75)),
              control = moem_control(tol = 1e-12))
  expect_sane_fit(fit)
  expect_identical(names(coef(fit)), c("expert1:(Intercept)", "expert2:(Intercept)",
                                       "gate2:(Intercept)", "sigma1", "sigma2"))
  # the fixed point of EM for a two-gaussian mixture, checked by hand: the means are the
  # posterior-weighted means, the gate is the average posterior
  post <- posterior(fit)
  expect_equal(unname(coef(fit, "experts")[1, ]), unname(colSums(post * d$y) / colSums(post)),
               tolerance = 1e-6)
  expect_equal(unname(predict(fit, type = "gating")[1, ]), unname(colMeans(post)),
               tolerance = 1e-6)
  # K = 1, y ~ 1 is the normal distribution's MLE
  fit1 <- moem(y ~ 1, data = d, K = 1)
  s <- sqrt(mean((d$y - mean(d$y))^2))
  expect_equal(unname(coef(fit1)), c(mean(d$y), s), tolerance = 1e-10)
  expect_equal(fit1$loglik, sum(dnorm(d$y, mean(d$y), s, log = TRUE)), tolerance = 1e-10)
})

test_that("y ~ 0 + x: no intercept in the experts nor, by default, in the gate", {
  d <- robust_data()
  fit <- moem(y ~ 0 + x1, data = d, init = informed_posterior(attr(d, "truth")$component, 2))
  expect_sane_fit(fit)
  expect_identical(names(coef(fit)), c("expert1:x1", "expert2:x1", "gate2:x1",
                                       "sigma1", "sigma2"))
  # at x1 = 0 the gate is 1/2: no intercept
  expect_equal(unname(predict(fit, data.frame(x1 = 0), type = "gating")[1, ]), c(0.5, 0.5))
})

test_that("y ~ 0: no covariates at all", {
  d <- robust_data()
  fit <- moem(y ~ 0, data = d, K = 1)
  s <- sqrt(mean(d$y^2))
  expect_equal(fit$loglik, sum(dnorm(d$y, 0, s, log = TRUE)), tolerance = 1e-10)
  expect_equal(unname(coef(fit, "sigma")), s, tolerance = 1e-10)
})

test_that("gating = ~ 0: equal, fixed mixing weights", {
  d <- robust_data()
  fit <- moem(y ~ x1, gating = ~ 0, data = d, init = informed_posterior(attr(d, "truth")$component, 2))
  expect_sane_fit(fit)
  expect_equal(unname(predict(fit, type = "gating")), matrix(0.5, nrow(d), 2))
})

test_that("gating = ~ 1: a mixture of regressions with constant weights", {
  d <- robust_data()
  fit <- moem(y ~ x1 + x2, gating = ~ 1, data = d,
              init = informed_posterior(attr(d, "truth")$component, 2),
              control = moem_control(tol = 1e-12))
  expect_sane_fit(fit)
  gate <- predict(fit, type = "gating")
  expect_equal(unname(gate), matrix(gate[1, ], nrow(d), 2, byrow = TRUE))
  # the M-step's fixed point: the gate is the average posterior
  expect_equal(unname(gate[1, ]), unname(colMeans(posterior(fit))), tolerance = 1e-6)
  expect_equal(fit$df, 2 * 3 + 1 + 2)
})

test_that("K = 1 with a gating formula: the gate is irrelevant", {
  d <- robust_data()
  fit <- moem(y ~ x1, gating = ~ x2, data = d, K = 1)
  ref <- lm(y ~ x1, data = d)
  expect_equal(unname(coef(fit, "experts")[, 1]), unname(coef(ref)), tolerance = 1e-8)
  expect_identical(unname(coef(fit, "gating")), matrix(0, 2, 1))
  expect_equal(unname(predict(fit, type = "gating")), matrix(1, nrow(d), 1))
  expect_equal(fit$df, 3)
  # no gate coefficients with a single expert
  expect_identical(names(coef(fit)), c("expert1:(Intercept)", "expert1:x1", "sigma1"))
})

test_that("n = K: one observation per expert", {
  d <- robust_data()[1:2, ]
  res <- collect_warnings(moem(y ~ 1, data = d, K = 2, gating = ~ 1))
  expect_sane_fit(res$value)
  expect_true(any(res$value$degenerate))
  # each expert sits on its observation
  expect_equal(sort(unname(coef(res$value, "experts")[1, ])), sort(d$y), tolerance = 1e-6)
})

test_that("zero weights equal dropping the rows", {
  for (family in c("gaussian", "binomial")) {
    d <- if (family == "gaussian") robust_data(200, 101) else binomial_moe_data(400, 102)
    n <- nrow(d)
    set.seed(103)
    w <- rep(1, n)
    w[sample(n, 20)] <- 0
    start <- informed_posterior(attr(d, "truth")$component, 2, seed = 104)
    fit_w <- moem(y ~ x1, gating = ~ x2, data = d, family = family, weights = w, init = start)
    fit_d <- moem(y ~ x1, gating = ~ x2, data = d[w > 0, ], family = family,
                  init = start[w > 0, ])
    expect_equal(coef(fit_w), coef(fit_d), tolerance = 1e-10)
    expect_equal(fit_w$loglik, fit_d$loglik, tolerance = 1e-10)
    expect_identical(fit_w$iter, fit_d$iter)
    expect_identical(nobs(fit_w), nobs(fit_d))
    expect_identical(fit_w$df, fit_d$df)
    expect_equal(vcov(fit_w), vcov(fit_d), tolerance = 1e-8)
    # the zero-weight rows still get predictions
    expect_false(anyNA(fitted(fit_w)))
    expect_length(fitted(fit_w), n)
  }
})

test_that("zero weights on the rows that make a column aliased", {
  d <- robust_data(100, 105)
  d$x3 <- 0
  d$x3[1:3] <- 1
  w <- rep(1, 100)
  w[1:3] <- 0
  start <- informed_posterior(attr(d, "truth")$component, 2, seed = 106)
  fit <- moem(y ~ x1 + x3, gating = ~ x1, data = d, weights = w, init = start)
  expect_sane_fit(fit)
  expect_true(all(is.na(coef(fit)[c("expert1:x3", "expert2:x3")])))
  fit_d <- moem(y ~ x1, gating = ~ x1, data = d[-(1:3), ], init = start[-(1:3), ])
  expect_equal(fit$loglik, fit_d$loglik, tolerance = 1e-10)
})

test_that("unused factor levels are dropped", {
  d <- robust_data()
  set.seed(107)
  d$g <- factor(sample(c("p", "q", "r"), nrow(d), replace = TRUE),
                levels = c("p", "q", "r", "s"))
  fit <- moem(y ~ x1 + g, data = d, K = 1)
  ref <- lm(y ~ x1 + g, data = d)
  expect_equal(unname(coef(fit, "experts")[, 1]), unname(coef(ref)), tolerance = 1e-8)
  expect_false(anyNA(coef(fit)))
  expect_identical(fit$xlevels$g, c("p", "q", "r"))
  fit2 <- moem(y ~ x1 + g, data = d, init = informed_posterior(attr(d, "truth")$component, 2))
  expect_sane_fit(fit2)
  expect_false(anyNA(coef(fit2)))
  # a subset that empties a level
  fit3 <- moem(y ~ x1 + g, data = d, K = 1, subset = g != "q")
  expect_identical(rownames(coef(fit3, "experts")), c("(Intercept)", "x1", "gr"))
})

test_that("a factor covariate in the gate only", {
  d <- robust_data(300, 108)
  set.seed(109)
  d$g <- factor(sample(c("p", "q", "r"), nrow(d), replace = TRUE))
  fit <- moem(y ~ x1, gating = ~ g, data = d,
              init = informed_posterior(attr(d, "truth")$component, 2, seed = 110),
              control = moem_control(tol = 1e-12))
  expect_sane_fit(fit)
  expect_identical(rownames(coef(fit, "gating")), c("(Intercept)", "gq", "gr"))
  expect_identical(fit$xlevels$g, c("p", "q", "r"))
  # the gate is constant within a level; by hand from the coefficients
  gate <- predict(fit, data.frame(x1 = 0, g = c("p", "q", "r")), type = "gating")
  G <- coef(fit, "gating")
  expect_equal(unname(gate[, 2]), plogis(c(G[1, 2], G[1, 2] + G[2, 2], G[1, 2] + G[3, 2])),
               tolerance = 1e-12)
  # and in the fit the gate of each level is the average posterior of that level
  post <- posterior(fit)[, 2]
  expect_equal(unname(gate[, 2]), c(tapply(post, d$g, mean)), tolerance = 1e-6,
               ignore_attr = TRUE)
})

test_that("more columns than observations: aliased, NA, and the fit goes on", {
  set.seed(111)
  X <- matrix(rnorm(20 * 30), 20, 30)
  d <- data.frame(y = rnorm(20), X)
  res <- collect_warnings(moem(y ~ ., data = d, K = 2, gating = ~ X1,
                               init = random_posterior(20, 2, seed = 112)))
  fit <- res$value
  expect_true(is.finite(fit$loglik))
  expect_identical(sum(!fit$aliased$experts), 20L)
  expect_identical(sum(is.na(coef(fit, "experts"))), 2L * 11L)
  expect_identical(fit$aliased$experts, is.na(coef(lm(y ~ ., data = d))))
  expect_false(anyNA(coef(fit, "gating")))
  expect_false(anyNA(fit$posterior))
  # K = 1 is lm(): a perfect fit, so sigma is at its floor
  res1 <- collect_warnings(moem(y ~ ., data = d, K = 1))
  expect_match(res1$warnings, "reached its floor", all = FALSE)
  expect_identical(is.na(coef(res1$value, "experts")[, 1]), is.na(coef(lm(y ~ ., data = d))))
})

test_that("a logical covariate and a matrix covariate", {
  d <- robust_data()
  d$flag <- d$x2 > 0
  d$m <- cbind(a = d$x1, b = d$x1^2)
  fit <- moem(y ~ flag + m, data = d, K = 1)
  ref <- lm(y ~ flag + m, data = d)
  expect_equal(unname(coef(fit, "experts")[, 1]), unname(coef(ref)), tolerance = 1e-8)
  expect_identical(rownames(coef(fit, "experts")), names(coef(ref)))
})

test_that("a data set with a constant response does not give NaN", {
  d <- data.frame(x = 1:10, y = 3)
  res <- collect_warnings(moem(y ~ x, data = d, K = 2, init = random_posterior(10, 2, 113)))
  fit <- res$value
  expect_match(res$warnings, "reached its floor", all = FALSE)
  expect_true(is.finite(fit$loglik))
  expect_false(anyNA(coef(fit)))
  expect_true(all(fit$degenerate))
  expect_equal(unname(fitted(fit)), rep(3, 10))
})

test_that("the data can come from the formula's environment", {
  set.seed(114)
  xx <- rnorm(50)
  yy <- 1 + 2 * xx + rnorm(50)
  fit <- moem(yy ~ xx, K = 1)
  expect_equal(unname(coef(fit, "experts")[, 1]), unname(coef(lm(yy ~ xx))), tolerance = 1e-8)
})
