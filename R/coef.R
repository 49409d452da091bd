#' Coefficients of a mixture of experts
#'
#' @param object A [moem()] fit.
#' @param part Which coefficients: `"all"` (a named vector: `expert<k>:<term>`, then
#'   `fixed:<term>` for the coefficients all experts share (`fixed` in [moem()]),
#'   `gate<k>:<term>` for k >= 2, then `sigma<k>` for gaussian experts whose sigma is
#'   estimated or `shape<k>` for Gamma experts (one `sigma` or `shape` with `sigma =
#'   "equal"`); a symmetric model has only expert 1's coefficients and one `sigma`; a
#'   multinomial expert's are named `expert<k>:<class>:<term>`), `"experts"` (a p x K matrix,
#'   shared coefficients equal in every column, or for multinomial experts a p x (C - 1) x K
#'   array of log-odds against the first class), `"gating"` (a q x K matrix whose first
#'   column, the reference, is zero), `"sigma"` (gaussian experts) or `"shape"` (Gamma
#'   experts).
#' @param ... Unused; an error if given.
#' @return A named vector or a matrix, as `part` says. Aliased coefficients are `NA`.
#' @examples
#' set.seed(1)
#' d <- rmoe(400, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d)
#' coef(fit)
#' coef(fit, "experts")
#' coef(fit, "gating")
#' @export
coef.moem <- function(object, part = c("all", "experts", "gating", "sigma", "shape"), ...) {
  check_dots(..., call = sys.call())
  part <- match.arg(part)
  check_dispersion_part(object, part, sys.call())
  switch(part,
    all = object$coefficients,
    experts = coef_experts(object),
    gating = coef_gating(object),
    sigma = object$sigma,
    shape = object$shape
  )
}

# Experts' coefficients in the coefficient vector: K columns, or one in a symmetric model.
experts_in_vector <- function(object) if (isTRUE(object$symmetric)) 1L else object$K

# Free classes per expert: C - 1 for multinomial experts, else 1.
free_classes <- function(object) {
  if (family_info(object$family)$multiclass) length(object$response_levels) - 1L else 1L
}

# Which of the experts' terms have coefficients shared by all experts (`fixed`).
shared_terms <- function(object) {
  shared <- object$aliased$fixed
  if (is.null(shared)) rep(FALSE, length(object$aliased$experts)) else shared
}

# The lengths of the blocks of the parameter vector, named experts (each expert's own
# coefficients), fixed (the shared ones), gating and dispersion, as the C code lays it out
# (src/params.c), for p expert and q gate columns of which the last p_fixed are shared.
parameter_layout <- function(family, K, M, symmetric, p, q, p_fixed, sigma_fixed, equal) {
  .Call(ffi_par_layout, as.integer(c(family_info(family)$code, K, M, symmetric, p_fixed)),
        as.integer(p), as.integer(q), as.integer(c(sigma_fixed, isTRUE(equal))))
}

# The positions of a block of the layout in a vector laid out by it.
layout_block <- function(layout, block) {
  sum(layout[seq_len(match(block, names(layout)) - 1L)]) + seq_len(layout[[block]])
}

# The experts' coefficients as the p x MK matrix of the C code (shared ones in every column).
coef_experts_matrix <- function(object) {
  terms <- names(object$aliased$experts)
  shared <- shared_terms(object)
  M <- free_classes(object)
  stored <- experts_in_vector(object)
  out <- matrix(NA_real_, length(terms), M * stored)
  out[!shared, ] <- object$coefficients[layout_block(object$layout, "experts")]
  if (any(shared)) out[shared, ] <- object$coefficients[layout_block(object$layout, "fixed")]
  if (stored < object$K) out <- cbind(out, -out)
  dimnames(out) <- list(terms, expert_column_labels(object$K, object$response_levels,
                                                    object$family))
  out
}

coef_experts <- function(object) {
  out <- coef_experts_matrix(object)
  M <- free_classes(object)
  if (M == 1L) return(out)
  array(out, c(nrow(out), M, object$K),
        dimnames = list(rownames(out), object$response_levels[-1L],
                        paste0("expert", seq_len(object$K))))
}

coef_gating <- function(object) {
  terms <- names(object$aliased$gating)
  K <- object$K
  out <- matrix(0, length(terms), K, dimnames = list(terms, paste0("expert", seq_len(K))))
  if (K > 1L) {
    out[, -1L] <- object$coefficients[layout_block(object$layout, "gating")]
  }
  out
}

# "sigma" is gaussian experts' part, "shape" Gamma experts': an error for others.
check_dispersion_part <- function(object, part, call) {
  if (!part %in% c("sigma", "shape")) return(invisible())
  has <- family_info(object$family)$dispersion
  if (!identical(has, part)) {
    abort("`part = \"", part, "\"` is for ", if (part == "sigma") "gaussian" else "Gamma",
          " experts; ", object$family$family, " experts have ",
          if (is.null(has)) "no dispersion" else paste0("`part = \"", has, "\"`"), ".",
          call = call)
  }
}
