#' Residuals of a mixture of experts
#'
#' Four kinds of residuals of the fitted mixture \eqn{\sum_k \pi_k(z) f_k(y \mid x)}{sum_k
#' pi_k(z) f_k(y | x)}, whose mean is \eqn{m = \sum_k \pi_k \mu_k}{m = sum_k pi_k mu_k}. With
#' case weights \eqn{w_i}{w_i} (see [moem()]; binomial trials are not case weights):
#'
#' * `"response"`: \eqn{y_i - m_i}{y_i - m_i}, the component `residuals` of the fit.
#' * `"pearson"`: \eqn{\sqrt{w_i}\,(y_i - m_i) / s_i}{sqrt(w_i) (y_i - m_i) / s_i}, where
#'   \eqn{s_i^2 = \sum_k \pi_k (v_k + \mu_k^2) - m_i^2}{s_i^2 = sum_k pi_k (v_k + mu_k^2) -
#'   m_i^2} is the mixture's variance and \eqn{v_k}{v_k} each expert's variance with its own
#'   dispersion (\eqn{\sigma_k^2}{sigma_k^2} for gaussian, \eqn{\mu_k^2/\mathrm{shape}_k}{mu_k^2
#'   / shape_k} for Gamma, \eqn{\mu_k(1 - \mu_k)/\mathrm{trials}}{mu_k (1 - mu_k) / trials}
#'   for binomial experts). At `K = 1` these are [glm()]'s Pearson residuals for binomial and
#'   poisson experts; for gaussian and Gamma experts they are glm's divided by the square root
#'   of the maximum likelihood dispersion (sigma, or 1 / sqrt(shape)), for the experts of a
#'   mixture have dispersions of their own and no common one can be left out. Under the
#'   model they have mean 0 and variance 1 (times the weight).
#' * `"deviance"`: \eqn{\mathrm{sign}(y_i - m_i) \sqrt{d_i}}{sign(y_i - m_i) sqrt(d_i)} with
#'   \eqn{d_i = w_i \sum_k \tau_{ik} D(y_i, \mu_{ik})}{d_i = w_i sum_k tau_ik D(y_i, mu_ik)},
#'   \eqn{\tau}{tau} the posterior probabilities of the experts ([posterior()]) and \eqn{D}
#'   the family's unit deviance (its `dev.resids()`, with the binomial trials: for gaussian
#'   experts \eqn{(y - \mu)^2}{(y - mu)^2}, not divided by \eqn{\sigma^2}{sigma^2}, as in
#'   glm). The sum of their squares is the fit's deviance, the posterior-weighted deviance
#'   of the experts. At `K = 1` they are [glm()]'s deviance residuals.
#' * `"quantile"`: randomized quantile residuals (Dunn and Smyth, 1996), \eqn{r_i =
#'   \Phi^{-1}(F(y_i \mid x_i, z_i))}{r_i = qnorm(F(y_i | x_i, z_i))} with \eqn{F = \sum_k
#'   \pi_k(z) F_k}{F = sum_k pi_k(z) F_k} the fitted mixture's distribution function. For
#'   counts (binomial and poisson experts), whose \eqn{F} jumps, \eqn{r_i = \Phi^{-1}(u_i)}{r_i
#'   = qnorm(u_i)} with \eqn{u_i}{u_i} drawn uniformly between \eqn{F(y_i - 1)}{F(y_i - 1)}
#'   and \eqn{F(y_i)}{F(y_i)} (binomial: of the number of successes). Under a correctly
#'   specified model they are independent standard normal, whatever the family, which is
#'   what [plot.moem()]'s QQ plot checks. The draws use R's random number generator: call
#'   [set.seed()] first to get the same residuals again. They are not weighted (one per row);
#'   a response beyond the fitted distribution's reach in double precision (\eqn{F} rounds to
#'   0 or 1) gives `-Inf` or `Inf`.
#'
#' Multinomial experts have `"response"` residuals only (an n x C matrix: class indicators
#' minus the mixture's class probabilities): a class has no sign, no order and no single
#' variance.
#'
#' @param object A [moem()] fit.
#' @param type The kind of residual: `"response"`, `"pearson"`, `"deviance"` or
#'   `"quantile"`.
#' @param ... Unused; an error if given.
#' @return A vector with one residual per row of the data (an n x C matrix of `"response"`
#'   residuals for multinomial experts); rows dropped by `na.action = na.exclude` come back as
#'   `NA`, as [naresid()] restores them.
#' @references Dunn, P. K. and Smyth, G. K. (1996). Randomized quantile residuals. *Journal of
#'   Computational and Graphical Statistics*, 5(3), 236--244.
#' @seealso [plot.moem()] for the QQ plot of the quantile residuals.
#' @examples
#' set.seed(1)
#' d <- rmoe(400, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d)
#' head(residuals(fit, type = "pearson"))
#' sum(residuals(fit, type = "deviance")^2)
#' r <- residuals(fit, type = "quantile")
#' ks.test(r, "pnorm")
#' @export
residuals.moem <- function(object, type = c("response", "pearson", "deviance", "quantile"),
                           ...) {
  call <- sys.call()
  check_dots(..., call = call)
  type <- match_choice(type, c("response", "pearson", "deviance", "quantile"), "type", call)
  if (type != "response" && family_info(object$family)$multiclass) {
    abort("`type = \"", type, "\"` residuals are not defined for multinomial experts (a ",
          "class has no sign, order or single variance); use `type = \"response\"`.",
          call = call)
  }
  r <- switch(type,
    response = object$residuals,
    pearson = pearson_residuals(object),
    deviance = deviance_residuals(object),
    quantile = quantile_residuals(object)
  )
  naresid(object$na.action, r)
}

# The experts' means (n x K) and gate probabilities (n x K) at the training rows.
training_parts <- function(object) predict_parts(object, model_design(object, NULL))

pearson_residuals <- function(object, parts = training_parts(object)) {
  variance <- mixture_variance(object, parts, object$size)
  sqrt(object$prior.weights) * object$residuals / sqrt(variance)
}

deviance_residuals <- function(object, parts = training_parts(object)) {
  d <- sqrt(pmax(deviance_contributions(object, parts), 0))
  ifelse(object$residuals > 0, d, -d)  # as residuals.glm() signs them
}

# Randomized quantile residuals: qnorm of the mixture's cdf at y, or for counts of a uniform
# draw between its cdf at y - 1 and at y.
quantile_residuals <- function(object, parts = training_parts(object)) {
  info <- family_info(object$family)
  phi <- rep(dispersion_values(object), each = nrow(parts$mu))
  mixture_cdf <- function(q) {
    rowSums(parts$gate * matrix(info$cdf(q, parts$mu, phi, object$size), ncol = object$K))
  }
  if (!info$discrete) return(stats::qnorm(mixture_cdf(object$y)))
  count <- round(trial_counts(object$size) * object$y)
  stats::qnorm(stats::runif(length(count), mixture_cdf(count - 1), mixture_cdf(count)))
}
