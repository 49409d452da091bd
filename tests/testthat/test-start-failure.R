# No start with a finite log-likelihood: the error names `init` only when a start came from it.

test_that("the error names `init` only when it was given", {
  d <- moe_data(n = 60, seed = 90)
  init <- list(experts = cbind(c(1, 2, 0), c(-1, -1, 1)))
  # a fixed sigma far too small for the response: every observation is impossible
  expect_snapshot(error = TRUE, {
    moem(y ~ x1 + x2, data = d, sigma = 1e-300)
    moem(y ~ x1 + x2, data = d, sigma = 1e-300, nstart = 3)
    moem(y ~ x1 + x2, data = d, sigma = 1e-300, init = init)
    moem(y ~ x1 + x2, data = d, sigma = 1e-300, init = init, nstart = 3)
    moem_fit(cbind(1, d$x1), d$y, K = 1, sigma = 1e-300)
  })
})
