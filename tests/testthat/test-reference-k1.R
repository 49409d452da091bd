# With K = 1 a mixture of experts is a single GLM: moem must reproduce lm() (with the maximum
# likelihood sigma, sqrt(RSS / n)) and glm(), whatever the formula.

expect_matches_lm <- function(fit, ref, tolerance = 1e-8) {
  n <- nobs(ref)
  expect_equal(coef(fit, "experts")[, 1], coef(ref), tolerance = tolerance)
  expect_identical(is.na(coef(fit, "experts")[, 1]), is.na(coef(ref)))
  expect_equal(unname(coef(fit, "sigma")), sqrt(sum(residuals(ref)^2) / n),
               tolerance = tolerance)
  expect_equal(as.numeric(logLik(fit)), as.numeric(logLik(ref)), tolerance = tolerance)
  expect_equal(attr(logLik(fit), "df"), attr(logLik(ref), "df"))
  expect_equal(nobs(fit), nobs(ref))
  expect_equal(fitted(fit), fitted(ref), tolerance = tolerance)
  expect_equal(residuals(fit), residuals(ref), tolerance = tolerance)
}

gaussian_formulas <- list(
  main = y ~ x + u,
  factor = y ~ x + f,
  interaction = y ~ x * f + x:u,
  poly = y ~ poly(x, 2) + f,
  no_intercept = y ~ 0 + f + x,
  transformed = y ~ log(u + 2) + I(x^2)
)

for (nm in names(gaussian_formulas)) {
  test_that(paste("K = 1 gaussian reproduces lm():", nm), {
    d <- k1_data()
    form <- gaussian_formulas[[nm]]
    fit <- moem(form, data = d, K = 1)
    ref <- lm(form, data = d)
    expect_matches_lm(fit, ref)
    expect_true(fit$converged)
  })
}

test_that("K = 1 gaussian: an aliased column is NA where lm() gives NA", {
  d <- k1_data()
  d$x2 <- 2 * d$x - d$u
  fit <- moem(y ~ x + f + u + x2, data = d, K = 1)
  ref <- lm(y ~ x + f + u + x2, data = d)
  expect_true(is.na(coef(ref)[["x2"]]))
  expect_matches_lm(fit, ref)
  expect_true(is.na(coef(fit)[["expert1:x2"]]))
  expect_identical(unname(fit$aliased$experts), unname(is.na(coef(ref))))
  # the aliased column does not count as a parameter
  expect_equal(fit$df, ref$rank + 1)
})

test_that("K = 1 gaussian: an aliased factor level (a level fully determined) gives NA", {
  d <- k1_data()
  d$g <- factor(ifelse(d$f == "a", "A", "B"))
  fit <- moem(y ~ f + g + x, data = d, K = 1)
  ref <- lm(y ~ f + g + x, data = d)
  expect_true(anyNA(coef(ref)))
  expect_matches_lm(fit, ref)
})

test_that("K = 1 gaussian: predictions on new data equal predict.lm, poly() included", {
  d <- k1_data()
  new <- data.frame(x = c(-2, 0, 0.5, 3), u = c(0.1, -0.9, 0.5, 0),
                    f = factor(c("c", "a", "b", "a"), levels = c("a", "b", "c")))
  for (form in list(y ~ poly(x, 3) + f, y ~ x * f + u, y ~ splines::ns(x, df = 3) + u)) {
    fit <- moem(form, data = d, K = 1)
    ref <- lm(form, data = d)
    expect_equal(predict(fit, new), predict(ref, new), tolerance = 1e-8)
    expect_equal(unname(predict(fit, new, type = "experts")[, 1]), unname(predict(ref, new)),
                 tolerance = 1e-8)
  }
})

test_that("K = 1 gaussian: integer case weights equal replicated rows", {
  d <- k1_data()
  rep_d <- d[rep(seq_len(nrow(d)), d$w), ]
  fit_w <- moem(y ~ x * f, data = d, K = 1, weights = w)
  fit_rep <- moem(y ~ x * f, data = rep_d, K = 1)
  ref_rep <- lm(y ~ x * f, data = rep_d)
  expect_equal(coef(fit_w), coef(fit_rep), tolerance = 1e-10)
  expect_equal(as.numeric(logLik(fit_w)), as.numeric(logLik(fit_rep)), tolerance = 1e-10)
  expect_matches_lm(fit_rep, ref_rep)
  # and the weighted lm() gives the same coefficients
  expect_equal(coef(fit_w, "experts")[, 1], coef(lm(y ~ x * f, data = d, weights = w)),
               tolerance = 1e-8)
  # weights count observations: nobs() (and BIC) as for the repeated rows
  expect_identical(nobs(fit_w), nrow(rep_d))
  expect_equal(BIC(fit_w), BIC(fit_rep), tolerance = 1e-10)
})

