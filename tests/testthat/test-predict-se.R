# predict(se.fit = , interval = ): the delta method against glm at K = 1 and against finite
# differences of predictions written in plain R; intervals against hand computations and a
# simulation of the fitted mixture.

se_data <- function(n = 300, seed = 2) {
  set.seed(seed)
  d <- data.frame(x = rnorm(n), u = rnorm(n))
  d$y <- 1 + d$x + rnorm(n)
  d$yb <- rbinom(n, 1, plogis(0.3 + d$x))
  d
}

tight <- moem_control(tol = 1e-13, inner_tol = 1e-14)

test_that("K = 1: standard errors and intervals are predict.glm's with the ML dispersion", {
  d <- se_data()
  fit <- moem(y ~ x + u, data = d, K = 1, control = tight)
  ref <- glm(y ~ x + u, data = d)
  new <- data.frame(x = c(-1, 0, 2), u = c(0, 1, -0.5))
  got <- predict(fit, new, se.fit = TRUE)
  want <- predict(ref, new, se.fit = TRUE, dispersion = fit$sigma^2)
  expect_equal(got$fit, want$fit, tolerance = 1e-10)
  expect_equal(got$se.fit, want$se.fit, tolerance = 1e-6)
  z <- qnorm(0.975)
  ci <- predict(fit, new, interval = "confidence")
  expect_identical(colnames(ci), c("fit", "lwr", "upr"))
  expect_equal(unname(ci[, "lwr"]), unname(want$fit - z * want$se.fit), tolerance = 1e-6)
  expect_equal(unname(ci[, "upr"]), unname(want$fit + z * want$se.fit), tolerance = 1e-6)
  # one normal component: fit -/+ z sqrt(sigma^2 + se^2), as predict.lm has it with z for t
  pi90 <- predict(fit, new, interval = "prediction", level = 0.9)
  half <- qnorm(0.95) * sqrt(fit$sigma^2 + want$se.fit^2)
  expect_equal(unname(pi90[, "lwr"]), unname(want$fit - half), tolerance = 1e-9)
  expect_equal(unname(pi90[, "upr"]), unname(want$fit + half), tolerance = 1e-9)
  both <- predict(fit, new, se.fit = TRUE, interval = "confidence")
  expect_equal(both$fit, ci)
  expect_equal(both$se.fit, got$se.fit)
})

test_that("K = 1 binomial: se.fit is predict.glm's, also for one row and rows with NA", {
  d <- se_data()
  fit <- moem(yb ~ x, data = d, K = 1, family = binomial(), control = tight)
  ref <- glm(yb ~ x, data = d, family = binomial())
  new <- data.frame(x = c(-2, 0.5, NA, 1))
  got <- predict(fit, new, se.fit = TRUE)
  want <- predict(ref, new, se.fit = TRUE, type = "response")
  expect_equal(got$se.fit, want$se.fit, tolerance = 1e-6)
  expect_equal(got$fit, want$fit, tolerance = 1e-9)
  one <- predict(fit, new[2, , drop = FALSE], se.fit = TRUE)
  expect_equal(one$se.fit, want$se.fit[2], tolerance = 1e-6)
  expect_equal(predict(fit, new[2, , drop = FALSE], type = "experts"),
               matrix(want$fit[2], 1, 1, dimnames = list("2", "expert1")), tolerance = 1e-9)
  # no complete row: NA, as predict.glm gives under na.pass; no row: nothing
  expect_identical(unname(predict(fit, data.frame(x = NA_real_))), NA_real_)
  expect_length(predict(fit, new[0, , drop = FALSE]), 0L)
  # the confidence interval of a probability stays within (0, 1), on the log-odds scale
  ci <- predict(fit, new, interval = "confidence")
  eta <- predict(ref, new, se.fit = TRUE)
  expect_equal(unname(ci[, "lwr"]), unname(plogis(eta$fit - qnorm(0.975) * eta$se.fit)),
               tolerance = 1e-6)
  expect_true(all(ci[-3, "lwr"] > 0 & ci[-3, "upr"] < 1))
  pi <- predict(fit, new, interval = "prediction")
  expect_true(all(pi[-3, c("lwr", "upr")] %in% c(0, 1)))
})

# Predictions in plain R as a function of coef(fit) (gaussian experts, no aliased columns).
prediction_function <- function(fit, x, z, type) {
  K <- fit$K
  p <- ncol(x)
  q <- ncol(z)
  function(theta) {
    par <- unpack_theta(theta, p, q, K)
    beta <- par$beta
    eta <- z %*% par$gate
    pi <- exp(eta - apply(eta, 1, max))
    pi <- pi / rowSums(pi)
    mu <- x %*% beta
    if (fit$family$family == "binomial") mu <- plogis(mu)
    switch(type, response = rowSums(pi * mu), experts = c(mu), gating = c(pi))
  }
}

