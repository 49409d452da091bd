# simulate(): bad nsim and seed values are errors that name them, before any draw.

test_that("bad nsim or seed values are errors that name the argument", {
  fit <- moem(y ~ x1, data = moe_data(n = 60, seed = 5), K = 1)
  expect_snapshot(error = TRUE, {
    simulate(fit, nsim = 0)
    simulate(fit, nsim = -1)
    simulate(fit, nsim = 1.5)
    simulate(fit, nsim = NA)
    simulate(fit, nsim = "2")
    simulate(fit, nsim = c(1, 2))
    simulate(fit, seed = NA)
    simulate(fit, seed = "a")
    simulate(fit, seed = 1.5)
    simulate(fit, seed = c(1, 2))
    simulate(fit, seed = 1e10)
  })
  # the error comes before the random number generator is touched
  set.seed(2)
  state <- .Random.seed
  expect_error(simulate(fit, nsim = 0, seed = 3), "`nsim`")
  expect_identical(.Random.seed, state)
  # good values still work
  expect_identical(dim(simulate(fit, nsim = 2L, seed = -4)), c(60L, 2L))
})
