# tidy(), glance() and augment() (the generics package's generics, which broom attaches), and
# the ICL criterion, against glm's broom output, hand computations and flexmix.

test_that("tidy() has broom's columns of a glm, in glm's order, and glm's values at K = 1", {
  skip_if_not_installed("broom")
  d <- k1_data(n = 150)
  control <- moem_control(tol = 1e-14, inner_tol = 1e-14)
  fit <- moem(yb ~ x + u + f, data = d, K = 1, family = binomial(), control = control)
  ref <- glm(yb ~ x + u + f, data = d, family = binomial(),
             control = glm.control(epsilon = 1e-14, maxit = 100))
  ours <- broom::tidy(fit, conf.int = TRUE)
  theirs <- broom::tidy(ref, conf.int = TRUE)
  expect_identical(intersect(names(ours), names(theirs)), names(theirs))
  expect_identical(names(ours), c("part", "expert", names(theirs)))
  expect_identical(ours$term, theirs$term)
  expect_equal(ours$estimate, theirs$estimate, tolerance = 1e-6)
  expect_equal(ours$std.error, theirs$std.error, tolerance = 1e-6)
  expect_equal(ours$statistic, theirs$statistic, tolerance = 1e-6)
  expect_equal(ours$p.value, theirs$p.value, tolerance = 1e-6)
  # Wald intervals (broom's glm intervals are profile likelihood ones)
  expect_equal(ours$conf.low, unname(confint.default(ref)[, 1]), tolerance = 1e-6)
  expect_equal(ours$conf.high, unname(confint.default(ref)[, 2]), tolerance = 1e-6)
  expect_identical(names(broom::tidy(fit)), c("part", "expert", names(broom::tidy(ref))))
})

test_that("tidy() says where each coefficient belongs, with vcov()'s errors and confint()'s intervals", {
  skip_if_not_installed("generics")
  d <- moe_data(n = 300, K = 2, seed = 401)
  fit <- moem(y ~ x1 + x2, data = d, gating = ~ x1, init = random_posterior(300, 2, 402))
  out <- generics::tidy(fit, conf.int = TRUE, conf.level = 0.9)
  expect_s3_class(out, "data.frame")
  expect_identical(out$part, rep(c("experts", "gating", "sigma"), c(6, 2, 2)))
  expect_identical(out$expert, c(1L, 1L, 1L, 2L, 2L, 2L, 2L, 2L, 1L, 2L))
  expect_identical(out$term, c(rep(c("(Intercept)", "x1", "x2"), 2), "(Intercept)", "x1",
                               "sigma", "sigma"))
  expect_equal(out$estimate, unname(coef(fit)))
  expect_equal(out$std.error, unname(sqrt(diag(vcov(fit)))))
  expect_equal(out$statistic[1:8], unname(coef(fit) / sqrt(diag(vcov(fit))))[1:8])
  expect_equal(out$p.value[1:8], 2 * pnorm(-abs(out$statistic[1:8])))
  expect_true(all(is.na(out$statistic[9:10])) && all(is.na(out$p.value[9:10])))
  limits <- confint(fit, level = 0.9)
  expect_equal(out$conf.low, unname(limits[, 1]))
  expect_equal(out$conf.high, unname(limits[, 2]))
  # shared coefficients, one sigma for all
  fixed_fit <- moem(y ~ x1, data = d, fixed = ~ x2, sigma = "equal",
                    init = random_posterior(300, 2, 403))
  out <- generics::tidy(fixed_fit)
  expect_identical(out$part, c(rep("experts", 4), "fixed", "gating", "gating", "sigma"))
  expect_identical(out$expert, c(1L, 1L, 2L, 2L, NA, 2L, 2L, NA))
  expect_identical(out$term[5], "x2")
  expect_snapshot(error = TRUE, {
    generics::tidy(fit, conf.int = "yes")
    generics::tidy(fit, conf.int = TRUE, conf.level = 95)
    generics::tidy(fit, exponentiate = TRUE)
  })
})

