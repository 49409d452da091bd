# EM, gradient EM and gradient descent (issue 3): monotonicity, common optimum, symmetric
# models, the mirror-descent identity and gradients against finite differences.

sym_data <- function(n, d, family, beta_norm, gate_norm, seed) {
  set.seed(seed)
  beta <- rnorm(d)
  beta <- beta_norm * beta / sqrt(sum(beta^2))
  w <- rnorm(d)
  w <- gate_norm * w / sqrt(sum(w^2))
  list(data = rmoe(n, experts = beta, gating = w, family = family, symmetric = TRUE),
       beta = beta, w = w,
       formula = reformulate(paste0("x", seq_len(d)), "y", intercept = FALSE))
}

general_data <- function(n, family, seed) {
  set.seed(seed)
  rmoe(n, experts = cbind(c(0.5, 2, -1), c(-0.5, -1.5, 1)), gating = cbind(0, c(0.3, 2, 1)),
       family = family, intercept = TRUE)
}

# The log-likelihood of a general (non-symmetric) mixture, in plain R.
loglik_r <- function(x, z, y, beta, gate, sigma, family) {
  eta <- x %*% beta
  g <- z %*% gate
  log_pi <- g - apply(g, 1, function(r) max(r) + log(sum(exp(r - max(r)))))
  log_f <- if (family == "gaussian") {
    sapply(seq_len(ncol(beta)), function(k) dnorm(y, eta[, k], sigma[k], log = TRUE))
  } else {
    sapply(seq_len(ncol(beta)), function(k) dbinom(y, 1, plogis(eta[, k]), log = TRUE))
  }
  a <- log_pi + log_f
  sum(apply(a, 1, function(r) max(r) + log(sum(exp(r - max(r))))))
}

test_that("gradient EM and backtracking gradient descent never increase the objective", {
  for (family in c("gaussian", "binomial")) {
    d <- general_data(1500, family, seed = 21)
    for (method in c("gradient_em", "gd")) {
      fit <- suppressWarnings(moem(y ~ x1 + x2, data = d, K = 2, family = family,
                                   method = method, control = moem_control(maxit = 150)))
      expect_true(all(diff(fit$trace$objective) <= 1e-12 * abs(fit$trace$objective[-1])),
                  label = paste(family, method))
    }
  }
  s <- sym_data(2000, 4, "gaussian", 2, 1, seed = 5)
  for (method in c("gradient_em", "gd")) {
    fit <- moem(s$formula, s$data, symmetric = TRUE, sigma = 1, method = method,
                control = moem_control(maxit = 80, tol = 0))
    expect_true(all(diff(fit$trace$objective) <= 1e-12 * abs(fit$trace$objective[-1])))
  }
})

test_that("the three methods reach the same optimum from one start", {
  d <- general_data(2000, "gaussian", seed = 3)
  start <- list(experts = cbind(c(0, 1, 0), c(0, -1, 0)), gating = cbind(0, c(0, 1, 0)),
                sigma = c(1, 1))
  fits <- lapply(c("em", "gradient_em", "gd"), function(m) {
    moem(y ~ x1 + x2, data = d, K = 2, init = start, method = m,
         control = moem_control(maxit = 20000, tol = 1e-14))
  })
  logliks <- vapply(fits, function(f) f$loglik, 0)
  expect_equal(logliks[2:3], rep(logliks[1], 2), tolerance = 1e-9)
  for (f in fits[2:3]) {
    expect_equal(coef(f), coef(fits[[1]]), tolerance = 1e-4)
  }
})

test_that("tol = 0 runs exactly maxit iterations, for every method", {
  d <- general_data(500, "gaussian", seed = 4)
  for (m in c("em", "gradient_em", "gd")) {
    fit <- moem(y ~ x1 + x2, data = d, K = 2, method = m,
                control = moem_control(maxit = 17, tol = 0))
    expect_equal(fit$iter, 17L)
    expect_equal(nrow(fit$trace), 18L)
  }
})

