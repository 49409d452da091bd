#' Plot the EM trace of a mixture of experts
#'
#' @param x A [moem()] fit.
#' @param which `"loglik"`: the log-likelihood against the iteration; `"gap"`: the distance of
#'   the log-likelihood to its final value, on a log scale, which shows EM's linear rate as a
#'   straight line (distances at the level of rounding are left out).
#' @param ... Further graphical arguments passed to [plot.default()].
#' @return `x`, invisibly.
#' @examples
#' set.seed(1)
#' d <- rmoe(400, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d)
#' plot(fit)
#' plot(fit, which = "gap")
#' @export
plot.moem <- function(x, which = c("loglik", "gap"), ...) {
  which <- match.arg(which)
  tr <- x$trace
  if (which == "loglik") {
    plot(tr$iter, tr$loglik, type = "o", pch = 20, xlab = "EM iteration",
         ylab = "log-likelihood", ...)
  } else {
    gap <- max(tr$loglik) - tr$loglik
    keep <- gap > 1e-13 * (abs(max(tr$loglik)) + 1)  # above rounding
    if (!any(keep)) {
      abort("The log-likelihood never changed; there is no gap to plot.", call = sys.call())
    }
    plot(tr$iter[keep], gap[keep], type = "o", pch = 20, log = "y", xlab = "EM iteration",
         ylab = "final log-likelihood minus log-likelihood", ...)
  }
  invisible(x)
}
