# residuals(): response, pearson, deviance and randomized quantile residuals, against glm() at
# K = 1, against direct computations at K > 1, and the quantile residuals' normality under a
# correct and a misspecified number of experts.

# One data set for every family at K = 1: a linear predictor in x and u, case weights w
# (zeros included) and binomial trials.
families_data <- function(n = 200, seed = 5) {
  set.seed(seed)
  d <- data.frame(x = rnorm(n), u = runif(n, -1, 1), w = sample(0:3, n, replace = TRUE),
                  trials = sample(1:6, n, replace = TRUE))
  eta <- 0.3 + 0.6 * d$x - 0.4 * d$u
  d$y <- eta + rnorm(n, sd = 0.7)
  d$yb <- rbinom(n, 1, plogis(eta))
  d$successes <- rbinom(n, d$trials, plogis(eta))
  d$proportion <- d$successes / d$trials
  d$count <- rpois(n, exp(eta))
  d$amount <- rgamma(n, shape = 2, rate = 2 / exp(eta))
  d
}

# The K = 1 fits of moem and glm of each family, with case weights (or the binomial trials
# as glm's weights for a proportion response).
k1_pairs <- function(d) {
  pair <- function(formula, family, weights = "w") {
    w <- as.name(weights)
    list(moem = eval(bquote(moem(formula, data = d, K = 1, family = family, weights = .(w)))),
         glm = eval(bquote(glm(formula, data = d, family = family, weights = .(w)))))
  }
  list(
    gaussian = pair(y ~ x + u, gaussian()),
    binomial = pair(yb ~ x + u, binomial()),
    counts = pair(cbind(successes, trials - successes) ~ x + u, binomial()),
    proportions = pair(proportion ~ x + u, binomial(), weights = "trials"),
    poisson = pair(count ~ x + u, poisson()),
    Gamma = pair(amount ~ x + u, Gamma(link = "log"))
  )
}

test_that("at K = 1, deviance residuals are glm's for every family, with case weights", {
  for (name in names(pairs <- k1_pairs(families_data()))) {
    fits <- pairs[[name]]
    expect_equal(unname(residuals(fits$moem, type = "deviance")),
                 unname(residuals(fits$glm, type = "deviance")), tolerance = 1e-6,
                 label = name)
    expect_equal(sum(residuals(fits$moem, type = "deviance")^2), deviance(fits$glm),
                 tolerance = 1e-6, label = name)
  }
})

test_that("at K = 1, pearson residuals are glm's over the square root of the ML dispersion", {
  pairs <- k1_pairs(families_data())
  for (name in c("binomial", "counts", "proportions", "poisson")) {
    expect_equal(unname(residuals(pairs[[name]]$moem, type = "pearson")),
                 unname(residuals(pairs[[name]]$glm, type = "pearson")), tolerance = 1e-6,
                 label = name)
  }
  gaussian <- pairs$gaussian$glm
  sigma2 <- sum(weights(gaussian) * residuals(gaussian, type = "response")^2) /
    sum(weights(gaussian))
  expect_equal(unname(residuals(pairs$gaussian$moem, type = "pearson")),
               unname(residuals(gaussian, type = "pearson")) / sqrt(sigma2), tolerance = 1e-6)
  shape <- pairs$Gamma$moem$shape
  expect_equal(unname(residuals(pairs$Gamma$moem, type = "pearson")),
               unname(residuals(pairs$Gamma$glm, type = "pearson")) * sqrt(shape),
               tolerance = 1e-6)
  # glm's pearson residuals: sqrt(prior weight) (y - mu) / sqrt(V(mu))
  expect_equal(unname(residuals(pairs$gaussian$moem, type = "response")),
               unname(residuals(gaussian, type = "response")), tolerance = 1e-6)
})

