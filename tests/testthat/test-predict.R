# predict() against quantities computed by hand from the coefficients.

softmax_by_hand <- function(eta) {
  e <- exp(eta - apply(eta, 1L, max))
  e / rowSums(e)
}

# Three gaussian experts, or two binomial ones, on x1 and a factor, with a gate on x2 and x1.
predict_fit <- function(family = "gaussian") {
  K <- if (family == "gaussian") 3L else 2L
  d <- if (family == "gaussian") {
    moe_data(n = 250, K = K, seed = 51)
  } else {
    binomial_moe_data(500, seed = 51)
  }
  set.seed(52)
  d$g <- factor(sample(c("lo", "mid", "hi"), nrow(d), replace = TRUE))
  fit <- moem(y ~ x1 + g, gating = ~ x2 + x1, data = d, K = K, family = family,
              init = informed_posterior(attr(d, "truth")$component, K, seed = 53))
  list(fit = fit, data = d, K = K)
}

for (family in c("gaussian", "binomial")) {
  test_that(paste("predict() on the training data agrees with the fit:", family), {
    pf <- predict_fit(family)
    fit <- pf$fit
    d <- pf$data
    expect_equal(predict(fit, newdata = d), fitted(fit), tolerance = 1e-12)
    expect_equal(predict(fit), fitted(fit), tolerance = 1e-12)

    K <- pf$K
    gate <- predict(fit, d, type = "gating")
    expect_identical(dim(gate), c(nrow(d), K))
    expect_equal(unname(rowSums(gate)), rep(1, nrow(d)), tolerance = 1e-14)
    z <- model.matrix(~ x2 + x1, d)
    expect_equal(unname(gate), unname(softmax_by_hand(z %*% coef(fit, "gating"))),
                 tolerance = 1e-12)

    x <- model.matrix(~ x1 + g, d)
    eta <- x %*% coef(fit, "experts")
    experts <- predict(fit, d, type = "experts")
    expect_equal(unname(experts), unname(if (family == "gaussian") eta else plogis(eta)),
                 tolerance = 1e-12)
    expect_equal(unname(predict(fit, d)), unname(rowSums(gate * experts)), tolerance = 1e-12)

    post <- predict(fit, d, type = "posterior")
    expect_equal(post, posterior(fit), tolerance = 1e-10, ignore_attr = TRUE)
    expect_equal(posterior(fit, newdata = d), post)
    # the posterior by Bayes' rule from the gate and the experts' densities
    dens <- if (family == "gaussian") {
      sapply(1:K, function(k) dnorm(d$y, eta[, k], coef(fit, "sigma")[k]))
    } else {
      sapply(1:K, function(k) dbinom(d$y, 1, plogis(eta[, k])))
    }
    expect_equal(unname(post), unname(gate * dens / rowSums(gate * dens)), tolerance = 1e-10)

    comp <- predict(fit, d, type = "component")
    expect_identical(unname(comp), max.col(unname(post), ties.method = "first"))
    expect_identical(unname(predict(fit, type = "component")), unname(comp))
    # without the response, the component is the gate's most probable expert
    comp_gate <- predict(fit, d[, c("x1", "x2", "g")], type = "component")
    expect_identical(unname(comp_gate), max.col(unname(gate), ties.method = "first"))
  })
}

test_that("predict() on new data: a subset of the factor levels, and unseen rows", {
  pf <- predict_fit()
  fit <- pf$fit
  new <- data.frame(x1 = c(-1, 0.5, 2), x2 = c(0, 1, -1), g = c("mid", "mid", "lo"))
  x <- cbind(1, new$x1, new$g == "lo", new$g == "mid")  # levels hi < lo < mid
  expect_identical(colnames(model.matrix(fit$terms, pf$data))[3:4], c("glo", "gmid"))
  eta <- x %*% coef(fit, "experts")
  gate <- softmax_by_hand(cbind(1, new$x2, new$x1) %*% coef(fit, "gating"))
  expect_equal(unname(predict(fit, new)), rowSums(gate * eta), tolerance = 1e-12)
  expect_equal(unname(predict(fit, new, type = "experts")), unname(eta), tolerance = 1e-12)
  # the same with the factor given as a factor with only the levels used
  new$g <- factor(new$g)
  expect_equal(unname(predict(fit, new)), rowSums(gate * eta), tolerance = 1e-12)
  # a single row
  expect_length(predict(fit, new[2, ]), 1L)
  expect_identical(dim(predict(fit, new[2, ], type = "gating")), c(1L, 3L))
})