test_that("symmetric fits recover beta* and w* at high SNR", {
  lin <- sym_data(20000, 5, "gaussian", beta_norm = 4, gate_norm = 2, seed = 8)
  fit <- moem(lin$formula, lin$data, symmetric = TRUE, sigma = 1, nstart = 3,
              truth = list(experts = lin$beta, gating = lin$w))
  expect_lt(tail(fit$trace$beta_error, 1), 0.02)
  expect_lt(tail(fit$trace$gate_error, 1), 0.06)
  b <- coef(fit, "experts")[, 1]
  sign <- if (sum((b - lin$beta)^2) < sum((b + lin$beta)^2)) 1 else -1
  expect_equal(unname(sign * b), lin$beta, tolerance = 0.02)
  expect_equal(unname(sign * coef(fit, "gating")[, 2]), lin$w, tolerance = 0.06)

  logit <- sym_data(20000, 5, "binomial", beta_norm = 8, gate_norm = 4, seed = 9)
  fit <- moem(logit$formula, logit$data, symmetric = TRUE, family = binomial, nstart = 3,
              truth = list(experts = logit$beta, gating = logit$w))
  expect_lt(tail(fit$trace$beta_error, 1), 0.1)
  expect_lt(tail(fit$trace$gate_error, 1), 0.1)
})

test_that("a symmetric fit's coefficients, df and sigma follow the model", {
  lin <- sym_data(1000, 3, "gaussian", 2, 1, seed = 1)
  fixed <- moem(lin$formula, lin$data, symmetric = TRUE, sigma = 1)
  expect_named(coef(fixed), c(paste0("expert1:x", 1:3), paste0("gate2:x", 1:3)))
  expect_equal(fixed$df, 6)
  expect_equal(coef(fixed, "experts")[, 2], -coef(fixed, "experts")[, 1])
  expect_equal(unname(fixed$sigma), c(1, 1))
  free <- moem(lin$formula, lin$data, symmetric = TRUE)
  expect_named(coef(free), c(paste0("expert1:x", 1:3), paste0("gate2:x", 1:3), "sigma"))
  expect_equal(free$df, 7)
  expect_equal(unname(free$sigma[1]), unname(free$sigma[2]))
  expect_error(moem(lin$formula, lin$data, K = 3, symmetric = TRUE), "K = 2")
})

test_that("the EM step is mirror descent: grad A(theta_t+1) = grad A(theta_t) - grad L(theta_t)", {
  for (family in c("gaussian", "binomial")) {
    s <- sym_data(3000, 4, family, beta_norm = 3, gate_norm = 1.5, seed = 12)
    X <- as.matrix(s$data[, -1])
    y <- s$data$y
    n <- nrow(X)
    linear <- family == "gaussian"
    set.seed(2)
    theta <- list(experts = rnorm(4), gating = rnorm(4))
    run <- function(maxit) {
      moem(s$formula, s$data, symmetric = TRUE, family = family,
           sigma = if (linear) 1, init = theta,
           control = moem_control(maxit = maxit, tol = 0, inner_tol = 1e-14))
    }
    r <- posterior(run(0))[, 1]
    one <- run(1)
    b0 <- theta$experts
    w0 <- theta$gating
    b1 <- coef(one, "experts")[, 1]
    w1 <- coef(one, "gating")[, 2]
    grad_a <- function(b, w) {
      c(if (linear) crossprod(X, X %*% b) else crossprod(X, plogis(X %*% b)),
        crossprod(X, plogis(X %*% w))) / n
    }
    target <- if (linear) (2 * r - 1) * y - X %*% b0 else
      r * y + (1 - r) * (1 - y) - plogis(X %*% b0)
    grad_l <- -c(crossprod(X, target), crossprod(X, (1 - r) - plogis(X %*% w0))) / n
    expect_equal(grad_a(b1, w1), grad_a(b0, w0) - grad_l, tolerance = 1e-8)
  }
})

test_that("the gradient vanishes at EM's fixed point", {
  d <- general_data(2000, "gaussian", seed = 6)
  fit <- moem(y ~ x1 + x2, data = d, K = 2, control = moem_control(tol = 1e-15, maxit = 5000))
  expect_true(fit$converged)
  expect_lt(tail(fit$trace$gradient, 1), 1e-6 * fit$trace$gradient[1])
  set.seed(6)
  b <- rmoe(3000, experts = cbind(c(1, 5, -3), c(-1, -4, 3)), gating = cbind(0, c(0.3, 3, 2)),
            family = "binomial", intercept = TRUE)
  fit <- moem(y ~ x1 + x2, data = b, K = 2, family = binomial,
              control = moem_control(tol = 1e-15, maxit = 5000))
  expect_true(fit$converged)
  expect_lt(tail(fit$trace$gradient, 1), 1e-6 * fit$trace$gradient[1])
})

