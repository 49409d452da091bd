#' @export
print.moem <- function(x, digits = max(3L, getOption("digits") - 3L), ...) {
  cat("\nCall:\n", paste(deparse(x$call), sep = "\n", collapse = "\n"), "\n\n", sep = "")
  cat(describe_model(x$family, x$K, x$gating), "\n", sep = "")
  experts <- coef(x, "experts")
  if (!is.null(x$sigma)) experts <- rbind(experts, sigma = x$sigma)
  cat("\nExperts:\n")
  print.default(format(experts, digits = digits), print.gap = 2L, quote = FALSE)
  if (x$K > 1L) {
    cat("\nGate (expert 1 is the reference):\n")
    print.default(format(coef(x, "gating"), digits = digits), print.gap = 2L, quote = FALSE)
  }
  cat("\nLog-likelihood: ", format(x$loglik, digits = max(5L, digits + 1L)), " (df = ", x$df,
      ")  AIC: ", format(AIC(x), digits = max(5L, digits + 1L)), "  BIC: ",
      format(BIC(x), digits = max(5L, digits + 1L)), "\n", sep = "")
  cat(describe_convergence(x$converged, x$iter), "\n", sep = "")
  if (any(x$degenerate)) {
    cat("Degenerate expert(s): ", paste(which(x$degenerate), collapse = ", "), "\n", sep = "")
  }
  invisible(x)
}

describe_model <- function(family, K, gating) {
  paste0("Mixture of ", K, " ", family$family, " expert", if (K > 1L) "s", " (",
         family$link, " link), gate ", paste(deparse(gating), collapse = " "))
}

describe_convergence <- function(converged, iter) {
  paste0("EM ", if (converged) "converged" else "did not converge", " in ", iter,
         " iteration", if (iter != 1L) "s", ".")
}
