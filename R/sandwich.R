#' Scores and bread of a mixture of experts, for the sandwich package
#'
#' The methods through which the sandwich package (Zeileis 2006) computes robust covariances
#' of a [moem()] fit: `estfun()` gives the score of the log-likelihood of each observation,
#' `bread()` the model covariance times the number of observations, so that
#' `sandwich::sandwich(fit)`, `sandwich::vcovCL(fit, cluster = ~ id)` and
#' `sandwich::vcovHC(fit)` work, as does `lmtest::coeftest(fit, vcov. = sandwich::sandwich)`.
#' They agree with moem's own `vcov(fit, type = "robust", cluster = )` (see [vcov.moem()]),
#' which needs no other package. At `K = 1` the sandwiches equal the sandwich package's for a
#' [glm()] fit (gaussian, binomial and poisson experts), in the experts' coefficients, and so do
#' `estfun()` and `bread()`, except for a gaussian [glm()] with case weights, whose dispersion
#' sandwich takes as \eqn{\sum w_i^2 r_i^2 / \sum w_i}{sum(w^2 r^2) / sum(w)} (it cancels in
#' the sandwich) where moem has the maximum likelihood \eqn{\sigma^2}{sigma^2}.
#'
#' The parameters are those of `coef(object)` that are free (not aliased), on their own scale:
#' the dispersions' (sigma's or shape's) scores are derivatives with respect to sigma or shape,
#' the bread is on that scale too, and the sandwich therefore equals the delta method applied to
#' the sandwich on the log scale, on which the information is computed (see [vcov.moem()]).
#' The score of row \eqn{i} is \eqn{w_i \sum_k \mathrm{post}_{ik}\, \partial \log(\pi_k
#' f_k)(y_i) / \partial\theta}{w_i sum_k post_ik d log(pi_k f_k)(y_i) / d theta}, times its
#' case weight as sandwich's `estfun()` of a weighted [glm()] is; the columns sum to zero at a
#' maximum of the likelihood (to the penalty's gradient for a penalised fit, whose bread is the
#' penalised covariance). Rows that `na.action = na.exclude` dropped come back as `NA`.
#'
#' `vcovHC()` has the types `"HC0"` (the default here; no adjustment) and `"HC1"` (the meat
#' multiplied by \eqn{n / (n - P)}{n / (n - P)} for \eqn{P} free parameters, the dispersions
#' included). The other types divide by one minus the hat values, which a mixture of experts
#' does not have.
#'
#' @param x A [moem()] fit.
#' @param type For `vcovHC()`: `"HC0"` or `"HC1"`.
#' @param sandwich For `vcovHC()`: `TRUE` for the covariance, `FALSE` for the meat alone, as
#'   in `sandwich::vcovHC()`.
#' @param ... Unused; an error if given.
#' @return `estfun()`: an n x P matrix, a row per observation and a column per free parameter,
#'   named as in `coef(x)`; `bread()`: the P x P matrix \eqn{n V} for the model covariance
#'   \eqn{V}{V} (`vcov(x)` without its aliased rows and columns) and \eqn{n} rows of `estfun()`;
#'   `vcovHC()`: the P x P robust covariance (or meat).
#' @references Zeileis, A. (2006). Object-oriented computation of sandwich estimators.
#'   *Journal of Statistical Software*, 16(9), 1--16.
#' @seealso [vcov.moem()]
#' @examples
#' set.seed(1)
#' d <- rmoe(400, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d)
#' if (requireNamespace("sandwich", quietly = TRUE)) {
#'   head(sandwich::estfun(fit))
#'   all.equal(sandwich::sandwich(fit), vcov(fit, type = "robust"))
#' }
#' @name moem-sandwich
NULL

#' @rdname moem-sandwich
#' @exportS3Method sandwich::estfun
estfun.moem <- function(x, ...) {
  call <- sys.call()
  check_dots(..., call = call)
  naresid(x$na.action, free_scores(x, log_scale = FALSE, call = call))
}

#' @rdname moem-sandwich
#' @exportS3Method sandwich::bread
bread.moem <- function(x, ...) {
  call <- sys.call()
  check_dots(..., call = call)
  labels <- free_labels(x)
  v <- vcov(x)[labels, labels, drop = FALSE]
  nrow(x$model) * v
}

#' @rdname moem-sandwich
#' @exportS3Method sandwich::vcovHC
vcovHC.moem <- function(x, type = c("HC0", "HC1"), sandwich = TRUE, ...) {
  call <- sys.call()
  check_dots(..., call = call)
  if (identical(type, c("HC0", "HC1"))) type <- "HC0"
  if (is.character(type) && length(type) == 1L &&
      type %in% c("HC2", "HC3", "HC4", "HC4m", "HC5", "const")) {
    abort("`type = \"", type, "\"` needs hat values, which a mixture of experts does not ",
          "have; use \"HC0\" or \"HC1\".", call = call)
  }
  if (!is.character(type) || length(type) != 1L || !type %in% c("HC0", "HC1")) {
    abort("`type` must be \"HC0\" or \"HC1\", not ", describe(type), ".", call = call)
  }
  if (!is.logical(sandwich) || length(sandwich) != 1L || is.na(sandwich)) {
    abort("`sandwich` must be TRUE or FALSE, not ", describe(sandwich), ".", call = call)
  }
  labels <- free_labels(x)
  n <- nrow(x$model)
  adjust <- if (type == "HC1") n / (n - length(labels)) else 1
  if (sandwich) {
    return(adjust * vcov(x, type = "robust")[labels, labels, drop = FALSE])
  }
  scores <- free_scores(x, log_scale = FALSE, call = call)
  adjust * crossprod(scores) / n
}
