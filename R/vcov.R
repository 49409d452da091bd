#' Covariance matrix of the estimates of a mixture of experts
#'
#' The inverse of the observed information matrix, computed exactly by Louis' (1982) identity
#' (see [moem_information()]). Gaussian experts' sigmas enter the information on the log scale
#' and are mapped back by the delta method.
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
  info <- moem_information(object)$observed
  factor <- tryCatch(chol(info), error = function(e) NULL)
  if (is.null(factor)) {
    warn("The observed information matrix is not positive definite; standard errors are not ",
         "available.", call = sys.call())
    return(out)
  }
  v <- chol2inv(factor)
  jacobian <- rep(1, nrow(v))
  sigma <- startsWith(rownames(info), "sigma")
  jacobian[sigma] <- cf[rownames(info)[sigma]]
  v <- v * outer(jacobian, jacobian)
  out[rownames(info), rownames(info)] <- v
  out
}

#' Information matrices of a mixture of experts, and EM's rate
#'
#' The observed information \eqn{I_{obs}}, the complete-data information \eqn{I_c} (the
#' expected curvature of the complete-data log-likelihood given the data) and the missing
#' information \eqn{I_m = I_c - I_{obs}} (the posterior covariance of the complete-data score),
#' all at the fitted parameters, by Louis' (1982) identity, summed over the observations with
#' their case weights. The parameters are the free ones of the fit (`coef()`), with
#' `log(sigma)` in place of `sigma`.
#'
#' Near its fixed point EM moves as \eqn{\theta_{t+1} - \theta^* \approx M (\theta_t -
#' \theta^*)}{theta_{t+1} - theta* = M (theta_t - theta*)} with \eqn{M = I_c^{-1}
#' I_m}{M = I_c^{-1} I_m}, the fraction of missing information (Dempster, Laird and Rubin,
#' 1977), so its linear rate is the largest eigenvalue of \eqn{M}.
#'
#' @param object A [moem()] fit, at a maximum of the likelihood.
#' @return A list with the matrices `observed`, `complete` and `missing`, and `rate`, the
#'   largest eigenvalue of \eqn{I_c^{-1} I_m}{I_c^{-1} I_m}.
#' @references Louis, T. A. (1982). Finding the observed information matrix when using the EM
#'   algorithm. *Journal of the Royal Statistical Society B*, 44, 226--233.
#' @examples
#' set.seed(1)
#' d <- rmoe(400, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d, control = moem_control(tol = 1e-12))
#' moem_information(fit)$rate
#' @export
moem_information <- function(object) {
  if (!inherits(object, "moem")) {
    abort("`object` must be a moem fit, not ", describe(object), ".", call = sys.call())
  }
  full <- full_information(object)
  jac <- free_jacobian(object, ncol(full$complete))
  complete <- crossprod(jac, full$complete %*% jac)
  missing <- crossprod(jac, full$missing %*% jac)
  labels <- free_labels(object)
  dimnames(complete) <- dimnames(missing) <- list(labels, labels)
  observed <- complete - missing
  rate <- tryCatch(max(Re(eigen(solve(complete, missing), only.values = TRUE)$values)),
                   error = function(e) NA_real_)
  list(observed = observed, complete = complete, missing = missing, rate = rate)
}

# The free parameters' names (as in coef(), sigma on the log scale) and values.
free_labels <- function(object) {
  cf <- coef(object)
  free <- c(rep(!object$aliased$experts, experts_in_vector(object) * free_classes(object)),
            rep(!object$aliased$gating, object$K - 1L))
  c(names(cf)[seq_along(free)][free], names(cf)[-seq_along(free)])
}

