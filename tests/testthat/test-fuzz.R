# Malformed calls of the .Call entry points (src/ffi.c, src/checks.c) are R errors, not crashes:
# thousands of random argument lists by the fuzzer in fuzz-ffi.R, run in a child R process so
# that a crash fails the test instead of ending the test run; then one malformed call per check,
# whose message is pinned here.

# Runs `calls` fuzzed calls from seed `seed` in a child R process that loads the moem installed
# where this process found it; returns the child's output, with its exit status and the last
# call it made (its status file's last line) as attributes.
run_fuzzer <- function(seed, calls) {
  script <- tempfile("fuzz-", fileext = ".R")
  status <- tempfile("fuzz-status-")
  on.exit(unlink(c(script, status)), add = TRUE)
  file.copy(test_path("fuzz-ffi.R"), script)
  old <- Sys.getenv(c("R_LIBS", "R_TESTS"), unset = NA)
  on.exit(for (v in names(old)) {
    if (is.na(old[[v]])) Sys.unsetenv(v) else do.call(Sys.setenv, as.list(old[v]))
  }, add = TRUE)
  Sys.setenv(R_LIBS = paste(.libPaths(), collapse = .Platform$path.sep), R_TESTS = "")
  rscript <- file.path(R.home("bin"), "Rscript")
  out <- suppressWarnings(system2(rscript, c("--vanilla", shQuote(script), seed, calls,
                                             shQuote(status)),
                                  stdout = TRUE, stderr = TRUE, timeout = 600))
  attr(out, "exit") <- if (is.null(attr(out, "status"))) 0L else attr(out, "status")
  last <- if (file.exists(status)) utils::tail(readLines(status), 1L) else character()
  attr(out, "last") <- if (length(last)) last else "(none)"
  out
}

expect_fuzz_ok <- function(seed, calls) {
  out <- run_fuzzer(seed, calls)
  ok <- grep("^ok [0-9]+ [0-9]+", out, value = TRUE)
  report <- paste0("The fuzzer's child process failed (exit status ", attr(out, "exit"),
                   ") at its last call, ", attr(out, "last"), ".\nIts last output:\n",
                   paste(utils::tail(substr(out, 1L, 200L), 12L), collapse = "\n"))
  expect(attr(out, "exit") == 0L && length(ok) == 1L, report)
  if (length(ok) != 1L) return(invisible())
  counts <- as.integer(strsplit(trimws(ok), " ")[[1L]][2:3])
  expect_equal(counts[1L], calls)
  # the calls left unperturbed are accepted: no check is stricter than the R code's calls
  valid <- as.integer(strsplit(trimws(grep("^valid ", out, value = TRUE)), " ")[[1L]][2:3])
  expect_gt(valid[1L], calls / 20)
  expect_identical(valid[2L], 0L)
  # and the perturbed ones are not all rejected at the first check
  expect_gt(counts[1L] - counts[2L], calls / 10)
  expect_gt(counts[2L], calls / 3)
}

test_that("a thousand fuzzed calls of the entry points give R errors, no crash", {
  expect_fuzz_ok(seed = 20250101L, calls = 1000L)
})

test_that("thousands of fuzzed calls of the entry points give R errors, no crash", {
  skip_on_cran()
  expect_fuzz_ok(seed = 1L, calls = 6000L)
})

# ---- one malformed call per check ----

ffi <- function(name) getFromNamespace(name, "moem")

