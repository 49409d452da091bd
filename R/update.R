#' Update and refit a mixture of experts
#'
#' As [update()] does for any fit with a call: the arguments given replace the call's, and the
#' call is evaluated again. `formula.` updates the experts' formula as [update.formula()] does
#' (`. ~ . + x2`); a `gating` or `fixed` formula with a `.` updates the fit's own gate or shared
#' formula the same way (`gating = ~ . - x1`), and `gating = NULL` restores the default gate
#' (the experts' covariates).
#'
#' @param object A [moem()] fit.
#' @param formula. Changes to the experts' formula, such as `. ~ . + x2`.
#' @param ... Arguments of [moem()] to change, such as `K = 3` or `gating = ~ x2`.
#' @param evaluate Whether to fit the updated call (`TRUE`) or return it.
#' @return The new fit, or with `evaluate = FALSE` its call.
#' @examples
#' set.seed(1)
#' d <- rmoe(300, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' d$x2 <- rnorm(300)
#' fit <- moem(y ~ x1, data = d)
#' update(fit, . ~ . + x2, evaluate = FALSE)
#' fit1 <- update(fit, K = 1)
#' update(fit, gating = ~ . + x2)$gating
#' @export
update.moem <- function(object, formula., ..., evaluate = TRUE) {
  call <- object$call
  if (is.null(call)) abort("The fit has no call to update.", call = sys.call())
  extras <- match.call(expand.dots = FALSE)$...
  if (length(extras) && (is.null(names(extras)) || any(names(extras) == ""))) {
    abort("The arguments to change must be named, as in update(fit, K = 3).", call = sys.call())
  }
  if (!missing(formula.)) {
    if (!inherits(formula., "formula")) {
      abort("`formula.` must be a formula such as . ~ . + x2, not ", describe(formula.), ".",
            call = sys.call())
    }
    call$formula <- stats::update.formula(formula(object), formula.)
  }
  for (arg in intersect(c("gating", "fixed"), names(extras))) {
    value <- eval(extras[[arg]], parent.frame())
    if (inherits(value, "formula") && "." %in% all.names(value) && !is.null(object[[arg]])) {
      extras[[arg]] <- stats::update.formula(object[[arg]], value)
    }
  }
  for (arg in names(extras)) call[[arg]] <- extras[[arg]]
  if (evaluate) eval(call, parent.frame()) else call
}
