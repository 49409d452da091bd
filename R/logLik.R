#' Log-likelihood, observations, family and posterior probabilities of a fit
#'
#' `logLik()` carries the `df` and `nobs` attributes that [AIC()] and [BIC()] use;
#' `posterior()` gives the posterior probability of each expert for each observation.
#'
#' flexmix (through modeltools) has a `posterior()` generic too. Both work on fits of both
#' packages whichever is attached last: moem's hands other S4 objects (flexmix fits) to
#' modeltools' generic, and modeltools' generic gets a method for moem fits once it is loaded.
#'
#' @param object A [moem()] fit.
#' @param newdata For `posterior()`: a data frame with the response and the covariates;
#'   without it, the training data.
#' @param ... Unused; an error if given.
#' @return `logLik()`: an object of class `"logLik"`; `nobs()`: the number of observations,
#'   the sum of the case weights, which count observations (see [moem()]); `family()`: the
#'   experts' family; `posterior()`: an n x K matrix, with the rows
#'   dropped by `na.action = na.exclude` back as `NA`.
#' @examples
#' set.seed(1)
#' d <- rmoe(400, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d)
#' logLik(fit)
#' BIC(fit)
#' head(posterior(fit))
#' @name moem-accessors
NULL

#' @rdname moem-accessors
#' @export
logLik.moem <- function(object, ...) {
  check_dots(..., call = sys.call())
  structure(object$loglik, df = object$df, nobs = object$nobs, class = "logLik")
}

#' @rdname moem-accessors
#' @export
nobs.moem <- function(object, ...) {
  check_dots(..., call = sys.call())
  object$nobs
}

#' @rdname moem-accessors
#' @export
family.moem <- function(object, ...) object$family

#' @rdname moem-accessors
#' @export
posterior <- function(object, ...) UseMethod("posterior")

#' @rdname moem-accessors
#' @export
posterior.moem <- function(object, newdata, ...) {
  check_dots(..., call = sys.call())
  if (missing(newdata) || is.null(newdata)) return(napredict(object$na.action, object$posterior))
  predict(object, newdata, type = "posterior")
}
