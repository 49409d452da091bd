#' Coefficients of a mixture of experts
#'
#' @param object A [moem()] fit.
#' @param part Which coefficients: `"all"` (a named vector: `expert<k>:<term>`, `gate<k>:<term>`
#'   for k >= 2, then `sigma<k>` for gaussian experts whose sigma is estimated; a symmetric
#'   model has only expert 1's coefficients and one `sigma`; a multinomial expert's are
#'   named `expert<k>:<class>:<term>`), `"experts"` (a p x K matrix, or for multinomial
#'   experts a p x (C - 1) x K array of log-odds against the first class),
#'   `"gating"` (a q x K matrix whose first column, the reference, is zero) or `"sigma"`.
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
coef.moem <- function(object, part = c("all", "experts", "gating", "sigma"), ...) {
  check_dots(..., call = sys.call())
  part <- match.arg(part)
  switch(part,
    all = object$coefficients,
    experts = coef_experts(object),
    gating = coef_gating(object),
    sigma = object$sigma
  )
}

# Experts' coefficients in the coefficient vector: K columns, or one in a symmetric model.
experts_in_vector <- function(object) if (isTRUE(object$symmetric)) 1L else object$K

# Free classes per expert: C - 1 for multinomial experts, else 1.
free_classes <- function(object) {
  if (object$family$family == "multinomial") length(object$response_levels) - 1L else 1L
}

# The experts' coefficients as the p x MK matrix of the C code.
coef_experts_matrix <- function(object) {
  terms <- names(object$aliased$experts)
  M <- free_classes(object)
  stored <- experts_in_vector(object)
  out <- matrix(object$coefficients[seq_len(length(terms) * M * stored)], length(terms),
                M * stored)
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
    first <- length(object$aliased$experts) * free_classes(object) * experts_in_vector(object)
    out[, -1L] <- object$coefficients[first + seq_len(length(terms) * (K - 1L))]
  }
  out
}