test_that("analytic gradients agree with finite differences", {
  for (family in c("gaussian", "binomial")) {
    d <- general_data(400, family, seed = 10)
    x <- cbind(1, d$x1, d$x2)
    z <- x
    set.seed(3)
    K <- 3L
    beta <- matrix(rnorm(3 * K), 3, K)
    gate <- cbind(0, matrix(rnorm(3 * (K - 1L)), 3, K - 1L))
    sigma <- c(0.8, 1.3, 1.1)
    object <- list(family = if (family == "gaussian") gaussian() else binomial(), K = K,
                   sigma = if (family == "gaussian") sigma)
    res <- moem:::estep(object, list(x = x, z = z, y = d$y), rep(1, nrow(x)), beta, gate)
    expect_equal(res$loglik, loglik_r(x, z, d$y, beta, gate, sigma, family), tolerance = 1e-12)
    h <- 1e-6
    fd <- function(fun, value) {
      vapply(seq_along(value), function(j) {
        up <- value
        down <- value
        up[j] <- up[j] + h
        down[j] <- down[j] - h
        (fun(up) - fun(down)) / (2 * h)
      }, 0)
    }
    g_beta <- fd(function(b) loglik_r(x, z, d$y, matrix(b, 3), gate, sigma, family), c(beta))
    expect_equal(c(res$gradient_experts), g_beta, tolerance = 1e-6)
    g_gate <- fd(function(g) loglik_r(x, z, d$y, beta, cbind(0, matrix(g, 3)), sigma, family),
                 c(gate[, -1]))
    expect_equal(c(res$gradient_gate), g_gate, tolerance = 1e-6)
    if (family == "gaussian") {
      g_sigma <- fd(function(ls) loglik_r(x, z, d$y, beta, gate, exp(ls), family), log(sigma))
      expect_equal(c(res$gradient_logsigma), g_sigma, tolerance = 1e-6)
    }
  }
})

test_that("a fixed sigma is kept, and K = 1 with it reproduces lm's coefficients", {
  d <- general_data(300, "gaussian", seed = 2)
  fit <- moem(y ~ x1 + x2, data = d, K = 1, sigma = 2.5)
  ref <- lm(y ~ x1 + x2, data = d)
  expect_equal(unname(coef(fit, "experts")[, 1]), unname(coef(ref)), tolerance = 1e-10)
  expect_equal(unname(fit$sigma), 2.5)
  expect_false(any(startsWith(names(coef(fit)), "sigma")))
  expect_equal(fit$loglik, sum(dnorm(d$y, fitted(ref), 2.5, log = TRUE)), tolerance = 1e-10)
  expect_error(moem(y ~ x1, data = d, sigma = -1), "`sigma`")
  b <- general_data(300, "binomial", seed = 2)
  expect_error(moem(y ~ x1, data = b, sigma = 1, family = binomial), "`sigma`")
})

test_that("moem_compare stacks the traces of every method from one start", {
  s <- sym_data(800, 3, "gaussian", 2, 1, seed = 3)
  cmp <- moem_compare(s$formula, s$data, symmetric = TRUE, sigma = 1,
                      truth = list(experts = s$beta, gating = s$w),
                      control = moem_control(maxit = 25, tol = 0))
  expect_s3_class(cmp, "moem_compare")
  expect_equal(levels(cmp$method), c("em", "gradient_em", "gd"))
  expect_equal(as.vector(table(cmp$method)), rep(26L, 3))
  starts <- cmp[cmp$iter == 0, ]
  expect_equal(starts$loglik, rep(starts$loglik[1], 3))
  expect_equal(min(cmp$gap), 0)
  expect_true(all(c("beta_error", "gate_error", "seconds", "gradient") %in% names(cmp)))
  expect_output(print(cmp), "iter_to_tol")
  pdf(NULL)
  on.exit(dev.off())
  expect_identical(plot(cmp), cmp)
  expect_error(moem_compare(s$formula, s$data, methods = "newton"), "`methods`")
})

