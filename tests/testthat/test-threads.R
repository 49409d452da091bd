# The passes over the rows (the E-step, the softmax M-steps' objective, gradient and Hessian,
# Newton's M-steps of glm experts) sum over 16 fixed stripes of rows, which run on
# moem_control(threads = ) threads: the fit must be the same to the last bit whatever their
# number, and the stripes' sums must add up to the whole (against the sums in plain R).  A pass
# runs on threads only when its work is large enough (pass_threads in src/pass.h), so the fits
# below have the rows for it.

# The threads a fit of n rows with p experts' and q gate's columns, K experts and M predictors
# each gives its passes, by the fit's rule: the E-step, then the gate's objective, gradient and
# Hessian passes (and with newton = TRUE, the Newton pass of K glm experts with shared
# coefficients).
pass_threads <- function(n, p, q, K, M = 1, threads = 2, newton = FALSE) {
  out <- setNames(.Call(moem:::ffi_pass_threads, as.integer(c(n, p, q, K, M)),
                        as.integer(threads)),
                  c("estep", "objective", "gradient", "hessian", "newton"))
  if (newton) out else out[1:4]
}
openmp <- pass_threads(1e7, 3, 3, 3)[["estep"]] > 1L # FALSE in a build without OpenMP

fit_with_threads <- function(threads, ..., solver = "auto") {
  set.seed(99)  # the same random start
  fit <- moem(..., control = moem_control(maxit = 25, tol = 0, threads = threads, solver = solver))
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

test_that("a pass runs on its threads only when its work is worth them", {
  skip_if_not(openmp, "a build without OpenMP runs every pass on one thread")
  one <- c(estep = 1L, objective = 1L, gradient = 1L, hessian = 1L)
  # gaussian experts, d = 5 covariates (the gate on the same), K = 3: small fits on one thread
  for (n in c(500, 2000, 5000, 20000, 50000)) expect_identical(pass_threads(n, 6, 6, 3), one)
  # the E-step from about 1e5 rows, the Hessian from 1.4e5, the objective from 2.8e5
  expect_identical(pass_threads(1e5, 6, 6, 3), c(estep = 2L, objective = 1L, gradient = 1L,
                                                 hessian = 1L))
  expect_identical(pass_threads(3e5, 6, 6, 3), c(estep = 2L, objective = 2L, gradient = 1L,
                                                 hessian = 2L))
  # large passes on the threads asked, up to one a stripe
  expect_identical(pass_threads(1e7, 6, 6, 3), 2L * one)
  expect_identical(pass_threads(1e7, 6, 6, 3, threads = 3), 3L * one)
  expect_identical(pass_threads(1e7, 6, 6, 3, threads = 64), 16L * one)
  expect_identical(pass_threads(1e7, 6, 6, 3, threads = 1), one)
  # a Hessian's rows cost more with more columns (q^2): it needs fewer of them
  expect_identical(pass_threads(2e4, 41, 41, 3), c(estep = 1L, objective = 1L, gradient = 1L,
                                                   hessian = 2L))
  # a wide design leaves the threads to the BLAS at any n
  expect_identical(pass_threads(1e7, 261, 1, 1)[["estep"]], 1L)
})

test_that("passes keep to one thread for a while after threads that did not get their cores", {
  # the threads of successive passes worth 2 threads, had each pass on threads done `cores`
  # cores' worth of work (src/threads.c)
  gauge <- function(cores, threads = 2) .Call(moem:::ffi_thread_gauge, as.double(cores),
                                              as.integer(threads))
  # an idle machine: every pass on threads
  expect_identical(gauge(rep(1.8, 50)), rep(2L, 50))
  # a busy one: a try, 16 passes on one thread, a try, 32 on one, a try, 64 on one ...
  tries <- which(gauge(rep(0.6, 200)) == 2L)
  expect_identical(tries, c(1L, 18L, 51L, 116L))
  # a try that succeeds keeps the threads, and the next failure waits 16 passes again
  cores <- c(0.6, rep(1, 16), 0.6, rep(1, 32), 1.9, 1.9, 0.6, rep(1, 20))
  expect_identical(which(gauge(cores) == 2L), c(1L, 18L, 51L, 52L, 53L, 70L))
  # the wait is capped at 1024 passes
  expect_identical(diff(which(gauge(rep(0.6, 5000)) == 2L)), c(17L, 33L, 65L, 129L, 257L, 513L,
                                                               1025L, 1025L, 1025L))
  # no CPU clock (cores 0): the threads stay; one thread asked: one thread
  expect_identical(gauge(rep(0, 10)), rep(2L, 10))
  expect_identical(gauge(rep(0.6, 10), threads = 1), rep(1L, 10))
})

test_that("gaussian experts: the same fit on 1, 2 or 3 threads, and the sums of every stripe", {
  skip_on_cran() # some 10 s: fits large enough for threads
  # 320000 rows, 313 blocks of 1024, 19 or 20 a stripe: enough work for the E-step and the
  # gate's objective and Hessian passes to run on threads
  d <- moe_data(320000, K = 3, seed = 31)
  if (openmp) expect_identical(pass_threads(nrow(d), 3, 3, 3)[c("estep", "objective", "hessian")],
                               c(estep = 2L, objective = 2L, hessian = 2L))
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
  skip_on_cran() # some 15 s
  # enough rows for the E-step, with its gradient or statistics by stripe, to run on threads
  n <- 250000
  if (openmp) expect_identical(pass_threads(n, 3, 3, 2)[["estep"]], 2L)
  d <- moe_data(n, K = 2, family = "binomial", seed = 32)
  expect_same_fit(y ~ x1 + x2, data = d, K = 2, family = "binomial")
  expect_same_fit(y ~ x1 + x2, data = d, K = 2, family = "binomial", method = "gradient_em")
  dg <- moe_data(n, K = 2, seed = 33)
  expect_same_fit(y ~ x1 + x2, data = dg, K = 2, method = "gd")
  set.seed(34)
  n <- 160000
  if (openmp) expect_identical(pass_threads(n, 2, 2, 2, M = 2)[["estep"]], 2L)
  dm <- data.frame(x1 = rnorm(n), x2 = rnorm(n))
  dm$y <- factor(ifelse(dm$x1 > 0, sample(c("a", "b", "c"), n, TRUE, c(0.7, 0.2, 0.1)),
                        sample(c("a", "b", "c"), n, TRUE, c(0.1, 0.3, 0.6))))
  expect_same_fit(y ~ x2, gating = ~ x1, data = dm, K = 2, family = multinomial())
  # fewer blocks than stripes, most stripes empty: a gate of 121 columns, whose Newton Hessian's
  # rows cost enough for 3000 of them to run on threads
  small <- moe_data(3000, K = 3, seed = 35)
  noise <- paste0("u", 1:118)
  small[noise] <- rnorm(3000 * 118)
  if (openmp) expect_identical(pass_threads(3000, 3, 121, 3)[["hessian"]], 2L)
  expect_same_fit(y ~ x1 + x2, gating = reformulate(c("x1", "x2", noise)), data = small, K = 3,
                  solver = "newton")
})

test_that("poisson and Gamma experts with shared coefficients: the same fit on any threads", {
  skip_on_cran() # some 10 s
  # enough rows for Newton's passes over the three experts and the shared coefficient
  # (glm_newton.c) to run on threads
  n <- 90000
  if (openmp) expect_identical(pass_threads(n, 3, 2, 3, newton = TRUE)[["newton"]], 2L)
  set.seed(37)
  d <- data.frame(x1 = rnorm(n), w = rnorm(n), z = rnorm(n))
  expert <- 1 + (runif(n) < plogis(d$z)) + (runif(n) < 0.3)
  eta <- c(0.2, 1, 1.5)[expert] + c(0.8, -0.5, 0.2)[expert] * d$x1 + 0.3 * d$w
  d$count <- rpois(n, exp(eta))
  d$loss <- rgamma(n, shape = 2, rate = 2 / exp(eta))
  expect_same_fit(count ~ x1, gating = ~ z, fixed = ~ w, data = d, K = 3, family = poisson())
  expect_same_fit(loss ~ x1, gating = ~ z, fixed = ~ w, data = d, K = 3, family = "Gamma")
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
