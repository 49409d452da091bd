# coef, logLik, AIC/BIC, vcov, summary, print, starts and init.

methods_fit <- function(K = 2, gating = ~ x1) {
  d <- moe_data(n = 300, K = K, seed = 70 + K)
  fit <- moem(y ~ x1 + x2, gating = gating, data = d, K = K,
              init = informed_posterior(attr(d, "truth")$component, K, seed = 71),
              control = moem_control(tol = 1e-12))
  list(fit = fit, data = d)
}

test_that("coef() names and shapes", {
  mf <- methods_fit(K = 3)
  fit <- mf$fit
  cf <- coef(fit)
  experts <- c("(Intercept)", "x1", "x2")
  gate <- c("(Intercept)", "x1")
  expect_identical(names(cf), c(
    paste0("expert", rep(1:3, each = 3), ":", experts),
    paste0("gate", rep(2:3, each = 2), ":", gate),
    paste0("sigma", 1:3)
  ))
  expect_identical(coef(fit, "all"), cf)
  ex <- coef(fit, "experts")
  expect_identical(dimnames(ex), list(experts, paste0("expert", 1:3)))
  expect_identical(c(ex), unname(cf[1:9]))
  g <- coef(fit, "gating")
  expect_identical(dimnames(g), list(gate, paste0("expert", 1:3)))
  expect_identical(unname(g[, 1]), c(0, 0))
  expect_identical(c(g[, -1]), unname(cf[10:13]))
  expect_identical(coef(fit, "sigma"), cf[14:16])
  expect_true(all(coef(fit, "sigma") > 0))
  expect_snapshot(coef(fit, "foo"), error = TRUE)

  # binomial experts have no sigma
  d <- binomial_moe_data(300, seed = 72)
  fb <- moem(y ~ x1, gating = ~ x2, data = d, family = binomial,
             init = informed_posterior(attr(d, "truth")$component, 2, seed = 73))
  expect_identical(names(coef(fb)), c("expert1:(Intercept)", "expert1:x1",
                                      "expert2:(Intercept)", "expert2:x1",
                                      "gate2:(Intercept)", "gate2:x2"))
  expect_error(coef(fb, "sigma"), "binomial experts have no dispersion")
  expect_null(fb$sigma)
})

test_that("logLik() attributes, AIC and BIC follow their formulas", {
  mf <- methods_fit(K = 3, gating = ~ x2)
  fit <- mf$fit
  ll <- logLik(fit)
  n <- nrow(mf$data)
  # 3 experts x 3 coefficients, 2 gate columns x 2 coefficients, 3 sigmas
  df <- 3 * 3 + 2 * 2 + 3
  expect_s3_class(ll, "logLik")
  expect_equal(attr(ll, "df"), df)
  expect_equal(attr(ll, "nobs"), n)
  expect_equal(nobs(fit), n)
  expect_equal(AIC(fit), -2 * as.numeric(ll) + 2 * df)
  expect_equal(BIC(fit), -2 * as.numeric(ll) + log(n) * df)
  # the log-likelihood is that of the reported parameters
  x <- model.matrix(~ x1 + x2, mf$data)
  z <- model.matrix(~ x2, mf$data)
  ref <- ref_estep(x, z, mf$data$y, rep(1, n), coef(fit, "experts"), coef(fit, "gating"),
                   coef(fit, "sigma"), "gaussian")
  expect_equal(as.numeric(ll), ref$loglik, tolerance = 1e-12)
  expect_identical(family(fit)$family, "gaussian")
  expect_identical(family(fit)$link, "identity")
  # zero weights do not count as observations
  w <- rep(1, n)
  w[1:10] <- 0
  fw <- moem(y ~ x1 + x2, gating = ~ x2, data = mf$data, K = 3, weights = w, init = fit)
  expect_equal(nobs(fw), n - 10)
  expect_equal(BIC(fw), -2 * fw$loglik + log(n - 10) * fw$df)
})

# The log-likelihood as a function of coef(fit) (without aliased entries), in plain R.
loglik_function <- function(fit, x, z, y, w) {
  K <- fit$K
  p <- ncol(x)
  q <- ncol(z)
  family <- fit$family$family
  function(theta) {
    beta <- matrix(theta[seq_len(p * K)], p, K)
    gate <- cbind(0, matrix(theta[p * K + seq_len(q * (K - 1))], q, K - 1))
    sigma <- if (family == "gaussian") theta[p * K + q * (K - 1) + seq_len(K)]
    ref_estep(x, z, y, w, beta, gate, sigma, family)$loglik
  }
}

