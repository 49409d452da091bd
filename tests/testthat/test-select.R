# moem_select(): one fit per K, chosen by BIC, ICL or AIC.

# Three experts far apart (intercepts -4, 0, 4, sigma 0.3) and a clear gate: the true K = 3 is
# better than K = 2 by hundreds of log-likelihood units, and a fourth expert can gain only
# what noise gives, far less than BIC's penalty of its 6 parameters (6 log(600) / 2 = 19).
select_data <- function() {
  set.seed(185)
  rmoe(600, experts = cbind(c(-4, 1), c(0, -1), c(4, 1)),
       gating = cbind(0, c(0, 3), c(0, 6)), sigma = 0.3, intercept = TRUE)
}

test_that("BIC and ICL choose the true number of well separated experts", {
  skip_on_cran()  # (15 fits)
  d <- select_data()
  set.seed(186)
  sel <- moem_select(y ~ x1, data = d, K = 1:4, nstart = 3)
  expect_s3_class(sel, "moem_select")
  expect_identical(sel$best$K, 3L)
  expect_identical(sel$table$K[which.min(sel$table$ICL)], 3L)
  set.seed(186)
  icl <- moem_select(y ~ x1, data = d, K = 2:4, nstart = 3, criterion = "ICL")
  expect_identical(icl$best$K, 3L)
  expect_identical(icl$criterion, "ICL")
})

test_that("the table holds each fit's criteria, iterations and flags", {
  d <- select_data()
  w <- rep(1:2, 300)
  set.seed(187)
  sel <- moem_select(y ~ x1, gating = ~ x1, data = d, K = c(2, 1), weights = w,
                     control = moem_control(tol = 1e-10))
  expect_identical(names(sel$table), c("K", "logLik", "df", "AIC", "BIC", "ICL", "iterations",
                                       "converged", "degenerate"))
  expect_identical(sel$table$K, 1:2)
  expect_identical(names(sel$fits), c("K1", "K2"))
  for (i in 1:2) {
    f <- sel$fits[[i]]
    expect_identical(sel$table$logLik[i], f$loglik)
    expect_equal(sel$table$AIC[i], -2 * f$loglik + 2 * f$df)
    expect_equal(sel$table$BIC[i], -2 * f$loglik + log(sum(w)) * f$df)
    expect_identical(sel$table$ICL[i], moem:::moem_icl(f))
    expect_identical(sel$table$iterations[i], f$iter)
    expect_identical(sel$table$degenerate[i], sum(f$degenerate))
  }
  # K = 1 is the weighted regression, with an empty gate
  ref <- lm(y ~ x1, data = d, weights = w)
  expect_equal(unname(coef(sel$fits$K1, "experts")[, 1]), unname(coef(ref)), tolerance = 1e-10)
  expect_identical(sel$fits$K1$df, 3L)
  expect_output(print(sel), "Chosen by BIC: K = 2 \\(BIC 2, ICL 2, AIC 2\\)")
  pdf(NULL)
  on.exit(dev.off())
  expect_invisible(plot(sel))
  expect_invisible(plot(sel, criterion = "ICL"))
  expect_error(plot(sel, criterion = "DIC"), "`criterion` must be")
})

test_that("warnings of a fit name its K; arguments reach moem() or are errors", {
  d <- select_data()[1:60, ]
  set.seed(188)
  res <- collect_warnings(moem_select(y ~ x1, data = d, K = 1:2,
                                      control = moem_control(maxit = 2)))
  expect_true(all(startsWith(res$warnings, "K = 2: EM did not converge")))
  expect_false(res$value$table$converged[2])
  expect_snapshot(error = TRUE, {
    moem_select(y ~ x1, data = d, K = 1:2, foo = 1)
    moem_select(y ~ x1, data = d, K = 1:2, init = rep(1:2, 30))
    moem_select(y ~ x1, data = d, K = c(1, 1.5))
    moem_select(y ~ x1, data = d, K = 1:2, criterion = "DIC")
    moem_select(y ~ x1, data = d, K = 1:2, init = "kmean")
  })
  # a strategy for every K
  set.seed(189)
  sel <- moem_select(y ~ x1, data = d, K = 2:3, init = "kmeans")
  expect_identical(sel$fits$K3$K, 3L)
})