test_that("at K = 1, quantile residuals are statmod's (same draws) and gaussian z-scores", {
  skip_if_not_installed("statmod")
  d <- families_data()
  d$w <- NULL  # statmod reads glm's prior weights as trials or precisions, not frequencies
  fits <- function(formula, family) {
    list(moem = moem(formula, data = d, K = 1, family = family),
         glm = glm(formula, data = d, family = family))
  }
  poisson <- fits(count ~ x + u, poisson())
  set.seed(11)
  reference <- statmod::qres.pois(poisson$glm)
  set.seed(11)
  expect_equal(unname(residuals(poisson$moem, type = "quantile")), unname(reference),
               tolerance = 1e-6)
  for (formula in list(yb ~ x + u, cbind(successes, trials - successes) ~ x + u)) {
    binomial <- fits(formula, binomial())
    set.seed(12)
    reference <- statmod::qres.binom(binomial$glm)
    set.seed(12)
    expect_equal(unname(residuals(binomial$moem, type = "quantile")), unname(reference),
                 tolerance = 1e-6)
  }
  gamma <- fits(amount ~ x + u, Gamma(link = "log"))
  expect_equal(unname(residuals(gamma$moem, type = "quantile")),
               unname(statmod::qres.gamma(gamma$glm, dispersion = 1 / gamma$moem$shape)),
               tolerance = 1e-6)
  gaussian <- glm(y ~ x + u, data = d)
  sigma <- sqrt(mean(residuals(gaussian)^2))
  expect_equal(unname(residuals(moem(y ~ x + u, data = d, K = 1), type = "quantile")),
               unname(residuals(gaussian)) / sigma, tolerance = 1e-6)
})

# A gaussian two-expert fit with case weights, and its gate, experts' means and posterior.
weighted_k2 <- function() {
  d <- moe_data(n = 300, K = 2, seed = 31)
  set.seed(32)
  d$w <- sample(1:3, nrow(d), replace = TRUE)
  fit <- moem(y ~ x1 + x2, gating = ~ x1, data = d, weights = w,
              init = informed_posterior(attr(d, "truth")$component, 2, seed = 33))
  list(fit = fit, data = d, gate = predict(fit, d, type = "gating"),
       mu = predict(fit, d, type = "experts"), post = posterior(fit))
}

test_that("response and pearson residuals at K = 2: the mixture's mean and variance", {
  k2 <- weighted_k2()
  m <- rowSums(k2$gate * k2$mu)
  expect_equal(unname(residuals(k2$fit)), unname(k2$data$y - m), tolerance = 1e-10)
  expect_identical(residuals(k2$fit, type = "response"), residuals(k2$fit))
  s2 <- rep(k2$fit$sigma^2, each = nrow(k2$data))
  v <- rowSums(k2$gate * (s2 + k2$mu^2)) - m^2
  expect_equal(unname(residuals(k2$fit, type = "pearson")),
               unname(sqrt(k2$data$w) * (k2$data$y - m) / sqrt(v)), tolerance = 1e-10)
})

test_that("deviance residuals at K = 2 square to the posterior-weighted deviance", {
  k2 <- weighted_k2()
  d <- k2$data
  share <- d$w * rowSums(k2$post * (d$y - k2$mu)^2)
  r <- residuals(k2$fit, type = "deviance")
  expect_equal(unname(r^2), share, tolerance = 1e-10)
  expect_equal(unname(sign(r)), unname(sign(residuals(k2$fit))))
  # poisson experts: D(y, mu) = 2 (y log(y / mu) - (y - mu))
  counts <- moe_data(n = 400, K = 2, family = "poisson", seed = 34)
  fit <- moem(y ~ x1 + x2, gating = ~ x1, data = counts, family = poisson(),
              init = informed_posterior(attr(counts, "truth")$component, 2, seed = 35))
  mu <- predict(fit, counts, type = "experts")
  y <- counts$y
  unit <- 2 * (y * log(ifelse(y > 0, y, 1) / mu) - (y - mu))  # y log y = 0 at y = 0
  expect_equal(sum(residuals(fit, type = "deviance")^2), sum(posterior(fit) * unit),
               tolerance = 1e-10)
})

test_that("quantile residuals at K = 2 are qnorm of the mixture's cdf", {
  k2 <- weighted_k2()
  cdf <- rowSums(k2$gate * cbind(pnorm(k2$data$y, k2$mu[, 1], k2$fit$sigma[1]),
                                 pnorm(k2$data$y, k2$mu[, 2], k2$fit$sigma[2])))
  expect_equal(unname(residuals(k2$fit, type = "quantile")), unname(qnorm(cdf)),
               tolerance = 1e-10)
  # counts: a draw between the cdf at y - 1 and at y, the same again after set.seed()
  counts <- moe_data(n = 300, K = 2, family = "poisson", seed = 36)
  fit <- moem(y ~ x1 + x2, gating = ~ x1, data = counts, family = poisson(),
              init = informed_posterior(attr(counts, "truth")$component, 2, seed = 37))
  gate <- predict(fit, counts, type = "gating")
  mu <- predict(fit, counts, type = "experts")
  F <- function(q) rowSums(gate * ppois(q, mu))
  set.seed(38)
  r <- residuals(fit, type = "quantile")
  u <- pnorm(r)
  expect_true(all(u >= F(counts$y - 1) - 1e-12 & u <= F(counts$y) + 1e-12))
  set.seed(38)
  expect_identical(residuals(fit, type = "quantile"), r)
})

