# Case weights: what na.action leaves of them, and weights as counts.

test_that("weights left all zero, or no rows left, by na.action are clear errors", {
  d <- moe_data(n = 20, seed = 4)
  d$w <- c(rep(1, 5), rep(0, 15))
  d_x <- d
  d_x$x1[1:5] <- NA
  d_y <- d
  d_y$y[c(2, 4)] <- NA
  d_y$x2[c(1, 3, 5)] <- NA
  d_one <- d
  d_one$w <- c(2, rep(0, 19))
  d_one$y[1] <- NA
  d_none <- d
  d_none$y[1:10] <- NA
  d_none$x1[11:20] <- NA
  expect_snapshot(error = TRUE, {
    moem(y ~ x1, data = d_x, weights = w)
    moem(y ~ x1, data = d_x, weights = w, K = 1, na.action = na.exclude)
    moem(y ~ x1, gating = ~ x2, data = d_y, weights = w)
    moem(y ~ x1, data = d_one, weights = w, K = 1)
    moem(y ~ x1, data = d_none)
    moem(y ~ x1, data = transform(d, w = NA_real_), weights = w)
    # weights that were all zero to begin with keep their own message
    moem(y ~ x1, data = transform(d, w = 0), weights = w)
  })
  # some positive weight left: the fit goes on, over the rows left
  d_x$x1[1:4] <- c(0, 1, -1, 0.5)
  fit <- moem(y ~ x1, data = d_x, weights = w, K = 1)
  expect_equal(sum(fit$prior.weights > 0), 4)
})

test_that("integer weights count as repeated rows: the same fit, nobs, AIC, BIC and vcov", {
  set.seed(41)
  d <- rmoe(120, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
            intercept = TRUE)
  d$w <- sample(0:3, 120, replace = TRUE)
  rows <- rep(seq_len(nrow(d)), d$w)
  dup <- d[rows, ]
  init <- list(experts = cbind(c(0.5, 1), c(-0.5, -0.5)), gating = cbind(0, c(0, 1)),
               sigma = c(1, 1))
  post <- random_posterior(120, 2, seed = 42)
  for (start in list(list(init, init), list(post, post[rows, ]))) {
    fit_w <- moem(y ~ x1, data = d, weights = w, init = start[[1L]])
    fit_d <- moem(y ~ x1, data = dup, init = start[[2L]])
    expect_equal(coef(fit_w), coef(fit_d), tolerance = 1e-6)
    expect_equal(logLik(fit_w), logLik(fit_d), tolerance = 1e-6)
    expect_identical(nobs(fit_w), nrow(dup))
    expect_identical(nobs(fit_w), nobs(fit_d))
    expect_identical(attr(logLik(fit_w), "nobs"), nrow(dup))
    expect_equal(AIC(fit_w), AIC(fit_d), tolerance = 1e-6)
    expect_equal(BIC(fit_w), BIC(fit_d), tolerance = 1e-6)
    expect_equal(BIC(fit_w), -2 * fit_d$loglik + log(nrow(dup)) * fit_d$df, tolerance = 1e-6)
    expect_equal(vcov(fit_w), vcov(fit_d), tolerance = 1e-6)
    expect_identical(summary(fit_w)$nobs, nrow(dup))
    expect_equal(summary(fit_w)$bic, summary(fit_d)$bic, tolerance = 1e-6)
  }
  # binomial experts too
  set.seed(43)
  b <- binomial_moe_data(300, 44)
  b$w <- sample(1:3, 300, replace = TRUE)
  rows <- rep(seq_len(nrow(b)), b$w)
  start <- informed_posterior(attr(b, "truth")$component, 2, seed = 45)
  fit_w <- moem(y ~ x1, gating = ~ x2, data = b, family = binomial, weights = w, init = start)
  fit_d <- moem(y ~ x1, gating = ~ x2, data = b[rows, ], family = binomial,
                init = start[rows, ])
  expect_equal(coef(fit_w), coef(fit_d), tolerance = 1e-6)
  expect_identical(nobs(fit_w), length(rows))
  expect_equal(BIC(fit_w), BIC(fit_d), tolerance = 1e-6)
  expect_equal(vcov(fit_w), vcov(fit_d), tolerance = 1e-6)
  # fractional weights are counts too: nobs is their sum
  fit_f <- moem(y ~ x1, data = d, weights = w / 2 + 0.25, K = 1)
  expect_equal(nobs(fit_f), sum(d$w / 2 + 0.25))
})
