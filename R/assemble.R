# From what the C code returns to the components of a fit, with the warnings a user must see.

assemble_fit <- function(res, problem, aliased, starts, control, truth, call) {
  K <- problem$K
  M <- problem$M
  family <- problem$family
  labels <- paste0("expert", seq_len(K))
  experts <- matrix(NA_real_, length(aliased$experts), M * K,
                    dimnames = list(names(aliased$experts),
                                    expert_column_labels(K, problem$response_levels, family)))
  experts[!aliased$experts, ] <- res$beta
  gating <- matrix(NA_real_, length(aliased$gating), K,
                   dimnames = list(names(aliased$gating), labels))
  gating[!aliased$gating, ] <- res$gate
  info <- family_info(family)
  dispersion <- if (!is.null(info$dispersion)) {
    setNames(res$sigma, paste0(info$dispersion, seq_len(K)))
  }
  sigma_fixed <- !is.null(problem$sigma)

  # named by the C code, so that R need not copy them to name them; the mixture's mean comes
  # from C for gaussian and binomial experts, without n x K temporaries
  posterior <- res$posterior
  fitted <- res$fitted
  if (is.null(fitted) || family$family == "binomial") {
    mu <- expert_mean(family, expert_predictors(problem$x, res$beta, problem$offset_x), K)
    if (is.null(fitted)) {
      gate <- gate_probabilities(problem$z, res$gate, problem$offset_z)
      fitted <- mixture_mean(gate, mu, problem$response_levels, family)
    }
  }
  separated <- if (family$family == "binomial") {
    separated_experts(family, mu, posterior, problem$w)
  } else {
    rep(FALSE, K)
  }
  if (identical(info$dispersion, "sigma")) {
    res$floored <- pmax(res$floored, dispersion <= problem$control$sigma_min)
  }
  res$converged <- res$converged && res$failed == 0L && res$diverged == 0L
  degenerate <- setNames(res$frozen == 1L | res$floored == 1L | separated, labels)
  if (problem$symmetric) degenerate[2L] <- degenerate[1L] <- any(degenerate)
  fit <- list(
    coefficients = coef_vector(experts, gating, if (!sigma_fixed) dispersion, problem$symmetric,
                               aliased$fixed, problem$equal),
    sigma = if (identical(info$dispersion, "sigma")) dispersion,
    shape = if (identical(info$dispersion, "shape")) dispersion,
    family = family,
    K = K,
    method = problem$method,
    symmetric = problem$symmetric,
    sigma_fixed = sigma_fixed,
    equal_dispersion = problem$equal,
    size = problem$size,
    offset = problem$offset_x,
    gating_offset = problem$offset_z,
    loglik = res$loglik,
    logpost = if (any(control$penalty > 0)) res$logpost,
    df = free_parameters(aliased, K, M, family, problem$symmetric, sigma_fixed, problem$equal),
    nobs = weighted_count(problem$w),
    iter = res$iter,
    converged = res$converged,
    posterior = posterior,
    fitted.values = fitted,
    residuals = response_matrix(problem$y, family, problem$response_levels) - fitted,
    prior.weights = problem$w,
    y = problem$y,
    response_levels = problem$response_levels,
    control = control,
    trace = trace_frame(res, problem, truth),
    path = if (control$path) res$path,
    starts = starts,
    degenerate = degenerate,
    aliased = aliased
  )
  # the coefficient vector's blocks, over all columns (aliased ones are NA in it)
  fit$layout <- parameter_layout(family, K, M, problem$symmetric, length(aliased$experts),
                                 length(aliased$gating), sum(aliased$fixed), sigma_fixed,
                                 problem$equal)
  if (sum(fit$layout) != length(fit$coefficients)) {
    stop("internal error: the coefficient vector does not follow the C code's layout")
  }
  warn_fit(res, fit, separated, call)
  fit
}

# The number of observations when case weights are counts: the weights' sum (an integer when
# they are whole numbers), so that a row of weight 2 counts as two rows, in BIC too.
weighted_count <- function(w) {
  total <- sum(w)
  if (all(w == round(w)) && total <= .Machine$integer.max) as.integer(total) else total
}

