# vcov(part = ), the penalised covariance, coef(summary()), and information matrices of every
# family, against numerical Hessians and glm.

# The log-posterior of a gaussian or binomial mixture as a function of coef(fit): the
# log-likelihood (helper-reference.R) less the ridge penalty on the non-intercept coefficients.
logpost_function <- function(fit, x, z, y, w, penalty) {
  K <- fit$K
  p <- ncol(x)
  q <- ncol(z)
  family <- fit$family$family
  lambda <- c(rep(ifelse(colnames(x) == "(Intercept)", 0, penalty[1]), K),
              rep(ifelse(colnames(z) == "(Intercept)", 0, penalty[2]), K - 1))
  function(theta) {
    beta <- matrix(theta[seq_len(p * K)], p, K)
    gate <- cbind(0, matrix(theta[p * K + seq_len(q * (K - 1))], q, K - 1))
    sigma <- if (family == "gaussian") theta[p * K + q * (K - 1) + seq_len(K)]
    coefs <- theta[seq_along(lambda)]
    ref_estep(x, z, y, w, beta, gate, sigma, family)$loglik - sum(lambda * coefs^2) / 2
  }
}

test_that("vcov(part = ) is the block of the full matrix that coef(part = ) names", {
  d <- moe_data(n = 300, K = 2, seed = 81)
  fit <- moem(y ~ x1 + x2, data = d, gating = ~ x1, init = random_posterior(300, 2, 82))
  v <- vcov(fit)
  experts <- grep("^expert", names(coef(fit)), value = TRUE)
  gate <- grep("^gate", names(coef(fit)), value = TRUE)
  sigma <- grep("^sigma", names(coef(fit)), value = TRUE)
  expect_identical(vcov(fit, "experts"), v[experts, experts])
  expect_identical(vcov(fit, part = "gating"), v[gate, gate])
  expect_identical(vcov(fit, "sigma"), v[sigma, sigma])
  expect_identical(vcov(fit, "all"), v)
  expect_identical(rownames(vcov(fit, "experts")),
                   paste0(rep(colnames(coef(fit, "experts")), each = 3), ":",
                          rownames(coef(fit, "experts"))))
  expect_error(vcov(fit, "gate"), "should be one of")
  expect_error(vcov(fit, kind = "robust"), "Unused argument")
  expect_error(vcov(fit, type = "sandwich"), "should be one of")
  expect_error(vcov(fit, cluster = ~ id), "`cluster` is for `type = \"robust\"`")
})

test_that("with a ridge penalty, vcov() inverts the Hessian of the log-posterior", {
  d <- moe_data(n = 300, K = 2, seed = 83)
  penalty <- c(3, 5)
  fit <- moem(y ~ x1 + x2, data = d, gating = ~ x1, init = random_posterior(300, 2, 84),
              control = moem_control(penalty = penalty, tol = 1e-13))
  x <- model.matrix(~ x1 + x2, d)
  z <- model.matrix(~ x1, d)
  f <- logpost_function(fit, x, z, d$y, rep(1, nrow(d)), penalty)
  theta <- coef(fit)
  expect_equal(f(theta), fit$logpost, tolerance = 1e-12)
  v_numeric <- solve(-numeric_hessian(f, theta))
  expect_equal(unname(vcov(fit)), unname(v_numeric), tolerance = 1e-4)
  # the unpenalised information's inverse is larger: it is not what vcov() reports
  info <- moem_information(fit)
  expect_equal(unname(diag(info$penalty)), c(0, 3, 3, 0, 3, 3, 0, 5, 0, 0))
  expect_true(all(diag(solve(info$observed))[-c(1, 4, 7, 9, 10)] >
                    diag(solve(info$observed + info$penalty))[-c(1, 4, 7, 9, 10)]))
  # print and summary say that the fit and its standard errors are penalised
  expect_match(paste(capture.output(print(fit)), collapse = " "), "penalised \\(posterior\\)")
  expect_match(paste(capture.output(print(summary(fit))), collapse = " "),
               "penalised \\(posterior\\)")
  expect_equal(summary(fit)$penalty, penalty)
  expect_null(summary(moem(y ~ x1, data = d, K = 1))$penalty)
})

test_that("with a ridge penalty, binomial experts' vcov() inverts the log-posterior's Hessian", {
  d <- binomial_moe_data(600, seed = 85)
  fit <- moem(y ~ x1, gating = ~ x2, data = d, family = binomial,
              init = random_posterior(600, 2, 86),
              control = moem_control(penalty = 2, tol = 1e-13))
  x <- model.matrix(~ x1, d)
  z <- model.matrix(~ x2, d)
  f <- logpost_function(fit, x, z, d$y, rep(1, nrow(d)), c(2, 2))
  expect_equal(f(coef(fit)), fit$logpost, tolerance = 1e-12)
  expect_equal(unname(vcov(fit)), unname(solve(-numeric_hessian(f, coef(fit)))),
               tolerance = 1e-4)
})

test_that("coef(summary()) is glm's coefficient matrix, rows named by part and expert", {
  d <- k1_data()
  ref <- glm(yb ~ x + u, data = d, family = binomial())
  fit <- moem(yb ~ x + u, data = d, K = 1, family = binomial(),
              control = moem_control(tol = 1e-13))
  cs <- coef(summary(fit))
  expect_identical(colnames(cs), colnames(coef(summary(ref))))
  expect_identical(rownames(cs), paste0("expert1:", names(coef(ref))))
  expect_equal(unname(cs), unname(coef(summary(ref))), tolerance = 1e-6)
  fit2 <- moem(y ~ x, data = d, K = 2, init = random_posterior(nrow(d), 2, 87))
  cs2 <- coef(summary(fit2))
  expect_identical(rownames(cs2), names(coef(fit2))[!startsWith(names(coef(fit2)), "sigma")])
  expect_equal(cs2[, "Std. Error"], sqrt(diag(vcov(fit2)))[rownames(cs2)])
})

test_that("two-class multinomial experts are binomial experts, vcov() included", {
  d <- binomial_moe_data(500, seed = 88)
  d$f <- factor(ifelse(d$y == 1, "yes", "no"), levels = c("no", "yes"))
  start <- random_posterior(500, 2, 89)
  control <- moem_control(tol = 1e-13)
  binomial_fit <- moem(f ~ x1, gating = ~ x2, data = d, family = binomial, init = start,
                       control = control)
  multinomial_fit <- moem(f ~ x1, gating = ~ x2, data = d, family = multinomial(),
                          init = start, control = control)
  expect_equal(multinomial_fit$loglik, binomial_fit$loglik, tolerance = 1e-10)
  expect_equal(unname(coef(multinomial_fit)), unname(coef(binomial_fit)), tolerance = 1e-6)
  expect_equal(unname(vcov(multinomial_fit)), unname(vcov(binomial_fit)), tolerance = 1e-5)
  expect_equal(unname(coef(summary(multinomial_fit))), unname(coef(summary(binomial_fit))),
               tolerance = 1e-5)
})

test_that("vcov() says when the information matrix would not fit in memory", {
  d <- moe_data(n = 200, K = 2, seed = 90)
  fit <- moem(y ~ x1, data = d, init = random_posterior(200, 2, 91))
  old <- options(moem.max_memory = 1e4)
  on.exit(options(old))
  expect_error(vcov(fit), "information matrix of 8 free parameters.*would need about")
  expect_error(moem_information(fit), "would need about")
  options(old)
  expect_true(all(is.finite(vcov(fit))))
})
