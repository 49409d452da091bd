#' Renumber the experts of a fit
#'
#' A mixture of experts is the same model whatever the experts' numbers; `relabel()` gives
#' them new numbers without refitting: the experts' coefficients, their sigmas or shapes, the
#' posterior probabilities' columns, the degenerate-expert flags and the `path` follow their
#' experts, and the gate is re-expressed against the new expert 1, its reference: with
#' \eqn{W}{W} the gate's q x K coefficients (first column zero), the new coefficients are
#' \eqn{W'_{\cdot k} = W_{\cdot b_k} - W_{\cdot b_1}}{W'[, k] = W[, by[k]] - W[, by[1]]}.
#' The log-likelihood, the fitted values and the predictions are unchanged, and [vcov()] of
#' the result is that of the fit under this linear map. [moem_control()]'s `order` applies
#' a rule to every fit as it is made.
#'
#' The fit's trace (its log-likelihoods) and `starts` are kept as they are. A gate with an
#' offset, whose columns belong to the experts in their fitted order, cannot be relabelled.
#' With a ridge penalty on the gate, which depends on the reference expert, a new expert 1
#' keeps the likelihood but not the penalised optimum: a warning says so, and `logpost` is
#' that of the relabelled parameters.
#'
#' modeltools (and so flexmix) has a `relabel(object, by, ...)` generic too; moem's works on
#' fits of both packages whichever is attached last, as [posterior()] does (a flexmix fit's
#' second argument goes on to flexmix's method as its `by`).
#'
#' @param object A [moem()] fit.
#' @param order The new order: a permutation of `1:K`, new expert k being old expert
#'   `order[k]` (so `relabel(relabel(fit, p), order(p))` gives back `fit`); or a rule, `"weight"` (by
#'   decreasing total posterior weight, the largest expert first) or `"intercept"` (by
#'   increasing intercept; for multinomial experts, that of the first free class), ties
#'   keeping the current order.
#' @param ... Unused; an error if given.
#' @return The fit with its experts renumbered.
#' @seealso [moem_control()] (`order`)
#' @examples
#' set.seed(1)
#' d <- rmoe(400, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d)
#' coef(relabel(fit, 2:1), "experts")
#' coef(relabel(fit, "intercept"), "gating")
#' @export
relabel <- function(object, order, ...) UseMethod("relabel")

#' @rdname relabel
#' @export
relabel.moem <- function(object, order, ...) {
  call <- sys.call()
  check_dots(..., call = call)
  by <- relabel_order(object, order, call)
  if (identical(by, seq_len(object$K))) return(object)
  if (!is.null(object$gating_offset)) {
    abort("A fit with a gate offset (an offset() term in `gating`) cannot be relabelled: ",
          "the offset's columns belong to the experts in their fitted order.", call = call)
  }
  K <- object$K
  labels <- paste0("expert", seq_len(K))
  symmetric <- isTRUE(object$symmetric)
  M <- free_classes(object)
  object$coefficients <- permute_parameters(object$coefficients, object$layout, K, M, by,
                                            symmetric)
  for (name in c("sigma", "shape")) {
    if (!is.null(object[[name]])) {
      object[[name]] <- setNames(object[[name]][by], names(object[[name]]))
    }
  }
  names <- dimnames(object$posterior)
  object$posterior <- object$posterior[, by, drop = FALSE]
  dimnames(object$posterior) <- names
  object$degenerate <- setNames(object$degenerate[by], names(object$degenerate))
  if (!is.null(object$path)) {
    object$path <- permute_parameters(object$path, path_layout(object), K, M, by, symmetric)
  }
  if (!is.null(object$logpost) && object$control$penalty[2L] > 0 && by[1L] != 1L) {
    warn("The ridge penalty on the gate depends on its reference expert: with expert ", by[1L],
         " as the new reference, the relabelled fit has the same likelihood but is not the ",
         "penalised optimum; refit from it (`init = `) for that.", call = call)
    labels_free <- free_labels(object)
    penalty <- penalty_diagonal(object, labels_free)
    object$logpost <- object$loglik - sum(penalty * object$coefficients[labels_free]^2) / 2
  }
  object
}

