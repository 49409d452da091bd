# Multinomial experts (issue 4), checked against nnet::multinom, optim and finite differences.

multinomial_data <- function(n, seed) {
  set.seed(seed)
  d <- data.frame(x1 = rnorm(n), x2 = rnorm(n))
  second <- rbinom(n, 1, plogis(2.5 * d$x2)) == 1
  eta <- ifelse(second, 1, 0) * cbind(0, -2 * d$x1, 1 - d$x1) +
    ifelse(second, 0, 1) * cbind(0, 1 + 2 * d$x1, -1 + d$x1)
  prob <- exp(eta) / rowSums(exp(eta))
  u <- runif(n)
  d$y <- factor(c("a", "b", "c")[1L + (u > prob[, 1]) + (u > prob[, 1] + prob[, 2])])
  d
}

test_that("K = 1 reproduces nnet::multinom, with Newton's method and with the bound", {
  skip_if_not_installed("nnet")
  d <- multinomial_data(1500, seed = 1)
  ref <- nnet::multinom(y ~ x1 + x2, data = d, trace = FALSE, reltol = 1e-15, maxit = 1000)
  newton <- moem(y ~ x1 + x2, data = d, K = 1, family = multinomial(),
                 control = moem_control(solver = "newton"))
  bound <- moem(y ~ x1 + x2, data = d, K = 1, family = "multinomial",
                control = moem_control(solver = "bound", inner_maxit = 2000, inner_tol = 1e-15))
  for (fit in list(newton, bound)) {
    expect_equal(unname(coef(fit, "experts")[, , 1]), unname(t(coef(ref))), tolerance = 1e-6)
    expect_equal(fit$loglik, as.numeric(logLik(ref)), tolerance = 1e-9)
    expect_equal(unname(predict(fit, type = "response")), unname(fitted(ref)),
                 tolerance = 1e-6)
  }
  expect_equal(dim(coef(newton, "experts")), c(3L, 2L, 1L))
  expect_equal(dimnames(coef(newton, "experts"))[[2]], c("b", "c"))
  expect_named(coef(newton), c(paste0("expert1:b:", c("(Intercept)", "x1", "x2")),
                               paste0("expert1:c:", c("(Intercept)", "x1", "x2"))))
  expect_equal(newton$df, 6)
})

test_that("one EM iteration's M-step is a weighted multinom per expert and for the gate", {
  skip_if_not_installed("nnet")
  d <- multinomial_data(800, seed = 2)
  set.seed(3)
  post <- matrix(runif(800 * 2), 800)
  post <- post / rowSums(post)
  for (solver in c("newton", "bound")) {
    fit <- moem(y ~ x1, data = d, K = 2, gating = ~ x2, family = multinomial(), init = post,
                control = moem_control(maxit = 0, solver = solver, inner_maxit = 5000,
                                       inner_tol = 1e-15))
    for (k in 1:2) {
      ref <- nnet::multinom(y ~ x1, data = d, weights = post[, k], trace = FALSE,
                            reltol = 1e-15, maxit = 1000)
      expect_equal(unname(coef(fit, "experts")[, , k]), unname(t(coef(ref))),
                   tolerance = 1e-5, label = paste(solver, "expert", k))
    }
    gate_ref <- nnet::multinom(post ~ x2, data = d, trace = FALSE, reltol = 1e-15, maxit = 1000)
    expect_equal(unname(coef(fit, "gating")[, 2]), c(coef(gate_ref)), tolerance = 1e-5)
  }
})

# The log-likelihood of a mixture of multinomial experts (3 classes) in plain R: beta is
# p x (2 K) (classes b, c per expert), gate q x K.
multinomial_loglik <- function(x, z, y, beta, gate) {
  K <- ncol(gate)
  lp <- sapply(seq_len(K), function(k) {
    e <- cbind(0, x %*% beta[, (k - 1) * 2 + 1:2])
    e[cbind(seq_along(y), y + 1L)] - log(rowSums(exp(e)))
  })
  gz <- z %*% gate
  a <- lp + gz - log(rowSums(exp(gz)))
  sum(log(rowSums(exp(a))))
}

