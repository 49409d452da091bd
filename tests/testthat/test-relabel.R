# relabel() and moem_control(order = ): the same model with the experts renumbered.

relabel_fit <- function(...) {
  d <- moe_data(n = 300, K = 3, seed = 176)
  fit <- moem(y ~ x1 + x2, gating = ~ x1, data = d, K = 3,
              init = informed_posterior(attr(d, "truth")$component, 3, seed = 177),
              control = moem_control(tol = 1e-12, ...))
  list(fit = fit, data = d)
}

test_that("relabelling by a permutation, then by its inverse, gives back the fit", {
  fit <- relabel_fit()$fit
  by <- c(3L, 1L, 2L)
  back <- relabel(relabel(fit, by), order(by))
  expect_equal(back, fit, tolerance = 1e-12)
  expect_identical(relabel(fit, 1:3), fit)
})

test_that("a relabelled fit has the same likelihood, predictions and permuted posterior", {
  rf <- relabel_fit()
  fit <- rf$fit
  by <- c(2L, 3L, 1L)
  r <- relabel(fit, by)
  expect_identical(relabel(fit, order = by), r) # the argument's name, as the issue gives it
  expect_identical(r$loglik, fit$loglik)
  expect_equal(unname(r$posterior), unname(fit$posterior[, by]), tolerance = 0)
  expect_equal(predict(r, rf$data), predict(fit, rf$data), tolerance = 1e-12)
  expect_equal(unname(predict(r, rf$data, type = "gating")),
               unname(predict(fit, rf$data, type = "gating")[, by]), tolerance = 1e-12)
  expect_equal(unname(coef(r, "experts")), unname(coef(fit, "experts")[, by]), tolerance = 0)
  expect_equal(unname(coef(r, "sigma")), unname(coef(fit, "sigma")[by]), tolerance = 0)
  # the gate against its new reference: expert 2's old coefficients are zero now
  g <- coef(fit, "gating")
  expect_equal(unname(coef(r, "gating")), unname(g[, by] - g[, by[1]]), tolerance = 1e-15)
  expect_identical(names(coef(r)), names(coef(fit)))
  # the E-step at the relabelled parameters, by the plain-R reference, gives the same
  x <- model.matrix(~ x1 + x2, rf$data)
  z <- model.matrix(~ x1, rf$data)
  e <- ref_estep(x, z, rf$data$y, rep(1, 300), coef(r, "experts"), coef(r, "gating"),
                 coef(r, "sigma"), "gaussian")
  expect_equal(e$loglik, fit$loglik, tolerance = 1e-12)
  expect_equal(unname(e$posterior), unname(r$posterior), tolerance = 1e-10)
})

test_that("vcov() of a relabelled fit is the fit's under the linear map, and a fresh fit's", {
  rf <- relabel_fit()
  fit <- rf$fit
  by <- c(2L, 3L, 1L)
  r <- relabel(fit, by)
  # the map theta -> theta', written out here for 3 experts of 3 coefficients, a gate of 2
  # and 3 sigmas: experts' blocks and sigmas permuted, the gate re-referenced
  map <- function(theta) {
    beta <- matrix(theta[1:9], 3)[, by]
    gate <- cbind(0, matrix(theta[10:13], 2))[, by]
    gate <- gate - gate[, 1]
    c(beta, gate[, 2:3], theta[14:16][by])
  }
  A <- sapply(seq_along(coef(fit)), function(j) map(diag(16)[, j]))
  expect_equal(c(A %*% coef(fit)), unname(coef(r)), tolerance = 1e-14)
  expect_equal(unname(vcov(r)), unname(A %*% vcov(fit) %*% t(A)), tolerance = 1e-8)
  # a fit that starts at the relabelled parameters and does not iterate
  fresh <- moem(y ~ x1 + x2, gating = ~ x1, data = rf$data, K = 3,
                init = list(experts = coef(r, "experts"), gating = coef(r, "gating"),
                            sigma = coef(r, "sigma")),
                control = moem_control(maxit = 0))
  expect_equal(vcov(r), vcov(fresh), tolerance = 1e-8)
})

test_that("order rules: by decreasing weight, by increasing intercept, as the control says", {
  rf <- relabel_fit()
  fit <- rf$fit
  w <- relabel(fit, "weight")
  expect_false(is.unsorted(rev(colSums(w$posterior))))
  i <- relabel(fit, "intercept")
  expect_false(is.unsorted(coef(i, "experts")["(Intercept)", ]))
  ordered <- relabel_fit(order = "intercept")$fit
  expect_equal(ordered$coefficients, i$coefficients, tolerance = 1e-12)
  expect_equal(ordered$posterior, i$posterior, tolerance = 1e-12)
  expect_identical(ordered$control$order, "intercept")
})

test_that("relabel() of symmetric, multinomial and path-keeping fits", {
  set.seed(178)
  d <- rmoe(300, experts = c(1, -1), gating = c(2, 0), symmetric = TRUE, sigma = 0.5)
  s <- moem(y ~ 0 + x1 + x2, data = d, symmetric = TRUE)
  r <- relabel(s, 2:1)
  # new expert 1 is old expert 2, minus old expert 1
  expect_equal(coef(r, "experts"), coef(s, "experts")[, 2:1], ignore_attr = TRUE)
  expect_equal(coef(r, "experts")[, 1], -coef(s, "experts")[, 1])
  expect_equal(r$loglik, s$loglik)
  expect_equal(relabel(r, 2:1), s, tolerance = 1e-15)

  fit <- relabel_fit(path = TRUE)$fit
  r <- relabel(fit, c(3L, 1L, 2L))
  # the path's last row is the fit's parameters (log sigma for sigma)
  last <- r$path[nrow(r$path), ]
  expect_equal(unname(last), unname(c(coef(r)[1:13], log(coef(r, "sigma")))), tolerance = 1e-12)

  set.seed(179)
  dm <- data.frame(x1 = rnorm(300))
  dm$y <- factor(ifelse(dm$x1 > 0, sample(c("a", "b", "c"), 300, TRUE, c(0.7, 0.2, 0.1)),
                        sample(c("a", "b", "c"), 300, TRUE, c(0.1, 0.2, 0.7))))
  m <- moem(y ~ x1, data = dm, family = multinomial(), K = 2, gating = ~ x1)
  rm <- relabel(m, 2:1)
  expect_equal(coef(rm, "experts")[, , 1], coef(m, "experts")[, , 2])
  expect_equal(predict(rm, dm), predict(m, dm), tolerance = 1e-10)
})

test_that("relabel() errors name `order`; gate offsets cannot be relabelled", {
  fit <- relabel_fit()$fit
  expect_snapshot(error = TRUE, {
    relabel(fit, c(1, 1, 2))
    relabel(fit, 1:2)
    relabel(fit, "size")
    relabel(fit, 1:3, foo = 1)
  })
  d <- moe_data(n = 200, K = 2, seed = 180)
  d$o <- 0.5 * d$x2
  fo <- moem(y ~ x1, gating = ~ x1 + offset(o), data = d)
  expect_error(relabel(fo, 2:1), "gate offset")
  expect_identical(relabel(fo, 1:2), fo)
  one <- moem(y ~ x1, data = d, K = 1)
  expect_identical(relabel(one, 1L), one)
  expect_error(moem(y ~ x1, data = d[1:10, ], K = 1, control = moem_control(order = "size")),
               "`order` must be")
  expect_error(moem(y ~ 0 + x1, data = d, control = moem_control(order = "intercept")),
               "needs an intercept")
})
