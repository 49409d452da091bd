# Restarts on several cores: one random-number stream per start, made before any start runs,
# so that a fit is the same on any number of cores.

# The parts of a fit that may differ between two runs of the same fit: the call (its control),
# the settings, the family's closures and the trace's clock.
comparable <- function(fit) {
  fit$call <- fit$control <- fit$family <- NULL
  fit$trace$seconds <- NULL
  fit
}

parallel_data <- function() moe_data(n = 300, K = 3, seed = 181)

test_that("the starts' streams are parallel::nextRNGStream()'s, start i on stream i", {
  d <- parallel_data()
  old <- RNGkind("L'Ecuyer-CMRG")
  on.exit(RNGkind(old[1L], old[2L], old[3L]))
  set.seed(182)
  fit <- moem(y ~ x1 + x2, data = d, K = 3, nstart = 3)
  after <- .Random.seed
  # by hand: the labels of start 2 drawn on the second stream after the seed
  set.seed(182)
  stream <- parallel::nextRNGStream(parallel::nextRNGStream(.Random.seed))
  assign(".Random.seed", stream, envir = globalenv())
  labels <- sample(rep_len(1:3, 300))
  second <- moem(y ~ x1 + x2, data = d, K = 3, init = labels)
  expect_equal(fit$starts[2], second$loglik, tolerance = 1e-12)
  # the generator moves on to the stream after the last start's
  set.seed(182)
  s <- .Random.seed
  for (i in 1:4) s <- parallel::nextRNGStream(s)
  expect_identical(after, s)
})

test_that("two cores give the fit of one, with L'Ecuyer-CMRG and with Mersenne-Twister", {
  skip_on_os("windows")  # (forked workers; the socket cluster is tested below)
  skip_on_cran()         # (it starts processes)
  d <- parallel_data()
  old <- RNGkind()
  on.exit(RNGkind(old[1L], old[2L], old[3L]))
  for (kind in c("L'Ecuyer-CMRG", "Mersenne-Twister")) {
    RNGkind(kind)
    for (strategy in c("random", "kmeans", "short_em")) {
      set.seed(183)
      one <- moem(y ~ x1 + x2, data = d, K = 3, nstart = 4, init = strategy)
      after_one <- .Random.seed
      set.seed(183)
      two <- moem(y ~ x1 + x2, data = d, K = 3, nstart = 4, init = strategy,
                  control = moem_control(cores = 2))
      expect_identical(comparable(two), comparable(one), label = paste(kind, strategy))
      expect_identical(.Random.seed, after_one)
      expect_identical(two$family$family, one$family$family)
    }
  }
})

test_that("a socket cluster gives the same starts as one process", {
  skip_on_cran()  # (it starts R processes)
  d <- parallel_data()
  old <- RNGkind("L'Ecuyer-CMRG")
  on.exit(RNGkind(old[1L], old[2L], old[3L]))
  set.seed(184)
  fit <- moem(y ~ x1 + x2, data = d, K = 3, nstart = 3, init = "kmeans")
  # the internal map of the starts on a socket cluster, as on Windows: the same labels
  set.seed(184)
  streams <- moem:::start_streams(3)
  draw <- function(s, problem) sample(rep_len(1:3, 10))
  problem <- list(control = list(threads = 2L))
  serial <- moem:::map_starts(3, draw, streams, 1L, problem, NULL)
  psock <- moem:::map_starts(3, draw, streams, 2L, problem, NULL, type = "psock")
  expect_identical(psock, serial)
  expect_true(is.finite(fit$loglik))
})

test_that("an error in a worker is an error of the fit, with no partial result", {
  skip_on_os("windows")
  skip_on_cran()
  # too few distinct points for three k-means clusters: every start fails
  flat <- data.frame(y = rep(c(0, 1), 20), x1 = rep(c(0, 1), 20))
  expect_error(moem(y ~ x1, data = flat, K = 3, init = "kmeans", nstart = 2,
                    control = moem_control(cores = 2)),
               "failed on a parallel worker.*found no 3 distinct clusters")
  problem <- list(control = list(threads = 1L))
  streams <- moem:::start_streams(2)
  fails <- function(s, problem) if (s == 2L) stop("boom") else s
  expect_error(moem:::map_starts(2, fails, streams, 2L, problem, NULL),
               "Start 2 failed on a parallel worker \\(`cores = 2`.*boom")
})

test_that("`cores` must be a whole number from 1", {
  expect_snapshot(error = TRUE, {
    moem_control(cores = 0)
    moem_control(cores = 1.5)
    moem_control(cores = "2")
  })
})
