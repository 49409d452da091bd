#' Wald tests of the coefficients of a mixture of experts, for the lmtest package
#'
#' `lmtest::coeftest()` of a [moem()] fit, with z tests (`df = Inf`) as for a [glm()] fit and
#' as [summary.moem()] has them; `vcov.` may be a robust covariance, such as
#' `sandwich::sandwich` or `function(x) vcov(x, type = "robust", cluster = ~ id)`.
#'
#' @param x A [moem()] fit.
#' @param vcov. `NULL` ([vcov.moem()]), a covariance matrix, or a function of the fit that
#'   returns one.
#' @param df Degrees of freedom of the t tests; `Inf` (the default) gives z tests.
#' @param ... Passed on to `vcov.` when it is a function; otherwise an error if given.
#' @return The `"coeftest"` matrix of `lmtest::coeftest()`: estimates, standard errors, z (or
#'   t) statistics and p-values.
#' @examples
#' set.seed(1)
#' d <- rmoe(400, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d)
#' if (requireNamespace("lmtest", quietly = TRUE)) {
#'   lmtest::coeftest(fit, vcov. = function(x) vcov(x, type = "robust"))
#' }
#' @exportS3Method lmtest::coeftest
coeftest.moem <- function(x, vcov. = NULL, df = Inf, ...) {
  if (!is.function(vcov.)) check_dots(..., call = sys.call())
  lmtest::coeftest.default(x, vcov. = vcov., df = df, ...)
}
