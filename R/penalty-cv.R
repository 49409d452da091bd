#' A ridge penalty chosen by cross-validation
#'
#' Given as `moem_control(penalty = penalty_cv())` (or `penalty = "cv"`, its defaults), the
#' fit chooses its ridge penalty itself: the observations are split at random into `folds`
#' folds; for each penalty of the grid and each fold, the model is fitted to the other folds
#' and its log-likelihood computed on the fold held out; the penalty with the highest
#' held-out log-likelihood, summed over the folds, is chosen, and the model fitted to all the
#' observations with it. The same penalty applies to the experts and to the gate.
#'
#' The held-out log-likelihood is the mixture's log-density of the held-out responses (with
#' their case weights), at the parameters fitted without them: the criterion that the
#' penalty's shrinkage trades against the fit. The folds come from R's random number
#' generator, so [set.seed()] repeats them; every fit of the grid, fold by fold, starts as
#' the final fit does (from `init`, with `nstart` starts; an `init` matrix of posterior
#' probabilities is subset to the fold's rows); their warnings (a degenerate expert, no
#' convergence) are not shown, the final fit's are.
#'
#' The penalty \eqn{\lambda}{lambda} is on the scale of the log-likelihood, a sum over the
#' observations: it shrinks a coefficient as \eqn{\lambda}{lambda} / (the sum of its
#' covariate's squares over the observations an expert holds) observations' worth of
#' information would. The default grid, 0.1 to 1000 in nine steps equal on the log scale,
#' suits covariates of unit scale and a few hundred to tens of thousands of observations;
#' give another for other data. The fits of a large data set can be many: `subsample` runs
#' the cross-validation on a random subset of the observations (the final fit uses them
#' all). The choice is then the best penalty for fits of the subsample's size, which need
#' not be the best for all the observations: on Fashion-MNIST (`bench/RESULTS.md` in the
#' sources), the cross-validation on 4000 or 10000 images per fit chose 10, where 30 was
#' better for the fit on all 60000; on all 60000 (3 folds of 40000) it chose 30, the
#' experiment's penalty, and reached its test accuracy.
#'
#' @param grid The penalties to try, at least two numbers >= 0.
#' @param folds Number of folds, a whole number >= 2 (and at most the number of observations).
#' @param subsample `NULL` (all observations), or the number of observations, drawn at random,
#'   on which the folds are made.
#' @return An object of class `"moem_penalty_cv"`, a list of `grid`, `folds` and `subsample`,
#'   for [moem_control()]. The fit then has a component `penalty_cv`: a list of `curve` (a
#'   data frame of the grid's `penalty`, the held-out log-likelihood `loglik` summed over the
#'   folds and its standard error `se`, \eqn{\sqrt{F}}{sqrt(F)} times the standard deviation
#'   of the F folds' sums), `chosen` (the penalty of the highest `loglik`), `folds` (each
#'   observation's fold, `NA` outside the subsample) and `fold_loglik` (the held-out
#'   log-likelihoods, a grid x folds matrix); its `control$penalty` is the chosen one.
#' @seealso [moem_control()], [moem()].
#' @examples
#' set.seed(1)
#' x <- matrix(rnorm(200 * 10), 200)
#' colnames(x) <- paste0("x", 1:10)
#' d <- data.frame(y = x[, 1] + ifelse(x[, 2] > 0, 1, -1) + rnorm(200, sd = 0.5), x)
#' fit <- moem(y ~ ., data = d, K = 2, gating = ~ x2,
#'             control = moem_control(penalty = penalty_cv(grid = c(0.1, 1, 10, 100),
#'                                                         folds = 3)))
#' fit$penalty_cv$curve
#' fit$penalty_cv$chosen
#' @export
penalty_cv <- function(grid = 10^seq(-1, 3, length.out = 9), folds = 5, subsample = NULL) {
  call <- sys.call()
  if (!is.numeric(grid) || length(grid) < 2L || any(!is.finite(grid)) || any(grid < 0) ||
      anyDuplicated(grid)) {
    abort("`grid` must be two or more distinct numbers >= 0, not ", describe(grid), ".",
          call = call)
  }
  if (!is_whole(folds, 2)) {
    abort("`folds` must be a whole number >= 2, not ", describe(folds), ".", call = call)
  }
  if (!is.null(subsample) && !is_whole(subsample, folds)) {
    abort("`subsample` must be NULL or a whole number >= `folds` (", folds, "), not ",
          describe(subsample), ".", call = call)
  }
  structure(list(grid = sort(as.double(grid)), folds = as.integer(folds),
                 subsample = if (!is.null(subsample)) as.integer(subsample)),
            class = "moem_penalty_cv")
}