expect_vcov_matches_hessian <- function(fit, x, z, y, w = rep(1, length(y))) {
  theta <- coef(fit)
  f <- loglik_function(fit, x, z, y, w)
  expect_equal(f(theta), fit$loglik, tolerance = 1e-12)
  v_numeric <- solve(-numeric_hessian(f, theta))
  v <- vcov(fit)
  expect_identical(dimnames(v), list(names(theta), names(theta)))
  expect_true(isSymmetric(v))
  expect_equal(unname(v), unname(v_numeric), tolerance = 1e-4)
  # correlations too, which the relative comparison above could dominate by the large entries
  expect_equal(unname(cov2cor(v)), unname(cov2cor(v_numeric)), tolerance = 1e-4)
}

test_that("vcov() is the inverse of the Hessian of the log-likelihood (gaussian)", {
  mf <- methods_fit(K = 2, gating = NULL)
  x <- model.matrix(~ x1 + x2, mf$data)
  expect_vcov_matches_hessian(mf$fit, x, x, mf$data$y)
})

test_that("vcov() is the inverse of the Hessian of the log-likelihood (gaussian, K = 3, weights)", {
  d <- moe_data(n = 400, K = 3, seed = 75)
  set.seed(76)
  w <- sample(1:3, nrow(d), replace = TRUE)
  fit <- moem(y ~ x1 + x2, gating = ~ x1, data = d, K = 3, weights = w,
              init = informed_posterior(attr(d, "truth")$component, 3, seed = 77),
              control = moem_control(tol = 1e-12))
  expect_vcov_matches_hessian(fit, model.matrix(~ x1 + x2, d), model.matrix(~ x1, d), d$y, w)
  # integer weights equal replicated rows, for the standard errors too
  rep_d <- d[rep(seq_len(nrow(d)), w), ]
  fit_rep <- moem(y ~ x1 + x2, gating = ~ x1, data = rep_d, K = 3, init = fit)
  expect_equal(vcov(fit_rep), vcov(fit), tolerance = 1e-6)
})

test_that("vcov() is the inverse of the Hessian of the log-likelihood (binomial)", {
  d <- binomial_moe_data(800, seed = 11)
  set.seed(78)
  fit <- moem(y ~ x1, gating = ~ x2, data = d, family = binomial, nstart = 2,
              control = moem_control(tol = 1e-12))
  expect_vcov_matches_hessian(fit, model.matrix(~ x1, d), model.matrix(~ x2, d), d$y)
})

test_that("vcov() with an aliased column: NA rows and columns", {
  d <- moe_data(n = 300, K = 2, seed = 79)
  d$x3 <- d$x1 + d$x2
  fit <- moem(y ~ x1 + x2 + x3, gating = ~ x1, data = d,
              init = informed_posterior(attr(d, "truth")$component, 2, seed = 80),
              control = moem_control(tol = 1e-12))
  v <- vcov(fit)
  aliased <- c("expert1:x3", "expert2:x3")
  expect_true(all(is.na(coef(fit)[aliased])))
  expect_true(all(is.na(v[aliased, ])))
  expect_true(all(is.na(v[, aliased])))
  keep <- !names(coef(fit)) %in% aliased
  expect_false(anyNA(v[keep, keep]))
  # the free block is the inverse Hessian of the log-likelihood without the aliased column
  x <- model.matrix(~ x1 + x2, d)
  f <- loglik_function(fit, x, model.matrix(~ x1, d), d$y, rep(1, nrow(d)))
  v_numeric <- solve(-numeric_hessian(f, coef(fit)[keep]))
  expect_equal(unname(v[keep, keep]), unname(v_numeric), tolerance = 1e-4)
})

test_that("print() and summary() output", {
  d <- tiny_data()
  fit <- moem(y ~ x1, data = d, init = attr(d, "labels"))
  expect_true(fit$converged)
  expect_snapshot(print(fit, digits = 3))
  expect_snapshot(print(summary(fit), digits = 3))
  s <- summary(fit)
  expect_s3_class(s, "summary.moem")
  # the table is coef() with sqrt(diag(vcov())), and z = estimate / se
  se <- sqrt(diag(vcov(fit)))
  expect_equal(unname(s$experts[[2]][, "Estimate"]), unname(coef(fit, "experts")[, 2]))
  expect_equal(unname(s$experts[[2]][, "Std. Error"]), unname(se[c("expert2:(Intercept)",
                                                                   "expert2:x1")]))
  expect_equal(unname(s$gating[[1]][, "z value"]),
               unname(coef(fit)[c("gate2:(Intercept)", "gate2:x1")] /
                        se[c("gate2:(Intercept)", "gate2:x1")]))
  expect_equal(unname(s$size), unname(colSums(posterior(fit))))
  expect_equal(sum(s$size), nrow(d))
  expect_equal(unname(s$proportion), unname(colMeans(predict(fit, type = "gating"))))
  expect_equal(s$aic, AIC(fit))
  expect_equal(s$bic, BIC(fit))
})