# glm's rule for separation, per expert: fitted probabilities numerically 0 or 1 among the
# observations the expert holds (posterior >= 1/2).
separated_experts <- function(family, mu, posterior, w) {
  if (family$family != "binomial") return(rep(FALSE, ncol(posterior)))
  eps <- 10 * .Machine$double.eps
  vapply(seq_len(ncol(mu)), function(k) {
    own <- posterior[, k] >= 0.5 & w > 0
    any(mu[own, k] < eps | mu[own, k] > 1 - eps)
  }, NA)
}

free_parameters <- function(aliased, K, M, family, symmetric, sigma_fixed, equal) {
  shared <- if (is.null(aliased$fixed)) FALSE else aliased$fixed
  p <- sum(!aliased$experts & !shared)
  p_shared <- sum(!aliased$experts & shared)
  q <- sum(!aliased$gating)
  n_sigma <- if (is.null(family_info(family)$dispersion) || sigma_fixed) 0L else
    if (symmetric || isTRUE(equal)) 1L else K
  if (symmetric) p + q + n_sigma else p * M * K + p_shared + q * (K - 1L) + n_sigma
}

# Names of the columns of the p x MK experts' matrix: expert<k>, or expert<k>:<class> for the
# free classes of multinomial experts.
expert_column_labels <- function(K, levels, family) {
  if (family$family != "multinomial") return(paste0("expert", seq_len(K)))
  paste0("expert", rep(seq_len(K), each = length(levels) - 1L), ":", levels[-1L])
}

# The mixture's mean: sum_k gate_k mu_k, a vector, or an n x C matrix of class probabilities.
mixture_mean <- function(gate, mu, levels, family) {
  if (family$family != "multinomial") return(rowSums(gate * mu))
  out <- matrix(0, nrow(gate), dim(mu)[2L], dimnames = list(NULL, levels))
  for (k in seq_len(ncol(gate))) out <- out + gate[, k] * mu[, , k]
  out
}

# The response as the mixture's mean is on: y, or n x C class indicators.
response_matrix <- function(y, family, levels) {
  if (family$family != "multinomial") return(y)
  out <- matrix(0, length(y), length(levels), dimnames = list(NULL, levels))
  out[cbind(seq_along(y), y + 1L)] <- 1
  out
}

trace_frame <- function(res, problem, truth) {
  tr <- res$trace
  loglik <- tr[, 1L]
  out <- data.frame(
    iter = seq_len(nrow(tr)) - 1L,
    loglik = loglik,
    objective = -loglik / sum(problem$w),
    change = c(NA, diff(loglik)),
    gradient = tr[, 2L],
    seconds = tr[, 3L],
    inner_experts = as.integer(tr[, 4L]),
    inner_gate = as.integer(tr[, 5L]),
    step = ifelse(is.nan(tr[, 6L]), NA_real_, tr[, 6L])
  )
  if (any(problem$control$penalty_x > 0) || any(problem$control$penalty_z > 0)) {
    out$logpost <- tr[, 7L]
    out$objective <- -out$logpost / sum(problem$w)
    out$change <- c(NA, diff(out$logpost))
  }
  if (!is.null(truth)) {
    exchangeable <- problem$symmetric && problem$family$family == "binomial" &&
      identical(problem$x, problem$z)
    layout <- parameter_layout(problem$family, problem$K, problem$M, problem$symmetric,
                               ncol(problem$x), ncol(problem$z), problem$p_fixed,
                               !is.null(problem$sigma), problem$equal)
    out <- cbind(out, parameter_errors(res$path, truth, layout, ncol(problem$x),
                                       ncol(problem$z), problem$K, problem$symmetric,
                                       exchangeable, problem$M))
  }
  out
}

