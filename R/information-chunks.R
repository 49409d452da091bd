# The observed information (Louis' identity, vcov.R) and the per-row scores (scores.R) of a fit
# chunk by chunk: both are sums over the rows, computed per chunk from the fit's parameters and
# the chunk's design matrices (chunk_design()'s matrices()), and added.
#
# `object`, a "fit like" list: a moem() fit, or a list with the components of one that hold
# the parameters and not the data: coefficients, layout, K, family, aliased (experts, gating
# and fixed: logical vectors over the columns of x, z and x), symmetric, sigma_fixed,
# equal_dispersion, sigma or shape, response_levels and control (its penalty), of class
# "moem".

# The score context (score_context_at()) of one chunk's matrices, the posterior probabilities
# computed at the fit's parameters.
chunk_score_context <- function(object, m) {
  design <- list(x = m$x[, !object$aliased$experts, drop = FALSE],
                 z = m$z[, !object$aliased$gating, drop = FALSE],
                 offset_x = m$offset_x, offset_z = m$offset_z, y = m$y, size = m$size)
  beta <- coef_experts_matrix(object)[!object$aliased$experts, , drop = FALSE]
  gate <- coef_gating(object)[!object$aliased$gating, , drop = FALSE]
  post <- estep(object, design, rep(1, nrow(design$x)), beta, gate)$posterior
  score_context_at(object, design, m$y, m$size, m$w, post)
}

# The complete and missing information over the full parameters of one chunk (its share of
# full_information()): list(complete, missing).
chunk_information <- function(object, m) context_information(chunk_score_context(object, m))

# The observed-data score of each row of one chunk (times its case weight) over the free
# parameters, as free_scores() gives them for the fit's own rows.
chunk_scores <- function(object, m, log_scale = TRUE) {
  context_free_scores(object, chunk_score_context(object, m), log_scale)
}

# The information matrices of information_matrices() (observed, complete, missing, penalty,
# over the free parameters) summed over the chunks of `source` (a data_source() or a
# cluster_source(), whose workers compute their chunks' sums) with `design` (chunk_design()).
chunked_information <- function(object, design, source) {
  if (inherits(source, "moem_cluster_source")) {
    sums <- unlist(source$map(chunk_informer(object)), recursive = FALSE)
    full <- Reduce(add_information, sums, NULL)
  } else {
    on.exit(source$close(), add = TRUE)
    full <- fold_chunks(source, NULL, function(sum, chunk, index) {
      add_information(sum, chunk_information(object, design$matrices(chunk,
                                                                     paste("chunk", index))))
    })
  }
  if (is.null(full)) abort("`data` has no rows (no chunks).")
  free_information(object, full)
}

# chunk_information() as a function of the matrices whose environment holds `object` alone,
# so that it travels light to a cluster's workers.
chunk_informer <- function(object) {
  force(object)
  function(m) chunk_information(object, m)
}

add_information <- function(a, b) {
  if (is.null(a)) return(b)
  list(complete = a$complete + b$complete, missing = a$missing + b$missing)
}