is_penalty_cv <- function(penalty) inherits(penalty, "moem_penalty_cv")

#' @export
format.moem_penalty_cv <- function(x, ...) {
  paste0("cross-validated: ", x$folds, " folds",
         if (!is.null(x$subsample)) paste0(" of ", x$subsample, " observations"), ", ",
         length(x$grid), " values from ", signif(min(x$grid), 3L), " to ",
         signif(max(x$grid), 3L))
}

#' @export
print.moem_penalty_cv <- function(x, ...) {
  cat("Ridge penalty, ", format(x), "\n", sep = "")
  invisible(x)
}

# The fit whose penalty the cross-validation chooses.  `args`: the arguments of fit_matrices(),
# whose control's penalty is a penalty_cv().
fit_cv_penalty <- function(args) {
  spec <- args$control$penalty
  call <- args$call
  if (isTRUE(args$symmetric)) {
    abort("`symmetric = TRUE` has no ridge `penalty` in moem_control().", call = call)
  }
  n <- NROW(args$x)
  rows <- seq_len(n)
  if (!is.null(spec$subsample)) {
    if (spec$subsample > n) {
      abort("The penalty's `subsample` (", spec$subsample, ") is more than the number of ",
            "observations (", n, ").", call = call)
    }
    rows <- sort(sample.int(n, spec$subsample))
  }
  if (spec$folds > length(rows)) {
    abort("The penalty's `folds` (", spec$folds, ") are more than the observations (",
          length(rows), ").", call = call)
  }
  fold <- sample(rep_len(seq_len(spec$folds), length(rows)))
  held_out <- matrix(NA_real_, length(spec$grid), spec$folds)
  for (f in seq_len(spec$folds)) {
    train <- rows[fold != f]
    test <- rows[fold == f]
    for (j in seq_along(spec$grid)) {
      fit <- suppressWarnings(do.call(fit_matrices, rows_of_args(args, train, spec$grid[j]),
                                      quote = TRUE))
      held_out[j, f] <- heldout_loglik(fit, args, test)
    }
  }
  loglik <- rowSums(held_out)
  curve <- data.frame(penalty = spec$grid, loglik = loglik,
                      se = sqrt(spec$folds) * apply(held_out, 1L, stats::sd))
  chosen <- spec$grid[which.max(loglik)]
  args$control$penalty <- c(chosen, chosen)
  fit <- do.call(fit_matrices, args, quote = TRUE)
  folds <- rep(NA_integer_, n)
  folds[rows] <- fold
  fit$penalty_cv <- list(curve = curve, chosen = chosen, folds = folds,
                         fold_loglik = held_out)
  fit
}

# fit_matrices()'s arguments on some rows, with a numeric penalty, without truth or path.
rows_of_args <- function(args, rows, penalty) {
  same <- identical(args$z, args$x)
  args$x <- subset_rows(as.matrix(args$x), rows)
  args$z <- if (same) args$x else subset_rows(as.matrix(args$z), rows)
  args$y <- if (is.matrix(args$y)) args$y[rows, , drop = FALSE] else args$y[rows]
  for (name in c("weights", "offset", "gating_offset", "fixed")) {
    args[name] <- list(subset_rows(args[[name]], rows))
  }
  if (is.matrix(args$init) && !inherits(args$init, "moem")) {
    args$init <- args$init[rows, , drop = FALSE]
  }
  args$truth <- NULL
  args$control$penalty <- c(penalty, penalty)
  args$control$path <- FALSE
  args
}

# The log-likelihood, at a fit's parameters, of the observations `rows` of the arguments.
heldout_loglik <- function(fit, args, rows) {
  held <- rows_of_args(args, rows, 0)
  x <- held$x
  if (!is.null(held$fixed)) x <- cbind(x, held$fixed)
  storage.mode(x) <- "double"
  z <- as.matrix(held$z)
  storage.mode(z) <- "double"
  response <- family_response(fit$family, held$y, args$call, levels = fit$response_levels,
                              weights = held$weights)
  n <- nrow(x)
  M <- free_classes(fit)
  design <- list(x = x[, !fit$aliased$experts, drop = FALSE],
                 z = z[, !fit$aliased$gating, drop = FALSE], y = response$y,
                 size = response$size,
                 offset_x = expert_offset_matrix(held$offset, n, M, fit$family, args$call),
                 offset_z = gate_offset_matrix(held$gating_offset, n, fit$K, args$call))
  w <- if (is.null(response$weights)) rep(1, n) else as.double(response$weights)
  beta <- coef_experts_matrix(fit)[!fit$aliased$experts, , drop = FALSE]
  gate <- coef_gating(fit)[!fit$aliased$gating, , drop = FALSE]
  estep(fit, design, w, beta, gate)$loglik
}
