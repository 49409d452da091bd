#' Summarise a mixture of experts
#'
#' Coefficient tables with standard errors from the observed information ([vcov.moem()]),
#' Wald z statistics and p-values, for each expert and for the gate, with the experts' sizes,
#' the log-likelihood, AIC, BIC and the state of the EM iterations.
#'
#' @param object A [moem()] fit.
#' @param x A `"summary.moem"` object.
#' @param digits Significant digits to print.
#' @param signif.stars Whether to print significance stars, as [printCoefmat()] does.
#' @param ... Unused; an error if given.
#' With a ridge penalty the standard errors are those of the penalised (posterior) covariance,
#' the inverse of the penalised information (see [vcov.moem()]), and the summary says so.
#'
#' @return A list of class `"summary.moem"`: `call`, `family`, `K`, `coefficients` (the
#'   matrix of estimates, standard errors, z values and p-values of the experts' and the
#'   gate's coefficients, rows named as in `coef(object)`, as [summary.glm()] has it, and as
#'   [coef()] returns it), `penalty` (the ridge penalty, `NULL` without one), `penalty_cv` (the
#'   cross-validation that chose it, see [penalty_cv()], or `NULL`), `experts` (a list of
#'   coefficient tables, one per expert, or per expert and free class for multinomial experts,
#'   named as the columns of the coefficients), `classes` (a multinomial response's levels),
#'   `with_errors` (`FALSE` when the fit has more than 2000 free parameters, too many for the
#'   information matrix, and the tables have no standard errors), `gating` (a list of K - 1
#'   tables, log-odds against expert 1),
#'   `sigma` (a table of the estimated sigmas), `sigma_fixed` (the known sigmas, or `NULL`),
#'   `size` (posterior expected number of observations per expert), `proportion` (average gate
#'   probability per expert), `loglik`, `df`, `nobs`, `aic`, `bic`, `iter`, `converged`,
#'   `method`, `symmetric`, `degenerate` and `gating_formula`.
#' @examples
#' set.seed(1)
#' d <- rmoe(400, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' summary(moem(y ~ x1, data = d))
#' @export
summary.moem <- function(object, ...) {
  check_dots(..., call = sys.call())
  cf <- coef(object)
  with_errors <- object$df <= 2000
  se <- if (with_errors) sqrt(diag(vcov(object))) else rep(NA_real_, length(cf))
  table <- cbind(Estimate = cf, `Std. Error` = se, `z value` = cf / se,
                 `Pr(>|z|)` = 2 * pnorm(-abs(cf / se)))
  K <- object$K
  rows_of <- function(prefix) {
    keep <- startsWith(rownames(table), prefix)
    t <- table[keep, , drop = FALSE]
    rownames(t) <- substring(rownames(t), nchar(prefix) + 1L)
    t
  }
  design <- model_design(object, NULL)
  gate <- predict_parts(object, design)$gate
  w <- object$prior.weights
  out <- list(
    call = object$call,
    family = object$family,
    K = K,
    gating_formula = object$gating,
    method = object$method,
    symmetric = isTRUE(object$symmetric),
    experts = lapply(setNames(nm = expert_column_labels(experts_in_vector(object),
                                                        object$response_levels, object$family)),
                     function(label) rows_of(paste0(label, ":"))),
    classes = if (family_info(object$family)$multiclass) object$response_levels,
    with_errors = with_errors,
    gating = lapply(seq_len(K)[-1L], function(k) rows_of(paste0("gate", k, ":"))),
    fixed = rows_of("fixed:"),
    coefficients = table[!is_dispersion(rownames(table)), , drop = FALSE],
    sigma = table[is_dispersion(rownames(table)), 1:2, drop = FALSE],
    dispersion = family_info(object$family)$dispersion,
    penalty = if (is_penalised(object)) object$control$penalty,
    penalty_cv = object$penalty_cv,
    sigma_fixed = if (isTRUE(object$sigma_fixed)) object$sigma,
    size = colSums(object$posterior * w),
    proportion = colSums(gate * w) / sum(w),
    loglik = object$loglik,
    df = object$df,
    nobs = object$nobs,
    aic = AIC(object),
    bic = BIC(object),
    iter = object$iter,
    converged = object$converged,
    degenerate = object$degenerate
  )
  names(out$size) <- names(out$proportion) <- paste0("expert", seq_len(K))
  class(out) <- "summary.moem"
  out
}