#' @rdname relabel
#' @export
relabel.default <- function(object, order, ...) {
  if (isS4(object) && isNamespaceLoaded("modeltools")) {
    generic <- getExportedValue("modeltools", "relabel")
    return(if (missing(order)) generic(object, ...) else generic(object, order, ...))
  }
  abort("relabel() is for moem fits (and, with flexmix loaded, flexmix fits), not ",
        describe_class(object), ".", call = sys.call())
}

# `order` (relabel()'s argument, here `by`) as a permutation of 1..K.
relabel_order <- function(object, by, call) {
  K <- object$K
  if (is.character(by)) {
    if (length(by) != 1L || !by %in% c("weight", "intercept")) {
      abort("`order` must be a permutation of 1:", K, ", \"weight\" or \"intercept\", not ",
            describe(by), ".", call = call)
    }
    return(expert_order(object, by, call))
  }
  if (!is.numeric(by) || length(by) != K || anyNA(by) || !all(sort(by) == seq_len(K))) {
    abort("`order` must be a permutation of 1:", K, " (new expert k is old expert order[k]), ",
          "\"weight\" or \"intercept\", not ", describe(by), ".", call = call)
  }
  as.integer(by)
}

# The permutation that a rule puts the experts in (order() is stable: ties keep their order).
expert_order <- function(object, rule, call) {
  if (rule == "weight") {
    return(order(-colSums(object$prior.weights * object$posterior)))
  }
  experts <- coef_experts_matrix(object)
  if (!"(Intercept)" %in% rownames(experts) || anyNA(experts["(Intercept)", ])) {
    abort("Ordering the experts by \"intercept\" needs an intercept in the experts' formula.",
          call = call)
  }
  M <- free_classes(object)
  order(experts["(Intercept)", seq(1L, by = M, length.out = object$K)])
}

# Applies the experts' permutation `by` to a parameter vector laid out as `layout` says
# (src/params.c), or to each row of a matrix of them: each expert's own block (M classes)
# moves with its expert, the shared coefficients stay, the gate's columns 2..K are
# re-expressed against the new expert 1, K dispersions are permuted (one stays).  In the
# symmetric model (K = 2, expert 2 = -expert 1) exchanging the experts negates beta and the
# gate.
permute_parameters <- function(theta, layout, K, M, by, symmetric) {
  vector <- is.null(dim(theta))
  out <- if (vector) matrix(theta, 1L) else theta
  experts <- layout_block(layout, "experts")
  gating <- layout_block(layout, "gating")
  if (symmetric) {
    out[, c(experts, gating)] <- -out[, c(experts, gating)]
  } else {
    own <- length(experts) / K
    out[, experts] <- out[, experts[c(outer(seq_len(own), (by - 1L) * own, "+"))]]
    q <- length(gating) / (K - 1L)
    for (r in seq_len(nrow(out))) {
      full <- cbind(0, matrix(out[r, gating], q, K - 1L))[, by, drop = FALSE]
      out[r, gating] <- c(full[, -1L] - full[, 1L])
    }
    dispersion <- layout_block(layout, "dispersion")
    if (length(dispersion) == K) out[, dispersion] <- out[, dispersion[by]]
  }
  if (vector) setNames(out[1L, ], names(theta)) else out
}

# The layout of the fit's path: the coefficient vector's blocks over the non-aliased columns.
path_layout <- function(object) {
  shared <- shared_terms(object)
  free <- !object$aliased$experts
  q <- sum(!object$aliased$gating)
  symmetric <- isTRUE(object$symmetric)
  c(experts = if (symmetric) sum(free) else sum(free & !shared) * free_classes(object) * object$K,
    fixed = if (symmetric) 0L else sum(free & shared),
    gating = if (symmetric) q else q * (object$K - 1L),
    dispersion = object$layout[["dispersion"]])
}

# The rule of moem_control(order = ) applied to a new fit.
order_experts <- function(fit, rule, call) {
  if (is.null(rule) || rule == "none" || fit$K == 1L) return(fit)
  if (!is.null(fit$gating_offset)) {
    abort("`order = \"", rule, "\"` in moem_control() cannot relabel a fit with a gate ",
          "offset; use `order = \"none\"`.", call = call)
  }
  relabel.moem(fit, expert_order(fit, rule, call))
}
