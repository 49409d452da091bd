# From what the C code returns to the components of a fit, with the warnings a user must see.

assemble_fit <- function(res, problem, aliased, starts, control, call) {
  K <- problem$K
  family <- problem$family
  labels <- paste0("expert", seq_len(K))
  experts <- matrix(NA_real_, length(aliased$experts), K,
                    dimnames = list(names(aliased$experts), labels))
  experts[!aliased$experts, ] <- res$beta
  gating <- matrix(NA_real_, length(aliased$gating), K,
                   dimnames = list(names(aliased$gating), labels))
  gating[!aliased$gating, ] <- res$gate
  sigma <- if (family$family == "gaussian") setNames(res$sigma, paste0("sigma", seq_len(K)))

  eta <- problem$x %*% res$beta
  mu <- expert_mean(family, eta)
  gate <- softmax_rows(problem$z %*% res$gate)
  fitted <- rowSums(gate * mu)
  posterior <- res$posterior
  colnames(posterior) <- labels
  trace <- data.frame(iter = seq_len(nrow(res$trace)) - 1L, loglik = res$trace[, 1L])
  trace$change <- c(NA, diff(trace$loglik))
  trace$inner_experts <- as.integer(res$trace[, 2L])
  trace$inner_gate <- as.integer(res$trace[, 3L])

  degenerate <- setNames(res$frozen == 1L | res$floored == 1L, labels)
  fit <- list(
    coefficients = coef_vector(experts, gating, sigma),
    sigma = sigma,
    family = family,
    K = K,
    loglik = res$loglik,
    df = sum(!aliased$experts) * K + sum(!aliased$gating) * (K - 1L) + length(sigma),
    nobs = sum(problem$w > 0),
    iter = res$iter,
    converged = res$converged,
    posterior = posterior,
    fitted.values = fitted,
    residuals = problem$y - fitted,
    prior.weights = problem$w,
    y = problem$y,
    control = control,
    trace = trace,
    starts = starts,
    degenerate = degenerate,
    aliased = aliased
  )
  warn_fit(res, fit, call)
  fit
}

# The named coefficient vector: experts, then the gate's non-reference columns, then sigma.
coef_vector <- function(experts, gating, sigma) {
  K <- ncol(experts)
  out <- setNames(c(experts), paste0("expert", rep(seq_len(K), each = nrow(experts)), ":",
                                     rownames(experts)))
  if (K > 1L) {
    out <- c(out, setNames(c(gating[, -1L]), paste0("gate", rep(2:K, each = nrow(gating)), ":",
                                                      rownames(gating))))
  }
  c(out, sigma)
}

# Rows of exp(eta) / sum(exp(eta)), computed without overflow.
softmax_rows <- function(eta) {
  top <- eta[, 1L]
  for (k in seq_len(ncol(eta))[-1L]) top <- pmax(top, eta[, k])
  e <- exp(eta - top)
  e / rowSums(e)
}

warn_fit <- function(res, fit, call) {
  if (!res$converged && fit$control$maxit > 0L && fit$control$tol > 0) {
    last <- utils::tail(fit$trace$change, 1L)
    warn("EM did not converge in ", fit$control$maxit, " iterations (the log-likelihood ",
         "still changed by ", format(last, digits = 3), " in the last one); increase `maxit` ",
         "in moem_control() or start elsewhere.", call = call)
  }
  if (any(res$frozen == 1L)) {
    warn("Expert ", paste(which(res$frozen == 1L), collapse = ", "), " lost (almost) all its ",
         "posterior weight and was held fixed; the fit is degenerate, consider a smaller `K`.",
         call = call)
  }
  if (any(res$floored == 1L)) {
    warn("The sigma of expert ", paste(which(res$floored == 1L), collapse = ", "), " reached ",
         "its floor (`sigma_min` in moem_control()): the expert fits a few observations ",
         "exactly and the likelihood is degenerate; consider a smaller `K` or another start.",
         call = call)
  }
  if (res$inner_capped > 0L) {
    warn("In ", res$inner_capped, " M-step(s) Newton's method stopped at `inner_maxit` ",
         "before its tolerance; the gate or an expert may separate the data perfectly.",
         call = call)
  }
  if (res$regularised > 0L) {
    warn("A weighted cross-product matrix was numerically singular ", res$regularised,
         " time(s) and was factored with a small ridge.", call = call)
  }
  if (res$decreased > 0L) {
    warn("The log-likelihood decreased in ", res$decreased, " iteration(s) by more than ",
         "rounding.", call = call)
  }
}