test_that("print() of binomial, K = 1 and degenerate fits", {
  d <- tiny_data()
  d$yb <- as.numeric(d$y > 0)
  fit1 <- moem(y ~ x1, data = d, K = 1)
  expect_snapshot(print(fit1, digits = 3))
  fb <- moem(yb ~ x1, gating = ~ 1, data = d, K = 1, family = binomial)
  expect_snapshot(print(fb, digits = 3))
  d4 <- data.frame(x = c(0, 1, 2, 3), y = c(0.5, 1.2, 1.9, 3.5))
  fd <- suppressWarnings(moem(y ~ x, data = d4, K = 2, gating = ~ 1,
                              init = cbind(c(1, 1, 0, 0), c(0, 0, 1, 1))))
  expect_true(any(fd$degenerate))
  out <- capture.output(print(fd))
  expect_match(out, "^Degenerate expert\\(s\\): ", all = FALSE)
  expect_snapshot(print(moem_control(maxit = 50, tol = 1e-6)))
})

test_that("nstart > 1 keeps the start with the best log-likelihood", {
  d <- moe_data(n = 150, K = 3, seed = 81)
  set.seed(82)
  # the first start, equal posteriors, keeps the experts equal: EM stays at the regression
  # of one expert, far below the random starts' optima, so the choice matters
  fit <- moem(y ~ x1 + x2, data = d, K = 3, nstart = 6, init = matrix(1 / 3, nrow(d), 3))
  expect_length(fit$starts, 6L)
  expect_true(all(is.finite(fit$starts)))
  expect_equal(fit$starts[1], as.numeric(logLik(lm(y ~ x1 + x2, d))), tolerance = 1e-8)
  expect_gt(diff(range(fit$starts)), 1)
  expect_identical(fit$loglik, max(fit$starts))
  # and the kept fit is consistent: its log-likelihood is that of its parameters
  x <- model.matrix(~ x1 + x2, d)
  ref <- ref_estep(x, x, d$y, rep(1, nrow(d)), coef(fit, "experts"), coef(fit, "gating"),
                   coef(fit, "sigma"), "gaussian")
  expect_equal(fit$loglik, ref$loglik, tolerance = 1e-12)
  # an init counts as the first start
  f_init <- moem(y ~ x1 + x2, data = d, K = 3, nstart = 3, init = fit)
  expect_equal(f_init$starts[1], fit$loglik, tolerance = 1e-8)
  expect_gte(f_init$loglik, fit$loglik - 1e-8 * abs(fit$loglik))
})

test_that("set.seed() repeats a fit exactly", {
  d <- moe_data(n = 200, K = 3, seed = 83)
  set.seed(84)
  f1 <- moem(y ~ x1 + x2, data = d, K = 3, nstart = 3)
  set.seed(84)
  f2 <- moem(y ~ x1 + x2, data = d, K = 3, nstart = 3)
  for (part in c("coefficients", "loglik", "posterior", "starts", "iter")) {
    expect_identical(f1[[part]], f2[[part]])
  }
  timing <- names(f1$trace) == "seconds"
  expect_identical(f1$trace[!timing], f2$trace[!timing])
  set.seed(85)
  f3 <- moem(y ~ x1 + x2, data = d, K = 3, nstart = 3)
  expect_false(identical(f1$trace, f3$trace))
})

test_that("init from a previous fit converges at once to the same fit", {
  mf <- methods_fit(K = 2)
  fit <- mf$fit
  again <- moem(y ~ x1 + x2, gating = ~ x1, data = mf$data, init = fit)
  expect_lte(again$iter, 2L)
  expect_true(again$converged)
  expect_equal(again$loglik, fit$loglik, tolerance = 1e-10)
  expect_equal(coef(again), coef(fit), tolerance = 1e-5)
  # maxit = 0 evaluates the start: the same log-likelihood, no warning
  at_start <- expect_silent(moem(y ~ x1 + x2, gating = ~ x1, data = mf$data, init = fit,
                                 control = moem_control(maxit = 0)))
  expect_identical(at_start$iter, 0L)
  expect_equal(at_start$loglik, fit$loglik, tolerance = 1e-12)
  expect_equal(coef(at_start), coef(fit), tolerance = 1e-12)
})

