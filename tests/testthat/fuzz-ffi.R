# A fuzzer of moem's .Call entry points (src/ffi.c, src/checks.c), run by test-fuzz.R in a child
# R process, so that a crash fails that test instead of ending the test run.  By hand:
#
#     Rscript fuzz-ffi.R <seed> <calls> <status file> [<first case> [<message file>]]
#
# Case i (first .. first + calls - 1) is drawn from the seed seed + i: a mostly valid call of one
# entry point (data, parameters and settings as the R code makes them) with none to a few
# perturbations (an argument replaced by a value of another type, rows or columns added or
# dropped, a code out of range, an element of `control` missing or wrong, NA, NaN, Inf or huge
# values, ...).  Before each call the child writes the case's number and description to the
# status file, so that after a crash its last line names the call that crashed; `Rscript fuzz-ffi.R
# <seed> 1 <file> <case>` repeats it.  Each call is wrapped in tryCatch(): an R error is the
# expected answer to a malformed call.  The child ends by printing a line per entry point
# ("entry <name> <calls> <errors>"), one for the unperturbed calls ("valid <calls> <errors>",
# where an error is a check too strict) and "ok <calls> <errors>".

args <- commandArgs(trailingOnly = TRUE)
seed <- as.integer(args[1])
calls <- as.integer(args[2])
status_file <- args[3]
first <- if (length(args) >= 4L) as.integer(args[4]) else 1L
message_file <- if (length(args) >= 5L) args[5] # the error messages, to see what is tested
suppressPackageStartupMessages(library(moem))
ns <- asNamespace("moem")

INT_MAX <- .Machine$integer.max
chance <- function(p) stats::runif(1) < p
pick <- function(x) x[[sample.int(length(x), 1L)]]

# Values of any type and length, with the nasty values of each type.
garbage <- function(len = sample(c(0:3, 5L, 10L), 1L)) {
  switch(sample.int(13L, 1L),
    NULL,
    sample(c(TRUE, FALSE, NA), len, TRUE),
    sample(c(-2L, -1L, 0L, 1L, 2L, 3L, 4L, NA, -INT_MAX), len, TRUE),
    sample(c(0, 1, -1, 0.5, 2, 3, NaN, NA, Inf, -Inf, 1e308, -1e308, 2^31, 1e-310), len, TRUE),
    letters[seq_len(len)],
    as.list(seq_len(len)),
    matrix(stats::rnorm(len * 2L), len, 2L),
    matrix(sample(0:3, len * 2L, TRUE), len, 2L),
    complex(len),
    as.raw(seq_len(len)),
    pick(list(quote(f(x)), as.name("x"), function(x) x, globalenv(), ~x)),
    factor(letters[seq_len(len)]),
    array(stats::runif(8), c(2L, 2L, 2L))
  )
}

# Huge, negative, zero and non-finite values of a scalar, in its type or another.
odd_scalar <- function() {
  pick(list(NA, NA_integer_, NA_real_, NaN, Inf, -Inf, -1L, -1, 0L, 0, 1e9, 1e300, INT_MAX,
            -INT_MAX, 2^31, 0.5, 1.5, -0.5, "1", TRUE, FALSE, NULL, 1:2, c(1, 2), integer(),
            double(), list(1L)))
}

# ---- valid calls, as the R code makes them ----

