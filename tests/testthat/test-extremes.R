# Extreme scales and steps: clear errors, warnings and flags, never silent nonsense.

extreme_data <- function(n = 200, seed = 1) {
  set.seed(seed)
  d <- data.frame(x = rnorm(n))
  d$y <- ifelse(d$x > 0, 1 + 2 * d$x, -1 - d$x) + rnorm(n, sd = 0.3)
  d
}

balanced_start <- function(n, K, seed) {
  set.seed(seed)
  post <- matrix(0, n, K)
  post[cbind(seq_len(n), sample(rep_len(seq_len(K), n)))] <- 1
  post
}

test_that("values whose cross-products overflow are an error naming the covariate", {
  d <- extreme_data()
  d$x[5] <- 1e200
  expect_error(moem(y ~ x, data = d, K = 2), "covariates have values beyond 1e150.*`x`")
  d <- extreme_data()
  expect_error(moem(y ~ x, data = transform(d, y = y * 1e160), K = 2),
               "response has values beyond 1e150")
  # rows of zero weight do not count, as in lm()
  d$x[5] <- 1e200
  w <- rep(1, nrow(d))
  w[5] <- 0
  fit <- moem(y ~ x, data = d, K = 1, weights = w)
  ref <- lm(y ~ x, data = d[-5, ])
  expect_equal(unname(coef(fit, "experts")[, 1]), unname(coef(ref)), tolerance = 1e-10)
})

test_that("the fit does not depend on the scale of the weights or of the response", {
  # a gate with a finite maximum (extreme_data's gate separates the experts perfectly)
  set.seed(5)
  d <- rmoe(300, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 2)),
            intercept = TRUE, sigma = 0.5)
  names(d)[2] <- "x"
  start <- balanced_start(nrow(d), 2, seed = 2)
  # to the optimum: scaling y shifts the log-likelihood, and with it a relative stopping rule
  exact <- moem_control(tol = 1e-14, maxit = 5000)
  unit <- moem(y ~ x, data = d, K = 2, init = start, control = exact)
  tiny <- moem(y ~ x, data = d, K = 2, init = start, weights = rep(1e-20, nrow(d)),
               control = exact)
  expect_equal(coef(tiny), coef(unit), tolerance = 1e-6)
  expect_equal(tiny$loglik, 1e-20 * unit$loglik, tolerance = 1e-8)
  small <- moem(y ~ x, data = transform(d, y = y * 1e-170), K = 2, init = start,
                control = exact)
  expect_false(any(small$degenerate))
  expect_equal(unname(small$sigma / unit$sigma), c(1e-170, 1e-170), tolerance = 1e-6)
  expect_equal(predict(small, type = "gating"), predict(unit, type = "gating"), tolerance = 1e-5)
})

test_that("a diverging fixed step stops at the last finite iterate with a warning", {
  d <- extreme_data()
  res <- collect_warnings(moem(y ~ x, data = d, K = 2, method = "gd",
                               control = moem_control(step = 10)))
  fit <- res$value
  expect_match(res$warnings, "not finite after iteration", all = FALSE)
  expect_match(res$warnings, "fixed step of gradient descent may be too large", all = FALSE)
  expect_false(fit$converged)
  expect_true(is.finite(fit$loglik))
  expect_true(all(is.finite(coef(fit))))
  expect_equal(fit$loglik, fit$trace$loglik[nrow(fit$trace)])
})

test_that("gradient descent keeps sigma at its floor, and says so", {
  d <- extreme_data()
  expect_warning(fit <- moem(y ~ x, data = d[1:2, ], K = 1, method = "gd"), "floor")
  expect_true(fit$degenerate[[1]])
  expect_gte(unname(fit$sigma), 1e-6 * sd(d$y[1:2]) / sqrt(2) * (1 - 1e-12))
})

test_that("maxit and the memory of a parameter path are bounded", {
  expect_error(moem_control(maxit = 1e10), "between 0 and 1e6")
  d <- extreme_data()
  wide <- cbind(d, matrix(rnorm(nrow(d) * 60), nrow(d)))
  expect_error(moem(y ~ ., data = wide, K = 2, control = moem_control(maxit = 1e6, path = TRUE)),
               "GiB")
})

test_that("a gate that separates keeps a positive semi-definite Hessian and keeps climbing", {
  # Expert 2 takes every x > 0 with a slope of 1e5, expert 3 is e^-30 as likely there: p_2
  # rounds to 1, so its Hessian weight p_2 (1 - p_2) must come from the other classes'
  # probabilities (1.0 - p_2 is 0 while the cross term p_2 p_3 is not), else the gate's Hessian
  # is indefinite and the M-step cannot move the gate.
  set.seed(3)
  d <- data.frame(x1 = rnorm(2000))
  d$y <- ifelse(d$x1 > 0, 2, -2) + rnorm(2000, sd = 0.3)
  init <- list(experts = cbind(c(-2, 0), c(2, 0), c(2, 0)),
               gating = cbind(0, c(0, 1e5), c(-30, 1e5)), sigma = c(0.3, 0.3, 0.3))
  out <- collect_warnings(moem(y ~ x1, data = d, K = 3, init = init,
                               control = moem_control(maxit = 2, path = TRUE)))
  fit <- out$value
  expect_false(any(grepl("could not be factored", out$warnings)))
  expect_true(all(diff(fit$trace$loglik) > 0))
  gate <- fit$path[, 7:10] # the path's columns: 2 x 3 experts', then 2 x 2 gate's
  expect_true(any(gate[3, ] != gate[1, ]))
})
