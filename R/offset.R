# Offsets: known terms added to the linear predictors, as glm() has them.  The experts' offset
# comes from offset() terms of `formula` and the `offset` argument; the gate's from offset()
# terms of `gating`.  The C code takes each as a matrix of one column per free linear
# predictor, or NULL: n x M for the experts (added to every expert's), n x (K - 1) for the
# gate (added to the log-odds of experts 2..K against expert 1).

# The names model.frame() gives the offset() variables of a terms object (its deparse2()).
offset_names <- function(tt) {
  index <- attr(tt, "offset")
  if (is.null(index)) return(character())
  vars <- as.list(attr(tt, "variables"))[-1L][index]
  vapply(vars, function(v) {
    paste(deparse(v, width.cutoff = 500L, backtick = !is.symbol(v) && is.language(v)),
          collapse = " ")
  }, "")
}

# The sum of the offset() variables of `tt` in the model frame `mf` (with the column
# "(offset)" of an `offset` argument when `argument` is TRUE), or NULL when there are none.
frame_offset <- function(mf, tt, argument = FALSE) {
  columns <- offset_names(tt)
  if (argument && "(offset)" %in% names(mf)) columns <- c(columns, "(offset)")
  if (!length(columns)) return(NULL)
  Reduce(`+`, lapply(columns, function(name) {
    o <- mf[[name]]
    if (is.matrix(o)) o else as.vector(o)
  }))
}

# The terms of the experts' formula without its offsets: the gate's default (the experts'
# covariates, not their offsets, which belong to the experts' means).
without_offsets <- function(tt) {
  if (is.null(attr(tt, "offset"))) return(tt)
  labels <- attr(tt, "term.labels")
  rhs <- paste(c(if (length(labels)) labels else "1", if (!attr(tt, "intercept")) "0"),
               collapse = " + ")
  terms(stats::as.formula(paste("~", rhs), env = environment(tt)))
}

# The experts' offset as the n x M matrix the C code takes, or NULL.  Gaussian and binomial
# experts take a vector (added to the mean, or to the log-odds); multinomial experts over C
# classes an n x C matrix, one column per class, made relative to the first as
# nnet::multinom() does (a vector when C = 2, added to the log-odds of the second class).
expert_offset_matrix <- function(offset, n, M, family, call) {
  if (is.null(offset)) return(NULL)
  what <- if (family$family == "multinomial" && M > 1L) {
    paste0("an n x ", M + 1L, " matrix (one column per class)")
  } else {
    "a numeric vector with one value per observation"
  }
  offset_as_matrix(offset, n, M + (family$family == "multinomial"), what,
                   "The experts' offset", call)
}

# The gate's offset as the n x (K - 1) matrix the C code takes, or NULL: a vector for K = 2
# (added to the log-odds of expert 2), an n x K matrix for any K (one column per expert).
gate_offset_matrix <- function(offset, n, K, call) {
  if (is.null(offset)) return(NULL)
  if (K < 2L) {
    abort("The gate's offset (an offset() term in `gating`) needs K >= 2: with one expert ",
          "there is no gate.", call = call)
  }
  what <- if (K == 2L) "a numeric vector with one value per observation, or an n x 2 matrix" else
    paste0("an n x ", K, " matrix (one column per expert)")
  offset_as_matrix(offset, n, K, what, "The gate's offset", call)
}

# An offset given as a vector (classes = 1 or 2) or an n x classes matrix, as n x (classes - 1)
# differences from its first column (or n x 1 for a vector).
offset_as_matrix <- function(offset, n, classes, what, label, call) {
  if (is.data.frame(offset)) offset <- as.matrix(offset)
  ok_shape <- if (is.matrix(offset)) {
    nrow(offset) == n && (ncol(offset) == classes || classes == 1L && ncol(offset) == 1L)
  } else {
    length(offset) == n && classes <= 2L
  }
  if (!is.numeric(offset) || !ok_shape) {
    abort(label, " must be ", what, ", not ", describe(offset), ".", call = call)
  }
  if (any(!is.finite(offset))) {
    abort(label, " has non-finite values (NA, NaN or Inf) after `na.action`.", call = call)
  }
  out <- if (!is.matrix(offset)) matrix(as.double(offset), n, 1L) else if (classes == 1L) {
    offset
  } else {
    offset[, -1L, drop = FALSE] - offset[, 1L]
  }
  storage.mode(out) <- "double"
  dimnames(out) <- NULL
  out
}

# The experts' linear predictors x beta (n x MK) plus their offset (n x M, or NULL), which is
# the same for every expert.
expert_predictors <- function(x, beta, offset = NULL) {
  eta <- x %*% beta
  if (!is.null(offset)) eta <- eta + offset[, rep_len(seq_len(ncol(offset)), ncol(eta)), drop = FALSE]
  eta
}

# The gate probabilities (n x K) at gate (q x K, first column zero), with the gate's offset
# (n x (K - 1), or NULL) added to the log-odds of experts 2..K.
gate_probabilities <- function(z, gate, offset = NULL) {
  eta <- z %*% gate
  if (!is.null(offset)) eta[, -1L] <- eta[, -1L] + offset
  softmax_rows(eta)
}