# A model: dims, data, parameters, a start and the settings of ffi_em.
valid_model <- function() {
  # families 1..5: gaussian, binomial, multinomial, poisson, Gamma (src/families.c)
  family <- sample(1:5, 1L)
  M <- if (family == 3L) sample(1:3, 1L) else 1L
  symmetric <- family %in% 1:2 && chance(0.15)
  K <- if (symmetric) 2L else sample(1:4, 1L, prob = c(0.15, 0.45, 0.25, 0.15))
  n <- if (chance(0.04)) sample(1025:2600, 1L) else sample(c(0:12, 20L, 40L, 60L), 1L)
  p <- sample(0:4, 1L, prob = c(0.05, 0.35, 0.3, 0.2, 0.1))
  x <- matrix(stats::rnorm(n * p), n, p)
  if (p > 0L && chance(0.7)) x[, 1L] <- 1
  if (chance(0.4)) {
    z <- x
  } else {
    q <- sample(0:4, 1L, prob = c(0.05, 0.35, 0.3, 0.2, 0.1))
    z <- matrix(stats::rnorm(n * q), n, q)
    if (q > 0L && chance(0.7)) z[, 1L] <- 1
  }
  q <- ncol(z)
  trials <- family == 2L && !symmetric && chance(0.3)
  size <- if (trials) as.double(sample(0:5, n, TRUE))
  y <- switch(family, stats::rnorm(n),
              if (trials) as.double(ifelse(size > 0, stats::rbinom(n, size, 0.5) / pmax(size, 1), 0)) else
                as.double(stats::rbinom(n, 1L, 0.5)),
              as.double(sample(0:M, n, TRUE)), as.double(stats::rpois(n, 3)),
              stats::rgamma(n, 2, 1))
  p_fixed <- if (family != 3L && !symmetric && p > 0L && chance(0.2)) sample.int(p, 1L) else 0L
  target <- switch(family, NULL, y, {
    t <- matrix(0, n, M)
    t[cbind(which(y > 0), y[y > 0])] <- 1
    t
  }, NULL, NULL)
  w <- if (chance(0.6)) rep(1, n) else stats::runif(n) * (stats::runif(n) > 0.1)
  offset_x <- if (!symmetric && chance(0.2)) matrix(stats::rnorm(n * M), n, M)
  offset_z <- if (!symmetric && K > 1L && chance(0.2)) matrix(stats::rnorm(n * (K - 1L)), n, K - 1L)
  beta <- matrix(stats::rnorm(p * M * K, sd = 0.5), p, M * K)
  if (symmetric) beta[, 2L] <- -beta[, 1L]
  if (p_fixed > 0L) beta[p - seq_len(p_fixed) + 1L, ] <- beta[p - seq_len(p_fixed) + 1L, 1L]
  gate <- matrix(c(rep(0, q), stats::rnorm(q * (K - 1L), sd = 0.5)), q, K)
  sigma <- if (symmetric) rep(stats::runif(1, 0.5, 2), 2L) else stats::runif(K, 0.5, 2)
  post <- switch(sample.int(3L, 1L),
    NULL,
    sample(rep_len(seq_len(K), n)),
    {
      m <- matrix(stats::runif(n * K), n, K)
      m / rowSums(m)
    }
  )
  bounded <- family %in% 1:3 && !trials && p_fixed == 0L
  penalty_x <- if (!symmetric && chance(0.2)) stats::runif(p)
  if (!is.null(penalty_x) && p_fixed > 0L) penalty_x[p - seq_len(p_fixed) + 1L] <- 0
  fix_sigma <- family == 1L && chance(0.2)
  equal <- family %in% c(1L, 5L) && !fix_sigma && chance(0.3)
  if (equal) sigma[] <- sigma[1L]
  control <- list(
    maxit = sample(0:5, 1L), tol = pick(list(1e-8, 0)), inner_maxit = sample(1:10, 1L),
    inner_tol = 1e-10, inner_slack = pick(list(0.1, 0)), sigma_min = 1e-6,
    min_weight = 1e-8 * sum(w), fix_sigma = fix_sigma, equal_dispersion = equal,
    method = sample(if (bounded) 1:3 else c(1L, 3L), 1L),
    step = if (chance(0.3)) stats::runif(1, 0.01, 1) else 0,
    keep_path = chance(0.3), penalty_x = penalty_x,
    penalty_z = if (!symmetric && chance(0.2)) stats::runif(q),
    solver = sample(1:2, 1L), threads = sample(1:4, 1L))
  if (chance(0.3)) control <- control[sample(names(control))]
  list(x = x, z = z, y = y, target = target, w = w, size = size, offset_x = offset_x,
       offset_z = offset_z, dims = as.integer(c(family, K, M, symmetric, p_fixed)), beta = beta,
       gate = gate, sigma = sigma, post = post, control = control)
}