# A well-formed call of ffi_em (gaussian experts, K = 2) and ffi_estep, to break one argument at
# a time.
good_em <- function(family = 1L, K = 2L, M = 1L, n = 6L) {
  x <- cbind(1, seq_len(n) / n)
  y <- if (family == 3L) as.double(rep_len(0:M, n)) else as.double(rep_len(0:1, n))
  target <- if (family == 3L) {
    t <- matrix(0, n, M)
    t[cbind(which(y > 0), y[y > 0])] <- 1
    t
  } else if (family == 2L) y
  list(x = x, z = x, y = y, target = target, w = rep(1, n), size = NULL, offset_x = NULL,
       offset_z = NULL, dims = c(family, K, M, 0L, 0L), beta = matrix(0, 2L, M * K),
       gate = matrix(0, 2L, K), sigma = rep(1, K), post = rep_len(seq_len(K), n),
       control = list(maxit = 3L, tol = 1e-8, inner_maxit = 5L, inner_tol = 1e-10,
                      inner_slack = 0.1, sigma_min = 1e-6, min_weight = 1e-8,
                      fix_sigma = FALSE, equal_dispersion = FALSE, method = 1L, step = 0,
                      keep_path = FALSE, penalty_x = NULL, penalty_z = NULL, solver = 1L,
                      threads = 1L))
}

call_em <- function(a) do.call(.Call, c(list(ffi("ffi_em")), unname(a)), quote = TRUE)

call_estep <- function(a) {
  do.call(.Call, c(list(ffi("ffi_estep")), unname(a[1:12])), quote = TRUE)
}

with_arg <- function(a, name, value) {
  a[name] <- list(value)
  a
}

with_control <- function(a, name, value) {
  a$control[name] <- list(value)
  a
}

test_that("the well-formed calls used below are accepted", {
  expect_type(call_em(good_em()), "list")
  expect_type(call_em(good_em(family = 2L)), "list")
  expect_type(call_em(good_em(family = 3L, M = 2L)), "list")
  expect_type(call_estep(good_em()), "list")
  expect_type(call_estep(with_arg(good_em(family = 3L, M = 2L), "target", NULL)), "list")
})

