#' Covariance matrix of the estimates of a mixture of experts
#'
#' The inverse of the observed information matrix, computed exactly by Louis' (1982) identity:
#' the complete-data information minus the posterior covariance of the complete-data score,
#' both summed over the observations (with their case weights). Gaussian experts' sigmas enter
#' on the log scale and are mapped back by the delta method.
#'
#' @param object A [moem()] fit.
#' @param ... Unused.
#' @return A square matrix named as `coef(object)`. Aliased coefficients, and every entry when
#'   the information matrix is not positive definite (with a warning), are `NA`.
#' @references Louis, T. A. (1982). Finding the observed information matrix when using the EM
#'   algorithm. *Journal of the Royal Statistical Society B*, 44, 226--233.
#' @examples
#' set.seed(1)
#' d <- rmoe(400, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d)
#' sqrt(diag(vcov(fit)))
#' @export
vcov.moem <- function(object, ...) {
  cf <- coef(object)
  out <- matrix(NA_real_, length(cf), length(cf), dimnames = list(names(cf), names(cf)))
  info <- observed_information(object)
  factor <- tryCatch(chol(info), error = function(e) NULL)
  if (is.null(factor)) {
    warn("The observed information matrix is not positive definite; standard errors are not ",
         "available.", call = sys.call())
    return(out)
  }
  v <- chol2inv(factor)
  jacobian <- rep(1, nrow(v))
  if (!is.null(object$sigma)) jacobian[rownames(info) %in% names(object$sigma)] <- object$sigma
  v <- v * outer(jacobian, jacobian)
  out[rownames(info), rownames(info)] <- v
  out
}

# Minus the Hessian of the observed log-likelihood in the free parameters: the non-aliased
# experts' coefficients, the gate's columns 2..K, and log sigma for gaussian experts.
observed_information <- function(object) {
  design <- model_design(object, NULL)
  x <- design$x
  z <- design$z
  y <- object$y
  w <- object$prior.weights
  post <- object$posterior
  parts <- predict_parts(object, design)
  gaussian <- object$family$family == "gaussian"
  n <- nrow(x)
  p <- ncol(x)
  q <- ncol(z)
  K <- object$K
  beta_at <- function(k) (k - 1L) * p + seq_len(p)
  gate_at <- function(k) K * p + (k - 2L) * q + seq_len(q)
  sigma_at <- function(k) K * p + (K - 1L) * q + k
  np <- K * p + (K - 1L) * q + if (gaussian) K else 0L
  info <- matrix(0, np, np)
  score <- matrix(0, n, np)
  for (k in seq_len(K)) {
    e <- y - parts$mu[, k]
    rk <- w * post[, k]
    b <- beta_at(k)
    a <- matrix(0, n, np)
    if (gaussian) {
      s2 <- object$sigma[[k]]^2
      a[, b] <- x * (e / s2)
      a[, sigma_at(k)] <- e^2 / s2 - 1
      s <- sigma_at(k)
      info[b, b] <- info[b, b] + crossprod(x * sqrt(rk)) / s2
      info[b, s] <- info[b, s] + 2 * crossprod(x, rk * e) / s2
      info[s, b] <- t(info[b, s])
      info[s, s] <- info[s, s] + 2 * sum(rk * e^2) / s2
    } else {
      a[, b] <- x * e
      info[b, b] <- info[b, b] + crossprod(x * sqrt(rk * parts$mu[, k] * (1 - parts$mu[, k])))
    }
    if (k >= 2L) a[, gate_at(k)] <- z
    info <- info - crossprod(a * sqrt(rk))
    score <- score + a * post[, k]
  }
  info <- info + crossprod(score * sqrt(w))
  for (k in seq_len(K)[-1L]) {
    for (l in seq_len(K)[-1L]) {
      u <- w * parts$gate[, k] * ((k == l) - parts$gate[, l])
      info[gate_at(k), gate_at(l)] <- info[gate_at(k), gate_at(l)] + crossprod(z, z * u)
    }
  }
  cf <- names(coef(object))
  free <- c(rep(!object$aliased$experts, K), rep(!object$aliased$gating, K - 1L))
  labels <- c(cf[seq_along(free)][free], if (gaussian) names(object$sigma))
  dimnames(info) <- list(labels, labels)
  (info + t(info)) / 2
}
