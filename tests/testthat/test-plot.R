# plot(): every panel drawn into a png device, with what it drew checked against the fit.

# Evaluates `expr` with a png file as the device, checks that the file was written, and
# returns withVisible(expr).
on_png <- function(expr) {
  file <- tempfile(fileext = ".png")
  grDevices::png(file, width = 700, height = 500)
  out <- tryCatch(withVisible(expr), finally = grDevices::dev.off())
  expect_gt(file.size(file), 0)
  unlink(file)
  out
}

# A two-expert gaussian fit of y on x1 alone, with a gate on x1.
one_covariate_fit <- function() {
  d <- moe_data(n = 300, K = 2, seed = 61)
  d$x2 <- NULL
  list(fit = moem(y ~ x1, data = d, init = informed_posterior(attr(d, "truth")$component, 2,
                                                              seed = 62)),
       data = d)
}

test_that("plot() draws the default panels and returns what they show, invisibly", {
  of <- one_covariate_fit()
  fit <- of$fit
  out <- on_png(plot(fit))
  expect_false(out$visible)
  drawn <- out$value
  expect_named(drawn, c("data", "gate", "separation", "qq", "loglik"))
  post <- posterior(fit)
  expect_equal(drawn$data$covariate, of$data$x1)
  expect_equal(drawn$data$response, of$data$y)
  expect_equal(drawn$data$expert, unname(max.col(post)))
  expect_equal(attr(drawn$data, "means"), unname(predict(fit, type = "experts")))
  # y ~ x1: the lines are the experts' exact means, x1 in increasing order
  expect_true(attr(drawn$data, "exact"))
  curves <- attr(drawn$data, "curves")
  expect_equal(curves$x, sort(of$data$x1))
  expect_equal(curves$means, unname(predict(fit, type = "experts"))[order(of$data$x1), ])
  expect_equal(unclass(drawn$gate$gate), unname(predict(fit, type = "gating")),
               ignore_attr = TRUE)
  expect_true(attr(drawn$gate, "exact"))
  expect_equal(drawn$separation, unname(apply(post, 1, max)))
  expect_equal(drawn$qq, unname(residuals(fit, type = "quantile")))
  expect_equal(drawn$loglik, fit$trace[c("iter", "loglik")])
  gap <- on_png(plot(fit, which = "gap"))$value$gap
  expect_equal(max(gap), max(fit$trace$loglik) - min(fit$trace$loglik))
})

test_that("with several covariates the lines are averages over bins of the covariate", {
  d <- moe_data(n = 300, K = 2, seed = 63)
  fit <- moem(y ~ x1 + x2, gating = ~ x1 + x2, data = d,
              init = informed_posterior(attr(d, "truth")$component, 2, seed = 64))
  drawn <- on_png(plot(fit, which = c("data", "gate"), covariate = "x2"))$value
  expect_false(attr(drawn$data, "exact"))
  expect_false(attr(drawn$gate, "exact"))
  expect_equal(drawn$data$covariate, d$x2)
  # 20 bins of 15 observations, in the order of x2
  o <- order(d$x2)
  bin <- rep(1:20, each = 15)
  mu <- predict(fit, type = "experts")[o, ]
  curves <- attr(drawn$data, "curves")
  expect_equal(curves$x, unname(tapply(d$x2[o], bin, mean)), ignore_attr = TRUE)
  expect_equal(curves$means, cbind(tapply(mu[, 1], bin, mean), tapply(mu[, 2], bin, mean)),
               ignore_attr = TRUE)
  # a covariate of few values: one bin per value
  d$dose <- rep(c(1, 2, 4), length.out = nrow(d))
  fit <- moem(y ~ x1 + dose, gating = ~ x1, data = d,
              init = informed_posterior(attr(d, "truth")$component, 2, seed = 64))
  curves <- attr(on_png(plot(fit, which = "data", covariate = "dose"))$value$data, "curves")
  expect_equal(curves$x, c(1, 2, 4))
})