test_that("K = 2: standard errors are the delta method's, with finite-difference gradients", {
  for (family in c("gaussian", "binomial")) {
    set.seed(21)
    d <- rmoe(800, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
              intercept = TRUE, family = family)
    fit <- moem(y ~ x1, data = d, family = family, init = random_posterior(800, 2, 22),
                control = moem_control(tol = 1e-10))
    new <- data.frame(x1 = c(-1.5, -0.2, 0.3, 2))
    x <- cbind(1, new$x1)
    theta <- coef(fit)
    keep <- !startsWith(names(theta), "sigma")
    v <- vcov(fit)[keep, keep]
    for (type in c("response", "experts", "gating")) {
      f <- prediction_function(fit, x, x, type)
      h <- 1e-6
      J <- sapply(which(keep), function(j) {
        e <- replace(numeric(length(theta)), j, h)
        (f(theta + e) - f(theta - e)) / (2 * h)
      })
      want <- sqrt(rowSums((J %*% v) * J))
      got <- predict(fit, new, type = type, se.fit = TRUE)
      expect_equal(unname(c(got$fit)), f(theta), tolerance = 1e-9)
      expect_equal(unname(c(got$se.fit)), want, tolerance = 1e-5)
    }
  }
})

test_that("multinomial experts' standard errors are the delta method's", {
  set.seed(23)
  n <- 600
  d <- data.frame(x = rnorm(n))
  k <- 1L + (runif(n) < plogis(2 * d$x))
  eta <- ifelse(k == 1L, 1, -1) * cbind(0, 1 + d$x, -1 + 0.5 * d$x)
  prob <- exp(eta) / rowSums(exp(eta))
  d$y <- factor(apply(prob, 1L, function(pr) sample(c("a", "b", "c"), 1L, prob = pr)))
  fit <- moem(y ~ x, data = d, K = 2, family = multinomial(),
              init = random_posterior(n, 2, 24), control = tight)
  new <- data.frame(x = c(-1, 0.4))
  x <- cbind(1, new$x)
  theta <- coef(fit)
  f <- function(th) {
    beta <- array(th[1:8], c(2, 2, 2))
    gate <- cbind(0, th[9:10])
    pi <- plogis(x %*% gate[, 2])
    pi <- cbind(1 - pi, pi)
    probs <- lapply(1:2, function(k) {
      e <- cbind(1, exp(x %*% beta[, , k]))
      e / rowSums(e)
    })
    c(pi[, 1] * probs[[1]] + pi[, 2] * probs[[2]])
  }
  h <- 1e-6
  J <- sapply(seq_along(theta), function(j) {
    e <- replace(numeric(length(theta)), j, h)
    (f(theta + e) - f(theta - e)) / (2 * h)
  })
  got <- predict(fit, new, se.fit = TRUE)
  expect_identical(dim(got$se.fit), c(2L, 3L))
  expect_equal(unname(c(got$fit)), f(theta), tolerance = 1e-9)
  expect_equal(unname(c(got$se.fit)), sqrt(rowSums((J %*% vcov(fit)) * J)), tolerance = 1e-5)
})

test_that("prediction intervals are the quantiles of the fitted mixture, and cover", {
  set.seed(25)
  d <- rmoe(2000, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
            intercept = TRUE, sigma = c(0.5, 1))
  fit <- moem(y ~ x1, data = d, init = random_posterior(2000, 2, 26), control = tight)
  new <- data.frame(x1 = c(-1, 0, 0.4, 1.5))
  pi <- predict(fit, new, interval = "prediction", level = 0.8)
  parts <- predict(fit, new, type = "experts", se.fit = TRUE)
  gate <- predict(fit, new, type = "gating")
  sd <- sqrt(rep(fit$sigma^2, each = 4) + parts$se.fit^2)
  cdf <- function(y) rowSums(gate * pnorm((y - parts$fit) / sd))
  expect_equal(unname(cdf(pi[, "lwr"])), rep(0.1, 4), tolerance = 1e-10)
  expect_equal(unname(cdf(pi[, "upr"])), rep(0.9, 4), tolerance = 1e-10)
  # new responses drawn from the fitted mixture fall in the 80% interval 80% of the time
  set.seed(27)
  draws <- 20000
  row <- rep(1:4, length.out = draws)
  k <- 1L + (runif(draws) < gate[row, 2])
  y <- rnorm(draws, parts$fit[cbind(row, k)], fit$sigma[k])
  inside <- y >= pi[row, "lwr"] & y <= pi[row, "upr"]
  expect_equal(mean(inside), 0.8, tolerance = 0.015)
})

test_that("se.fit and interval refuse what they cannot do, by name", {
  d <- se_data()
  fit <- moem(y ~ x, data = d, K = 1)
  expect_error(predict(fit, type = "posterior", se.fit = TRUE), "`se.fit = TRUE` is for")
  expect_error(predict(fit, type = "gating", interval = "confidence"), "`interval` is for")
  expect_error(predict(fit, interval = "confidence", level = 1.5), "`level` must be")
  expect_error(predict(fit, se.fit = NA), "`se.fit` must be TRUE or FALSE")
  expect_error(predict(fit, digits = 3), "Unused argument")
  expect_error(predict(fit, interval = "tolerance"), "should be one of")
})
