#' @export
print.moem <- function(x, digits = max(3L, getOption("digits") - 3L), ...) {
  cat("\nCall:\n", paste(deparse(x$call), sep = "\n", collapse = "\n"), "\n\n", sep = "")
  cat(describe_model(x$family, x$K, x$gating, x$symmetric), "\n", sep = "")
  experts <- coef(x, "experts")
  if (length(dim(experts)) == 3L) {
    cat("\nExperts (log-odds of each class against ", x$response_levels[1L], "):\n", sep = "")
    for (k in seq_len(x$K)) {
      cat("expert", k, "\n", sep = "")
      print.default(experts[, , k], digits = digits, print.gap = 2L)
    }
    experts <- NULL
  } else if (!is.null(x$sigma)) {
    experts <- rbind(experts, sigma = x$sigma)
    if (isTRUE(x$sigma_fixed)) rownames(experts)[nrow(experts)] <- "sigma (fixed)"
  } else if (!is.null(x$shape)) {
    experts <- rbind(experts, shape = x$shape)
  }
  if (any(shared_terms(x))) {
    rownames(experts)[seq_along(shared_terms(x))][shared_terms(x)] <-
      paste(names(x$aliased$experts)[shared_terms(x)], "(shared)")
  }
  if (!is.null(experts)) {
    cat("\nExperts:\n")
    print.default(experts, digits = digits, print.gap = 2L)
  }
  if (x$K > 1L) {
    cat("\nGate (expert 1 is the reference):\n")
    print.default(coef(x, "gating"), digits = digits, print.gap = 2L)
  }
  cat("\nLog-likelihood: ", format(x$loglik, digits = max(5L, digits + 1L)), " (df = ", x$df,
      ")  AIC: ", format(AIC(x), digits = max(5L, digits + 1L)), "  BIC: ",
      format(BIC(x), digits = max(5L, digits + 1L)), "\n", sep = "")
  if (!is.null(x$logpost)) {
    cat("Log-posterior with the ridge penalty: ", format(x$logpost, digits = max(5L, digits + 1L)),
        "\n", penalty_note(x$control$penalty), "\n", sep = "")
  }
  if (!is.null(x$penalty_cv)) cat(cv_note(x$penalty_cv), "\n", sep = "")
  cat(describe_convergence(x$method, x$converged, x$iter), "\n", sep = "")
  if (any(x$degenerate)) {
    cat("Degenerate expert(s): ", paste(which(x$degenerate), collapse = ", "), "\n", sep = "")
  }
  invisible(x)
}

describe_model <- function(family, K, gating, symmetric = FALSE) {
  paste0(if (isTRUE(symmetric)) "Symmetric mixture" else "Mixture", " of ", K, " ",
         family$family, " expert", if (K > 1L) "s", " (", family$link, " link), gate ",
         paste(deparse(gating), collapse = " "))
}

describe_convergence <- function(method, converged, iter) {
  paste0(method_label(if (is.null(method)) "em" else method), " ",
         if (converged) "converged" else "did not converge", " in ", iter, " iteration",
         if (iter != 1L) "s", ".")
}

# What a ridge penalty means for the fit's standard errors.
penalty_note <- function(penalty) {
  text <- paste0("Ridge penalty ", format(penalty[1L]), " (experts), ", format(penalty[2L]),
                 " (gate): a penalised (MAP) fit, whose standard errors come from the ",
                 "penalised (posterior) covariance, the inverse of the observed information ",
                 "plus the penalty.")
  paste(strwrap(text, width = 0.95 * getOption("width")), collapse = "\n")
}

# How the cross-validation chose the penalty (penalty_cv()).
cv_note <- function(cv) {
  best <- cv$curve[cv$curve$penalty == cv$chosen, ]
  text <- paste0("Penalty chosen by ", ncol(cv$fold_loglik), "-fold cross-validation over ",
                 nrow(cv$curve), " values (", format(min(cv$curve$penalty)), " to ",
                 format(max(cv$curve$penalty)), "): ", format(cv$chosen, digits = 4L),
                 ", held-out log-likelihood ", format(best$loglik, digits = 6L), " (se ",
                 format(best$se, digits = 3L), ") on ", sum(!is.na(cv$folds)),
                 " observations.")
  paste(strwrap(text, width = 0.95 * getOption("width")), collapse = "\n")
}