valid_call <- function(entry) {
  switch(entry,
    ffi_em = valid_model(),
    ffi_estep = {
      m <- valid_model()
      if (chance(0.6)) m["target"] <- list(NULL) # as predict() calls it
      m[c("x", "z", "y", "target", "w", "size", "offset_x", "offset_z", "dims", "beta", "gate",
          "sigma")]
    },
    ffi_aliased = {
      n <- sample(c(0:10, 50L, 1100L), 1L)
      p <- sample(0:5, 1L)
      x <- matrix(stats::rnorm(n * p), n, p)
      if (p > 1L && chance(0.5)) x[, p] <- x[, 1L]
      list(x = x, w = stats::runif(n), tol = 1e-7)
    },
    ffi_column_scan = {
      n <- sample(c(0:10, 50L), 1L)
      x <- if (chance(0.3)) stats::rnorm(n) else matrix(stats::rnorm(n * 3L), n, 3L)
      list(x = x, w = if (chance(0.5)) stats::runif(n), limit = 1e150)
    },
    ffi_weighted_sd = {
      n <- sample(c(0:10, 50L), 1L)
      list(y = stats::rnorm(n), w = stats::runif(n))
    },
    ffi_exp_block = list(x = stats::rnorm(sample(0:20, 1L), sd = 300)),
    ffi_par_layout = {
      m <- valid_model()
      list(dims = m$dims, p = ncol(m$x), q = ncol(m$z),
           dispersion = as.integer(c(m$control$fix_sigma, m$control$equal_dispersion)))
    }
  )
}

# ---- perturbations: each takes the argument list and returns it changed, with a label ----

perturbed <- function(a, label) list(args = a, label = label)

set_arg <- function(a, name, value) {
  a[name] <- list(value)
  a
}

# rows or columns added or dropped, a transpose, the dim attribute dropped or changed
reshape <- function(v) {
  len <- length(v)
  d <- dim(v)
  if (is.null(d)) d <- c(len, 1L)
  rows <- d[1L]
  cols <- if (length(d) >= 2L) d[2L] else 1L
  fill <- function(r, cc) matrix(if (is.numeric(v)) v[1L] else 0, r, cc) + 0
  switch(sample.int(9L, 1L),
    if (rows > 0L) v[-1L, , drop = FALSE] else fill(1L, cols),
    rbind(v, if (rows > 0L) v[1L, , drop = FALSE] else fill(1L, cols)),
    if (cols > 0L) as.matrix(v)[, -1L, drop = FALSE] else fill(rows, 1L),
    cbind(v, if (cols > 0L) as.matrix(v)[, 1L] else 0),
    t(v),
    as.vector(v),
    {
      dim(v) <- c(len, 1L)
      v
    },
    array(v, c(rows, max(cols, 1L), 1L)),
    v[0L]
  )
}

retype <- function(v) {
  out <- switch(sample.int(6L, 1L),
    suppressWarnings(as.integer(v)), as.logical(v), as.character(v), as.list(v),
    as.complex(v), as.raw(abs(suppressWarnings(as.integer(v))) %% 256L))
  if (!is.null(dim(v)) && !is.list(out)) dim(out) <- dim(v)
  out
}

# random elements set to nasty values of the argument's type
poison <- function(v) {
  if (!length(v)) return(v)
  i <- sample.int(length(v), sample.int(min(3L, length(v)), 1L))
  if (is.integer(v)) {
    v[i] <- sample(c(NA, -1L, 0L, INT_MAX, -INT_MAX, 5L, 100L), length(i), TRUE)
  } else if (is.double(v)) {
    v[i] <- sample(c(NA, NaN, Inf, -Inf, -1, 0, 1e308, -1e308, 1e-310, 0.5, 1e10), length(i),
                   TRUE)
  } else if (is.logical(v)) {
    v[i] <- NA
  }
  v
}

data_args <- c("x", "z", "y", "target", "w", "size", "offset_x", "offset_z", "beta", "gate",
               "sigma", "post")
control_integers <- c("maxit", "inner_maxit", "method", "solver", "threads")
control_doubles <- c("tol", "inner_tol", "inner_slack", "sigma_min", "min_weight", "step")
control_logicals <- c("fix_sigma", "keep_path")