# The named coefficient vector of the free parameters, in the order of the C code's parameter
# vector (src/params.c): each expert's own coefficients (only expert 1's in a symmetric
# model), the coefficients shared by all experts (`shared`, a logical over the experts' terms)
# once, the gate's non-reference columns, then the estimated dispersions (sigma<k> or
# shape<k>; one, sigma or shape, in a symmetric model or when `equal`).  Names are
# <column>:<term>, the columns expert<k>[:<class>], fixed and gate<k>.
coef_vector <- function(experts, gating, dispersion, symmetric = FALSE, shared = NULL,
                        equal = FALSE) {
  label <- function(columns, terms) {
    if (!length(terms)) return(character())
    paste0(rep(columns, each = length(terms)), ":", terms)
  }
  if (is.null(shared)) shared <- rep(FALSE, nrow(experts))
  keep <- if (symmetric) 1L else seq_len(ncol(experts))
  own <- experts[!shared, keep, drop = FALSE]
  out <- setNames(c(own), label(colnames(experts)[keep], rownames(own)))
  if (any(shared)) {
    out <- c(out, setNames(experts[shared, 1L], label("fixed", rownames(experts)[shared])))
  }
  if (ncol(gating) > 1L) {
    out <- c(out, setNames(c(gating[, -1L]),
                           label(paste0("gate", 2:ncol(gating)), rownames(gating))))
  }
  if ((symmetric || isTRUE(equal)) && !is.null(dispersion)) {
    dispersion <- setNames(dispersion[[1L]], sub("1$", "", names(dispersion)[1L]))
  }
  c(out, dispersion)
}

# Rows of exp(eta) / sum(exp(eta)), computed without overflow.
softmax_rows <- function(eta) {
  top <- eta[, 1L]
  for (k in seq_len(ncol(eta))[-1L]) top <- pmax(top, eta[, k])
  e <- exp(eta - top)
  e / rowSums(e)
}

warn_fit <- function(res, fit, separated, call) {
  if (res$diverged > 0L) {
    warn("The log-likelihood or a parameter was not finite after iteration ", res$diverged, " (a step ",
         "overflowed", if (fit$method == "gd" && !is.null(fit$control$step)) {
           "; the fixed step of gradient descent may be too large"
         }, "); the fit stops at the iterate before it.", call = call)
  }
  if (res$failed > 0L) {
    warn("In ", res$failed, " M-step(s) a weighted cross-product matrix could not be ",
         "factored and the block kept its parameters; the fit is not a maximum.", call = call)
  }
  if (!res$converged && res$failed == 0L && res$diverged == 0L && fit$control$maxit > 0L &&
      fit$control$tol > 0) {
    last <- utils::tail(fit$trace$change, 1L)
    warn(method_label(fit$method), " did not converge in ", fit$control$maxit, " iterations ",
         "(the log-likelihood still changed by ", format(last, digits = 3), " in the last ",
         "one); increase `maxit` in moem_control() or start elsewhere.", call = call)
  }
  if (any(res$frozen == 1L)) {
    warn("Expert ", paste(which(res$frozen == 1L), collapse = ", "), " lost (almost) all its ",
         "posterior weight and was held fixed; the fit is degenerate, consider a smaller `K`.",
         call = call)
  }
  if (any(res$floored == 1L)) {
    limit <- if (is.null(fit$shape)) "sigma of expert %s reached its floor (`sigma_min`" else
      "shape of expert %s reached its limit (1 / `sigma_min`^2"
    warn(sprintf(limit, paste(which(res$floored == 1L), collapse = ", ")), " in ",
         "moem_control()): the expert fits a few observations exactly and the likelihood is ",
         "degenerate; consider a smaller `K` or another start.", call = call)
  }
  if (any(separated)) {
    warn("Fitted probabilities numerically 0 or 1 occurred in expert ",
         paste(which(separated), collapse = ", "), ": the expert may separate its observations ",
         "perfectly, and its coefficients have no finite maximum.", call = call)
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
         "rounding", if (fit$method == "gd" && !is.null(fit$control$step)) {
           "; the fixed step of gradient descent may be too large"
         }, ".", call = call)
  }
}

method_label <- function(method) {
  c(em = "EM", gradient_em = "Gradient EM", gd = "Gradient descent")[[method]]
}
