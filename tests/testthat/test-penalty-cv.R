# penalty_cv(): the chosen penalty is the grid's argmax of the held-out log-likelihood, which
# the tests recompute fold by fold with plain moem() fits and the reference log-likelihood of
# helper-reference.R.

# The held-out log-likelihood of each grid value, summed over the folds, from fits of moem()
# with that penalty on the other folds' rows.
heldout_by_hand <- function(formula, data, folds, grid, K, family, gating, init, yname) {
  vapply(grid, function(lambda) {
    sum(vapply(sort(unique(folds)), function(f) {
      train <- data[folds != f, ]
      test <- data[folds == f, ]
      fit <- suppressWarnings(moem(formula, data = train, K = K, family = family,
                                   gating = gating, init = init,
                                   control = moem_control(penalty = lambda)))
      x <- model.matrix(delete.response(terms(formula, data = data)), test)
      z <- model.matrix(gating, test)
      ref_estep(x, z, test[[yname]], rep(1, nrow(test)), coef(fit, "experts"),
                coef(fit, "gating"), fit$sigma, family)$loglik
    }, 1))
  }, 1)
}

test_that("cross-validation chooses the argmax of the held-out log-likelihood (gaussian, K = 2)", {
  set.seed(21)
  n <- 160
  p <- 12
  x <- matrix(rnorm(n * p), n, dimnames = list(NULL, paste0("x", seq_len(p))))
  group <- x[, 1] > 0
  d <- data.frame(y = ifelse(group, 1 + x[, 2], -1 - x[, 2]) + rnorm(n, sd = 0.7), x)
  experts <- matrix(0, p + 1, 2)
  experts[1:3, ] <- cbind(c(1, 0, 1), c(-1, 0, -1))
  init <- list(experts = experts, gating = cbind(0, c(0, 3)), sigma = c(0.7, 0.7))
  grid <- c(0.3, 3, 30, 300)
  set.seed(4)
  fit <- moem(y ~ ., data = d, K = 2, gating = ~ x1, init = init,
              control = moem_control(penalty = penalty_cv(grid, folds = 4)))
  cv <- fit$penalty_cv
  expect_equal(cv$curve$penalty, grid)
  expect_setequal(cv$folds, 1:4)
  expect_equal(as.vector(table(cv$folds)), rep(40L, 4))
  by_hand <- heldout_by_hand(y ~ ., d, cv$folds, grid, 2, "gaussian", ~ x1, init, "y")
  expect_equal(cv$curve$loglik, by_hand, tolerance = 1e-6)
  expect_equal(cv$curve$se, 2 * apply(cv$fold_loglik, 1, sd))
  expect_equal(cv$chosen, grid[which.max(by_hand)])
  # the final fit is moem() with the chosen penalty
  direct <- moem(y ~ ., data = d, K = 2, gating = ~ x1, init = init,
                 control = moem_control(penalty = cv$chosen))
  expect_equal(coef(fit), coef(direct))
  expect_equal(fit$control$penalty, c(cv$chosen, cv$chosen))
  expect_output(print(fit), "Penalty chosen by 4-fold cross-validation over 4 values")
  expect_output(print(summary(fit)), "Held-out log-likelihood over the grid")
})

test_that("cross-validation on a subsample, for one logistic expert of many covariates", {
  set.seed(22)
  n <- 150
  p <- 25
  x <- matrix(rnorm(n * p), n, dimnames = list(NULL, paste0("x", seq_len(p))))
  d <- data.frame(yb = rbinom(n, 1, plogis(0.8 * x[, 1] - 0.8 * x[, 2])), x)
  grid <- c(0.1, 1, 10, 100)
  set.seed(5)
  fit <- moem(yb ~ ., data = d, K = 1, family = binomial(),
              control = moem_control(penalty = penalty_cv(grid, folds = 3, subsample = 120)))
  cv <- fit$penalty_cv
  expect_equal(sum(!is.na(cv$folds)), 120)
  used <- !is.na(cv$folds)
  by_hand <- heldout_by_hand(yb ~ ., d[used, ], cv$folds[used], grid, 1, "binomial", ~ 1,
                             NULL, "yb")
  expect_equal(cv$curve$loglik, by_hand, tolerance = 1e-6)
  expect_equal(cv$chosen, grid[which.max(by_hand)])
  # the folds come from the random number generator
  set.seed(5)
  again <- moem(yb ~ ., data = d, K = 1, family = binomial(),
                control = moem_control(penalty = penalty_cv(grid, folds = 3, subsample = 120)))
  expect_identical(again$penalty_cv, cv)
})

test_that("penalty_cv() and moem_control(penalty = \"cv\") check their arguments", {
  expect_identical(moem_control(penalty = "cv")$penalty, penalty_cv())
  expect_error(moem_control(penalty = "aic"), "`penalty` must be one or two numbers >= 0, \"cv\"")
  expect_error(penalty_cv(grid = 1), "`grid` must be two or more distinct numbers")
  expect_error(penalty_cv(grid = c(1, -1)), "`grid` must be")
  expect_error(penalty_cv(folds = 1), "`folds` must be a whole number >= 2")
  expect_error(penalty_cv(folds = 5, subsample = 3), "`subsample` must be NULL or a whole")
  d <- moe_data(50, K = 2)
  expect_error(moem(y ~ x1, data = d, control = moem_control(penalty = penalty_cv(subsample = 60))),
               "`subsample` \\(60\\) is more than the number of observations \\(50\\)")
  expect_error(moem(y ~ x1, data = d, symmetric = TRUE, control = moem_control(penalty = "cv")),
               "`symmetric = TRUE` has no ridge `penalty`")
})
