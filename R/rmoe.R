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
#' @param family `"gaussian"` or `"binomial"` (or the family object).
#' @param sigma The gaussian experts' standard deviations, recycled to one per expert.
#' @param intercept Whether the first row of `experts` and `gating` is an intercept.
#' @param x Optional n x d matrix of covariates to use instead of drawing them.
#' @param symmetric Whether `experts` and `gating` are the vectors of a symmetric model.
#' @return A data frame with the response `y` and the covariates `x1`, ..., `xd`, with
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
                 x = NULL, symmetric = FALSE) {
  call <- sys.call()
  if (!is_whole(n, 1)) abort("`n` must be a whole number >= 1, not ", describe(n), ".",
                             call = call)
  family <- resolve_family(family, call)
  if (isTRUE(symmetric)) {
    if (!is.numeric(experts) || !is.null(dim(experts)) || length(gating) != length(experts)) {
      abort("With `symmetric = TRUE`, `experts` and `gating` must be numeric vectors of one ",
            "length.", call = call)
    }
    experts <- cbind(experts, -experts, deparse.level = 0)
    gating <- cbind(0, gating, deparse.level = 0)
  }
  experts <- as.matrix(experts)
  gating <- as.matrix(gating)
  K <- ncol(experts)
  d <- nrow(experts) - intercept
  if (!is.numeric(experts) || d < 0L) abort("`experts` must be a numeric matrix.", call = call)
  if (!is.numeric(gating) || !identical(dim(gating), dim(experts))) {
    abort("`gating` must be a numeric matrix with the dimensions of `experts` (",
          nrow(experts), " x ", K, ").", call = call)
  }
  if (is.null(x)) {
    x <- matrix(rnorm(n * d), n, d)
  } else if (!is.numeric(x) || NROW(x) != n || NCOL(x) != d) {
    abort("`x` must be a numeric ", n, " x ", d, " matrix.", call = call)
  }
  x <- as.matrix(x)
  colnames(x) <- paste0("x", seq_len(d))
  design <- if (intercept) cbind(1, x) else x
  gating <- gating - gating[, 1L]
  sigma <- rep_len(as.double(sigma), K)
  gate <- softmax_rows(design %*% gating)
  cumulative <- gate
  for (k in seq_len(K)[-1L]) cumulative[, k] <- cumulative[, k - 1L] + gate[, k]
  component <- 1L + as.integer(rowSums(runif(n) > cumulative[, -K, drop = FALSE]))
  eta <- rowSums(design * t(experts)[component, , drop = FALSE])
  y <- switch(family$family,
    gaussian = eta + rnorm(n, sd = sigma[component]),
    binomial = rbinom(n, 1L, plogis(eta))
  )
  out <- data.frame(y = y, x)
  attr(out, "truth") <- list(experts = experts, gating = gating,
                             sigma = if (family$family == "gaussian") sigma,
                             component = component)
  out
}
