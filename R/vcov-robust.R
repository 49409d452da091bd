# The sandwich covariance of vcov(type = "robust"): the model covariance (the bread) around the
# cross-products of the observations' scores, or of their sums per cluster (the meat).

# The robust covariance over the free parameters (dispersions on the log scale), from their
# model covariance `bread`: bread %*% meat %*% bread, the meat multiplied by G / (G - 1) for G
# clusters when `cluster` is given (sandwich::vcovCL's default).
robust_covariance <- function(object, bread, cluster, call) {
  scores <- free_scores(object, log_scale = TRUE, call = call)
  adjust <- 1
  if (!is.null(cluster)) {
    groups <- cluster_groups(object, cluster, call)
    scores <- rowsum(scores, groups, reorder = FALSE)
    G <- nrow(scores)
    if (G < 2L) abort("`cluster` must have at least two clusters; it has ", G, ".", call = call)
    adjust <- G / (G - 1)
  }
  meat <- crossprod(scores) * adjust
  out <- bread %*% meat %*% bread
  (out + t(out)) / 2
}

# The cluster of each observation of the fit: `cluster` as a one-sided formula of one
# variable, evaluated in the fit's data and restricted to the rows the fit used, or a vector
# with one value per observation of the fit (or per row of the data before na.action).
cluster_groups <- function(object, cluster, call) {
  n <- nrow(object$model)
  if (inherits(cluster, "formula")) {
    groups <- cluster_from_formula(object, cluster, call)
  } else {
    if (!is.atomic(cluster) || !is.null(dim(cluster))) {
      abort("`cluster` must be NULL, a one-sided formula such as ~ id, or a vector with one ",
            "value per observation, not ", describe(cluster), ".", call = call)
    }
    dropped <- object$na.action
    groups <- cluster
    if (length(groups) == n + length(dropped) && length(dropped) > 0L) groups <- groups[-dropped]
    if (length(groups) != n) {
      abort("`cluster` must have one value per observation of the fit (", n, ")",
            if (length(dropped)) paste0(" or per row of the data (", n + length(dropped), ")"),
            ", not ", length(cluster), ".", call = call)
    }
  }
  if (anyNA(groups)) abort("`cluster` has missing values.", call = call)
  groups
}

cluster_from_formula <- function(object, cluster, call) {
  if (length(cluster) != 2L || length(all.vars(cluster)) == 0L) {
    abort("`cluster` must be a one-sided formula of one variable, such as ~ id.", call = call)
  }
  env <- environment(object$formula)
  data <- eval(object$call$data, env)
  frame <- if (is.null(data)) {
    stats::model.frame(cluster, na.action = na.pass)
  } else {
    stats::model.frame(cluster, data = data, na.action = na.pass)
  }
  if (ncol(frame) != 1L) {
    abort("`cluster` must name one variable (one-way clustering), not ", ncol(frame), ".",
          call = call)
  }
  rows <- match(rownames(object$model), rownames(frame))
  if (anyNA(rows)) {
    abort("The variable of `cluster` does not have the rows of the fit's data.", call = call)
  }
  frame[[1L]][rows]
}
