# Independent reference implementations, in plain R, of what moem computes in C: the observed
# log-likelihood of a mixture of experts at given parameters, an EM algorithm and a
# central-difference Hessian.  None of them calls moem.

log_sum_exp_rows <- function(a) {
  top <- apply(a, 1L, max)
  top + log(rowSums(exp(a - top)))
}

# log pi (n x K) of a softmax gate z %*% gate, gate q x K.
log_gate <- function(z, gate) {
  eta <- z %*% gate
  eta - log_sum_exp_rows(eta)
}

# log f_k(y_i) (n x K) of the experts.
log_experts <- function(x, y, beta, sigma, family) {
  eta <- x %*% beta
  if (family == "gaussian") {
    sapply(seq_len(ncol(beta)), function(k) dnorm(y, eta[, k], sigma[k], log = TRUE))
  } else {
    sapply(seq_len(ncol(beta)), function(k) dbinom(y, 1, plogis(eta[, k]), log = TRUE))
  }
}

# Observed log-likelihood and posterior at given parameters (E-step in log space).
ref_estep <- function(x, z, y, w, beta, gate, sigma, family) {
  a <- log_gate(z, gate) + log_experts(x, y, beta, sigma, family)
  l <- log_sum_exp_rows(a)
  list(loglik = sum(w * l), posterior = exp(a - l))
}

# The gate's M-step: maximises sum_i w_i sum_k t_ik log pi_ik(z_i; G), G[, 1] = 0, by Newton's
# method in R, from G = `start`, to machine precision.
ref_gate_mstep <- function(z, t, w, start) {
  q <- ncol(z)
  K <- ncol(t)
  if (K == 1L) return(matrix(0, q, 1L))
  objective <- function(G) sum(w * rowSums(t * log_gate(z, G)))
  G <- start
  f <- objective(G)
  for (it in seq_len(200)) {
    p <- exp(log_gate(z, G))
    grad <- c(crossprod(z, w * (t - p))[, -1L, drop = FALSE])
    H <- matrix(0, q * (K - 1L), q * (K - 1L))
    for (k in 2:K) for (l in 2:K) {
      rows <- (k - 2L) * q + seq_len(q)
      cols <- (l - 2L) * q + seq_len(q)
      H[rows, cols] <- crossprod(z, z * (w * p[, k] * ((k == l) - p[, l])))
    }
    step <- solve(H, grad)
    alpha <- 1
    repeat {
      G_new <- G
      G_new[, -1L] <- G[, -1L] + alpha * step
      f_new <- objective(G_new)
      if (f_new >= f - 1e-12 * abs(f) || alpha < 1e-10) break
      alpha <- alpha / 2
    }
    G <- G_new
    done <- max(abs(alpha * step)) < 1e-13 * (1 + max(abs(G)))
    f <- f_new
    if (done) break
  }
  G
}

# The experts' M-step: weighted least squares (lm.wfit) and the MLE of sigma for gaussian
# experts; weighted logistic regression (glm.fit, tight tolerance) for binomial experts.
ref_experts_mstep <- function(x, y, v, family) {
  K <- ncol(v)
  beta <- matrix(0, ncol(x), K)
  sigma <- rep(NA_real_, K)
  for (k in seq_len(K)) {
    if (family == "gaussian") {
      fit <- lm.wfit(x, y, v[, k])
      beta[, k] <- fit$coefficients
      sigma[k] <- sqrt(sum(v[, k] * (y - x %*% beta[, k])^2) / sum(v[, k]))
    } else {
      # quasibinomial: the same IRLS as binomial, without the warning about non-integer
      # weighted counts.
      fit <- glm.fit(x, y, weights = v[, k], family = quasibinomial(),
                     control = glm.control(epsilon = 1e-15, maxit = 200))
      beta[, k] <- fit$coefficients
    }
  }
  list(beta = beta, sigma = sigma)
}

# A slow EM from a starting posterior matrix, in moem's order: M-step from `post`, E-step
# (trace[1]), then `iterations` times M-step + E-step.  Returns the trace and final parameters.
ref_em <- function(x, z, y, post, w = rep(1, length(y)), family = "gaussian", iterations = 20) {
  K <- ncol(post)
  gate <- matrix(0, ncol(z), K)
  trace <- numeric(iterations + 1L)
  for (it in 0:iterations) {
    ex <- ref_experts_mstep(x, y, w * post, family)
    gate <- ref_gate_mstep(z, post, w, gate)
    e <- ref_estep(x, z, y, w, ex$beta, gate, ex$sigma, family)
    post <- e$posterior
    trace[it + 1L] <- e$loglik
  }
  list(trace = trace, beta = ex$beta, gate = gate, sigma = ex$sigma, posterior = post)
}

# coef() of a fit of K experts over p columns with a gate over q, gaussian or without
# dispersion, as a list: beta (p x K), gate (q x K, first column 0), sigma (K, if there)
unpack_theta <- function(theta, p, q, K) {
  list(beta = matrix(theta[seq_len(p * K)], p, K),
       gate = cbind(0, matrix(theta[p * K + seq_len(q * (K - 1))], q, K - 1)),
       sigma = theta[p * K + q * (K - 1) + seq_len(K)])
}

# Central-difference Hessian of a scalar function f at theta, with steps h_j.
numeric_hessian <- function(f, theta, h = 1e-4 * pmax(abs(theta), 1)) {
  d <- length(theta)
  H <- matrix(0, d, d)
  f0 <- f(theta)
  shift <- function(i, si, j = NULL, sj = 0) {
    t <- theta
    t[i] <- t[i] + si * h[i]
    if (!is.null(j)) t[j] <- t[j] + sj * h[j]
    f(t)
  }
  for (i in seq_len(d)) {
    H[i, i] <- (shift(i, 1) - 2 * f0 + shift(i, -1)) / h[i]^2
    for (j in seq_len(i - 1L)) {
      H[i, j] <- H[j, i] <- (shift(i, 1, j, 1) - shift(i, 1, j, -1) - shift(i, -1, j, 1) +
                               shift(i, -1, j, -1)) / (4 * h[i] * h[j])
    }
  }
  H
}