test_that("init as list(experts =, gating =, sigma =) starts at those parameters", {
  mf <- methods_fit(K = 2)
  fit <- mf$fit
  d <- mf$data
  init <- list(experts = coef(fit, "experts"), gating = coef(fit, "gating") + 3,
               sigma = coef(fit, "sigma") * 2)
  # maxit = 0 evaluates the start: compare with the log-likelihood at those parameters by hand
  f0 <- moem(y ~ x1 + x2, gating = ~ x1, data = d, init = init,
             control = moem_control(maxit = 0))
  x <- model.matrix(~ x1 + x2, d)
  z <- model.matrix(~ x1, d)
  ref <- ref_estep(x, z, d$y, rep(1, nrow(d)), init$experts, init$gating, init$sigma,
                   "gaussian")
  expect_equal(f0$loglik, ref$loglik, tolerance = 1e-12)
  # a gate that is not referenced to expert 1 is re-referenced (softmax is shift-invariant)
  expect_equal(unname(coef(f0, "gating")), unname(init$gating - init$gating[, 1]))
  # gating and sigma may be left out: a flat gate and a common sigma
  f1 <- moem(y ~ x1 + x2, gating = ~ x1, data = d, init = init["experts"],
             control = moem_control(maxit = 0))
  expect_identical(unname(coef(f1, "gating")), matrix(0, 2, 2))
  expect_equal(unname(coef(f1, "sigma")), rep(sd(d$y), 2))
  # and from there EM reaches the fit
  f2 <- moem(y ~ x1 + x2, gating = ~ x1, data = d, init = init,
             control = moem_control(tol = 1e-12))
  expect_equal(f2$loglik, fit$loglik, tolerance = 1e-8)
})

test_that("moem_fit() on design matrices equals moem() on the formula", {
  d <- moe_data(n = 200, K = 2, seed = 86)
  x <- model.matrix(~ x1 + x2, d)
  z <- model.matrix(~ x2, d)
  start <- informed_posterior(attr(d, "truth")$component, 2, seed = 87)
  f_formula <- moem(y ~ x1 + x2, gating = ~ x2, data = d, init = start)
  f_matrix <- moem_fit(x, d$y, z, K = 2, init = start)
  expect_identical(f_matrix$loglik, f_formula$loglik)
  expect_identical(unname(f_matrix$coefficients), unname(f_formula$coefficients))
  expect_identical(names(f_matrix$coefficients), names(f_formula$coefficients))
  expect_identical(unname(f_matrix$posterior), unname(f_formula$posterior))
})

test_that("a gate formula with the experts' terms shares their model matrix", {
  d <- moe_data(n = 300, K = 2, seed = 88)
  start <- random_posterior(300, 2, seed = 89)
  shared <- moem(y ~ x1 + x2, data = d, init = start)
  same <- moem(y ~ x1 + x2, gating = ~ x1 + x2, data = d, init = start)
  # the same terms in another order make a model matrix of their own, columns swapped
  swapped <- moem(y ~ x1 + x2, gating = ~ x2 + x1, data = d, init = start)
  expect_identical(same$coefficients, shared$coefficients)
  expect_identical(same$loglik, shared$loglik)
  expect_equal(swapped$loglik, shared$loglik, tolerance = 1e-8)
  expect_equal(coef(swapped, "gating")[c(1, 3, 2), ], coef(shared, "gating"), tolerance = 1e-5,
               ignore_attr = TRUE)
  expect_identical(rownames(coef(swapped, "gating")), c("(Intercept)", "x2", "x1"))
})

numeric_gradient <- function(f, theta, h = 1e-5 * pmax(abs(theta), 1)) {
  vapply(seq_along(theta), function(j) {
    up <- theta
    down <- theta
    up[j] <- up[j] + h[j]
    down[j] <- down[j] - h[j]
    (f(up) - f(down)) / (2 * h[j])
  }, 0)
}

stationary_cases <- list(
  list(name = "gaussian, gate ~ 1", family = "gaussian", gating = ~ 1),
  list(name = "gaussian, gate ~ x1", family = "gaussian", gating = ~ x1),
  list(name = "binomial, gate ~ x2", family = "binomial", gating = ~ x2)
)

for (case in stationary_cases) {
  test_that(paste("a converged fit is a stationary point of the log-likelihood:", case$name), {
    d <- if (case$family == "gaussian") moe_data(n = 300, K = 2, seed = 120) else
      binomial_moe_data(600, seed = 121)
    form <- if (case$family == "gaussian") y ~ x1 + x2 else y ~ x1
    fit <- moem(form, gating = case$gating, data = d, family = case$family,
                init = informed_posterior(attr(d, "truth")$component, 2, seed = 122),
                control = moem_control(tol = 1e-14))
    expect_true(fit$converged)
    f <- loglik_function(fit, model.matrix(form, d), model.matrix(case$gating, d), d$y,
                         rep(1, nrow(d)))
    grad <- numeric_gradient(f, coef(fit))
    # the score at an optimum is 0; with tol = 1e-14 EM stops with a score of about 1e-5,
    # and central differences are exact to about 1e-7 here
    expect_lt(max(abs(grad)), 1e-4)
  })
}
