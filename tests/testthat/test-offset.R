# Offsets in the experts' formula, as the `offset` argument and in the gate's formula.

offset_data <- function(n = 200, seed = 5) {
  set.seed(seed)
  d <- data.frame(x = rnorm(n), o = runif(n, 0, 2), u = rnorm(n))
  d$y <- 1 + d$x + d$o + rnorm(n, sd = 0.5)
  d$yb <- rbinom(n, 1, plogis(-0.5 + d$x + d$o))
  d
}

tight <- moem_control(tol = 1e-13, inner_tol = 1e-14)

test_that("gaussian experts' offsets at K = 1 equal glm's, as a term and as the argument", {
  d <- offset_data()
  ref <- glm(y ~ x + offset(o), data = d)
  sigma2 <- mean(residuals(ref)^2)  # maximum likelihood
  for (fit in list(moem(y ~ x + offset(o), data = d, K = 1, control = tight),
                   moem(y ~ x, offset = o, data = d, K = 1, control = tight),
                   moem(y ~ x + offset(o / 2), offset = o / 2, data = d, K = 1,
                        control = tight))) {
    expect_equal(unname(coef(fit, "experts")[, 1]), unname(coef(ref)), tolerance = 1e-10)
    expect_equal(fit$loglik, as.numeric(logLik(ref)), tolerance = 1e-10)
    expect_equal(unname(vcov(fit)[1:2, 1:2]), unname(vcov(ref) * sigma2 / summary(ref)$dispersion),
                 tolerance = 1e-6)
    expect_equal(unname(fitted(fit)), unname(fitted(ref)), tolerance = 1e-10)
  }
})

test_that("binomial experts' offsets at K = 1 equal glm's, and predict() uses newdata's", {
  d <- offset_data()
  ref <- glm(yb ~ x, offset = 2 * o, data = d, family = binomial())
  fit <- moem(yb ~ x, offset = 2 * o, data = d, K = 1, family = binomial(), control = tight)
  expect_equal(unname(coef(fit)), unname(coef(ref)), tolerance = 1e-9)
  expect_equal(fit$loglik, as.numeric(logLik(ref)), tolerance = 1e-10)
  expect_equal(unname(vcov(fit)), unname(vcov(ref)), tolerance = 1e-6)
  new <- data.frame(x = c(-1, 0, 2), o = c(0, 1, 3))
  expect_equal(unname(predict(fit, new)), unname(predict(ref, new, type = "response")),
               tolerance = 1e-9)
  ref2 <- glm(yb ~ x + offset(o), data = d, family = binomial())
  fit2 <- moem(yb ~ x + offset(o), data = d, K = 1, family = binomial(), control = tight)
  expect_equal(unname(predict(fit2, new)), unname(predict(ref2, new, type = "response")),
               tolerance = 1e-9)
  # the training rows: the offsets kept with the model frame
  expect_equal(unname(predict(fit2)), unname(fitted(ref2)), tolerance = 1e-9)
})

test_that("multinomial experts take an n x C offset matrix as nnet::multinom does", {
  skip_if_not_installed("nnet")
  set.seed(3)
  n <- 400
  d <- data.frame(x = rnorm(n))
  d$O <- cbind(0, runif(n), -runif(n))
  eta <- cbind(0, 0.5 + d$x, -0.5 * d$x) + d$O
  p <- exp(eta) / rowSums(exp(eta))
  d$y <- factor(apply(p, 1L, function(pr) sample(c("a", "b", "c"), 1L, prob = pr)))
  ref <- nnet::multinom(y ~ x + offset(O), data = d, trace = FALSE, reltol = 1e-14,
                        maxit = 1000)
  fit <- moem(y ~ x + offset(O), data = d, K = 1, family = multinomial(), control = tight)
  expect_equal(unname(coef(fit, "experts")[, , 1]), unname(t(coef(ref))), tolerance = 1e-5)
  expect_equal(fit$loglik, as.numeric(logLik(ref)), tolerance = 1e-8)
  # an offset equal in every class changes nothing
  same <- moem(y ~ x + offset(cbind(u, u, u)), data = transform(d, u = runif(n)), K = 1,
               family = multinomial(), control = tight)
  plain <- moem(y ~ x, data = d, K = 1, family = multinomial(), control = tight)
  expect_equal(coef(same), coef(plain), tolerance = 1e-8)
})