test_that("vcov() of multinomial experts is the inverse Hessian of the log-likelihood", {
  d <- multinomial_data(700, seed = 9)
  set.seed(10)
  fit <- moem(y ~ x1, data = d, K = 2, gating = ~ x2, family = multinomial(), nstart = 2,
              control = moem_control(tol = 1e-13))
  x <- cbind(1, d$x1)
  z <- cbind(1, d$x2)
  y <- as.integer(d$y) - 1L
  f <- function(theta) multinomial_loglik(x, z, y, matrix(theta[1:8], 2), cbind(0, theta[9:10]))
  theta <- coef(fit)
  expect_equal(f(theta), fit$loglik, tolerance = 1e-12)
  v <- vcov(fit)
  expect_identical(rownames(v), names(theta))
  expect_equal(unname(v), unname(solve(-numeric_hessian(f, theta))), tolerance = 1e-4)
})

test_that("the multinomial gradient agrees with finite differences", {
  d <- multinomial_data(300, seed = 4)
  x <- cbind(1, d$x1)
  z <- cbind(1, d$x2)
  y <- as.integer(d$y) - 1L
  set.seed(5)
  K <- 2L
  beta <- matrix(rnorm(2 * 2 * K), 2)
  gate <- cbind(0, rnorm(2))
  object <- list(family = multinomial(), K = K, sigma = NULL)
  loglik <- function(b, g) multinomial_loglik(x, z, y, b, g)
  res <- moem:::estep(object, list(x = x, z = z, y = y), rep(1, length(y)), beta, gate)
  expect_equal(res$loglik, loglik(beta, gate), tolerance = 1e-12)
  h <- 1e-6
  numeric_beta <- vapply(seq_along(beta), function(j) {
    e <- replace(numeric(length(beta)), j, h)
    (loglik(beta + e, gate) - loglik(beta - e, gate)) / (2 * h)
  }, 0)
  expect_equal(c(res$gradient_experts), numeric_beta, tolerance = 1e-6)
  numeric_gate <- vapply(1:2, function(j) {
    e <- cbind(0, replace(numeric(2), j, h))
    (loglik(beta, gate + e) - loglik(beta, gate - e)) / (2 * h)
  }, 0)
  expect_equal(c(res$gradient_gate), numeric_gate, tolerance = 1e-6)
})

test_that("the ridge penalty gives the maximum of the log-posterior", {
  d <- multinomial_data(600, seed = 6)
  lambda <- 25
  fit <- moem(y ~ x1 + x2, data = d, K = 1, family = multinomial(),
              control = moem_control(penalty = lambda, inner_tol = 1e-14))
  x <- cbind(1, d$x1, d$x2)
  y <- as.integer(d$y)
  negative_logpost <- function(b) {
    eta <- cbind(0, x %*% matrix(b, 3))
    -sum(eta[cbind(seq_along(y), y)] - log(rowSums(exp(eta)))) + lambda / 2 * sum(matrix(b, 3)[-1, ]^2)
  }
  ref <- optim(rep(0, 6), negative_logpost, method = "BFGS",
               control = list(reltol = 1e-15, maxit = 1000))
  expect_equal(c(coef(fit, "experts")[, , 1]), ref$par, tolerance = 1e-5)
  expect_equal(fit$logpost, -ref$value, tolerance = 1e-9)
  expect_lt(fit$logpost, fit$loglik)
  # and the log-posterior never decreases along a bound-solver fit with a capped M-step
  mix <- moem(y ~ x1, data = d, K = 2, gating = ~ x2, family = multinomial(),
              control = moem_control(penalty = 2, solver = "bound", inner_maxit = 2,
                                     maxit = 200, tol = 0))
  expect_true(all(diff(mix$trace$logpost) >= -1e-10 * abs(mix$trace$logpost[-1])))
  expect_true("logpost" %in% names(mix$trace))
})

