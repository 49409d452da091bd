#' Confidence intervals for the parameters of a mixture of experts
#'
#' Wald intervals from [vcov.moem()]: estimate -/+ z se for the experts' and the gate's
#' coefficients, as [confint.default()] computes them; for a dispersion (sigma or shape), whose
#' information is computed on the log scale, the interval of its logarithm transformed back,
#' \eqn{\exp(\log\hat\phi \mp z\, se / \hat\phi)}{exp(log(phi) -/+ z se / phi)}, which stays
#' positive.
#'
#' @param object A [moem()] fit.
#' @param parm Which parameters: names as in `coef(object)`, or their positions; all if
#'   missing.
#' @param level The confidence level, between 0 and 1.
#' @param ... Unused; an error if given.
#' @return A matrix with a row per parameter and columns named by the percentages of the
#'   lower and upper limits (`"2.5 %"` and `"97.5 %"` by default), as [confint()] gives it;
#'   `NA` for aliased coefficients.
#' @examples
#' set.seed(1)
#' d <- rmoe(400, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d)
#' confint(fit)
#' confint(fit, c("sigma1", "sigma2"), level = 0.9)
#' @export
confint.moem <- function(object, parm, level = 0.95, ...) {
  call <- sys.call()
  check_dots(..., call = call)
  if (!is_number(level) || level <= 0 || level >= 1) {
    abort("`level` must be a number between 0 and 1, not ", describe(level), ".", call = call)
  }
  cf <- coef(object)
  parm <- if (missing(parm)) names(cf) else check_parm(parm, names(cf), call)
  wald_limits(cf[parm], sqrt(diag(vcov(object)))[parm], level)
}

# Wald limits of the named estimates with standard errors `se`: estimate -/+ z se, and for a
# dispersion exp(log estimate -/+ z se / estimate); columns named as confint() names them.
wald_limits <- function(estimate, se, level) {
  alpha <- (1 - level) / 2
  probs <- c(alpha, 1 - alpha)
  z <- qnorm(probs)
  out <- estimate + se %o% z
  dispersion <- is_dispersion(names(estimate))
  out[dispersion, ] <- exp(log(estimate[dispersion]) +
                             (se[dispersion] / estimate[dispersion]) %o% z)
  dimnames(out) <- list(names(estimate),
                        paste(format(100 * probs, trim = TRUE, scientific = FALSE, digits = 3),
                              "%"))
  out
}

# `parm` as names of coefficients: names among `names`, or positions in them.
check_parm <- function(parm, names, call) {
  if (is.numeric(parm) && length(parm) && all(is_whole_vector(parm)) &&
      all(parm >= 1 & parm <= length(names))) {
    return(names[parm])
  }
  if (is.character(parm) && length(parm) && all(parm %in% names)) return(parm)
  abort("`parm` must name coefficients of the fit (as coef() names them) or give their ",
        "positions (1 to ", length(names), "), not ", describe(parm), ".", call = call)
}
