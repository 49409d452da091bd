# Standard errors of predictions by the delta method from vcov(), and confidence and
# prediction intervals.  A prediction is a function of the experts' and the gate's
# coefficients (not of sigma): its gradient over them, row by row, is an n x P matrix J, and
# its standard error sqrt(diag(J V J')).

# The gradients below use, per expert k, the derivative of its class probabilities (or of its
# mean, one "class") over its linear predictors: dmu[, c, e, k] = d mu_kc / d eta_ke, an
# n x C x M x K array (C = 1 for gaussian and binomial experts, M = 1 but for multinomial).
mean_derivatives <- function(object, mu) {
  n <- dim(mu)[1L]
  C <- dim(mu)[2L]
  K <- dim(mu)[3L]
  M <- free_classes(object)
  out <- array(0, c(n, C, M, K))
  for (k in seq_len(K)) {
    switch(object$family$family,
      gaussian = out[, 1L, 1L, k] <- 1,
      binomial = out[, 1L, 1L, k] <- mu[, 1L, k] * (1 - mu[, 1L, k]),
      multinomial = for (c in seq_len(C)) for (e in seq_len(M)) {
        out[, c, e, k] <- mu[, c, k] * ((c == e + 1L) - mu[, e + 1L, k])
      }
    )
  }
  out
}

# The experts' means (n x K, or n x C x K) as an n x C x K array.
as_class_array <- function(mu) {
  if (length(dim(mu)) == 3L) return(mu)
  array(mu, c(nrow(mu), 1L, ncol(mu)))
}

# The covariance of the coefficients a prediction depends on, and the map from the full
# layout of the gradients (beta_1..K by class, gate_2..K, over the non-aliased columns) to
# them: the identity, or for a symmetric model beta_2 = -beta_1.
prediction_vcov <- function(object, call) {
  labels <- free_labels(object)
  labels <- labels[!startsWith(labels, "sigma")]
  v <- vcov(object)[labels, labels, drop = FALSE]
  if (anyNA(v)) {
    abort("Standard errors of predictions need vcov(), which is not available for this fit ",
          "(the information matrix is not positive definite).", call = call)
  }
  p <- sum(!object$aliased$experts)
  q <- sum(!object$aliased$gating)
  map <- free_jacobian(object, object$K * p * free_classes(object) + (object$K - 1L) * q)
  list(v = v, map = map[, seq_len(ncol(v)), drop = FALSE])
}

# sqrt(diag(J V J')) for the gradient J over the full layout.
delta_se <- function(J, cov) {
  J <- J %*% cov$map
  sqrt(pmax(rowSums((J %*% cov$v) * J), 0))
}

# Standard errors of type "response", "experts" or "gating", shaped as the prediction.
prediction_se <- function(object, design, parts, type, call) {
  cov <- prediction_vcov(object, call)
  x <- design$x
  z <- design$z
  n <- nrow(x)
  p <- ncol(x)
  q <- ncol(z)
  K <- object$K
  M <- free_classes(object)
  mu <- as_class_array(parts$mu)
  C <- dim(mu)[2L]
  dmu <- mean_derivatives(object, mu)
  gate <- parts$gate
  width <- K * M * p + (K - 1L) * q
  expert_columns <- function(k, e) (k - 1L) * M * p + (e - 1L) * p + seq_len(p)
  gate_columns <- function(l) K * M * p + (l - 2L) * q + seq_len(q)
  # the gradient of expert k's mean of class c, times the row factor `scale`
  expert_gradient <- function(J, k, c, scale = 1) {
    for (e in seq_len(M)) J[, expert_columns(k, e)] <- (scale * dmu[, c, e, k]) * x
    J
  }
  se <- switch(type,
    experts = {
      out <- array(0, c(n, C, K))
      for (k in seq_len(K)) for (c in seq_len(C)) {
        out[, c, k] <- delta_se(expert_gradient(matrix(0, n, width), k, c), cov)
      }
      out
    },
    gating = {
      out <- matrix(0, n, K)
      for (k in seq_len(K)) {
        J <- matrix(0, n, width)
        for (l in seq_len(K)[-1L]) J[, gate_columns(l)] <- (gate[, k] * ((k == l) - gate[, l])) * z
        out[, k] <- delta_se(J, cov)
      }
      out
    },
    response = {
      out <- matrix(0, n, C)
      for (c in seq_len(C)) {
        J <- matrix(0, n, width)
        mean_c <- rowSums(gate * matrix(mu[, c, ], n, K))
        for (k in seq_len(K)) J <- expert_gradient(J, k, c, gate[, k])
        for (l in seq_len(K)[-1L]) J[, gate_columns(l)] <- (gate[, l] * (mu[, c, l] - mean_c)) * z
        out[, c] <- delta_se(J, cov)
      }
      out
    }
  )
  shape_like(se, switch(type, experts = parts$mu, gating = parts$gate,
                        response = mixture_mean(gate, parts$mu, object$response_levels,
                                                object$family)))
}

# se with the shape and dimnames of the prediction `like` (a vector, a matrix or an array).
shape_like <- function(se, like) {
  if (is.null(dim(like))) return(as.vector(se))
  dim(se) <- dim(like)
  dimnames(se) <- dimnames(like)
  se
}

# Confidence intervals of the mixture's mean: fit -/+ z se for gaussian experts; for binomial
# experts on the log-odds scale, so that they stay within (0, 1).
confidence_interval <- function(object, fit, se, level) {
  zq <- stats::qnorm((1 + level) / 2)
  if (object$family$family == "binomial") {
    eta <- stats::qlogis(fit)
    se_eta <- se / (fit * (1 - fit))
    return(cbind(fit = fit, lwr = plogis(eta - zq * se_eta), upr = plogis(eta + zq * se_eta)))
  }
  cbind(fit = fit, lwr = fit - zq * se, upr = fit + zq * se)
}

# Prediction intervals from the mixture's own predictive distribution: the (1 -/+ level) / 2
# quantiles of sum_k pi_k N(mu_k, sigma_k^2 + se_k^2) for gaussian experts (se_k, the standard
# error of expert k's mean, carries the uncertainty of its coefficients, as predict.lm() adds
# it; the gate's is left out), of a Bernoulli(fit) for binomial experts.
prediction_interval <- function(object, fit, parts, expert_se, level) {
  tails <- c((1 - level) / 2, (1 + level) / 2)
  if (object$family$family == "binomial") {
    return(cbind(fit = fit, lwr = stats::qbinom(tails[1L], 1L, fit),
                 upr = stats::qbinom(tails[2L], 1L, fit)))
  }
  sd <- sqrt(rep(object$sigma^2, each = nrow(parts$mu)) + expert_se^2)
  cbind(fit = fit, lwr = mixture_quantile(tails[1L], parts$gate, parts$mu, sd),
        upr = mixture_quantile(tails[2L], parts$gate, parts$mu, sd))
}

# The prob-quantile of each row's gaussian mixture sum_k weight_k N(mean_k, sd_k^2) (n x K
# matrices), by bisection, vectorised over the rows, to about 1e-14 of the bracket.
mixture_quantile <- function(prob, weight, mean, sd) {
  if (!nrow(mean)) return(numeric())
  cdf <- function(y) rowSums(weight * stats::pnorm((y - mean) / sd))
  low <- apply(mean - 40 * sd, 1L, min)
  high <- apply(mean + 40 * sd, 1L, max)
  for (i in seq_len(100)) {
    mid <- (low + high) / 2
    below <- cdf(mid) < prob
    low <- ifelse(below, mid, low)
    high <- ifelse(below, high, mid)
  }
  (low + high) / 2
}
