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
