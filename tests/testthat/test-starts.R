# Start strategies and expert labels as `init`.

# Two well separated experts: every reasonable start reaches the optimum that EM reaches from
# the true labels.
easy_data <- function() {
  set.seed(165)
  rmoe(400, experts = cbind(c(3, 1), c(-3, -1)), gating = cbind(0, c(0, 2)), sigma = 0.4,
       intercept = TRUE)
}

test_that("each strategy runs and reaches the optimum on easy data", {
  d <- easy_data()
  truth <- attr(d, "truth")$component
  reference <- moem(y ~ x1, data = d, init = truth, control = moem_control(tol = 1e-12))
  for (strategy in c("random", "kmeans", "quantile", "short_em")) {
    set.seed(166)
    fit <- moem(y ~ x1, data = d, init = strategy, nstart = 3,
                control = moem_control(tol = 1e-12, order = "intercept"))
    expect_equal(fit$loglik, reference$loglik, tolerance = 1e-8, info = strategy)
    expect_length(fit$starts, 3L)
    expect_equal(relabel(reference, "intercept")$coefficients, fit$coefficients,
                 tolerance = 1e-5, info = strategy)
  }
})

test_that("labels as init reproduce the fit from the matching posterior", {
  d <- moe_data(n = 300, K = 3, seed = 167)
  set.seed(168)
  labels <- sample(rep(1:3, length.out = 300))
  from_labels <- moem(y ~ x1 + x2, data = d, K = 3, init = labels)
  from_post <- moem(y ~ x1 + x2, data = d, K = 3, init = outer(labels, 1:3, "==") + 0)
  expect_equal(from_labels$coefficients, from_post$coefficients, tolerance = 1e-10)
  expect_equal(from_labels$trace$loglik, from_post$trace$loglik, tolerance = 1e-10)
  # a factor: level k is expert k, whatever its name
  f <- factor(c("c", "a", "b")[labels], levels = c("c", "a", "b"))
  from_factor <- moem(y ~ x1 + x2, data = d, K = 3, init = f)
  expect_identical(from_factor$coefficients, from_labels$coefficients)
})

test_that("labels align with the rows left after subset and na.action", {
  d <- moe_data(n = 200, K = 2, seed = 169)
  d$x2[c(5, 50)] <- NA
  keep <- d$x1 > -1.5
  used <- keep & !is.na(d$x2)
  set.seed(170)
  labels <- sample(rep(1:2, length.out = sum(used)))
  fit <- moem(y ~ x1 + x2, data = d, subset = x1 > -1.5, init = labels)
  plain <- moem(y ~ x1 + x2, data = d[used, ], init = labels)
  expect_equal(fit$coefficients, plain$coefficients, tolerance = 1e-12)
  expect_error(moem(y ~ x1 + x2, data = d, init = rep(1:2, 100)),
               "one label per observation of the fit \\(198")
})

test_that("kmeans and short_em starts work for other families", {
  d <- binomial_moe_data(300, seed = 171)
  set.seed(172)
  fit <- moem(y ~ x1, gating = ~ x2, data = d, family = binomial, init = "short_em", nstart = 4)
  expect_length(fit$starts, 4L)
  # the continued run starts where the best short run ended: it never does worse
  expect_gte(fit$loglik, max(fit$starts) - 1e-8)
  expect_error(moem(y ~ x1, data = d, family = binomial, init = "quantile"),
               "`init = \"quantile\"` needs a response with many values")
  dp <- moe_data(n = 300, K = 2, family = "poisson", seed = 173)
  for (strategy in c("quantile", "kmeans")) {
    fp <- moem(y ~ x1 + x2, data = dp, family = poisson, init = strategy)
    expect_true(is.finite(fp$loglik))
  }
  set.seed(175)
  dm <- data.frame(x1 = rnorm(300))
  dm$y <- factor(ifelse(runif(300) < 0.5, cut(dm$x1, c(-Inf, -0.5, 0.5, Inf), labels = FALSE),
                        sample(1:3, 300, replace = TRUE)), labels = c("a", "b", "c"))
  fm <- moem(y ~ x1, data = dm, family = multinomial(), init = "kmeans")
  expect_true(is.finite(fm$loglik))
})

test_that("quantile labels follow the response's order, lowest to expert 1", {
  d <- easy_data()
  fit <- moem(y ~ x1, data = d, init = "quantile", control = moem_control(maxit = 0))
  # the start's first M-step: expert 1 fitted to the lower half of y, weight 0.9 (0.1 above)
  low <- rank(d$y, ties.method = "first") <= 200
  expect_equal(unname(coef(fit, "experts")[, 1]),
               unname(coef(lm(y ~ x1, d, weights = ifelse(low, 0.9, 0.1)))), tolerance = 1e-10)
})

test_that("bad starts give errors that name `init`", {
  d <- moe_data(n = 100, K = 2, seed = 174)
  expect_snapshot(error = TRUE, {
    moem(y ~ x1, data = d, init = rep(1:2, 40))
    moem(y ~ x1, data = d, init = factor(rep(c("a", "b", "c"), length.out = 100)))
    moem(y ~ x1, data = d, init = rep(c(1, 3), 50))
    moem(y ~ x1, data = d, init = rep(1, 100))
    moem(y ~ x1, data = d, init = c(NA, rep(1:2, length.out = 99)))
    moem(y ~ x1, data = d, init = "kmean")
    moem(y ~ x1, data = d, init = c("random", "kmeans"))
  })
  flat <- data.frame(y = rep(c(0, 1), 20), x1 = rep(c(0, 1), 20))
  expect_error(moem(y ~ x1, data = flat, K = 3, init = "kmeans"),
               "found no 3 distinct clusters")
})
