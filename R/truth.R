# Parameter errors against known true parameters (the `truth` argument of moem()), as the paper
# plots them: ||beta_t - beta*|| / ||beta*|| and ||w_t - w*|| / ||w*||, after matching the
# experts' labels (absolute errors where the true parameters are all zero).

check_truth <- function(truth, problem, aliased, call) {
  if (is.null(truth)) return(NULL)
  K <- problem$K
  if (!is.list(truth) || is.null(truth$experts) || is.null(truth$gating)) {
    abort("`truth` must be list(experts = <p x K matrix>, gating = <q x K matrix>).",
          call = call)
  }
  experts <- truth$experts
  gating <- truth$gating
  if (problem$symmetric) {
    if (is.null(dim(experts))) experts <- cbind(experts, -experts)
    if (is.null(dim(gating))) gating <- cbind(0, gating)
  }
  if (problem$M > 1L) experts <- flatten_classes(experts, problem$M, K, "truth$experts", call)
  experts <- init_matrix(experts, aliased$experts, problem$M * K, "truth$experts", call)
  gating <- init_matrix(gating, aliased$gating, K, "truth$gating", call)
  list(experts = experts, gating = gating - gating[, 1L])
}

# The (iter + 1) x P path of free parameters, laid out as the C code's parameter vector
# (`layout`, parameter_layout(): each expert's own coefficients, then the shared ones, the
# last rows of the p, then the gate's), as a list of (experts p x MK, gating q x K) per row.
path_parameters <- function(path, layout, p, q, K, symmetric, M = 1L) {
  own <- p - layout[["fixed"]]
  lapply(seq_len(nrow(path)), function(t) {
    theta <- path[t, ]
    gate <- theta[layout_block(layout, "gating")]
    if (symmetric) {
      beta <- theta[layout_block(layout, "experts")]
      return(list(experts = cbind(beta, -beta), gating = cbind(0, gate)))
    }
    experts <- matrix(0, p, M * K)
    experts[seq_len(own), ] <- theta[layout_block(layout, "experts")]
    experts[own + seq_len(layout[["fixed"]]), ] <- theta[layout_block(layout, "fixed")]
    list(experts = experts, gating = cbind(0, matrix(gate, q, K - 1L)))
  })
}

# The norm that an error is relative to: the true parameters', or 1 (the absolute error) when
# they are all zero (a constant gate, K = 1), where a relative error is undefined.
error_scale <- function(truth) {
  norm <- sqrt(sum(truth^2))
  if (norm > 0) norm else 1
}

# Relative errors of each iterate, under the labelling of the experts that brings the iterate
# closest to the truth (smallest sum of the two squared relative errors).  With `exchangeable`
# (the symmetric logistic model with one design for the gate and the experts, whose likelihood
# is the same at (beta, w) and (w, beta)), the exchanged iterate is a candidate too.
parameter_errors <- function(path, truth, layout, p, q, K, symmetric, exchangeable = FALSE,
                             M = 1L) {
  perms <- permutations(K)
  norm_b <- error_scale(truth$experts)
  norm_w <- error_scale(truth$gating)
  columns <- function(perm) as.vector(outer(seq_len(M), (perm - 1L) * M, "+"))
  errors <- vapply(path_parameters(path, layout, p, q, K, symmetric, M), function(par) {
    candidates <- list(par)
    if (exchangeable) {
      w <- par$gating[, 2L]
      b <- par$experts[, 1L]
      candidates[[2L]] <- list(experts = cbind(w, -w), gating = cbind(0, b))
    }
    best <- c(Inf, Inf)
    for (cand in candidates) {
      for (i in seq_len(nrow(perms))) {
        perm <- perms[i, ]
        gating <- cand$gating[, perm, drop = FALSE]
        gating <- gating - gating[, 1L]
        err <- c(sqrt(sum((cand$experts[, columns(perm)] - truth$experts)^2)) / norm_b,
                 sqrt(sum((gating - truth$gating)^2)) / norm_w)
        if (sum(err^2) < sum(best^2)) best <- err
      }
    }
    best
  }, numeric(2))
  data.frame(beta_error = errors[1L, ], gate_error = errors[2L, ])
}

permutations <- function(K) {
  if (K == 1L) return(matrix(1L, 1L, 1L))
  smaller <- permutations(K - 1L)
  do.call(rbind, lapply(seq_len(K), function(first) {
    cbind(first, matrix(setdiff(seq_len(K), first)[smaller], nrow(smaller)))
  }))
}
