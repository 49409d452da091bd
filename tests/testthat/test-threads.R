# The passes over the rows (the E-step, the softmax M-steps' objective, gradient and Hessian)
# sum over 16 fixed stripes of rows, which run on moem_control(threads = ) threads: the fit must be the same to the last bit whatever their
# number, and the stripes' sums must add up to the whole (against the sums in plain R).

fit_with_threads <- function(threads, ...) {
  set.seed(99)  # the same random start
  fit <- moem(..., control = moem_control(maxit = 25, tol = 0, threads = threads))
  fit$trace$seconds <- NULL
  fit$call <- NULL
  fit$control <- NULL
  fit
}

expect_same_fit <- function(...) {
  one <- fit_with_threads(1, ...)
  for (threads in 2:3) {
    other <- fit_with_threads(threads, ...)
    expect_identical(other$coefficients, one$coefficients)
    expect_identical(other$sigma, one$sigma)
    expect_identical(other$loglik, one$loglik)
    expect_identical(other$posterior, one$posterior)
    expect_identical(other$trace, one$trace)
  }
  invisible(one)
}

test_that("gaussian experts: the same fit on 1, 2 or 3 threads, and the sums of every stripe", {
  # 40000 rows: 40 blocks of 1024, so that every stripe has two or three of them
  d <- moe_data(40000, K = 3, seed = 31)
  fit <- expect_same_fit(y ~ x1 + x2, data = d, K = 3)
  x <- cbind(1, d$x1, d$x2)
  eta <- x %*% coef(fit, "experts")
  g <- x %*% coef(fit, "gating")
  log_pi <- g - log(rowSums(exp(g)))
  dens <- exp(log_pi) * sapply(1:3, function(k) dnorm(d$y, eta[, k], fit$sigma[k]))
  expect_equal(fit$loglik, sum(log(rowSums(dens))), tolerance = 1e-12)
  expect_equal(unname(fit$posterior), unname(dens / rowSums(dens)), tolerance = 1e-10)
})

test_that("logistic and multinomial experts, gradient EM and descent: the same on any threads", {
  d <- moe_data(20000, K = 2, family = "binomial", seed = 32)
  expect_same_fit(y ~ x1 + x2, data = d, K = 2, family = "binomial")
  expect_same_fit(y ~ x1 + x2, data = d, K = 2, family = "binomial", method = "gradient_em")
  dg <- moe_data(20000, K = 2, seed = 33)
  expect_same_fit(y ~ x1 + x2, data = dg, K = 2, method = "gd")
  set.seed(34)
  dm <- data.frame(x1 = rnorm(5000), x2 = rnorm(5000))
  dm$y <- factor(ifelse(dm$x1 > 0, sample(c("a", "b", "c"), 5000, TRUE, c(0.7, 0.2, 0.1)),
                        sample(c("a", "b", "c"), 5000, TRUE, c(0.1, 0.3, 0.6))))
  expect_same_fit(y ~ x2, gating = ~ x1, data = dm, K = 2, family = multinomial())
  # fewer blocks than stripes: most stripes are empty
  small <- moe_data(3000, K = 2, seed = 35)
  expect_same_fit(y ~ x1 + x2, data = small, K = 2)
})

test_that("threads is checked", {
  expect_error(moem_control(threads = 0), "`threads` must be a whole number between 1 and 1024")
  expect_error(moem_control(threads = NA), "`threads` must be")
  expect_error(moem_control(threads = 1.5), "`threads` must be")
})

test_that("a wide design, whose stripes add into one sum on one thread, fits as lm does", {
  # 1 + 260 coefficients: more than the 256 terms a row may have for the stripes to run apart
  set.seed(36)
  n <- 1500
  x <- matrix(rnorm(n * 260), n)
  y <- drop(x %*% rnorm(260, sd = 0.1)) + rnorm(n)
  design <- cbind(1, x)
  one <- moem_fit(design, y, K = 1, control = moem_control(threads = 1))
  two <- moem_fit(design, y, K = 1, control = moem_control(threads = 2))
  experts <- one$coefficients[startsWith(names(one$coefficients), "expert1:")]
  expect_equal(unname(experts), unname(lm.fit(design, y)$coefficients), tolerance = 1e-10)
  expect_identical(two$coefficients, one$coefficients)
  expect_equal(one$loglik, as.numeric(logLik(lm(y ~ x))), tolerance = 1e-12)
})
