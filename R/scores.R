# Per-observation scores of a fit, over the full parameters (beta_1..K, gate_2..K, log phi_1..K)
# and over the free ones (free_labels()): what Louis' identity (vcov.R) and the sandwich
# estimators (estfun.R, vcov-robust.R) are built from.

# What every score needs, computed once: the designs, the response, the experts' linear
# predictors and means and the gate's probabilities at the fitted parameters, and where each
# block of the full parameter vector starts; for the fit's own rows.
score_context <- function(object) {
  score_context_at(object, model_design(object, NULL), object$y, object$size,
                   object$prior.weights, object$posterior)
}

# The same for any rows: `design` holds their x, z, offset_x and offset_z over the fit's
# non-aliased columns (model_design()), y, size and w their response, trials and case weights
# as the C code takes them, and post their posterior probabilities at the fit's parameters.
score_context_at <- function(object, design, y, size, w, post) {
  info <- family_info(object$family)
  p <- ncol(design$x)
  q <- ncol(design$z)
  K <- object$K
  M <- free_classes(object)
  with_phi <- !is.null(info$dispersion) && !isTRUE(object$sigma_fixed)
  ctx <- list(x = design$x, z = design$z, y = y, size = size, w = w, post = post,
              parts = predict_parts(object, design), phi = dispersion_values(object),
              info = info, with_phi = with_phi, n = nrow(design$x), p = p, q = q, K = K, M = M,
              np = K * p * M + (K - 1L) * q + if (with_phi) K else 0L)
  if (info$multiclass) {
    ctx$target <- response_matrix(y, object$family,
                                  object$response_levels)[, -1L, drop = FALSE]
  }
  ctx
}

# Positions in the full parameter vector of expert k's coefficients, of gate k's (k >= 2) and
# of expert k's log dispersion.
beta_at <- function(ctx, k) (k - 1L) * ctx$p * ctx$M + seq_len(ctx$p * ctx$M)
gate_at <- function(ctx, k) ctx$K * ctx$p * ctx$M + (k - 2L) * ctx$q + seq_len(ctx$q)
phi_at <- function(ctx, k) ctx$K * ctx$p * ctx$M + (ctx$K - 1L) * ctx$q + k

# The score of log f_k(y_i) per row over expert k's own parameters: its coefficients (for a
# softmax expert with M free classes, x (t_c - p_c) per class) and, when estimated, its log
# dispersion; an n x (p M [+ 1]) matrix.
expert_scores <- function(ctx, k) {
  if (ctx$info$multiclass) {
    prob <- matrix(ctx$parts$mu[, -1L, k], ctx$n, ctx$M)
    return(do.call(cbind, lapply(seq_len(ctx$M), function(c) {
      ctx$x * (ctx$target[, c] - prob[, c])
    })))
  }
  eta <- ctx$parts$eta[, k]
  a <- ctx$x * ctx$info$score(ctx$y, eta, ctx$phi[[k]], ctx$size)
  if (ctx$with_phi) a <- cbind(a, ctx$info$dispersion_score(ctx$y, eta, ctx$phi[[k]]))
  a
}

# The score of the observed-data log-likelihood of each row (without its case weight) over
# the full parameters, an n x np matrix: sum_k post_ik d log(pi_ik f_k(y_i)) / d theta, which is
# post_ik times expert k's score in its own parameters and z_i (post_ik - pi_ik) in gate k's.
observed_scores <- function(ctx) {
  out <- matrix(0, ctx$n, ctx$np)
  for (k in seq_len(ctx$K)) {
    own <- c(beta_at(ctx, k), if (ctx$with_phi) phi_at(ctx, k))
    out[, own] <- expert_scores(ctx, k) * ctx$post[, k]
    if (k >= 2L) out[, gate_at(ctx, k)] <- ctx$z * (ctx$post[, k] - ctx$parts$gate[, k])
  }
  out
}

# The observed-data score of each row (times its case weight) over the free parameters, with
# the dispersions on the log scale (`log_scale = TRUE`, as the information has them) or on
# their own (as coef() has them); columns named as free_labels().
free_scores <- function(object, log_scale = TRUE, call = NULL) {
  ctx <- score_context(object)
  check_information_memory(ctx$n, ctx$np, call)
  context_free_scores(object, ctx, log_scale)
}

# free_scores() of the rows of a score context (score_context_at()).
context_free_scores <- function(object, ctx, log_scale = TRUE) {
  scores <- observed_scores(ctx) %*% free_jacobian(object, ctx$np)
  scores <- scores * ctx$w
  labels <- free_labels(object)
  colnames(scores) <- labels
  if (!log_scale) {
    # d / d phi = (d / d log phi) / phi
    dispersion <- is_dispersion(labels)
    scores[, dispersion] <- scores[, dispersion] / rep(coef(object)[labels[dispersion]],
                                                       each = nrow(scores))
  }
  scores
}