perturb_control <- function(ctl) {
  name <- pick(names(ctl))
  switch(sample.int(9L, 1L),
    perturbed(ctl[names(ctl) != name], paste("control without", name)),
    {
      names(ctl)[names(ctl) == name] <- paste0(name, "_")
      perturbed(ctl, paste("control with", name, "misnamed"))
    },
    perturbed(set_arg(ctl, name, garbage()), paste("control$", name, " garbage")),
    perturbed(set_arg(ctl, name, odd_scalar()), paste("control$", name, " odd scalar")),
    {
      # a bad value first: the first element of a name is the one read
      bad <- list(odd_scalar())
      names(bad) <- name
      perturbed(c(bad, ctl), paste("control with a bad", name, "first"))
    },
    {
      if (name %in% c("penalty_x", "penalty_z")) {
        v <- if (is.null(ctl[[name]])) stats::runif(sample(0:6, 1L)) else reshape(ctl[[name]])
        perturbed(set_arg(ctl, name, v), paste("control$", name, " resized"))
      } else {
        perturbed(set_arg(ctl, name, retype(ctl[[name]])), paste("control$", name, " retyped"))
      }
    },
    {
      v <- switch(name,
        maxit = pick(list(-1L, 1000001L, INT_MAX, NA_integer_, 1e9)),
        inner_maxit = pick(list(0L, -1L, NA_integer_, -INT_MAX)),
        method = pick(list(0L, 4L, -1L, NA_integer_, INT_MAX)),
        solver = pick(list(0L, 3L, NA_integer_, -5L)),
        threads = pick(list(0L, -1L, NA_integer_, INT_MAX, 17L, 1024L)),
        fix_sigma = , keep_path = pick(list(NA, 2L, "TRUE")),
        penalty_x = , penalty_z = pick(list(-1, NaN, Inf, NA_real_)),
        pick(list(-1, NaN, Inf, -Inf, NA_real_, 0, 1e308)))
      perturbed(set_arg(ctl, name, v), paste("control$", name, " out of range"))
    },
    perturbed(unname(ctl), "control unnamed"),
    perturbed(garbage(), "control garbage")
  )
}

perturb <- function(a, entry) {
  names_a <- names(a)
  name <- pick(names_a)
  kind <- if (entry %in% c("ffi_em", "ffi_estep")) {
    sample.int(11L, 1L, prob = c(1, 1, 1, 1, 1, 1, if (entry == "ffi_em") 3 else 1, 1, 1, 0.7, 0.7))
  } else {
    sample.int(5L, 1L)
  }
  switch(kind,
    perturbed(set_arg(a, name, garbage()), paste(name, "garbage")),
    perturbed(set_arg(a, name, if (is.null(a[[name]])) garbage() else reshape(a[[name]])),
              paste(name, "reshaped")),
    perturbed(set_arg(a, name, if (is.null(a[[name]])) garbage() else retype(a[[name]])),
              paste(name, "retyped")),
    perturbed(set_arg(a, name, poison(a[[name]])), paste(name, "poisoned")),
    perturbed(set_arg(a, name, odd_scalar()), paste(name, "odd scalar")),
    {
      # dims: a value out of range, or the wrong length or type
      d <- a$dims
      j <- sample.int(4L, 1L)
      switch(sample.int(4L, 1L),
        d[j] <- pick(list(0L, -1L, 4L, 2L, 3L, NA_integer_, INT_MAX, -INT_MAX, 1L, 100L)),
        d <- d[-j],
        d <- c(d, 1L),
        d <- as.double(d))
      perturbed(set_arg(a, "dims", d), paste("dims changed at", j))
    },
    if (entry == "ffi_em") {
      cp <- perturb_control(a$control)
      perturbed(set_arg(a, "control", cp$args), cp$label)
    } else {
      perturbed(a[-sample.int(length(a), 1L)], "an argument missing")
    },
    {
      # class codes of a multinomial response, or of any response
      y <- a$y
      if (length(y)) {
        i <- sample.int(length(y), 1L)
        y[i] <- pick(list(-1, a$dims[3L] + 1, NaN, Inf, -Inf, NA, 0.5, 1e10, -1e10, 2^31,
                          -2^31 - 1, 1e300))
      }
      perturbed(set_arg(a, "y", y), "y codes out of range")
    },
    if (entry == "ffi_em") {
      # labels of the start out of range, or labels of another type
      K <- suppressWarnings(as.integer(a$dims[2L]))
      if (length(K) != 1L || is.na(K) || K < 1L || K > 100L) K <- 3L # (not a huge seq_len)
      n <- length(a$y)
      post <- sample(rep_len(seq_len(K), n))
      if (n > 0L) post[sample.int(n, 1L)] <- pick(list(0L, K + 1L, -1L, NA_integer_, INT_MAX))
      post <- switch(sample.int(4L, 1L), post, as.double(post), as.logical(post),
                     matrix(post, n, 1L))
      perturbed(set_arg(a, "post", post), "post labels out of range")
    } else {
      perturbed(set_arg(a, "sigma", pick(list(-1, 0, NaN, Inf))), "sigma odd")
    },
    {
      # dims claims another K or M, with the parameters made to match it but not the data
      d <- a$dims
      d[2L] <- sample(1:5, 1L)
      if (chance(0.5)) d[3L] <- sample(1:4, 1L)
      p <- NCOL(a$x)
      q <- NCOL(a$z)
      a$beta <- matrix(0, p, d[3L] * d[2L])
      a$gate <- matrix(0, q, d[2L])
      a$sigma <- rep(1, d[2L])
      perturbed(set_arg(a, "dims", d), "K or M changed in dims and the parameters")
    },
    {
      # two arguments swapped
      pair <- sample(intersect(data_args, names_a), 2L)
      a[pair] <- a[rev(pair)]
      perturbed(a, paste("swapped", paste(pair, collapse = " and ")))
    }
  )
}

