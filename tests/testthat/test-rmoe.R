# rmoe(): every argument checked, with a message that names it; an intercept-only model works.

test_that("an intercept-only model draws y alone, as the same model with a null covariate", {
  n <- 50
  experts <- cbind(-2, 3)
  gating <- cbind(0, log(3))
  set.seed(11)
  d <- rmoe(n, experts = experts, gating = gating, sigma = c(0.5, 1), intercept = TRUE)
  expect_identical(names(d), "y")
  expect_identical(nrow(d), as.integer(n))
  # the same draws as a model with one covariate whose coefficients are all zero, the
  # covariate given (so that neither draws it from the stream)
  set.seed(11)
  ref <- rmoe(n, experts = rbind(experts, 0), gating = rbind(gating, 0), sigma = c(0.5, 1),
              intercept = TRUE, x = matrix(5, n, 1))
  expect_equal(d$y, ref$y)
  expect_identical(attr(d, "truth")$component, attr(ref, "truth")$component)
  expect_equal(attr(d, "truth")$experts, experts)
  # no covariates and no intercept: experts of mean 0
  set.seed(12)
  d0 <- rmoe(5, experts = matrix(0, 0, 2), gating = matrix(0, 0, 2), sigma = 2)
  expect_identical(names(d0), "y")
  # a binomial intercept-only model, and a fit of it
  set.seed(13)
  db <- rmoe(200, experts = cbind(-3, 3), gating = cbind(0, 0), family = "binomial",
             intercept = TRUE)
  expect_true(all(db$y %in% c(0, 1)))
  expect_s3_class(moem(y ~ 1, data = db, K = 1, family = binomial()), "moem")
})

test_that("bad arguments of rmoe() are errors that name them", {
  e <- cbind(c(1, 2), c(-1, -1))
  g <- cbind(0, c(0, 3))
  expect_snapshot(error = TRUE, {
    rmoe(0, e, g)
    rmoe(5, e, g, family = "multinomial")
    rmoe(5, e, g, family = multinomial())
    rmoe(5, e, g, sigma = -1)
    rmoe(5, e, g, sigma = 0)
    rmoe(5, e, g, sigma = c(1, 2, 3))
    rmoe(5, e, g, sigma = NA)
    rmoe(5, e, g, sigma = "a")
    rmoe(5, cbind(1), cbind(0), sigma = c(1, 2))
    rmoe(5, e, g, intercept = NA)
    rmoe(5, e, g, intercept = c(TRUE, FALSE))
    rmoe(5, e, g, intercept = "yes")
    rmoe(5, e, g, symmetric = NA)
    rmoe(5, e, g, symmetric = 1)
    rmoe(5, "a", g)
    rmoe(5, array(0, c(2, 1, 2)), g)
    rmoe(5, matrix(0, 2, 0), matrix(0, 2, 0))
    rmoe(5, matrix(0, 0, 2), matrix(0, 0, 2), intercept = TRUE)
    rmoe(5, cbind(c(1, NA), 1), g)
    rmoe(5, e, cbind(0, c(0, Inf)))
    rmoe(5, e, cbind(0, 1))
    rmoe(5, e, "a")
    rmoe(5, e, g, x = matrix(1, 5, 3))
    rmoe(5, e, g, x = matrix(NA, 5, 2))
    rmoe(5, e, g, x = matrix(c(1, NA), 5, 2))
    rmoe(5, e, g, x = data.frame(a = 1:5, b = 1:5))
    rmoe(5, c(1, 2), c(0, 1, 2), symmetric = TRUE)
  })
  # sigma is the gaussian experts': for binomial experts it is an error, not ignored
  expect_error(rmoe(5, e, g, family = "binomial", sigma = 0.5), "`sigma` is for gaussian")
  expect_silent(rmoe(5, e, g, family = "binomial"))
})
