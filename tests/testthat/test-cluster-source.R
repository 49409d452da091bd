# Data spread over a cluster's workers: parts kept on the workers, read there, in order.

# Stops every node of a cluster that may have a dead one (which stopCluster() stops at), and
# closes every node's connection.
stop_each_node <- function(cl) {
  for (i in seq_along(cl)) {
    try(parallel::stopCluster(cl[i]), silent = TRUE)
    try(close(cl[[i]]$con), silent = TRUE)
  }
}

# A chunk function over `d` in chunks of `size` rows, for a worker to read.
chunk_reader <- function(d, size) {
  position <- 0
  function(reset = FALSE) {
    if (reset) return(invisible(position <<- 0))
    rows <- position + seq_len(size)
    rows <- rows[rows <= nrow(d)]
    position <<- position + size
    if (length(rows)) d[rows, , drop = FALSE]
  }
}

test_that("parts (data frames and chunk functions) give per-worker results in order", {
  skip_on_cran()
  cl <- parallel::makePSOCKcluster(2)
  on.exit(try(parallel::stopCluster(cl), silent = TRUE), add = TRUE)
  d <- chunk_data(n = 120)
  d$y <- ifelse(d$x > 0, 1 + 2 * d$x, -1 - d$x) + rnorm(120, sd = 0.3)
  parts <- list(d[1:50, ], chunk_reader(d[51:120, ], 30))
  source <- data_source(parts, cluster = cl, chunk_size = 20)
  on.exit(source$close(), add = TRUE, after = FALSE)
  design <- chunk_design(y ~ x + f, gating = ~ u + s, source = source, weights = quote(wt))
  expect_identical(design$chunks, 6L)
  rows <- source$map(function(m) nrow(m$x))
  expect_identical(rows, list(list(20L, 20L, 10L), list(30L, 30L, 10L)))
  matrices <- source$map(function(m) m)
  chunks <- bind_matrices(unlist(matrices, recursive = FALSE))
  expect_same_matrices(chunks, whole_matrices(y ~ x + f, gating = ~ u + s, data = d,
                                              weights = wt))
  # the information, its sums computed on the workers
  fit <- moem(y ~ x + f, gating = ~ u + s, data = d, weights = wt,
              control = moem_control(tol = 1e-12))
  expect_equal(moem:::chunked_information(fit, design, source),
               moem:::information_matrices(fit), tolerance = 1e-10)
  # a second fit on the same cluster does not touch the first's parts; close() forgets them
  other <- data_source(list(d[1:5, ], d[6:8, ]), cluster = cl, chunk_size = 2)
  expect_identical(other$map(function(chunk, where) nrow(chunk), raw = TRUE),
                   list(list(2L, 2L, 1L), list(2L, 1L)))
  other$close()
  stored <- function(id) exists(id, envir = moem:::worker_registry, inherits = FALSE)
  expect_identical(unlist(parallel::clusterCall(cl, stored, other$id)), c(FALSE, FALSE))
  expect_identical(unlist(parallel::clusterCall(cl, stored, source$id)), c(TRUE, TRUE))
  expect_identical(source$map(function(m) nrow(m$x))[[1L]], list(20L, 20L, 10L))
  source$close()
  expect_identical(unlist(parallel::clusterCall(cl, stored, source$id)), c(FALSE, FALSE))
})

test_that("an error on a worker names the worker, and the cluster goes on", {
  skip_on_cran()
  cl <- parallel::makePSOCKcluster(2)
  on.exit(try(parallel::stopCluster(cl), silent = TRUE), add = TRUE)
  d <- chunk_data(n = 40)
  failing <- function(reset = FALSE) if (!reset) stop("disk on fire")
  source <- data_source(list(d, failing), cluster = cl, chunk_size = 10)
  on.exit(source$close(), add = TRUE, after = FALSE)
  expect_snapshot(chunk_design(y ~ x, source = source), error = TRUE)
  new <- d
  new$s[3] <- "north-east"
  source <- data_source(list(d, new), cluster = cl, chunk_size = 10)
  design <- chunk_design(y ~ x + s, source = data_source(d, chunk_size = 10))
  source$send_design(design)
  expect_snapshot(source$map(function(m) nrow(m$x)), error = TRUE)
  expect_identical(unlist(parallel::clusterCall(cl, function() 1)), c(1, 1))
  expect_snapshot(data_source(list(d), cluster = cl, chunk_size = 10), error = TRUE)
  expect_snapshot(data_source(list(d, 1), cluster = cl, chunk_size = 10), error = TRUE)
  expect_snapshot(data_source(list(d, d), cluster = "cl", chunk_size = 10), error = TRUE)
})

test_that("a worker that dies is a clear error that names it", {
  skip_on_cran()
  skip_on_os("windows")
  cl <- parallel::makePSOCKcluster(2)
  on.exit(stop_each_node(cl), add = TRUE)
  d <- chunk_data(n = 40)
  source <- data_source(list(d, d), cluster = cl, chunk_size = 10)
  pid <- parallel::clusterCall(cl, Sys.getpid)[[2L]]
  tools::pskill(pid)
  Sys.sleep(0.5)
  expect_error(chunk_design(y ~ x, source = source),
               paste0("Worker 2 of `cluster` \\(process ", pid, "\\) stopped .*stopCluster"))
  expect_error(source$map(function(m) 1), "The cluster failed before")
  expect_silent(source$close())
})
