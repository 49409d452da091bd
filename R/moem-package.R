#' moem: mixtures of experts by the EM algorithm
#'
#' A mixture of experts splits the covariate space with a softmax gate and fits a regression
#' model ("expert") in each part:
#' \deqn{p(y \mid x, z) = \sum_{k=1}^K \pi_k(z) f_k(y \mid x), \quad
#'       \pi = \mathrm{softmax}(z^\top W), \quad W_{\cdot 1} = 0.}{
#'       p(y | x, z) = sum_k pi_k(z) f_k(y | x),  pi = softmax(z'W),  W[, 1] = 0.}
#' [moem()] fits it by the EM algorithm with exact M-steps, in C.
#'
#' @keywords internal
#' @docType package
#' @name moem-package
#' @useDynLib moem, .registration = TRUE
#' @importFrom stats gaussian binomial model.frame model.matrix model.response model.weights
#'   terms delete.response na.pass napredict naresid .getXlevels printCoefmat pnorm qnorm
#'   plogis rnorm runif rbinom coef fitted residuals logLik nobs vcov predict AIC BIC
#'   setNames complete.cases family formula weights simulate deviance df.residual confint update
#' @importFrom graphics plot lines legend abline par
NULL
