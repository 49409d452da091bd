#' Simulate data from a mixture of experts
#'
#' Draws covariates \eqn{x \sim N(0, I)}{x ~ N(0, I)} (or takes them as given), an expert for
#' each observation from the softmax gate, and the response from that expert. With
#' `symmetric = TRUE` it draws from the paper's symmetric two-expert models (SymMoLinE,
#' SymMoLogE): `experts` is the vector \eqn{\beta}{beta} of expert 1, expert 2's is
#' \eqn{-\beta}{-beta}, and `gating` is the vector \eqn{w} of expert 2's log-odds.
#'
#' @param n Number of observations.
#' @param experts Matrix of the experts' coefficients, one column per expert and one row per
#'   covariate (after an intercept row when `intercept = TRUE`).
#' @param gating Matrix of the gate's coefficients, with the rows of `experts` and one column
#'   per expert; its first column is subtracted from all, so that expert 1 is the reference.
#' @param family `"gaussian"`, `"binomial"`, `"poisson"` or `"Gamma"` (log link), or the
#'   family object.
#' @param sigma The gaussian experts' standard deviations: one positive number, or one per
#'   expert. An error for other families when given.
#' @param shape The Gamma experts' shapes (mean \eqn{\mu}{mu}, variance
#'   \eqn{\mu^2/\mathrm{shape}}{mu^2 / shape}): one positive number, or one per expert; 1 when
#'   not given. An error for other families.
#' @param size The binomial experts' numbers of trials: one whole number, or one per
#'   observation; 1 when not given, a 0/1 response. With more trials the response is the
#'   proportion of successes, and the trials are the column `size` of the result, to give
#'   as `weights` (or use `cbind(y * size, (1 - y) * size)`). An error for other families.
#' @param intercept Whether the first row of `experts` and `gating` is an intercept. With
#'   `intercept = TRUE` and one row, the model has no covariates and the result only `y`.
#' @param x Optional n x d matrix of covariates to use instead of drawing them.
#' @param symmetric Whether `experts` and `gating` are the vectors of a symmetric model.
#' @return A data frame with the response `y` and the covariates `x1`, ..., `xd` (none for
#'   an intercept-only model), with
#'   attribute `"truth"`: a list of the true `experts`, `gating` and `sigma`, and `component`,
#'   the expert that generated each observation.
#' @examples
#' set.seed(1)
#' d <- rmoe(5, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' d
#' attr(d, "truth")$component
#' @export
rmoe <- function(n, experts, gating, family = "gaussian", sigma = 1, intercept = FALSE,
                 x = NULL, symmetric = FALSE, shape = NULL, size = NULL) {
  call <- sys.call()
  if (!is_whole(n, 1)) abort("`n` must be a whole number >= 1, not ", describe(n), ".",
                             call = call)
  family <- resolve_family(family, call)
  if (family$family == "multinomial") {
    abort("`family` must be gaussian, binomial, poisson or Gamma: rmoe() does not simulate ",
          "multinomial experts.", call = call)
  }
  if (!missing(sigma) && family$family != "gaussian") {
    abort("`sigma` is for gaussian experts, not ", family$family, " experts.", call = call)
  }
  if (!is.null(shape) && family$family != "Gamma") {
    abort("`shape` is for Gamma experts, not ", family$family, " experts.", call = call)
  }
  if (!is.null(size) && family$family != "binomial") {
    abort("`size` (trials) is for binomial experts, not ", family$family, " experts.",
          call = call)
  }
  check_flag(intercept, "intercept", call)
  check_flag(symmetric, "symmetric", call)
  if (symmetric) {
    if (!is.numeric(experts) || !is.null(dim(experts)) || !is.numeric(gating) ||
        !is.null(dim(gating)) || length(gating) != length(experts)) {
      abort("With `symmetric = TRUE`, `experts` and `gating` must be numeric vectors of one ",
            "length.", call = call)
    }
    experts <- cbind(experts, -experts, deparse.level = 0)
    gating <- cbind(0, gating, deparse.level = 0)
  }
  experts <- coefficient_matrix(experts, "experts", intercept, call)
  K <- ncol(experts)
  d <- nrow(experts) - intercept
  if (!is.numeric(gating) || length(dim(gating)) > 2L ||
      !identical(dim(as.matrix(gating)), dim(experts))) {
    abort("`gating` must be a numeric matrix with the dimensions of `experts` (",
          nrow(experts), " x ", K, "), not ", describe_shape(gating), ".", call = call)
  }
  gating <- as.matrix(gating)
  if (any(!is.finite(gating))) abort("`gating` must have finite values.", call = call)
  if (family$family == "gaussian") {
    if (!is.numeric(sigma) || !length(sigma) %in% c(1L, K) || any(!is.finite(sigma)) ||
        any(sigma <= 0)) {
      abort("`sigma` must be ", if (K == 1L) "one positive number" else {
        paste0("1 or ", K, " positive numbers (one per expert)")
      }, ", not ", describe(sigma), ".", call = call)
    }
    sigma <- rep_len(as.double(sigma), K)
  }
  if (family$family == "Gamma") {
    if (is.null(shape)) shape <- 1
    if (!is.numeric(shape) || !length(shape) %in% c(1L, K) || any(!is.finite(shape)) ||
        any(shape <= 0)) {
      abort("`shape` must be 1 or ", K, " positive numbers, not ", describe(shape), ".",
            call = call)
    }
    shape <- rep_len(as.double(shape), K)
  }
  if (!is.null(size) && (!is.numeric(size) || !length(size) %in% c(1L, n) ||
                         any(!is_whole_vector(size)) || any(size < 1))) {
    abort("`size` must be one whole number >= 1 or one per observation, not ", describe(size),
          ".", call = call)
  }
  if (is.null(x)) {
    x <- matrix(rnorm(n * d), n, d)
  } else if (!is.numeric(x) || length(dim(x)) > 2L || NROW(x) != n || NCOL(x) != d) {
    abort("`x` must be a numeric ", n, " x ", d, " matrix, not ", describe_shape(x), ".",
          call = call)
  } else if (any(!is.finite(x))) {
    abort("`x` must have finite values.", call = call)
  }
  x <- matrix(as.double(x), n, d)
  if (d > 0L) colnames(x) <- paste0("x", seq_len(d))
  design <- if (intercept) cbind(1, x) else x
  gating <- gating - gating[, 1L]
  gate <- softmax_rows(design %*% gating)
  cumulative <- gate
  for (k in seq_len(K)[-1L]) cumulative[, k] <- cumulative[, k - 1L] + gate[, k]
  component <- 1L + as.integer(rowSums(runif(n) > cumulative[, -K, drop = FALSE]))
  eta <- rowSums(design * t(experts)[component, , drop = FALSE])
  phi <- switch(family$family, gaussian = sigma[component], Gamma = shape[component])
  trials <- if (is.null(size)) NULL else rep_len(as.double(size), n)
  y <- family_info(family)$simulate(n, family$linkinv(eta), phi, trials)
  out <- data.frame(y = y, x)
  if (!is.null(size)) out$size <- trials
  attr(out, "truth") <- list(experts = experts, gating = gating,
                             sigma = if (family$family == "gaussian") sigma,
                             shape = if (family$family == "Gamma") shape,
                             component = component)
  out
}