test_that("na.exclude pads every type of residual with NA, as naresid() does", {
  d <- moe_data(n = 200, K = 2, family = "poisson", seed = 41)
  d$x1[c(3, 50)] <- NA
  start <- informed_posterior(attr(d, "truth")$component[-c(3, 50)], 2, seed = 42)
  excluded <- moem(y ~ x1 + x2, data = d, na.action = na.exclude, family = poisson(),
                   init = start)
  omitted <- moem(y ~ x1 + x2, data = d, na.action = na.omit, family = poisson(), init = start)
  for (type in c("response", "pearson", "deviance", "quantile")) {
    set.seed(43)
    padded <- residuals(excluded, type = type)
    set.seed(43)
    kept <- residuals(omitted, type = type)
    expect_length(padded, nrow(d))
    expect_identical(unname(which(is.na(padded))), c(3L, 50L), label = type)
    expect_equal(padded[-c(3, 50)], kept, label = type)
  }
})

test_that("residuals() errors: a bad type, multinomial experts, unused arguments", {
  fit <- moem(y ~ x1, data = moe_data(n = 100, K = 2, seed = 44), K = 2)
  expect_snapshot(residuals(fit, type = "working"), error = TRUE)
  expect_snapshot(residuals(fit, type = c("pearson", "deviance")), error = TRUE)
  expect_snapshot(residuals(fit, "quantile", 1), error = TRUE)
  set.seed(45)
  d <- data.frame(x = rnorm(200))
  d$y <- factor(ifelse(d$x > 0, sample(c("a", "b"), 200, replace = TRUE),
                       sample(c("b", "c"), 200, replace = TRUE)))
  multi <- moem(y ~ x, data = d, K = 1, family = multinomial())
  expect_identical(dim(residuals(multi)), c(200L, 3L))
  expect_snapshot(residuals(multi, type = "deviance"), error = TRUE)
})

# Two experts far apart, drawn by rmoe() with a gate on x1: gaussian, poisson, binomial (of
# 10 trials) or Gamma.
two_expert_data <- function(family, n, seed) {
  set.seed(seed)
  experts <- switch(family,
    gaussian = cbind(c(1, 1), c(-1, -1.5)),
    poisson = cbind(c(1.5, 0.5), c(0, -0.5)),
    binomial = cbind(c(1, 1.5), c(-1, -1.5)),
    Gamma = cbind(c(1, 1), c(-1, -1.5))
  )
  dispersion <- switch(family, gaussian = list(sigma = 0.5), binomial = list(size = 10),
                       Gamma = list(shape = 4), list())
  d <- do.call(rmoe, c(list(n, experts = experts, gating = cbind(0, c(0, 2.5)),
                            family = family, intercept = TRUE), dispersion))
  d[, c("y", "x1")]
}

test_that("quantile residuals are standard normal under the model, not under K = 1", {
  skip_on_cran()
  # n = 2000: a Kolmogorov-Smirnov test then rejects the one-expert fits with p-values below
  # 1e-9; the parameters are estimated, which makes the test conservative under the model
  for (family in c("gaussian", "poisson", "binomial", "Gamma")) {
    d <- two_expert_data(family, 2000, seed = 51)
    formula <- if (family == "binomial") cbind(10 * y, 10 * (1 - y)) ~ x1 else y ~ x1
    set.seed(52)
    right <- moem(formula, data = d, K = 2, family = family, nstart = 3)
    wrong <- moem(formula, data = d, K = 1, family = family)
    set.seed(53)
    expect_gt(ks.test(residuals(right, type = "quantile"), "pnorm")$p.value, 0.001,
              label = family)
    expect_lt(ks.test(residuals(wrong, type = "quantile"), "pnorm")$p.value, 1e-5,
              label = family)
  }
})