test_that("ffi_em and ffi_estep reject malformed data, naming the argument", {
  a <- good_em()
  expect_error(call_em(with_arg(a, "x", as.vector(a$x))),
               "ffi_em: `x` must be a double matrix, not a double vector of length 12.",
               fixed = TRUE)
  expect_error(call_em(with_arg(a, "dims", c(1, 2, 1, 0, 0))),
               "ffi_em: `dims` must be an integer vector of length 5, not a double vector",
               fixed = TRUE)
  expect_error(call_em(with_arg(a, "dims", c(6L, 2L, 1L, 0L, 0L))),
               "ffi_em: `dims[1] (family)` must be in 1..5, not 6.", fixed = TRUE)
  expect_error(call_em(with_arg(a, "dims", c(1L, NA, 1L, 0L, 0L))),
               "ffi_em: `dims[2] (K)` must be in 1..", fixed = TRUE)
  expect_error(call_em(with_arg(a, "dims", c(1L, 2L, 2L, 0L, 0L))),
               "ffi_em: `dims[3] (M)` must be in 1..1, not 2.", fixed = TRUE)
  expect_error(call_em(with_arg(a, "dims", c(1L, 2L, 1L, 2L, 0L))),
               "ffi_em: `dims[4] (symmetric)` must be in 0..1, not 2.", fixed = TRUE)
  expect_error(call_em(with_arg(a, "dims", c(1L, 3L, 1L, 1L, 0L))),
               "ffi_em: `dims` asks for a symmetric model, which needs K = 2", fixed = TRUE)
  expect_error(call_em(with_arg(a, "dims", c(1L, 2L, 1L, 0L, 3L))),
               "ffi_em: `dims[5] (p_fixed)` must be in 0..2, not 3.", fixed = TRUE)
  expect_error(call_em(with_arg(a, "dims", c(4L, 2L, 1L, 1L, 0L))),
               "ffi_em: `dims` asks for a symmetric model", fixed = TRUE)
  expect_error(call_em(with_arg(a, "size", rep(2, 6L))),
               "ffi_em: `size` (binomial trials) is for binomial experts", fixed = TRUE)
  expect_error(call_em(with_control(with_arg(a, "dims", c(4L, 2L, 1L, 0L, 0L)), "method", 2L)),
               "ffi_em: gradient EM needs experts whose curvature is bounded", fixed = TRUE)
  expect_error(call_em(with_control(with_arg(a, "dims", c(1L, 2L, 1L, 0L, 1L)), "penalty_x",
                                    c(0, 1))),
               "ffi_em: `control$penalty_x` must be 0 on the shared coefficients.", fixed = TRUE)
  expect_error(call_em(with_arg(a, "dims", c(3L, 1e6L, 1000L, 0L, 0L))),
               paste0("ffi_em: `dims` asks for K = 1000000 experts with M = 1000 predictors ",
                      "each: too many."),
               fixed = TRUE)
  expect_error(call_em(with_arg(a, "z", a$z[-1L, ])),
               "ffi_em: `z` must have as many rows as `x` (6), not 5.", fixed = TRUE)
  expect_error(call_em(with_arg(a, "y", a$y[-1L])),
               paste0("ffi_em: `y` must be a double vector of length 6 (or a 6 x 1 matrix), not ",
                      "a double vector of length 5."),
               fixed = TRUE)
  expect_error(call_em(with_arg(a, "w", rep(1L, 6L))),
               paste0("ffi_em: `w` must be a double vector of length 6 (or a 6 x 1 matrix), not ",
                      "an integer vector of length 6."),
               fixed = TRUE)
  expect_error(call_em(with_arg(a, "offset_x", matrix(0, 6L, 2L))),
               paste0("ffi_em: `offset_x` must be NULL or a double vector of length 6 (or a 6 x ",
                      "1 matrix), not a 6 x 2 double matrix."),
               fixed = TRUE)
  expect_error(call_em(with_arg(a, "offset_z", matrix(0, 5L, 1L))),
               "ffi_em: `offset_z` must be NULL or a double vector of length 6",
               fixed = TRUE)
  expect_error(call_em(with_arg(a, "beta", matrix(0, 2L, 3L))),
               "ffi_em: `beta` must be a 2 x 2 double matrix, not a 2 x 3 double matrix.",
               fixed = TRUE)
  expect_error(call_em(with_arg(a, "gate", t(a$gate[, 1L]))),
               "ffi_em: `gate` must be a 2 x 2 double matrix, not a 1 x 2 double matrix.",
               fixed = TRUE)
  expect_error(call_em(with_arg(a, "sigma", 1)),
               paste0("ffi_em: `sigma` must be a double vector of length 2 (or a 2 x 1 matrix), ",
                      "not a double vector of length 1."),
               fixed = TRUE)
  # binomial and multinomial experts need their targets; class codes become indices
  b <- good_em(family = 2L)
  expect_error(call_em(with_arg(b, "target", NULL)),
               paste0("ffi_em: `target` must be a double vector of length 6 (or a 6 x 1 ",
                      "matrix), not NULL."),
               fixed = TRUE)
  m <- good_em(family = 3L, M = 2L)
  expect_error(call_em(with_arg(m, "target", m$target[, 1L])),
               "ffi_em: `target` must be a 6 x 2 double matrix, not a double vector of length 6.",
               fixed = TRUE)
  expect_error(call_em(with_arg(m, "y", replace(m$y, 4L, 3))),
               "ffi_em: `y` must hold class codes 0..2, not 3 (element 4).", fixed = TRUE)
  expect_error(call_estep(with_arg(m, "y", replace(m$y, 2L, NaN))),
               "ffi_estep: `y` must hold class codes 0..2, not NaN (element 2).", fixed = TRUE)
  expect_error(call_estep(with_arg(m, "y", replace(m$y, 2L, 0.5))),
               "ffi_estep: `y` must hold class codes 0..2, not 0.5 (element 2).", fixed = TRUE)
  # two classes (M = 1) are class codes too
  m1 <- good_em(family = 3L, M = 1L)
  expect_error(call_em(with_arg(m1, "y", replace(m1$y, 2L, 5))),
               "ffi_em: `y` must hold class codes 0..1, not 5 (element 2).", fixed = TRUE)
  expect_error(call_estep(with_arg(a, "x", NULL)),
               "ffi_estep: `x` must be a double matrix, not NULL.", fixed = TRUE)
})

