# Standard errors of predictions by the delta method from vcov(), and confidence and
# prediction intervals.  A prediction is a function of the experts' and the gate's
# coefficients (not of sigma): its gradient over them, row by row, is an n x P matrix J, and
# its standard error sqrt(diag(J V J')).

# The gradients below use, per expert k, the derivative of its class probabilities (or of its
# mean, one "class") over its linear predictors: dmu[, c, e, k] = d mu_kc / d eta_ke, an
# n x C x M x K array (C = 1 for gaussian and binomial experts, M = 1 but for multinomial).
mean_derivatives <- function(object, mu, eta) {
  n <- dim(mu)[1L]
  C <- dim(mu)[2L]
  K <- dim(mu)[3L]
  M <- free_classes(object)
  out <- array(0, c(n, C, M, K))
  for (k in seq_len(K)) {
    if (!family_info(object$family)$multiclass) {
      out[, 1L, 1L, k] <- object$family$mu.eta(eta[, k])
    } else {
      for (c in seq_len(C)) for (e in seq_len(M)) {
        out[, c, e, k] <- mu[, c, k] * ((c == e + 1L) - mu[, e + 1L, k])
      }
    }
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
  labels <- labels[!is_dispersion(labels)]
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
  dmu <- mean_derivatives(object, mu, parts$eta)
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

# Confidence intervals of the mixture's mean: fit -/+ z se on the scale of the experts' link,
# so that they stay within the mean's range: for binomial experts on the log-odds scale, for
# poisson and Gamma experts on the log scale.
confidence_interval <- function(object, fit, se, level) {
  zq <- stats::qnorm((1 + level) / 2)
  family <- object$family
  if (family$link == "identity") return(cbind(fit = fit, lwr = fit - zq * se, upr = fit + zq * se))
  eta <- family$linkfun(fit)
  se_eta <- se / family$mu.eta(eta)
  cbind(fit = fit, lwr = family$linkinv(eta - zq * se_eta), upr = family$linkinv(eta + zq * se_eta))
}

# Prediction intervals from the mixture's own predictive distribution sum_k pi_k f_k: its
# (1 -/+ level) / 2 quantiles.  Gaussian experts' f_k is N(mu_k, sigma_k^2 + se_k^2): se_k,
# the standard error of expert k's mean, carries the uncertainty of its coefficients, as
# predict.lm() adds it; for the other families f_k is the fitted distribution.  The gate's
# uncertainty is left out.  Counts (poisson; binomial successes, as proportions of the trials)
# have count quantiles.
prediction_interval <- function(object, fit, parts, expert_se, level, size) {
  info <- family_info(object$family)
  phi <- rep(dispersion_values(object), each = nrow(parts$mu))
  if (!is.null(expert_se)) phi <- sqrt(phi^2 + expert_se^2)
  # each expert's quantile or cdf, n x K
  by_expert <- function(f) {
    function(a) {
      out <- f(a, parts$mu, phi, size)
      dim(out) <- dim(parts$mu)
      out
    }
  }
  tails <- c((1 - level) / 2, (1 + level) / 2)
  bounds <- lapply(tails, mixture_quantile, weight = parts$gate,
                   quantile = by_expert(info$quantile), cdf = by_expert(info$cdf),
                   discrete = info$discrete)
  # (binomial counts of successes as proportions of the trials)
  trials <- pmax(trial_counts(size), 1)
  cbind(fit = fit, lwr = bounds[[1L]] / trials, upr = bounds[[2L]] / trials)
}

# The prob-quantile of each row's mixture sum_k weight_k F_k (weight n x K), between the
# smallest and the largest of its components' quantiles (quantile(prob), n x K), where the
# mixture's cdf (the rows of weight * cdf(y)) crosses prob: by bisection, vectorised over the
# rows, to about 1e-14 of the bracket, or for counts to the smallest count whose cdf reaches
# prob.
mixture_quantile <- function(prob, weight, quantile, cdf, discrete) {
  if (!nrow(weight)) return(numeric())
  q <- quantile(prob)
  low <- apply(q, 1L, min)
  high <- apply(q, 1L, max)
  mixture_cdf <- function(y) rowSums(weight * cdf(y))
  if (discrete) {
    low <- low - 1
    while (any(high - low > 1)) {
      mid <- floor((low + high) / 2)
      below <- mixture_cdf(mid) < prob
      low <- ifelse(below, mid, low)
      high <- ifelse(below, high, mid)
    }
    return(high)
  }
  for (i in seq_len(100)) {
    mid <- (low + high) / 2
    below <- mixture_cdf(mid) < prob
    low <- ifelse(below, mid, low)
    high <- ifelse(below, high, mid)
  }
  (low + high) / 2
}