fuzz_case <- function(i) {
  set.seed(seed + i)
  entry <- sample(c("ffi_em", "ffi_estep", "ffi_aliased", "ffi_column_scan", "ffi_weighted_sd",
                    "ffi_exp_block"), 1L, prob = c(0.45, 0.3, 0.08, 0.07, 0.05, 0.05))
  a <- valid_call(entry)
  labels <- character()
  for (j in seq_len(sample(0:3, 1L, prob = c(0.15, 0.5, 0.25, 0.1)))) {
    r <- tryCatch(perturb(a, entry), error = function(e) NULL) # (a value that does not convert)
    if (is.null(r)) next
    a <- r$args
    labels <- c(labels, r$label)
  }
  list(entry = entry, args = a, label = if (length(labels)) paste(labels, collapse = "; ") else
    "valid")
}

entries <- c("ffi_em", "ffi_estep", "ffi_aliased", "ffi_column_scan", "ffi_weighted_sd",
             "ffi_exp_block", "ffi_par_layout")
count <- errors <- setNames(integer(length(entries)), entries)
valid <- valid_errors <- 0L
status <- file(status_file, "w") # a line a case, flushed: its last line names the last call
for (i in seq.int(first, length.out = calls)) {
  case <- suppressWarnings(fuzz_case(i))
  writeLines(sprintf("case %d (seed %d): %s, %s", i, seed, case$entry, case$label), status)
  flush(status)
  message <- tryCatch({
    suppressWarnings(do.call(.Call, c(list(ns[[case$entry]]), unname(case$args)),
                             quote = TRUE))
    NULL
  }, error = function(e) conditionMessage(e))
  if (!is.null(message_file) && !is.null(message)) {
    cat(case$entry, "|", case$label, "|", message, "\n", file = message_file, append = TRUE)
  }
  count[case$entry] <- count[case$entry] + 1L
  errors[case$entry] <- errors[case$entry] + !is.null(message)
  if (case$label == "valid") {
    valid <- valid + 1L
    valid_errors <- valid_errors + !is.null(message)
  }
}
for (e in entries) cat("entry", e, count[[e]], errors[[e]], "\n")
cat("valid", valid, valid_errors, "\n")
close(status)
cat("ok", sum(count), sum(errors), "\n")