test_that("ffi_em rejects a malformed start", {
  a <- good_em()
  expect_error(call_em(with_arg(a, "post", replace(a$post, 3L, 3L))),
               "ffi_em: `post` must hold expert labels 1..2, not 3 (element 3).", fixed = TRUE)
  expect_error(call_em(with_arg(a, "post", replace(a$post, 1L, NA))),
               "ffi_em: `post` must hold expert labels 1..2, not NA (element 1).", fixed = TRUE)
  expect_error(call_em(with_arg(a, "post", a$post[-1L])),
               paste0("ffi_em: `post` must be an integer vector of length 6, not an integer ",
                      "vector of length 5."),
               fixed = TRUE)
  expect_error(call_em(with_arg(a, "post", matrix(0.5, 6L, 3L))),
               "ffi_em: `post` must be a 6 x 2 double matrix, not a 6 x 3 double matrix.",
               fixed = TRUE)
  expect_error(call_em(with_arg(a, "post", a$post == 1L)),
               "ffi_em: `post` must be a 6 x 2 double matrix, not a logical vector of length 6.",
               fixed = TRUE)
})

test_that("ffi_em rejects malformed settings", {
  a <- good_em()
  expect_error(call_em(with_arg(a, "control", unname(a$control))),
               "ffi_em: `control` must be a named list, not a list of length 16.", fixed = TRUE)
  expect_error(call_em(with_arg(a, "control", a$control[-1L])),
               "ffi_em: `control` has no element `maxit`.", fixed = TRUE)
  expect_error(call_em(with_control(a, "maxit", 3)),
               "ffi_em: `control$maxit` must be one integer, not a double vector of length 1.",
               fixed = TRUE)
  expect_error(call_em(with_control(a, "maxit", NA_integer_)),
               "ffi_em: `control$maxit` must be in 0..1000000, not NA.", fixed = TRUE)
  expect_error(call_em(with_control(a, "maxit", .Machine$integer.max)),
               "ffi_em: `control$maxit` must be in 0..1000000, not 2147483647.", fixed = TRUE)
  expect_error(call_em(with_control(a, "inner_maxit", 0L)),
               "ffi_em: `control$inner_maxit` must be in 1..", fixed = TRUE)
  expect_error(call_em(with_control(a, "method", 4L)),
               "ffi_em: `control$method` must be in 1..3, not 4.", fixed = TRUE)
  expect_error(call_em(with_control(a, "solver", 0L)),
               "ffi_em: `control$solver` must be in 1..2, not 0.", fixed = TRUE)
  expect_error(call_em(with_control(a, "threads", 0L)),
               "ffi_em: `control$threads` must be in 1..", fixed = TRUE)
  expect_error(call_em(with_control(a, "tol", -1)),
               "ffi_em: `control$tol` must be one finite double >= 0, not -1.", fixed = TRUE)
  expect_error(call_em(with_control(a, "inner_tol", 0)),
               "ffi_em: `control$inner_tol` must be one finite double > 0, not 0.", fixed = TRUE)
  expect_error(call_em(with_control(a, "sigma_min", NaN)),
               "ffi_em: `control$sigma_min` must be one finite double > 0, not NaN.",
               fixed = TRUE)
  expect_error(call_em(with_control(a, "step", c(0, 1))),
               paste0("ffi_em: `control$step` must be one finite double >= 0, not a double ",
                      "vector of length 2."),
               fixed = TRUE)
  expect_error(call_em(with_control(a, "fix_sigma", NA)),
               "ffi_em: `control$fix_sigma` must be TRUE or FALSE, not NA.", fixed = TRUE)
  expect_error(call_em(with_control(a, "penalty_x", c(0, 1, 1))),
               paste0("ffi_em: `control$penalty_x` must be NULL or a double vector of length 2 ",
                      "(or a 2 x 1 matrix), not a double vector of length 3."),
               fixed = TRUE)
  # the first element of a name is the one read
  bad_first <- with_arg(a, "control", c(list(solver = 5L), a$control))
  expect_error(call_em(bad_first), "ffi_em: `control$solver` must be in 1..2, not 5.",
               fixed = TRUE)
})