# d full / d free: full = (beta_1..beta_K, gate_2..gate_K, log sigma_1..K if estimated) over
# the non-aliased columns; the free parameters drop the symmetric model's copies.
free_jacobian <- function(object, n_full) {
  if (!isTRUE(object$symmetric)) return(diag(n_full))
  p <- sum(!object$aliased$experts)
  q <- sum(!object$aliased$gating)
  has_sigma <- n_full > 2L * p + q
  jac <- matrix(0, n_full, p + q + has_sigma)
  jac[cbind(seq_len(p), seq_len(p))] <- 1
  jac[cbind(p + seq_len(p), seq_len(p))] <- -1
  jac[cbind(2L * p + seq_len(q), p + seq_len(q))] <- 1
  if (has_sigma) jac[2L * p + q + 1:2, p + q + 1L] <- 1
  jac
}

# Louis' identity over the full parameters: the complete-data information
# sum_i w_i sum_k post_ik (-d2 log(pi_k f_k)) and the missing information
# sum_i w_i Var_post(complete-data score).  A softmax expert with M free classes has the
# score x (t_c - p_c) and the curvature x x' p_c (delta_ce - p_e) per pair of classes.
full_information <- function(object) {
  design <- model_design(object, NULL)
  x <- design$x
  z <- design$z
  y <- object$y
  w <- object$prior.weights
  post <- object$posterior
  parts <- predict_parts(object, design)
  gaussian <- object$family$family == "gaussian"
  with_sigma <- gaussian && !isTRUE(object$sigma_fixed)
  n <- nrow(x)
  p <- ncol(x)
  q <- ncol(z)
  K <- object$K
  M <- free_classes(object)
  class_at <- function(k, c) ((k - 1L) * M + c - 1L) * p + seq_len(p)
  beta_at <- function(k) (k - 1L) * p * M + seq_len(p * M)
  gate_at <- function(k) K * p * M + (k - 2L) * q + seq_len(q)
  sigma_at <- function(k) K * p * M + (K - 1L) * q + k
  np <- K * p * M + (K - 1L) * q + if (with_sigma) K else 0L
  if (!gaussian) {
    target <- if (M == 1L) matrix(y) else response_matrix(y, object$family,
                                                          object$response_levels)[, -1L]
  }
  complete <- matrix(0, np, np)
  second_moment <- matrix(0, np, np)
  score <- matrix(0, n, np)
  for (k in seq_len(K)) {
    rk <- w * post[, k]
    b <- beta_at(k)
    a <- matrix(0, n, np)
    if (gaussian) {
      e <- y - parts$mu[, k]
      s2 <- object$sigma[[k]]^2
      a[, b] <- x * (e / s2)
      complete[b, b] <- complete[b, b] + crossprod(x * sqrt(rk)) / s2
      if (with_sigma) {
        s <- sigma_at(k)
        a[, s] <- e^2 / s2 - 1
        complete[b, s] <- complete[b, s] + 2 * crossprod(x, rk * e) / s2
        complete[s, b] <- t(complete[b, s])
        complete[s, s] <- complete[s, s] + 2 * sum(rk * e^2) / s2
      }
    } else {
      prob <- if (M == 1L) matrix(parts$mu[, k]) else parts$mu[, -1L, k]
      for (c in seq_len(M)) {
        a[, class_at(k, c)] <- x * (target[, c] - prob[, c])
        for (e in seq_len(M)) {
          u <- rk * prob[, c] * ((c == e) - prob[, e])
          complete[class_at(k, c), class_at(k, e)] <- crossprod(x, x * u)
        }
      }
    }
    if (k >= 2L) a[, gate_at(k)] <- z
    second_moment <- second_moment + crossprod(a * sqrt(rk))
    score <- score + a * post[, k]
  }
  for (k in seq_len(K)[-1L]) {
    for (l in seq_len(K)[-1L]) {
      u <- w * parts$gate[, k] * ((k == l) - parts$gate[, l])
      complete[gate_at(k), gate_at(l)] <- complete[gate_at(k), gate_at(l)] + crossprod(z, z * u)
    }
  }
  missing <- second_moment - crossprod(score * sqrt(w))
  list(complete = (complete + t(complete)) / 2, missing = (missing + t(missing)) / 2)
}
