# glm's generics on a moem fit: deviance(), df.residual(), model.matrix(), model.frame(),
# formula(), weights(), update() and confint(), equal to glm's at K = 1.

generics_data <- function(n = 120, seed = 501) {
  d <- k1_data(n = n, seed = seed)
  d$count <- rpois(n, exp(0.3 + 0.5 * d$x - 0.4 * d$u))
  d$exposure <- runif(n, 1, 3)
  d$trials <- sample(2:6, n, replace = TRUE)
  d$successes <- rbinom(n, d$trials, plogis(0.2 + 0.7 * d$x))
  d$proportion <- d$successes / d$trials
  d$positive <- rgamma(n, shape = 3, rate = 3 / exp(0.5 + 0.4 * d$x))
  d
}

tight <- moem_control(tol = 1e-14, maxit = 5000, inner_tol = 1e-14)
tight_glm <- glm.control(epsilon = 1e-14, maxit = 100)

k1_glms <- list(
  gaussian = list(formula = y ~ x + f, family = gaussian(), weights = NULL),
  gaussian_weighted = list(formula = y ~ x + u, family = gaussian(), weights = "w"),
  binomial = list(formula = yb ~ x + f, family = binomial(), weights = "w"),
  binomial_trials = list(formula = cbind(successes, trials - successes) ~ x + u,
                         family = binomial(), weights = NULL),
  binomial_proportions = list(formula = proportion ~ x + u, family = binomial(),
                              weights = "trials"),
  poisson_offset = list(formula = count ~ x + f + offset(log(exposure)), family = poisson(),
                        weights = NULL),
  Gamma = list(formula = positive ~ x + u, family = Gamma(link = "log"), weights = NULL)
)

for (nm in names(k1_glms)) {
  test_that(paste("K = 1: deviance, model.matrix and weights are glm's:", nm), {
    case <- k1_glms[[nm]]
    d <- generics_data()
    d$case_weight <- if (is.null(case$weights)) 1 else d[[case$weights]]
    fit <- moem(case$formula, data = d, K = 1, family = case$family, weights = case_weight,
                control = tight)
    ref <- glm(case$formula, data = d, family = case$family, weights = case_weight,
               control = tight_glm)
    expect_equal(deviance(fit), deviance(ref), tolerance = 1e-8)
    expect_equal(model.matrix(fit), model.matrix(ref))
    expect_equal(weights(fit), weights(ref, type = "prior"))
    expect_equal(weights(fit, type = "prior"), weights(ref, type = "prior"))
    if (is.null(case$weights) || nm == "binomial_proportions") {
      # glm counts rows, moem counts case weights: they agree without case weights
      expect_identical(df.residual(fit), df.residual(ref))
    }
  })
}

test_that("K = 1: df.residual() counts case weights as observations, as glm on repeated rows", {
  d <- generics_data()
  fit <- moem(yb ~ x + f, data = d, K = 1, family = binomial(), weights = w)
  repeated <- d[rep(seq_len(nrow(d)), d$w), ]
  ref <- glm(yb ~ x + f, data = repeated, family = binomial())
  expect_equal(df.residual(fit), df.residual(ref))
  gaussian_fit <- moem(y ~ x + f, data = d, K = 1, weights = w)
  gaussian_ref <- glm(y ~ x + f, data = repeated)
  expect_equal(df.residual(gaussian_fit), df.residual(gaussian_ref))
  expect_equal(deviance(gaussian_fit), deviance(gaussian_ref), tolerance = 1e-8)
})

test_that("K = 1 multinomial experts: deviance() is nnet::multinom's", {
  skip_if_not_installed("nnet")
  d <- generics_data(n = 200)
  d$class <- factor(cut(d$y, c(-Inf, 0, 1.5, Inf), labels = c("low", "mid", "high")))
  fit <- moem(class ~ x + u, data = d, K = 1, family = multinomial(), control = tight)
  ref <- nnet::multinom(class ~ x + u, data = d, trace = FALSE, reltol = 1e-14, maxit = 1000)
  expect_equal(deviance(fit), deviance(ref), tolerance = 1e-6)
})

test_that("deviance() of a mixture is the posterior-weighted deviance of the experts", {
  d <- moe_data(n = 300, K = 2, seed = 511)
  set.seed(512)
  d$w <- sample(1:3, 300, replace = TRUE)
  fit <- moem(y ~ x1 + x2, data = d, weights = w, init = random_posterior(300, 2, 513))
  mu <- predict(fit, type = "experts")
  expect_equal(deviance(fit), sum(d$w * posterior(fit) * (d$y - mu)^2))
  counts <- moe_data(n = 300, K = 2, family = "poisson", seed = 514)
  poisson_fit <- moem(y ~ x1 + x2, data = counts, family = poisson(),
                      init = random_posterior(300, 2, 515))
  mu <- predict(poisson_fit, type = "experts")
  y <- matrix(counts$y, 300, 2)
  unit <- 2 * (ifelse(y > 0, y * log(y / mu), 0) - (y - mu))
  expect_equal(deviance(poisson_fit), sum(posterior(poisson_fit) * unit))
  # the free coefficients of the experts (2 x 3) and the gate (3), not the sigmas
  expect_identical(df.residual(fit), sum(d$w) - 9L)
  expect_snapshot(error = TRUE, {
    deviance(fit, 1)
    df.residual(fit, type = "x")
  })
})