test_that("the default covariates: the experts' first for the data, the gate's for the gate", {
  d <- moe_data(n = 200, K = 2, seed = 65)
  fit <- moem(y ~ x1 + x2, gating = ~ x2, data = d,
              init = informed_posterior(attr(d, "truth")$component, 2, seed = 66))
  drawn <- on_png(plot(fit, which = c("data", "gate")))$value
  expect_equal(drawn$data$covariate, d$x1)
  expect_equal(drawn$gate$covariate, d$x2)
  expect_true(attr(drawn$gate, "exact"))
})

test_that("counts with an offset and shared coefficients; binomial proportions", {
  set.seed(67)
  n <- 400
  d <- data.frame(age = rnorm(n), urban = rbinom(n, 1, 0.5), exposure = runif(n, 0.5, 2))
  risky <- runif(n) < plogis(-0.5 + 1.5 * d$age)
  d$count <- rpois(n, d$exposure * exp(ifelse(risky, 1, -0.5) + 0.3 * d$urban))
  fit <- moem(count ~ 1, gating = ~ age, fixed = ~ urban, offset = log(exposure), data = d,
              family = poisson(), init = cbind(risky, !risky) + 0)
  set.seed(68)
  drawn <- on_png(plot(fit))$value
  # the experts' formula has no covariate: the gate's is the data's
  expect_equal(drawn$data$covariate, d$age)
  expect_false(attr(drawn$data, "exact"))
  set.seed(68)
  expect_equal(drawn$qq, unname(residuals(fit, type = "quantile")))
  b <- binomial_moe_data(300, seed = 69)
  b$trials <- 5
  b$y <- rbinom(300, 5, 0.2 + 0.6 * b$y) / 5
  fb <- moem(y ~ x1, gating = ~ x2, data = b, weights = trials, family = binomial())
  drawn <- on_png(plot(fb, which = c("data", "qq")))$value
  expect_equal(drawn$data$response, b$y)
})

test_that("panels that do not apply: left out by default, an error when asked for", {
  d <- moe_data(n = 100, K = 2, seed = 70)
  one <- moem(y ~ x1, data = d, K = 1)
  expect_named(on_png(plot(one))$value, c("data", "qq", "loglik"))
  expect_snapshot(plot(one, which = "gate"), error = TRUE)
  expect_snapshot(plot(one, which = c("loglik", "separation")), error = TRUE)
  set.seed(71)
  m <- data.frame(x = rnorm(200))
  m$y <- factor(ifelse(m$x > 0, sample(c("a", "b"), 200, TRUE), sample(c("b", "c"), 200, TRUE)))
  multi <- moem(y ~ x, data = m, K = 1, family = multinomial())
  expect_named(on_png(plot(multi))$value, "loglik")
  expect_snapshot(plot(multi, which = "qq"), error = TRUE)
  intercept_only <- moem(y ~ 1, gating = ~ 1, data = d, K = 1)
  expect_snapshot(plot(intercept_only, which = "data"), error = TRUE)
  # a fit whose log-likelihood never changed has no gap to plot
  expect_snapshot(plot(one, which = "gap"), error = TRUE)
})

test_that("plot() errors name the argument", {
  fit <- one_covariate_fit()$fit
  expect_snapshot(plot(fit, which = "foo"), error = TRUE)
  expect_snapshot(plot(fit, which = 2), error = TRUE)
  expect_snapshot(plot(fit, covariate = "x9"), error = TRUE)
  expect_snapshot(plot(fit, covariate = c("x1", "x1")), error = TRUE)
  expect_snapshot(plot(fit, ask = NA), error = TRUE)
})

test_that("graphical parameters reach the panels; par and devAskNewPage are restored", {
  fit <- one_covariate_fit()$fit
  file <- tempfile(fileext = ".png")
  grDevices::png(file)
  on.exit({
    grDevices::dev.off()
    unlink(file)
  })
  graphics::par(mfrow = c(2, 3), mar = c(3, 3, 1, 1))
  before <- graphics::par(c("mfrow", "mar", "xpd"))
  expect_no_error(plot(fit, main = "My fit", cex = 0.5, cex.main = 0.8))
  expect_no_error(plot(fit, which = c("loglik", "gap"), ask = TRUE, xlab = "step"))
  expect_identical(graphics::par(c("mfrow", "mar", "xpd")), before)
  expect_false(grDevices::devAskNewPage())
})