test_that("tidy() of multinomial experts has broom's y.level, and of Gamma experts a shape", {
  skip_if_not_installed("generics")
  d <- binomial_moe_data(300, seed = 404)
  set.seed(405)
  d$class <- factor(ifelse(d$y == 1, sample(c("b", "c"), 300, TRUE), "a"))
  fit <- moem(class ~ x1, data = d, gating = ~ x2, family = multinomial(),
              init = random_posterior(300, 2, 406))
  out <- generics::tidy(fit)
  expect_identical(names(out)[1:4], c("part", "expert", "y.level", "term"))
  expect_identical(out$y.level, c(rep(c("b", "b", "c", "c"), 2), NA, NA))
  expect_identical(out$term, c(rep(c("(Intercept)", "x1"), 4), "(Intercept)", "x2"))
  expect_equal(out$estimate, unname(coef(fit)))
  g <- moe_data(n = 300, K = 2, family = "Gamma", seed = 407)
  gamma_fit <- moem(y ~ x1, data = g, family = Gamma(link = "log"),
                    init = random_posterior(300, 2, 408))
  out <- generics::tidy(gamma_fit)
  expect_identical(out$part[7:8], c("shape", "shape"))
  expect_identical(out$term[7:8], c("shape", "shape"))
})

test_that("glance() has glm's columns in glm's order, and glm's values at K = 1", {
  skip_if_not_installed("broom")
  d <- k1_data()
  fit <- moem(y ~ x + f, data = d, K = 1)
  ref <- glm(y ~ x + f, data = d)
  ours <- broom::glance(fit)
  theirs <- broom::glance(ref)
  common <- intersect(names(theirs), names(ours))
  expect_identical(common, c("logLik", "AIC", "BIC", "deviance", "df.residual", "nobs"))
  expect_identical(names(ours)[names(ours) %in% common], common)
  expect_equal(unlist(ours[common]), unlist(as.data.frame(theirs)[common]), tolerance = 1e-8)
  expect_identical(names(ours), c("logLik", "AIC", "BIC", "ICL", "deviance", "df.residual",
                                  "nobs", "df", "K", "iterations", "converged"))
  expect_identical(nrow(ours), 1L)
})

test_that("glance() of a mixture: its criteria, and ICL = BIC + 2 * entropy of the posterior", {
  skip_if_not_installed("generics")
  d <- moe_data(n = 300, K = 2, seed = 411)
  set.seed(412)
  d$w <- sample(1:3, 300, replace = TRUE)
  fit <- moem(y ~ x1 + x2, data = d, weights = w, init = random_posterior(300, 2, 413))
  out <- generics::glance(fit)
  expect_equal(out$logLik, as.numeric(logLik(fit)))
  expect_equal(out$AIC, AIC(fit))
  expect_equal(out$BIC, BIC(fit))
  expect_equal(out$deviance, deviance(fit))
  expect_equal(out$df.residual, df.residual(fit))
  expect_identical(out$nobs, nobs(fit))
  expect_identical(out$df, attr(logLik(fit), "df"))
  expect_identical(out$K, 2L)
  expect_identical(out$iterations, fit$iter)
  expect_identical(out$converged, fit$converged)
  # by hand, from the posterior probabilities and the case weights (0 log 0 = 0)
  post <- posterior(fit)
  entropy <- -sum(d$w * post * log(pmax(post, 1e-300)))
  bic <- -2 * fit$loglik + fit$df * log(sum(d$w))
  expect_equal(out$ICL, bic + 2 * entropy)
  # a posterior with exact zeros and ones has entropy zero there, not NaN
  certain <- fit
  certain$posterior <- cbind(rep(c(1, 0), 150), rep(c(0, 1), 150))
  expect_equal(moem:::moem_icl(certain), BIC(fit))
})

test_that("ICL with the classification likelihood is flexmix's ICL() on flexmix's posterior", {
  skip_if_not_installed("flexmix")
  d <- binomial_moe_data(600, seed = 421)
  start <- random_posterior(600, 2, seed = 422)
  fl <- flexmix::flexmix(cbind(y, 1 - y) ~ x1, data = d, k = 2, cluster = start,
                         model = flexmix::FLXMRglm(family = "binomial"),
                         concomitant = flexmix::FLXPmultinom(~ x2),
                         control = list(minprior = 0, iter.max = 1000, tolerance = 1e-10))
  fit <- moem(y ~ x1, gating = ~ x2, data = d, family = binomial, init = start,
              control = moem_control(tol = 1e-12, maxit = 5000))
  expect_equal(fit$df, fl@df)
  # the same criterion on the same posterior and log-likelihood
  same <- fit
  same$posterior <- flexmix::posterior(fl)
  same$loglik <- fl@logLik
  expect_equal(moem:::moem_icl(same, "classification"), flexmix::ICL(fl), tolerance = 1e-10)
  # moem's own fit, from the same start, reaches the same criterion
  expect_equal(moem:::moem_icl(fit, "classification"), flexmix::ICL(fl), tolerance = 1e-5)
  # and the entropy's is never smaller
  expect_gte(moem:::moem_icl(fit), moem:::moem_icl(fit, "classification"))
})