test_that("a multinomial mixture predicts classes, probabilities and experts", {
  d <- multinomial_data(2000, seed = 7)
  fit <- moem(y ~ x1, data = d, K = 2, gating = ~ x2, family = multinomial(), nstart = 2)
  prob <- predict(fit, type = "response")
  expect_equal(dim(prob), c(2000L, 3L))
  expect_equal(unname(rowSums(prob)), rep(1, 2000), tolerance = 1e-12)
  expect_identical(unname(predict(fit, type = "class")),
                   factor(levels(d$y)[max.col(prob, ties.method = "first")], levels(d$y)))
  experts <- predict(fit, type = "experts")
  expect_equal(dim(experts), c(2000L, 3L, 2L))
  gate <- predict(fit, type = "gating")
  expect_equal(prob, gate[, 1] * experts[, , 1] + gate[, 2] * experts[, , 2],
               ignore_attr = TRUE)
  expect_equal(predict(fit, d[1:5, ], type = "response"), prob[1:5, ], ignore_attr = TRUE)
  expect_equal(predict(fit, d, type = "posterior"), posterior(fit), ignore_attr = TRUE)
  expect_equal(unname(fitted(fit)), unname(prob))
  single <- moem(y ~ x1 + x2, data = d, K = 1, family = multinomial())
  expect_gt(mean(predict(fit, type = "class") == d$y),
            mean(predict(single, type = "class") == d$y))
  sims <- simulate(fit, nsim = 1, seed = 1)
  expect_s3_class(sims$sim_1, "factor")
  expect_identical(levels(sims$sim_1), levels(d$y))
  expect_output(print(summary(fit)), "log-odds of class b against a")
  expect_error(moem(y ~ x1, data = d, family = multinomial(), symmetric = TRUE), "symmetric")
  d$yn <- as.numeric(d$y)
  expect_error(moem(yn ~ x1, data = d, family = multinomial()), "factor")
})

test_that("the three methods agree on a multinomial mixture", {
  d <- multinomial_data(1500, seed = 8)
  em <- moem(y ~ x1, data = d, K = 2, gating = ~ x2, family = multinomial(),
             control = moem_control(tol = 1e-12))
  for (m in c("gradient_em", "gd")) {
    other <- moem(y ~ x1, data = d, K = 2, gating = ~ x2, family = multinomial(), init = em,
                  method = m, control = moem_control(maxit = 200))
    expect_equal(other$loglik, em$loglik, tolerance = 1e-8)
  }
})

write_idx <- function(file, values, dims, type = 8L) {
  con <- gzfile(file, "wb")
  on.exit(close(con))
  writeBin(as.integer(c(0, 0, type, length(dims))), con, size = 1)
  writeBin(as.integer(dims), con, size = 4, endian = "big")
  switch(as.character(type),
    "8" = writeBin(as.integer(values), con, size = 1),
    "12" = writeBin(as.integer(values), con, size = 4, endian = "big"),
    "14" = writeBin(as.double(values), con, size = 8, endian = "big"))
}

test_that("read_idx reads the IDX types and dimensions in row-major order", {
  f <- tempfile(fileext = ".gz")
  write_idx(f, 1:24, c(2, 3, 4))
  a <- read_idx(f)
  expect_equal(dim(a), c(2L, 3L, 4L))
  expect_equal(a[1, 1, ], 1:4)
  expect_equal(a[2, 3, 4], 24L)
  write_idx(f, c(-5L, 70000L), 2, type = 12L)
  expect_equal(read_idx(f), c(-5L, 70000L))
  write_idx(f, c(0.5, -2), c(1, 2), type = 14L)
  expect_equal(read_idx(f), matrix(c(0.5, -2), 1))
  expect_error(read_idx(tempfile()), "`file`")
})

test_that("fashion_mnist_invert inverts half the images and says where the data are", {
  expect_error(fashion_mnist_invert(tempfile()), "dataset-fashion-mnist")
  dir <- "/usr/share/datasets/fashion-mnist"
  skip_if_not(file.exists(file.path(dir, "t10k-labels-idx1-ubyte.gz")),
              "Fashion-MNIST is not installed")
  d <- fashion_mnist_invert(dir, seed = 1, n_train = 3000, n_test = 1000)
  expect_equal(dim(d$train$x), c(3000L, 784L))
  expect_equal(dim(d$test$x), c(1000L, 784L))
  expect_equal(nlevels(d$train$y), 10L)
  expect_true(all(d$train$x >= 0 & d$train$x <= 1))
  expect_equal(mean(d$train$inverted), 0.5, tolerance = 0.05)
  # a plain image has a dark border; an inverted one a light border
  border <- d$train$x[, 1]
  expect_true(all(border[d$train$inverted] > 0.9))
  expect_true(all(border[!d$train$inverted] < 0.1))
  again <- fashion_mnist_invert(dir, seed = 1, n_train = 3000, n_test = 1000)
  expect_identical(again, d)
  raw <- read_idx(file.path(dir, "t10k-images-idx3-ubyte.gz"))
  full <- fashion_mnist_invert(dir, seed = 2, n_train = 10)
  first <- as.vector(t(raw[1, , ])) / 255
  expect_equal(full$test$x[1, ], if (full$test$inverted[1]) 1 - first else first,
               ignore_attr = TRUE)
})
