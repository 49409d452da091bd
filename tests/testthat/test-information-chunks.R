# The observed information and the scores summed over chunks are those of the whole data.

# The fit of `...` (a moem() call's arguments) and its information computed in memory and
# chunk by chunk, in chunks of `size` rows.
information_both_ways <- function(size, ...) {
  call <- match.call()
  call$size <- NULL
  call[[1L]] <- quote(moem::moem)
  fit <- suppressWarnings(eval(call, parent.frame()))
  args <- as.list(call)[-1L]
  design <- chunk_design(fit$formula, gating = fit$gating, fixed = fit$fixed,
                         family = fit$family, weights = args$weights,
                         offset = args$offset, K = fit$K,
                         source = data_source(eval(args$data, parent.frame()), chunk_size = size))
  source <- data_source(eval(args$data, parent.frame()), chunk_size = size)
  list(fit = fit, design = design, source = source,
       whole = moem:::information_matrices(fit),
       chunks = moem:::chunked_information(fit, design, source))
}

expect_same_information <- function(both) {
  for (name in c("observed", "complete", "missing", "penalty")) {
    expect_equal(both$chunks[[name]], both$whole[[name]], tolerance = 1e-10,
                 label = paste0("chunks$", name))
  }
}

# Every chunk's scores (chunk_scores()), bound by rows.
bind_chunk_scores <- function(fit, design, source) {
  out <- list()
  source$reset()
  while (!is.null(chunk <- source$read())) {
    out[[length(out) + 1L]] <- moem:::chunk_scores(fit, design$matrices(chunk))
  }
  do.call(rbind, out)
}

test_that("gaussian experts with a factor, weights and a gate of its own", {
  d <- chunk_data(n = 200)
  d$y <- ifelse(d$x > 0, 1 + 2 * d$x, -1 - d$x) + rnorm(200, sd = 0.3)
  both <- information_both_ways(23, formula = y ~ x + h, gating = ~ u + x, data = d,
                                weights = wt, control = moem_control(tol = 1e-12))
  expect_same_information(both)
  scores <- bind_chunk_scores(both$fit, both$design, both$source)
  expect_equal(scores, moem:::free_scores(both$fit), tolerance = 1e-10)
})

test_that("binomial counts, poisson with an offset, multinomial, shared coefficients", {
  d <- chunk_data(n = 150)
  expect_same_information(information_both_ways(
    17, formula = cbind(successes, failures) ~ x, gating = ~ u, data = d,
    family = binomial()))
  expect_same_information(information_both_ways(
    40, formula = count ~ x + offset(log(exposure)), gating = ~ u, data = d,
    family = poisson(), offset = 0.1 * u))
  expect_same_information(information_both_ways(
    31, formula = class ~ x, gating = ~ u, data = d, family = multinomial()))
  both <- information_both_ways(9, formula = y ~ x, gating = ~ u, fixed = ~ h, data = d,
                                control = moem_control(penalty = 0.5))
  expect_same_information(both)
  expect_true(any(diag(both$chunks$penalty) > 0))
})
