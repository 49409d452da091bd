# Bad inputs give clear errors (snapshots); degenerate fits warn, flag and stay finite.

errors_data <- function() moe_data(n = 60, K = 2, seed = 90)

test_that("non-finite values in the response or the covariates", {
  d <- errors_data()
  d_na <- d
  d_na$y[3] <- NA
  expect_snapshot(moem(y ~ x1, data = d_na, na.action = na.pass), error = TRUE)
  d_nan <- d
  d_nan$x1[4] <- NaN
  expect_snapshot(moem(y ~ x1, data = d_nan, na.action = na.pass), error = TRUE)
  d_inf <- d
  d_inf$y[5] <- Inf
  expect_snapshot(moem(y ~ x1, data = d_inf), error = TRUE)
  d_inf <- d
  d_inf$x1[5] <- -Inf
  expect_snapshot(moem(y ~ x1 + x2, data = d_inf), error = TRUE)
  d_gate <- d
  d_gate$x2[6] <- Inf
  expect_snapshot(moem(y ~ x1, gating = ~ x2, data = d_gate), error = TRUE)
  # with the default na.action, NA rows are dropped and the fit goes on
  expect_identical(nobs(moem(y ~ x1, data = d_na, K = 1)), nrow(d) - 1L)
  # the user's na.action is honoured, as a function, by name, or from options()
  expect_error(moem(y ~ x1, data = d_na, na.action = na.fail), "missing values")
  expect_identical(nobs(moem(y ~ x1, data = d_na, K = 1, na.action = "na.omit")), nrow(d) - 1L)
  old <- options(na.action = "na.fail")
  on.exit(options(old))
  expect_error(moem(y ~ x1, data = d_na), "missing values")
  # na.action = NULL handles nothing, as in model.frame(), and the missing value is an error
  expect_error(moem(y ~ x1, data = d_na, na.action = NULL), "not finite|non-finite")
  # without missing values na.fail lets the fit go on
  expect_identical(nobs(moem(y ~ x1, data = d, K = 1)), nrow(d))
})

test_that("bad K", {
  d <- errors_data()
  expect_snapshot(moem(y ~ x1, data = d, K = 0), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, K = 1.5), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, K = 61), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, K = NA), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, K = c(2, 3)), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, K = "2"), error = TRUE)
  # K counts only observations with positive weight
  w <- c(rep(0, 58), 1, 1)
  expect_snapshot(moem(y ~ x1, data = d, K = 3, weights = w), error = TRUE)
})

test_that("bad binomial responses", {
  d <- errors_data()
  d$yb <- as.numeric(d$y > 0)
  d$yb[1] <- 2
  expect_snapshot(moem(yb ~ x1, data = d, family = binomial), error = TRUE)
  d$yb[1] <- 0.5
  expect_snapshot(moem(yb ~ x1, data = d, family = binomial), error = TRUE)
  d$yf <- factor(rep(c("a", "b", "c"), 20))
  expect_snapshot(moem(yf ~ x1, data = d, family = binomial), error = TRUE)
  d$ym <- cbind(d$y > 0, d$y <= 0, d$y > 1)
  expect_snapshot(moem(ym ~ x1, data = d, family = binomial), error = TRUE)
  d$yc <- ifelse(d$y > 0, "yes", "no")
  expect_snapshot(moem(yc ~ x1, data = d), error = TRUE)
})

test_that("a character binomial response is reported as a bad response, not as Inf", {
  d <- errors_data()
  d$yc <- ifelse(d$y > 0, "yes", "no")
  expect_error(moem(yc ~ x1, data = d, family = binomial),
               "must be 0/1, logical, a two-level factor")
})

test_that("bad weights", {
  d <- errors_data()
  expect_snapshot(moem(y ~ x1, data = d, weights = c(-1, rep(1, 59))), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, weights = rep(0, 60)), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, weights = c(Inf, rep(1, 59))), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, weights = c(NA, rep(1, 59)), na.action = na.pass),
                  error = TRUE)
  expect_snapshot(moem_fit(cbind(1, d$x1), d$y, weights = rep(1, 3)), error = TRUE)
})

test_that("bad formulas", {
  d <- errors_data()
  expect_snapshot(moem(y ~ x1, data = d, gating = y ~ x1), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, gating = "x1"), error = TRUE)
  expect_snapshot(moem(~ x1, data = d), error = TRUE)
  expect_snapshot(moem("y ~ x1", data = d), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, K = 2, foo = 1), error = TRUE)
})

test_that("unknown or unsupported families", {
  d <- errors_data()
  expect_snapshot(moem(y ~ x1, data = d, family = quasipoisson), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, family = inverse.gaussian()), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, family = Gamma()), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, family = poisson), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, family = "foo"), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, family = 3), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, family = binomial(link = "probit")), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, family = gaussian(link = "log")), error = TRUE)
  expect_snapshot(rmoe(10, cbind(1, 2), cbind(0, 0), family = "multinomial"), error = TRUE)
})