test_that("the other entry points reject malformed arguments", {
  x <- matrix(rnorm(12), 6, 2)
  w <- rep(1, 6)
  layout <- function(...) .Call(ffi("ffi_par_layout"), ...)
  expect_identical(layout(c(1L, 2L, 1L, 0L, 1L), 3L, 2L, c(0L, 1L)),
                   c(experts = 4L, fixed = 1L, gating = 2L, dispersion = 1L))
  expect_error(layout(c(1L, 2L, 1L, 0L, 4L), 3L, 2L, c(0L, 1L)),
               "ffi_par_layout: `dims[5] (p_fixed)` must be in 0..3, not 4.", fixed = TRUE)
  expect_error(layout(c(1L, 2L, 1L, 0L, 0L), 3L, 2L, 1L),
               "ffi_par_layout: `dispersion` must be an integer vector of length 2",
               fixed = TRUE)
  aliased <- function(...) .Call(ffi("ffi_aliased"), ...)
  expect_error(aliased(x, w[-1L], 1e-7),
               paste0("ffi_aliased: `w` must be a double vector of length 6 (or a 6 x 1 ",
                      "matrix), not a double vector of length 5."),
               fixed = TRUE)
  expect_error(aliased(x, w, NULL), "ffi_aliased: `tol` must be one double, not NULL.",
               fixed = TRUE)
  expect_error(aliased(1:6, w, 1e-7),
               "ffi_aliased: `x` must be a double matrix, not an integer vector of length 6.",
               fixed = TRUE)
  scan <- function(...) .Call(ffi("ffi_column_scan"), ...)
  expect_identical(scan(x, NULL, 1e150), c(0L, 0L))
  expect_error(scan(x, w[-1L], 1e150),
               "ffi_column_scan: `w` must be NULL or a double vector of length 6", fixed = TRUE)
  expect_error(scan(x, w, "big"),
               "ffi_column_scan: `limit` must be one double, not a character vector of length 1.",
               fixed = TRUE)
  expect_error(scan(list(1), w, 1e150),
               "ffi_column_scan: `x` must be a double vector, not a list of length 1.",
               fixed = TRUE)
  sd <- function(...) .Call(ffi("ffi_weighted_sd"), ...)
  expect_error(sd(rnorm(6), w[-1L]),
               paste0("ffi_weighted_sd: `w` must be a double vector of length 6 (or a 6 x 1 ",
                      "matrix), not a double vector of length 5."),
               fixed = TRUE)
  expect_error(sd(sum, w), "ffi_weighted_sd: `y` must be a double vector, not a builtin.",
               fixed = TRUE)
  expect_error(.Call(ffi("ffi_exp_block"), 1:3),
               "ffi_exp_block: `x` must be a double vector, not an integer vector of length 3.",
               fixed = TRUE)
})

test_that("non-finite data that pass the checks give NaN or -Inf, not a crash", {
  a <- good_em()
  a$x[2L, 2L] <- NaN
  a$w[3L] <- Inf
  a$sigma[1L] <- -1
  expect_type(call_em(a), "list")
  expect_type(call_estep(a), "list")
  b <- good_em(family = 2L)
  b$y[1L] <- NA
  b$target <- b$y
  expect_type(call_em(b), "list")
})
