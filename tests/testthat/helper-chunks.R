# Helpers of the tests of fits chunk by chunk (issue 17): the internal functions under short
# names, the matrices of every chunk bound by rows, and those moem() gives C for the whole data.

data_source <- moem:::data_source
chunk_design <- moem:::chunk_design

# Every chunk's matrices (design$matrices()) of `source`, bound by rows: list(x, z, y, w, size,
# target, offset_x, offset_z, fixed), NULL where every chunk has NULL.
bind_chunks <- function(design, source) {
  parts <- list()
  source$reset()
  while (!is.null(chunk <- source$read())) {
    parts[[length(parts) + 1L]] <- design$matrices(chunk, paste("chunk", length(parts) + 1L))
  }
  source$close()
  bind_matrices(parts)
}

bind_matrices <- function(parts) {
  bind <- function(name) {
    pieces <- lapply(parts, `[[`, name)
    if (all(vapply(pieces, is.null, NA))) return(NULL)
    if (is.matrix(pieces[[1L]])) do.call(rbind, pieces) else unlist(pieces)
  }
  stats::setNames(lapply(names(parts[[1L]]), bind), names(parts[[1L]]))
}

# What moem() gives the C code for the whole data, from a fit stopped at its start (all
# columns, aliased ones too).
whole_matrices <- function(...) {
  call <- match.call()
  call[[1L]] <- quote(moem::moem)
  call$control <- quote(moem::moem_control(maxit = 0))
  fit <- suppressWarnings(eval(call, parent.frame()))
  list(x = model.matrix(fit), z = model.matrix(fit, part = "gating"), y = fit$y,
       w = fit$prior.weights, size = fit$size, offset_x = fit$offset,
       offset_z = fit$gating_offset, xlevels = fit$xlevels, contrasts = fit$contrasts,
       response_levels = fit$response_levels, n = nrow(fit$posterior))
}

# The chunks' matrices equal the whole data's, column names included.
expect_same_matrices <- function(chunks, whole) {
  expect_identical(colnames(chunks$x), colnames(whole$x))
  expect_identical(colnames(chunks$z), colnames(whole$z))
  for (name in c("x", "z", "y", "w", "size", "offset_x", "offset_z")) {
    expect_equal(chunks[[name]], whole[[name]], ignore_attr = TRUE, tolerance = 0,
                 label = paste0("chunks$", name))
  }
  expect_true(is.double(chunks$x) && is.double(chunks$z) && is.double(chunks$y))
}

# A mixed data set: numeric covariates, a factor with a level order of its own and a level
# that never occurs, a character column, integer weights, exposures and several responses.
chunk_data <- function(n = 53, seed = 17) {
  set.seed(seed)
  d <- data.frame(
    x = rnorm(n),
    u = runif(n),
    f = factor(sample(c("c", "a", "b"), n, replace = TRUE), levels = c("c", "unused", "a", "b")),
    s = sample(c("west", "east", "north"), n, replace = TRUE),
    h = factor(sample(c("p", "q"), n, replace = TRUE)),
    wt = sample(1:3, n, replace = TRUE),
    exposure = runif(n, 1, 5),
    trials = sample(2:6, n, replace = TRUE),
    stringsAsFactors = FALSE
  )
  d$y <- 1 + d$x - d$u + rnorm(n)
  d$successes <- rbinom(n, d$trials, plogis(d$x))
  d$failures <- d$trials - d$successes
  d$proportion <- d$successes / d$trials
  d$count <- rpois(n, d$exposure * exp(0.3 * d$x))
  d$class <- factor(sample(c("lo", "mid", "hi", "none"), n, replace = TRUE, prob = c(3, 3, 3, 0)),
                    levels = c("none", "lo", "mid", "hi"))
  d$yes <- factor(ifelse(d$successes > d$failures, "yes", "no"))
  d
}