test_that("augment() adds the fitted values, residuals, most probable expert and posterior", {
  skip_if_not_installed("generics")
  d <- moe_data(n = 200, K = 2, seed = 431)
  fit <- moem(y ~ x1 + x2, data = d, gating = ~ x1, init = random_posterior(200, 2, 432))
  out <- generics::augment(fit)
  expect_identical(names(out), c("y", "x1", "x2", ".fitted", ".resid", ".expert", ".post1",
                                 ".post2"))
  expect_equal(out$.fitted, unname(fitted(fit)))
  expect_equal(out$.resid, d$y - unname(fitted(fit)))
  expect_identical(out$.expert, unname(predict(fit, type = "component")))
  expect_equal(cbind(out$.post1, out$.post2), unname(posterior(fit)))
  with_data <- generics::augment(fit, data = d)
  expect_identical(names(with_data), c(names(d), names(out)[4:8]))
  expect_equal(with_data$.fitted, out$.fitted)
})

test_that("augment(data = ) matches the fit's rows by name, NA where it dropped them", {
  skip_if_not_installed("generics")
  d <- moe_data(n = 200, K = 2, seed = 433)
  d$x2[c(5, 9)] <- NA
  fit <- moem(y ~ x1 + x2, data = d, subset = x1 > -1.5, init = random_posterior(
    sum(d$x1 > -1.5 & !is.na(d$x2)), 2, 434))
  out <- generics::augment(fit, data = d)
  used <- d$x1 > -1.5 & !is.na(d$x2)
  expect_identical(nrow(out), 200L)
  expect_true(all(is.na(out$.fitted[!used])) && all(is.na(out$.post2[!used])))
  expect_equal(out$.fitted[used], unname(fitted(fit)))
  expect_equal(out$.post1[used], unname(posterior(fit)[, 1]))
  expect_snapshot(error = TRUE, {
    generics::augment(fit, data = d[1:50, ])
    generics::augment(fit, data = d, newdata = d)
    generics::augment(fit, newdata = as.list(d))
    generics::augment(fit, type.predict = "link")
  })
})

test_that("augment(newdata = ): the posterior with the response, the gate without it", {
  skip_if_not_installed("generics")
  d <- moe_data(n = 200, K = 2, seed = 435)
  fit <- moem(y ~ x1 + x2, data = d, gating = ~ x1, init = random_posterior(200, 2, 436))
  new <- moe_data(n = 30, K = 2, seed = 437)[, c("y", "x1", "x2")]
  new$x2[4] <- NA
  out <- generics::augment(fit, newdata = new)
  expect_equal(out$.fitted, unname(predict(fit, new)))
  expect_equal(out$.resid, new$y - unname(predict(fit, new)))
  post <- predict(fit, new, type = "posterior")
  expect_equal(cbind(out$.post1, out$.post2), unname(post))
  expect_identical(out$.expert, unname(predict(fit, new, type = "component")))
  expect_true(is.na(out$.fitted[4]) && is.na(out$.expert[4]))
  without <- generics::augment(fit, newdata = new[, c("x1", "x2")])
  expect_false(".resid" %in% names(without))
  expect_equal(cbind(without$.post1, without$.post2),
               unname(predict(fit, new[, c("x1", "x2")], type = "gating")))
  expect_identical(without$.expert,
                   unname(predict(fit, new[, c("x1", "x2")], type = "component")))
})

test_that("augment() of binomial and multinomial experts", {
  skip_if_not_installed("generics")
  d <- binomial_moe_data(300, seed = 438)
  d$yes <- factor(ifelse(d$y == 1, "yes", "no"))
  fit <- moem(yes ~ x1, gating = ~ x2, data = d, family = binomial(),
              init = random_posterior(300, 2, 439))
  out <- generics::augment(fit, newdata = d[1:20, ])
  expect_equal(out$.resid, d$y[1:20] - unname(predict(fit, d[1:20, ])))
  set.seed(440)
  d$class <- factor(ifelse(d$y == 1, sample(c("b", "c"), 300, TRUE), "a"))
  multi <- moem(class ~ x1, data = d, gating = ~ x2, family = multinomial(),
                init = random_posterior(300, 2, 441))
  out <- generics::augment(multi)
  expect_identical(out$.fitted, unname(predict(multi, type = "class")))
  expect_false(".resid" %in% names(out))
  expect_equal(out$.post2, unname(posterior(multi)[, 2]))
})