test_that("newdata lacking a variable", {
  d <- errors_data()
  fit <- moem(y ~ x1, gating = ~ x2, data = d, K = 1)
  expect_snapshot(predict(fit, data.frame(x1 = 1:2)), error = TRUE)
  expect_snapshot(predict(fit, data.frame(x2 = 1:2)), error = TRUE)
  expect_snapshot(posterior(fit, data.frame(x1 = 1:2, x2 = 1:2)), error = TRUE)
})

test_that("bad control values", {
  expect_snapshot(moem_control(maxit = -1), error = TRUE)
  expect_snapshot(moem_control(maxit = 1.5), error = TRUE)
  expect_snapshot(moem_control(maxit = "a"), error = TRUE)
  expect_snapshot(moem_control(tol = NA), error = TRUE)
  expect_snapshot(moem_control(tol = -1e-8), error = TRUE)
  expect_snapshot(moem_control(tol = c(1, 2)), error = TRUE)
  expect_snapshot(moem_control(inner_maxit = 0), error = TRUE)
  expect_snapshot(moem_control(inner_tol = 0), error = TRUE)
  expect_snapshot(moem_control(sigma_min = -1), error = TRUE)
  expect_snapshot(moem_control(min_weight = 1), error = TRUE)
  expect_snapshot(moem_control(min_weight = NaN), error = TRUE)
  d <- errors_data()
  expect_snapshot(moem(y ~ x1, data = d, control = 3), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, nstart = 0), error = TRUE)
  # a list of settings is checked as moem_control() checks its arguments
  expect_equal(moem(y ~ x1, data = d, K = 1, control = list(maxit = 5))$control,
               moem_control(maxit = 5))
  expect_error(moem(y ~ x1, data = d, control = list(maxit = -1)), "`maxit` must be")
})

test_that("a bad control list names moem_control() in the error, not its whole body", {
  d <- errors_data()
  err <- tryCatch(moem(y ~ x1, data = d, control = list(maxit = -1)), error = identity)
  expect_lt(nchar(paste(deparse(conditionCall(err)), collapse = "")), 200)
})

test_that("bad init shapes", {
  d <- errors_data()
  expect_snapshot(moem(y ~ x1, data = d, init = matrix(1, 59, 2)), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, init = matrix(1, 60, 3)), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, init = matrix(-1, 60, 2)), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, init = matrix(0, 60, 2)), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, init = matrix(NA_real_, 60, 2)), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, init = list(experts = matrix(0, 3, 2))), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, init = list(experts = matrix(0, 2, 2),
                                                     gating = matrix(0, 2, 3))),
                  error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, init = list(experts = matrix(0, 2, 2),
                                                     sigma = c(1, -1))),
                  error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, init = list(experts = matrix(NA_real_, 2, 2))),
                  error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, init = list(gating = matrix(0, 2, 2))), error = TRUE)
  expect_snapshot(moem(y ~ x1, data = d, init = "a"), error = TRUE)
  fit3 <- moem(y ~ x1, data = d, K = 3, init = random_posterior(60, 3),
               control = moem_control(maxit = 0))
  expect_snapshot(moem(y ~ x1, data = d, K = 2, init = fit3), error = TRUE)
})

# A degenerate fit: warnings that match `patterns`, finite parameters (NA only where aliased),
# a finite log-likelihood, and a degenerate flag.
expect_degenerate <- function(res, patterns) {
  for (p in patterns) expect_match(res$warnings, p, all = FALSE)
  fit <- res$value
  cf <- coef(fit)
  aliased <- c(rep(fit$aliased$experts, fit$K), rep(fit$aliased$gating, fit$K - 1L))
  expect_true(all(is.finite(cf[seq_along(aliased)][!aliased])))
  expect_true(all(is.na(cf[seq_along(aliased)][aliased])))
  expect_true(all(is.finite(fit$sigma)))
  expect_true(is.finite(fit$loglik))
  expect_false(anyNA(fit$posterior))
  expect_false(anyNA(fitted(fit)))
  expect_true(any(fit$degenerate))
}

test_that("K = 3 on 4 observations: sigmas floored, warned and flagged", {
  d4 <- data.frame(x = c(0, 1, 2, 3), y = c(0.5, 1.2, 1.9, 3.5))
  set.seed(91)
  res <- collect_warnings(moem(y ~ x, data = d4, K = 3))
  expect_degenerate(res, "reached its floor")
  fit <- res$value
  # the floor is sigma_min times the standard deviation of y (divisor n)
  floor <- 1e-6 * sqrt(mean((d4$y - mean(d4$y))^2))
  expect_true(all(fit$sigma[fit$degenerate] >= floor * (1 - 1e-12)))
  expect_equal(unname(fit$sigma[fit$degenerate]), rep(floor, sum(fit$degenerate)),
               tolerance = 1e-6)
  expect_output(print(fit), "Degenerate expert")
})