test_that("K = 1 gaussian: subset works as in lm()", {
  d <- k1_data()
  fit <- moem(y ~ x + f, data = d, K = 1, subset = u > -0.5 & f != "c")
  ref <- lm(y ~ x + f, data = d, subset = u > -0.5 & f != "c")
  expect_matches_lm(fit, ref)
  # the unused level "c" is dropped, as in lm()
  expect_identical(names(coef(fit, "experts")[, 1]), c("(Intercept)", "x", "fb"))
})

test_that("K = 1 gaussian: na.exclude pads fitted, residuals and predict with NA like lm()", {
  d <- k1_data()
  d$x[c(3, 10)] <- NA
  d$f[20] <- NA
  d$y[31] <- NA
  fit <- moem(y ~ x + f, data = d, K = 1, na.action = na.exclude)
  ref <- lm(y ~ x + f, data = d, na.action = na.exclude)
  expect_length(fitted(fit), nrow(d))
  expect_equal(fitted(fit), fitted(ref), tolerance = 1e-8)
  expect_equal(residuals(fit), residuals(ref), tolerance = 1e-8)
  expect_equal(predict(fit), predict(ref), tolerance = 1e-8)
  expect_identical(unname(which(is.na(predict(fit)))), c(3L, 10L, 20L, 31L))
  post <- posterior(fit)
  expect_identical(nrow(post), nrow(d))
  expect_identical(which(is.na(post[, 1])), c(3L, 10L, 20L, 31L))
  expect_identical(nobs(fit), nrow(d) - 4L)
  expect_equal(as.numeric(logLik(fit)), as.numeric(logLik(ref)), tolerance = 1e-8)
  # na.omit drops the rows instead
  fit_omit <- moem(y ~ x + f, data = d, K = 1, na.action = na.omit)
  expect_length(fitted(fit_omit), nrow(d) - 4L)
})

test_that("K = 1 gaussian: vcov equals the maximum likelihood covariance", {
  d <- k1_data()
  fit <- moem(y ~ x + f, data = d, K = 1)
  ref <- lm(y ~ x + f, data = d)
  n <- nrow(d)
  p <- length(coef(ref))
  v <- vcov(fit)
  # beta: sigma_mle^2 (X'X)^-1 = vcov(lm) (n - p) / n; sigma: sigma^2 / (2 n); no covariance
  expect_equal(unname(v[1:p, 1:p]), unname(vcov(ref)) * (n - p) / n, tolerance = 1e-6)
  sigma <- sqrt(sum(residuals(ref)^2) / n)
  expect_equal(v[["sigma1", "sigma1"]], sigma^2 / (2 * n), tolerance = 1e-6)
  expect_lt(max(abs(v["sigma1", 1:p])), 1e-8 * sigma^2)
})

# glm() iterated far beyond its default tolerance, so that the reference is exact.
tight_glm <- function(form, data, ...) {
  glm(form, data = data, family = binomial(),
      control = glm.control(epsilon = 1e-14, maxit = 100), ...)
}

expect_matches_glm <- function(fit, ref, tolerance = 1e-8) {
  expect_equal(coef(fit, "experts")[, 1], coef(ref), tolerance = tolerance)
  expect_equal(as.numeric(logLik(fit)), as.numeric(logLik(ref)), tolerance = tolerance)
  expect_equal(attr(logLik(fit), "df"), attr(logLik(ref), "df"))
  expect_equal(unname(fitted(fit)), unname(fitted(ref)), tolerance = tolerance)
  expect_null(fit$sigma)
}

binomial_formulas <- list(
  main = yb ~ x + u,
  factor = yb ~ x + f,
  interaction = yb ~ x * u + f,
  poly = yb ~ poly(x, 2) + u,
  no_intercept = yb ~ 0 + f + x
)

for (nm in names(binomial_formulas)) {
  test_that(paste("K = 1 binomial reproduces glm():", nm), {
    d <- k1_data(n = 150)
    form <- binomial_formulas[[nm]]
    fit <- moem(form, data = d, K = 1, family = binomial)
    ref <- tight_glm(form, d)
    expect_matches_glm(fit, ref)
  })
}

