#' Deviance and residual degrees of freedom of a mixture of experts
#'
#' `deviance()` is the posterior-weighted deviance of the experts,
#' \deqn{D = \sum_i w_i \sum_k \mathrm{post}_{ik}\, d_k(y_i, \mu_{ik}),}{D = sum_i w_i sum_k
#' post_ik d(y_i, mu_ik),}
#' with \eqn{d} the unit deviance of the experts' family (`family$dev.resids()`; for
#' multinomial experts \eqn{-2 \log}{-2 log} of the probability of the observed class, as
#' [nnet::multinom()]'s deviance) at expert \eqn{k}'s mean, and binomial trials in the weights
#' as [glm()] has them. It is the deviance of the experts' own regressions in EM's last
#' M-step, each observation shared among the experts by its posterior. At `K = 1` it is
#' [glm()]'s deviance for every family. For `K > 1` it is not a likelihood-ratio statistic
#' against a saturated model, and differences of it between mixtures are not chi-squared: use
#' [logLik()], [AIC()] or [BIC()] to compare fits.
#'
#' `df.residual()` is the number of observations ([nobs()], the sum of the case weights) less
#' the number of free coefficients of the experts and the gate; like [glm()]'s, it does not
#' count the dispersions (sigma or shape), which [logLik()]'s `df` does count. At `K = 1` it is
#' [glm()]'s (with case weights, [glm()]'s on the data with each row repeated as its weight
#' says).
#'
#' @param object A [moem()] fit.
#' @param ... Unused; an error if given.
#' @return A number.
#' @examples
#' set.seed(1)
#' d <- rmoe(400, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d)
#' deviance(fit)
#' df.residual(fit)
#' fit1 <- moem(y ~ x1, data = d, K = 1)
#' all.equal(deviance(fit1), deviance(glm(y ~ x1, data = d)))
#' @name moem-deviance
NULL

#' @rdname moem-deviance
#' @export
deviance.moem <- function(object, ...) {
  check_dots(..., call = sys.call())
  sum(deviance_contributions(object))
}

#' @rdname moem-deviance
#' @export
df.residual.moem <- function(object, ...) {
  check_dots(..., call = sys.call())
  coefficients <- object$df - sum(is_dispersion(names(coef(object))))
  object$nobs - coefficients
}

# Each row's share d_i = sum_k tau_ik w_i D(y_i, mu_ik) of the fit's deviance (deviance(),
# and residuals(type = "deviance") as sign(y - fitted) sqrt(d_i)).  An expert whose mean is at
# the edge of its range may have an infinite deviance on a row it has no posterior weight for:
# that term is 0.
deviance_contributions <- function(object, parts = training_parts(object)) {
  post <- object$posterior
  rowSums(ifelse(post > 0, post * expert_deviances(object, parts), 0))
}

# Each observation's deviance under each expert, times its case weight (and binomial trials):
# an n x K matrix.
expert_deviances <- function(object, parts = training_parts(object)) {
  w <- object$prior.weights
  y <- object$y
  K <- object$K
  n <- length(y)
  counts <- w > 0  # (a row that does not count has no deviance, even where it is infinite)
  if (family_info(object$family)$multiclass) {
    observed <- cbind(seq_len(n), y + 1L)
    return(vapply(seq_len(K), function(k) {
      ifelse(counts, -2 * w * log(matrix(parts$mu[, , k], n)[observed]), 0)
    }, numeric(n)))
  }
  weight <- w * trial_counts(object$size)
  vapply(seq_len(K), function(k) {
    ifelse(counts, object$family$dev.resids(y, parts$mu[, k], weight), 0)
  }, numeric(n))
}