test_that("an expert that fits a few points exactly is floored", {
  # 15 points on a line, 5 off it: an expert on the line has a residual variance of 0
  set.seed(92)
  d <- data.frame(x = rep(1:5, 4))
  d$y <- d$x + c(rep(0, 15), rnorm(5))
  online <- c(rep(1, 15), rep(0, 5))
  res <- collect_warnings(moem(y ~ x, data = d, K = 2, init = cbind(1 - online, online)))
  expect_degenerate(res, "reached its floor")
  expect_identical(unname(res$value$degenerate), c(FALSE, TRUE))
  # the floored expert is the line y = x
  expect_equal(unname(coef(res$value, "experts")[, 2]), c(0, 1), tolerance = 1e-8)
})

test_that("an expert that loses all its weight is frozen, warned and flagged", {
  d <- moe_data(n = 100, K = 2, seed = 93)
  start <- cbind(informed_posterior(attr(d, "truth")$component, 2, seed = 94), 0)
  res <- collect_warnings(moem(y ~ x1 + x2, data = d, K = 3, init = start))
  expect_degenerate(res, "lost \\(almost\\) all its posterior weight")
  fit <- res$value
  expect_identical(unname(fit$degenerate), c(FALSE, FALSE, TRUE))
  expect_lt(max(posterior(fit)[, 3]), 1e-6)
  # the other two experts are the K = 2 fit
  fit2 <- moem(y ~ x1 + x2, data = d, K = 2, init = start[, 1:2])
  expect_equal(fit$loglik, fit2$loglik, tolerance = 1e-6)
})

test_that("K = n: every expert on one observation, warned, flagged and finite", {
  d <- data.frame(x = c(-1, 0, 1.5), y = c(2, -1, 0.3))
  set.seed(95)
  res <- collect_warnings(moem(y ~ x, data = d, K = 3, gating = ~ 1))
  expect_degenerate(res, "reached its floor")
})

test_that("a binomial expert that separates its observations is reported", {
  # Expert 2's observations are perfectly separated, and its coefficients run off to +-1e4;
  # the fit must say so, as glm() does, rather than return them silently.
  d <- moe_data(n = 200, K = 2, family = "binomial", seed = 8)
  set.seed(1)
  res <- collect_warnings(moem(y ~ x1 + x2, data = d, family = binomial))
  fit <- res$value
  expect_true(all(is.finite(coef(fit))))
  expect_gt(max(abs(coef(fit, "experts"))), 100)
  expect_match(res$warnings, "separate", all = FALSE)
})

test_that("binomial K = 3 on 5 observations warns and stays finite", {
  d <- data.frame(x = c(0, 1, 2, 3, 4), y = c(0, 1, 0, 1, 1))
  set.seed(96)
  res <- collect_warnings(moem(y ~ x, data = d, K = 3, family = binomial))
  expect_match(res$warnings, "separate the data perfectly", all = FALSE)
  expect_true(all(is.finite(coef(res$value))))
  expect_true(is.finite(res$value$loglik))
  expect_false(anyNA(posterior(res$value)))
})

test_that("EM that runs out of iterations warns and reports converged = FALSE", {
  d <- moe_data(n = 200, K = 2, seed = 97)
  res <- collect_warnings(moem(y ~ x1 + x2, data = d, init = random_posterior(200, 2),
                               control = moem_control(maxit = 3)))
  expect_match(res$warnings, "EM did not converge in 3 iterations", all = FALSE)
  expect_false(res$value$converged)
  expect_identical(res$value$iter, 3L)
  # tol = 0 asks for exactly maxit iterations: no warning
  expect_silent(moem(y ~ x1 + x2, data = d, init = random_posterior(200, 2),
                     control = moem_control(maxit = 3, tol = 0)))
})

test_that("the C checks agree with R: weighted sd and the column scan", {
  set.seed(3)
  y <- rnorm(50, 1e3, 5)
  w <- c(0, runif(49))
  used <- w > 0
  m <- sum(w[used] * y[used]) / sum(w[used])
  expect_equal(moem:::weighted_sd(y, w), sqrt(sum(w[used] * (y[used] - m)^2) / sum(w[used])),
               tolerance = 1e-12)
  expect_identical(moem:::weighted_sd(rep(2, 5), rep(1, 5)), 1)
  x <- cbind(a = 1:4, b = c(1, NA, 3, 4), c = c(1e200, 1, 1, 1), d = c(1, 1, 1, -1e200))
  expect_identical(moem:::column_scan(x), c(0L, 1L, 2L, 2L))
  # a value beyond 1e150 in a row of zero weight does not count
  expect_identical(moem:::column_scan(x, c(0, 1, 1, 1)), c(0L, 1L, 0L, 2L))
})
