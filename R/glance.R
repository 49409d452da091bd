#' A one-row summary of a mixture of experts, for broom
#'
#' `glance()` of a [moem()] fit: its likelihood, criteria and fitting, in broom's column names,
#' those that `broom::glance()` of a [glm()] has in its order (`logLik`, `AIC`, `BIC`,
#' `deviance`, `df.residual`, `nobs`).
#'
#' `ICL` is the integrated completed likelihood criterion on BIC's scale (smaller is better):
#' \eqn{\mathrm{BIC} + 2\,\mathrm{EN}}{BIC + 2 EN} with \eqn{\mathrm{EN} = -\sum_i w_i \sum_k
#' \mathrm{post}_{ik} \log \mathrm{post}_{ik}}{EN = -sum_i w_i sum_k post_ik log post_ik} the
#' entropy of the posterior probabilities (\eqn{0 \log 0 = 0}{0 log 0 = 0}), McLachlan and
#' Peel's ICL-BIC. It penalises mixtures whose experts overlap. (flexmix's `ICL()` and mclust
#' use the log posterior of each observation's most probable expert in place of the entropy;
#' the two agree as the posterior becomes certain, and the entropy's is never smaller.)
#'
#' @inheritParams tidy.moem
#' @return A data frame with one row and the columns `logLik`, `AIC`, `BIC`, `ICL`,
#'   `deviance` ([deviance.moem()]), `df.residual` ([df.residual.moem()]), `nobs` (the sum of
#'   the case weights), `df` (the number of free parameters, [logLik()]'s `df`), `K`,
#'   `iterations` and `converged`.
#' @references Biernacki, C., Celeux, G. and Govaert, G. (2000). Assessing a mixture model for
#'   clustering with the integrated completed likelihood. *IEEE Transactions on Pattern
#'   Analysis and Machine Intelligence*, 22, 719--725.
#'
#'   McLachlan, G. and Peel, D. (2000). *Finite Mixture Models*, section 6.10.3. Wiley.
#' @seealso [tidy.moem()], [augment.moem()]
#' @examples
#' set.seed(1)
#' d <- rmoe(400, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d)
#' if (requireNamespace("generics", quietly = TRUE)) {
#'   generics::glance(fit)
#' }
#' @exportS3Method generics::glance
glance.moem <- function(x, ...) {
  check_dots(..., call = sys.call())
  data.frame(
    logLik = x$loglik,
    AIC = AIC(x),
    BIC = BIC(x),
    ICL = moem_icl(x),
    deviance = deviance(x),
    df.residual = df.residual(x),
    nobs = x$nobs,
    df = x$df,
    K = x$K,
    iterations = x$iter,
    converged = x$converged
  )
}
