#' Simulate responses from a fitted mixture of experts
#'
#' Draws, for each training observation, an expert from the fitted gate and a response from
#' that expert, as [simulate()] does for [lm()] fits.
#'
#' @param object A [moem()] fit.
#' @param nsim Number of simulated responses per observation, a whole number >= 1.
#' @param seed As in [simulate()]: `NULL`, or a whole number for [set.seed()].
#' @param ... Unused; an error if given.
#' @return A data frame with `nsim` columns `sim_1`, ..., of simulated responses (for binomial
#'   experts 0/1, or proportions of the fit's trials; factors for multinomial experts), with
#'   the attribute `"seed"` as [simulate()] sets it.
#' @examples
#' set.seed(1)
#' d <- rmoe(300, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d)
#' head(simulate(fit, nsim = 2, seed = 1))
#' @export
simulate.moem <- function(object, nsim = 1, seed = NULL, ...) {
  call <- sys.call()
  check_dots(..., call = call)
  if (!is_whole(nsim, 1)) {
    abort("`nsim` must be a whole number >= 1, not ", describe(nsim), ".", call = call)
  }
  if (!is.null(seed) && !(is_whole(seed) && abs(seed) <= .Machine$integer.max)) {
    abort("`seed` must be NULL or a whole number (an integer for set.seed()), not ",
          describe(seed), ".", call = call)
  }
  if (!exists(".Random.seed", envir = .GlobalEnv, inherits = FALSE)) stats::runif(1)
  if (is.null(seed)) {
    rng_state <- get(".Random.seed", envir = .GlobalEnv)
  } else {
    old <- get(".Random.seed", envir = .GlobalEnv)
    on.exit(assign(".Random.seed", old, envir = .GlobalEnv))
    set.seed(seed)
    rng_state <- structure(seed, kind = as.list(RNGkind()))
  }
  design <- model_design(object, NULL)
  parts <- predict_parts(object, design)
  size <- if (!is.null(object$size)) object$size[design$ok]
  n <- nrow(parts$mu)
  K <- object$K
  cumulative <- parts$gate
  for (k in seq_len(K)[-1L]) cumulative[, k] <- cumulative[, k - 1L] + parts$gate[, k]
  draws <- lapply(seq_len(nsim), function(s) {
    component <- 1L + as.integer(rowSums(stats::runif(n) > cumulative[, -K, drop = FALSE]))
    if (family_info(object$family)$multiclass) {
      levels <- object$response_levels
      prob <- t(vapply(seq_len(n), function(i) parts$mu[i, , component[i]], numeric(length(levels))))
      cumulative_class <- t(apply(prob, 1L, cumsum))
      index <- 1L + rowSums(stats::runif(n) > cumulative_class[, -length(levels), drop = FALSE])
      return(factor(levels[index], levels = levels))
    }
    mu <- parts$mu[cbind(seq_len(n), component)]
    family_info(object$family)$simulate(n, mu, dispersion_values(object)[component], size)
  })
  out <- as.data.frame(draws, col.names = paste0("sim_", seq_len(nsim)))
  out <- fill_rows_frame(out, design$ok, design$rownames)
  if (inherits(object$na.action, "exclude")) {
    # the rows na.exclude dropped, back as NA, as fitted() and residuals() have them
    rows <- rownames(out)
    out <- as.data.frame(lapply(out, function(column) {
      stats::napredict(object$na.action, stats::setNames(column, rows))
    }))
  }
  attr(out, "seed") <- rng_state
  out
}

fill_rows_frame <- function(frame, ok, rownames) {
  if (all(ok)) {
    rownames(frame) <- rownames
    return(frame)
  }
  full <- as.data.frame(lapply(frame, fill_rows, ok = ok, rownames = NULL))
  rownames(full) <- rownames
  full
}
