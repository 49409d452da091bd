# The stopping rule, as moem_control() documents it and src/em.c has it:
# |change| < tol (|loglik| + 0.1 mean(w)).

test_that("EM stops by |change| < tol (|loglik| + 0.1 mean(w)) with case weights", {
  set.seed(31)
  d <- rmoe(200, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
            intercept = TRUE)
  w <- rep(c(50, 150), 100)
  post <- random_posterior(200, 2, seed = 32)
  # the response rescaled so that the final log-likelihood is about 0 (a gaussian mixture's
  # log-likelihood drops by sum(w) log(s) when y is multiplied by s, and its EM path is the
  # same): the term 0.1 mean(w) then decides when EM stops
  s <- exp(moem(y ~ x1, data = d, weights = w, init = post)$loglik / sum(w))
  fit <- moem(y ~ x1, data = transform(d, y = y * s), weights = w, init = post)
  expect_lt(abs(fit$loglik), 0.01)
  tol <- fit$control$tol
  rule <- function(loglik) tol * (abs(loglik) + 0.1 * mean(w))
  tr <- fit$trace
  last <- nrow(tr)
  expect_true(fit$converged)
  expect_lt(abs(tr$change[last]), rule(tr$loglik[last]))
  expect_true(all(abs(tr$change[2:(last - 1L)]) >= rule(tr$loglik[2:(last - 1L)])))
  # the rule without the weights' mean would not have stopped there
  expect_gt(abs(tr$change[last]), tol * (abs(tr$loglik[last]) + 0.1))
})

test_that("with a penalty the rule is on the log-posterior", {
  d <- moe_data(n = 200, seed = 33)
  w <- rep(c(0.5, 2.5), 100)
  fit <- moem(y ~ x1 + x2, data = d, weights = w, init = random_posterior(200, 2, 34),
              control = moem_control(penalty = 5))
  tol <- fit$control$tol
  tr <- fit$trace
  last <- nrow(tr)
  expect_identical(tr$change, c(NA, diff(tr$logpost)))
  expect_true(fit$converged)
  expect_lt(abs(tr$change[last]), tol * (abs(tr$logpost[last]) + 0.1 * mean(w)))
  expect_true(all(abs(tr$change[2:(last - 1L)]) >=
                    tol * (abs(tr$logpost[2:(last - 1L)]) + 0.1 * mean(w))))
})