test_that("rmoe draws symmetric models and simulate() draws from a fit", {
  set.seed(1)
  d <- rmoe(50000, experts = c(3, 0), gating = c(0, 0), symmetric = TRUE)
  truth <- attr(d, "truth")
  expect_equal(truth$experts, cbind(c(3, 0), c(-3, 0)))
  expect_equal(mean(truth$component == 2), 0.5, tolerance = 0.02)
  sign <- ifelse(truth$component == 1, 1, -1)
  expect_equal(unname(coef(lm(y ~ 0 + I(sign * x1), data = d))), 3, tolerance = 0.01)

  d <- general_data(5000, "gaussian", seed = 7)
  fit <- moem(y ~ x1 + x2, data = d, K = 2)
  sims <- simulate(fit, nsim = 3, seed = 42)
  expect_equal(dim(sims), c(5000L, 3L))
  expect_identical(sims, simulate(fit, nsim = 3, seed = 42))
  refit <- moem(sim_1 ~ x1 + x2, data = cbind(d, sims), K = 2, init = fit)
  expect_equal(coef(refit), coef(fit), tolerance = 0.15)
})

test_that("EM's trace gradient, taken from the next M-step, is the gradient at that iterate", {
  d <- general_data(1500, "gaussian", seed = 31)
  set.seed(4)
  post <- matrix(runif(1500 * 2), 1500)
  long <- moem(y ~ x1 + x2, data = d, K = 2, init = post / rowSums(post),
               control = moem_control(maxit = 12, tol = 0))
  for (t in c(0, 5, 11)) {
    short <- moem(y ~ x1 + x2, data = d, K = 2, init = post / rowSums(post),
                  control = moem_control(maxit = t, tol = 0))
    expect_equal(long$trace$gradient[t + 1], tail(short$trace$gradient, 1), tolerance = 1e-8)
    # and the last one (from the last E-step's statistics) is the gradient descent's
    # definition (from a separate E-step pass), with a ridge penalty too
    for (penalty in c(0, 30)) {
      last <- moem(y ~ x1 + x2, data = d, K = 2, init = post / rowSums(post),
                   control = moem_control(maxit = t, tol = 0, penalty = penalty))
      gd <- moem(y ~ x1 + x2, data = d, K = 2, init = last, method = "gd",
                 control = moem_control(maxit = 0, penalty = penalty))
      expect_equal(gd$trace$gradient[1], tail(last$trace$gradient, 1), tolerance = 1e-8)
    }
  }
})

test_that("a ridge penalty on gaussian experts gives the maximum of the log-posterior", {
  d <- general_data(400, "gaussian", seed = 32)
  lambda <- 50
  fit <- moem(y ~ x1 + x2, data = d, K = 1,
              control = moem_control(penalty = lambda, tol = 1e-14))
  x <- cbind(1, d$x1, d$x2)
  negative_logpost <- function(theta) {
    beta <- theta[1:3]
    -sum(dnorm(d$y, x %*% beta, exp(theta[4]), log = TRUE)) + lambda / 2 * sum(beta[-1]^2)
  }
  ref <- optim(c(0, 0, 0, 0), negative_logpost, method = "BFGS",
               control = list(reltol = 1e-15, maxit = 2000))
  expect_equal(unname(coef(fit, "experts")[, 1]), ref$par[1:3], tolerance = 1e-5)
  expect_equal(unname(fit$sigma), exp(ref$par[4]), tolerance = 1e-5)
  expect_equal(fit$logpost, -ref$value, tolerance = 1e-10)
})

test_that("the E-step's log-likelihood and posterior equal R's, with unit and other weights", {
  # With weights 0 and 1 the E-step sums the rows' log terms as the log of their product, kept
  # in range by powers of 2; other weights take a log per row. Five nearly equal experts make
  # every row's terms large (about log 5), so each block's product is renormalised many times.
  set.seed(31)
  n <- 5000
  K <- 5L
  x <- cbind(1, rnorm(n))
  y <- rnorm(n)
  beta <- matrix(rnorm(2 * K, sd = 0.05), 2, K)
  gate <- cbind(0, matrix(rnorm(2 * (K - 1L), sd = 0.05), 2, K - 1L))
  sigma <- rep(1, K)
  object <- list(family = gaussian(), K = K, sigma = sigma)
  for (w in list(rep(1, n), rep(c(1, 0), length.out = n), runif(n, 0.2, 3))) {
    res <- moem:::estep(object, list(x = x, z = x, y = y), w, beta, gate)
    ref <- ref_estep(x, x, y, w, beta, gate, sigma, "gaussian")
    expect_equal(res$loglik, ref$loglik, tolerance = 1e-13)
    expect_equal(res$posterior, ref$posterior, tolerance = 1e-13)
  }
})