#' @rdname summary.moem
#' @export
print.summary.moem <- function(x, digits = max(3L, getOption("digits") - 3L),
                               signif.stars = getOption("show.signif.stars"), ...) {
  cat("\nCall:\n", paste(deparse(x$call), sep = "\n", collapse = "\n"), "\n\n", sep = "")
  cat(describe_model(x$family, x$K, x$gating_formula, x$symmetric), "\n", sep = "")
  per_expert <- length(x$experts) %/% if (isTRUE(x$symmetric)) 1L else x$K
  for (k in seq_len(x$K)) {
    cat("\nExpert ", k, " (gate proportion ", format(x$proportion[k], digits = digits),
        ", posterior size ", format(x$size[k], digits = digits), ")",
        if (isTRUE(x$degenerate[k])) " [degenerate]", sep = "")
    if (isTRUE(x$symmetric) && k == 2L) {
      cat(": the coefficients of expert 1 with the opposite sign\n")
      next
    }
    cat(":\n")
    for (c in seq_len(per_expert)) {
      if (!is.null(x$classes)) {
        cat("log-odds of class ", x$classes[c + 1L], " against ", x$classes[1L], ":\n",
            sep = "")
      }
      printCoefmat(x$experts[[(k - 1L) * per_expert + c]], digits = digits,
                   signif.stars = signif.stars, signif.legend = FALSE, na.print = "NA")
    }
  }
  if (NROW(x$fixed) > 0L) {
    cat("\nShared by all experts:\n")
    printCoefmat(x$fixed, digits = digits, signif.stars = signif.stars, signif.legend = FALSE,
                 na.print = "NA")
  }
  if (nrow(x$sigma) > 0L) {
    cat(if (identical(x$dispersion, "shape")) "\nShapes of the experts (Gamma):\n" else
      "\nStandard deviations of the experts:\n")
    print.default(x$sigma, digits = digits)
  }
  if (!is.null(x$sigma_fixed)) {
    cat("\nStandard deviations of the experts, fixed: ",
        paste(format(unique(x$sigma_fixed), digits = digits), collapse = ", "), "\n", sep = "")
  }
  if (x$K > 1L) {
    cat("\nGate: log-odds of each expert against expert 1\n")
    for (k in seq_along(x$gating)) {
      cat("Expert ", k + 1L, ":\n", sep = "")
      printCoefmat(x$gating[[k]], digits = digits, signif.stars = signif.stars,
                   signif.legend = FALSE, na.print = "NA")
    }
  }
  if (!isTRUE(x$with_errors)) {
    cat("\nStandard errors are not computed for more than 2000 free parameters.\n")
  } else if (!is.null(x$penalty)) {
    cat("\n", penalty_note(x$penalty), "\n", sep = "")
  }
  if (!is.null(x$penalty_cv)) {
    cat("\n", cv_note(x$penalty_cv), "\nHeld-out log-likelihood over the grid:\n", sep = "")
    print(x$penalty_cv$curve, digits = max(5L, digits + 1L), row.names = FALSE)
  }
  if (isTRUE(signif.stars)) {
    cat("---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n")
  }
  cat("\nLog-likelihood: ", format(x$loglik, digits = max(5L, digits + 1L)), " on ", x$df,
      " df, AIC: ", format(x$aic, digits = max(5L, digits + 1L)), ", BIC: ",
      format(x$bic, digits = max(5L, digits + 1L)), " (",
      format(x$nobs, digits = max(5L, digits + 1L)), " observations)\n",
      sep = "")
  cat(describe_convergence(x$method, x$converged, x$iter), "\n", sep = "")
  invisible(x)
}