# An offset that is a known multiple of a covariate is the same model as that covariate's
# coefficient shifted by the multiple: from shifted starts, the two fits are the same fit.
test_that("offsets of the experts and of the gate reparametrise exactly at K = 2", {
  exact <- moem_control(maxit = 400, tol = 0, inner_tol = 1e-14, inner_slack = 0)
  set.seed(11)
  d <- rmoe(600, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
            intercept = TRUE)
  d$yb <- rbinom(nrow(d), 1, plogis(d$y))
  for (family in c("gaussian", "binomial")) {
    response <- if (family == "gaussian") "y" else "yb"
    start <- list(experts = cbind(c(0.5, 1), c(-0.5, -0.5)), gating = cbind(0, c(0, 1)))
    plain <- moem(reformulate("x1", response), data = d, K = 2, family = family,
                  gating = ~ x1, init = start, control = exact)
    shifted <- start
    shifted$experts[2, ] <- shifted$experts[2, ] - 3
    shifted$gating[2, 2] <- shifted$gating[2, 2] - 2
    with_offsets <- moem(reformulate(c("x1", "offset(3 * x1)"), response), data = d, K = 2,
                         family = family, gating = ~ x1 + offset(2 * x1), init = shifted,
                         control = exact)
    expect_equal(with_offsets$loglik, plain$loglik, tolerance = 1e-10)
    expect_equal(coef(with_offsets, "experts")[2, ] + 3, coef(plain, "experts")[2, ],
                 tolerance = 1e-7)
    expect_equal(coef(with_offsets, "gating")[2, 2] + 2, coef(plain, "gating")[2, 2],
                 tolerance = 1e-7)
    expect_equal(posterior(with_offsets), posterior(plain), tolerance = 1e-7)
    expect_equal(fitted(with_offsets), fitted(plain), tolerance = 1e-8)
    new <- data.frame(x1 = c(-1, 0.5, 2), y = c(0, 1, 1), yb = c(0, 1, 1))
    for (type in c("response", "gating", "experts", "posterior")) {
      expect_equal(predict(with_offsets, new, type = type), predict(plain, new, type = type),
                   tolerance = 1e-7)
    }
    expect_equal(unname(sqrt(diag(vcov(with_offsets)))), unname(sqrt(diag(vcov(plain)))),
                 tolerance = 1e-5)
    expect_equal(with_offsets$gating, ~ x1 + offset(2 * x1))
  }
})

test_that("the default gate takes the experts' covariates, not their offsets", {
  d <- offset_data()
  fit <- moem(y ~ x + offset(o), data = d, K = 2, init = random_posterior(nrow(d), 2))
  expect_equal(fit$gating, ~ x)
  expect_null(fit$gating_offset)
  expect_equal(fit$offset, matrix(d$o))
})

test_that("offsets that cannot act are errors naming them", {
  d <- offset_data()
  expect_error(moem(y ~ x, offset = d$o[-1], data = d, K = 1), "offset")
  expect_error(moem(y ~ x, data = d, K = 1, gating = ~ x + offset(o)), "needs K >= 2")
  d$o[3] <- NA
  expect_error(moem(y ~ x + offset(o), data = d, K = 1, na.action = na.pass),
               "offset has non-finite")
  fit <- moem(y ~ x + offset(o), data = d, K = 1, na.action = na.exclude)
  expect_true(is.na(fitted(fit)[3]))
  expect_equal(nobs(fit), nrow(d) - 1)
  expect_error(moem(y ~ x1 + offset(x2), data = transform(rmoe(50, c(1, 1), c(1, 0),
                                                             symmetric = TRUE)),
                    symmetric = TRUE), "no offsets")
})
