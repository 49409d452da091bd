#' Coefficients of a mixture of experts
#'
#' @param object A [moem()] fit.
#' @param part Which coefficients: `"all"` (a named vector: `expert<k>:<term>`, `gate<k>:<term>`
#'   for k >= 2, then `sigma<k>` for gaussian experts), `"experts"` (a p x K matrix),
#'   `"gating"` (a q x K matrix whose first column, the reference, is zero) or `"sigma"`.
#' @param ... Unused.
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
  part <- match.arg(part)
  switch(part,
    all = object$coefficients,
    experts = coef_experts(object),
    gating = coef_gating(object),
    sigma = object$sigma
  )
}

coef_experts <- function(object) {
  terms <- names(object$aliased$experts)
  K <- object$K
  matrix(object$coefficients[seq_len(length(terms) * K)], length(terms), K,
         dimnames = list(terms, paste0("expert", seq_len(K))))
}

coef_gating <- function(object) {
  terms <- names(object$aliased$gating)
  K <- object$K
  out <- matrix(0, length(terms), K, dimnames = list(terms, paste0("expert", seq_len(K))))
  if (K > 1L) {
    first <- length(object$aliased$experts) * K
    out[, -1L] <- object$coefficients[first + seq_len(length(terms) * (K - 1L))]
  }
  out
}