check_flag <- function(x, arg, call) {
  if (!is.logical(x) || length(x) != 1L || is.na(x)) {
    abort("`", arg, "` must be TRUE or FALSE, not ", describe(x), ".", call = call)
  }
}

# A numeric matrix of coefficients, one column per expert, with a row for the intercept when
# there is one, all finite.
coefficient_matrix <- function(x, arg, intercept, call) {
  if (!is.numeric(x) || length(dim(x)) > 2L) {
    abort("`", arg, "` must be a numeric matrix with one column per expert, not ",
          describe_shape(x), ".", call = call)
  }
  x <- as.matrix(x)
  if (ncol(x) < 1L) abort("`", arg, "` must have a column per expert; it has none.", call = call)
  if (nrow(x) < intercept) {
    abort("`", arg, "` must have a row for the intercept (`intercept = TRUE`); it has none.",
          call = call)
  }
  if (any(!is.finite(x))) abort("`", arg, "` must have finite values.", call = call)
  x
}

# "a 2 x 3 data frame", "a logical 5 x 2 matrix", "a numeric of length 2", ...: the shape of
# a bad argument.
describe_shape <- function(x) {
  if (length(dim(x)) < 2L) return(describe(x))
  shape <- paste(dim(x), collapse = " x ")
  if (is.data.frame(x)) return(paste0("a ", shape, " data frame"))
  paste0(if (grepl("^[aeiou]", mode(x))) "an " else "a ", mode(x), " ", shape,
         if (length(dim(x)) == 2L) " matrix" else " array")
}