test_that("K = 1 binomial reproduces glm() when the Newton M-step runs to full precision", {
  # The same comparison as above with an inner tolerance below rounding, so that Newton's
  # method stops only when it can no longer ascend: separates the algorithm from the precision
  # at which the default settings stop the M-step's Newton iterations.
  d <- k1_data(n = 150)
  for (form in binomial_formulas) {
    fit <- moem(form, data = d, K = 1, family = binomial,
                control = moem_control(inner_tol = 1e-16))
    expect_matches_glm(fit, tight_glm(form, d), tolerance = 1e-10)
  }
})

test_that("K = 1 binomial: 0/1, logical and two-level factor responses give the same fit", {
  d <- k1_data(n = 150)
  d$yl <- d$yb == 1
  d$yf <- factor(ifelse(d$yb == 1, "yes", "no"))
  ctl <- moem_control(inner_tol = 1e-16)
  fit01 <- moem(yb ~ x + f, data = d, K = 1, family = binomial, control = ctl)
  fitl <- moem(yl ~ x + f, data = d, K = 1, family = "binomial", control = ctl)
  fitf <- moem(yf ~ x + f, data = d, K = 1, family = binomial(), control = ctl)
  ref <- tight_glm(yf ~ x + f, d)
  expect_matches_glm(fitf, ref)
  expect_equal(coef(fitl), coef(fit01), tolerance = 1e-12)
  expect_equal(coef(fitf), coef(fit01), tolerance = 1e-12)
  expect_identical(unname(fitf$y), as.numeric(d$yb))
  # the second level is the event, as in glm(): reversing the levels flips the signs
  d$yr <- factor(d$yf, levels = c("yes", "no"))
  fitr <- moem(yr ~ x + f, data = d, K = 1, family = binomial, control = ctl)
  expect_equal(coef(fitr), -coef(fit01), tolerance = 1e-8)
})

test_that("K = 1 binomial: aliased columns, weights and subset as in glm()", {
  d <- k1_data(n = 150)
  d$x2 <- d$x + d$u
  ctl <- moem_control(inner_tol = 1e-16)
  fit <- moem(yb ~ x + u + x2 + f, data = d, K = 1, family = binomial, control = ctl)
  # glm() with its default control also finds x2 aliased (with epsilon = 1e-14 its QR
  # tolerance, epsilon / 1000, is too small to see it) ...
  expect_true(is.na(coef(glm(yb ~ x + u + x2 + f, data = d, family = binomial))[["x2"]]))
  expect_identical(unname(is.na(coef(fit, "experts")[, 1])), c(FALSE, FALSE, FALSE, TRUE,
                                                               FALSE, FALSE))
  # ... and the other coefficients are those of the model without it
  ref <- tight_glm(yb ~ x + u + f, d)
  expect_equal(coef(fit, "experts")[-4, 1], coef(ref), tolerance = 1e-8)
  expect_equal(as.numeric(logLik(fit)), as.numeric(logLik(ref)), tolerance = 1e-10)
  expect_equal(fit$df, length(coef(ref)))

  rep_d <- d[rep(seq_len(nrow(d)), d$w), ]
  fit_w <- moem(yb ~ x + f, data = d, K = 1, family = binomial, weights = w, control = ctl)
  ref_rep <- tight_glm(yb ~ x + f, rep_d)
  expect_equal(as.numeric(logLik(fit_w)), as.numeric(logLik(ref_rep)), tolerance = 1e-10)
  expect_equal(coef(fit_w, "experts")[, 1], coef(ref_rep), tolerance = 1e-8)

  fit_s <- moem(yb ~ x + u, data = d, K = 1, family = binomial, subset = f != "a",
                control = ctl)
  ref_s <- glm(yb ~ x + u, data = d, family = binomial, subset = f != "a",
               control = glm.control(epsilon = 1e-14, maxit = 100))
  expect_equal(coef(fit_s, "experts")[, 1], coef(ref_s), tolerance = 1e-8)
  expect_equal(as.numeric(logLik(fit_s)), as.numeric(logLik(ref_s)), tolerance = 1e-10)
  expect_equal(nobs(fit_s), nobs(ref_s))
})

test_that("K = 1 binomial: vcov equals glm's (canonical link: observed = expected information)", {
  d <- k1_data(n = 150)
  fit <- moem(yb ~ x + f, data = d, K = 1, family = binomial,
              control = moem_control(inner_tol = 1e-16))
  ref <- tight_glm(yb ~ x + f, d)
  expect_equal(unname(vcov(fit)), unname(vcov(ref)), tolerance = 1e-6)
})