test_that("model.matrix(part = ), model.frame() and formula(part = ) give the fit's pieces", {
  d <- moe_data(n = 200, K = 2, seed = 521)
  d$g <- factor(sample(c("a", "b", "c"), 200, replace = TRUE))
  fit <- moem(y ~ x1 + g, data = d, gating = ~ x2, fixed = ~ x1:x2,
              init = random_posterior(200, 2, 522))
  expect_equal(model.matrix(fit), model.matrix(glm(y ~ x1 + g + x1:x2, data = d)),
               ignore_attr = "assign")
  expect_equal(model.matrix(fit, part = "gating"), model.matrix(~ x2, d))
  expect_identical(model.frame(fit), fit$model)
  expect_identical(formula(fit), y ~ x1 + g)
  expect_identical(formula(fit, part = "gating"), ~ x2)
  expect_identical(formula(fit, part = "fixed"), ~ x1:x2)
  expect_snapshot(error = TRUE, {
    model.matrix(fit, part = "gate")
    model.matrix(fit, data = d)
    model.frame(fit, data = d)
    formula(moem(y ~ x1, data = d, K = 1), part = "fixed")
    weights(fit, type = "working")
  })
})

test_that("weights() pads the rows na.exclude dropped, as glm's", {
  d <- generics_data()
  d$x[c(2, 7)] <- NA
  fit <- moem(yb ~ x + u, data = d, K = 1, family = binomial(), weights = w,
              na.action = na.exclude)
  ref <- glm(yb ~ x + u, data = d, family = binomial(), weights = w, na.action = na.exclude)
  expect_equal(weights(fit), weights(ref, type = "prior"))
  expect_true(all(is.na(weights(fit)[c(2, 7)])))
})

test_that("update() refits with a changed formula, K, gate or shared covariates", {
  d <- moe_data(n = 200, K = 2, seed = 531)
  start <- random_posterior(200, 2, 532)
  fit <- moem(y ~ x1, data = d, init = start)
  expect_equal(coef(update(fit, . ~ . + x2)), coef(moem(y ~ x1 + x2, data = d, init = start)))
  # (init = NULL removes the two experts' start from the call)
  expect_equal(coef(update(fit, K = 1, init = NULL)), coef(moem(y ~ x1, data = d, K = 1)))
  gated <- update(fit, gating = ~ x2)
  expect_equal(coef(gated), coef(moem(y ~ x1, data = d, gating = ~ x2, init = start)))
  expect_identical(formula(gated, "gating"), ~ x2)
  # a gate formula with a dot updates the fit's own gate
  expect_identical(formula(update(gated, gating = ~ . + x1), "gating"), ~ x2 + x1)
  expect_identical(formula(update(fit, gating = ~ . + x2), "gating"), ~ x1 + x2)
  # NULL restores the default gate, the experts' covariates
  back <- update(gated, gating = NULL)
  expect_equal(coef(back), coef(fit))
  shared <- update(fit, fixed = ~ x2)
  expect_equal(coef(shared), coef(moem(y ~ x1, data = d, fixed = ~ x2, init = start)))
  expect_identical(formula(update(shared, fixed = ~ . + I(x1^2)), "fixed"), ~ x2 + I(x1^2))
  call <- update(fit, . ~ . + x2, K = 3, evaluate = FALSE)
  expect_true(is.call(call))
  expect_identical(call$K, 3)
  expect_identical(deparse(call$formula), "y ~ x1 + x2")
  expect_snapshot(error = TRUE, {
    update(fit, 3)
    update(fit, . ~ ., 3)
  })
})

test_that("confint() is estimate -/+ z se, and exp(log sigma -/+ z se / sigma) for sigma", {
  d <- moe_data(n = 300, K = 2, seed = 541)
  fit <- moem(y ~ x1 + x2, data = d, gating = ~ x1, init = random_posterior(300, 2, 542))
  cf <- coef(fit)
  se <- sqrt(diag(vcov(fit)))
  z <- qnorm(0.975)
  ci <- confint(fit)
  expect_identical(colnames(ci), c("2.5 %", "97.5 %"))
  expect_identical(rownames(ci), names(cf))
  coefs <- 1:8
  expect_equal(unname(ci[coefs, 1]), unname(cf[coefs] - z * se[coefs]))
  expect_equal(unname(ci[coefs, 2]), unname(cf[coefs] + z * se[coefs]))
  sigmas <- 9:10
  expect_equal(unname(ci[sigmas, 1]), unname(cf[sigmas] * exp(-z * se[sigmas] / cf[sigmas])))
  expect_equal(unname(ci[sigmas, 2]), unname(cf[sigmas] * exp(z * se[sigmas] / cf[sigmas])))
  expect_equal(confint(fit, c("sigma2", "gate2:x1"), level = 0.8),
               confint(fit, level = 0.8)[c("sigma2", "gate2:x1"), ])
  expect_equal(confint(fit, 7:8), ci[7:8, ])
  expect_identical(colnames(confint(fit, level = 0.9)), c("5 %", "95 %"))
  expect_snapshot(error = TRUE, {
    confint(fit, "x1")
    confint(fit, 11)
    confint(fit, level = 1.5)
    confint(fit, method = "profile")
  })
})

test_that("K = 1: confint() is glm's Wald interval (confint.default)", {
  d <- generics_data()
  fit <- moem(count ~ x + u, data = d, K = 1, family = poisson(), control = tight)
  ref <- glm(count ~ x + u, data = d, family = poisson(), control = tight_glm)
  ci <- confint(fit, level = 0.9)
  expect_equal(unname(ci), unname(confint.default(ref, level = 0.9)), tolerance = 1e-6)
})