test_that("predict() gives NA for rows of newdata with missing covariates", {
  pf <- predict_fit()
  fit <- pf$fit
  new <- pf$data[1:6, ]
  new$x1[2] <- NA
  new$g[4] <- NA
  new$x2[5] <- NA
  full <- pf$data[1:6, ]
  for (type in c("response", "component")) {
    p <- predict(fit, new, type = type)
    expect_length(p, 6L)
    expect_identical(unname(which(is.na(p))), c(2L, 4L, 5L))
    expect_equal(p[c(1, 3, 6)], predict(fit, full, type = type)[c(1, 3, 6)])
  }
  for (type in c("gating", "experts", "posterior")) {
    p <- predict(fit, new, type = type)
    expect_identical(dim(p), c(6L, 3L))
    expect_identical(unname(which(is.na(p[, 1]))), c(2L, 4L, 5L))
    expect_equal(p[c(1, 3, 6), ], predict(fit, full, type = type)[c(1, 3, 6), ])
  }
  # an NA response only matters to the posterior
  new$y[1] <- NA
  expect_false(is.na(predict(fit, new)[1]))
  expect_true(all(is.na(predict(fit, new, type = "posterior")[1, ])))
  # na.omit drops the rows instead
  expect_length(predict(fit, new, na.action = na.omit), 3L)
})

binomial_factor_fit <- function() {
  d <- binomial_moe_data(400, seed = 61)
  d$yf <- factor(ifelse(d$y == 1, "yes", "no"))
  fit <- moem(yf ~ x1, gating = ~ x2, data = d, K = 2, family = binomial,
              init = informed_posterior(attr(d, "truth")$component, 2, seed = 62))
  list(fit = fit, new = d[1:4, c("x1", "x2", "yf")], post = posterior(fit)[1:4, ])
}

test_that("predict() posterior for a binomial factor response in newdata", {
  bf <- binomial_factor_fit()
  expect_equal(predict(bf$fit, bf$new, type = "posterior"), bf$post, tolerance = 1e-10,
               ignore_attr = TRUE)
  # the posterior differs between the two values of the response, so the coding matters
  flipped <- bf$new
  flipped$yf <- factor(ifelse(bf$new$yf == "yes", "no", "yes"), levels = c("no", "yes"))
  expect_gt(max(abs(predict(bf$fit, flipped, type = "posterior") - bf$post)), 0.1)
})

# The event is the second level of the *training* response ("yes"), whatever the levels of the
# response in newdata.
test_that("predict() posterior: newdata's response with its levels in another order", {
  bf <- binomial_factor_fit()
  new <- bf$new
  new$yf <- factor(as.character(new$yf), levels = c("yes", "no"))
  expect_equal(predict(bf$fit, new, type = "posterior"), bf$post, tolerance = 1e-10,
               ignore_attr = TRUE)
})

test_that("predict() posterior: newdata's response with only one of the levels", {
  bf <- binomial_factor_fit()
  yes <- bf$new$yf == "yes"
  expect_true(any(yes) && !all(yes))
  new <- bf$new[yes, ]
  new$yf <- factor(as.character(new$yf))
  expect_equal(predict(bf$fit, new, type = "posterior"), bf$post[yes, , drop = FALSE],
               tolerance = 1e-10, ignore_attr = TRUE)
})

test_that("predict() posterior: newdata's response as character", {
  bf <- binomial_factor_fit()
  new <- bf$new
  new$yf <- as.character(new$yf)
  expect_equal(predict(bf$fit, new, type = "posterior"), bf$post, tolerance = 1e-10,
               ignore_attr = TRUE)
})

test_that("predict() with na.exclude in the fit pads the training predictions", {
  d <- moe_data(n = 200, K = 2, seed = 63)
  d$x1[c(5, 50)] <- NA
  fit <- moem(y ~ x1 + x2, data = d, na.action = na.exclude,
              init = informed_posterior(attr(d, "truth")$component[-c(5, 50)], 2, seed = 64))
  for (type in c("response", "component")) {
    p <- predict(fit, type = type)
    expect_length(p, 200L)
    expect_identical(unname(which(is.na(p))), c(5L, 50L))
  }
  expect_identical(dim(predict(fit, type = "gating")), c(200L, 2L))
  expect_equal(predict(fit)[-c(5, 50)], predict(fit, d[-c(5, 50), ]))
})

test_that("predict() errors clearly on bad newdata", {
  pf <- predict_fit()
  fit <- pf$fit
  expect_snapshot(predict(fit, data.frame(x1 = 1, g = "lo")), error = TRUE)
  expect_snapshot(predict(fit, pf$data[, c("x1", "x2", "g")], type = "posterior"),
                  error = TRUE)
  expect_snapshot(predict(fit, list2env(list(x1 = 1))), error = TRUE)
  expect_snapshot(predict(fit, pf$data, type = "foo"), error = TRUE)
})
