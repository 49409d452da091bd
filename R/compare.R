#' Compare EM, gradient EM and gradient descent on one model
#'
#' Fits the same mixture of experts with each method from one start and one iteration budget,
#' and stacks their traces, so that convergence can be compared per iteration and per second,
#' as in Fruytier, Mokhtari and Sanghavi (2025).
#'
#' @inheritParams moem
#' @param methods The methods to compare, among `"em"`, `"gradient_em"` and `"gd"`. By
#'   default all three, or EM and gradient descent where gradient EM does not apply (poisson
#'   and Gamma experts, binomial trials and shared coefficients, whose curvature has no bound
#'   for its step); naming it there is an error.
#' @param init The common start (see [moem()]). `NULL` draws one random start and uses it for
#'   every method: the parameters after EM's first M-step from a random assignment of the
#'   observations to the experts.
#' @param ... Further arguments of [moem()], such as `gating`, `family`, `sigma`, `symmetric`
#'   or `weights`.
#' @return A data frame of class `"moem_compare"`: the rows of every method's `trace` (see
#'   [moem()]), with a `method` column and `gap`, the objective minus the lowest objective any
#'   method reached. The fits are in the attribute `"fits"`.
#' @examples
#' set.seed(1)
#' d <- rmoe(1000, experts = c(1, 2), gating = c(1, -1), symmetric = TRUE)
#' cmp <- moem_compare(y ~ 0 + x1 + x2, data = d, symmetric = TRUE, sigma = 1,
#'                     truth = list(experts = c(1, 2), gating = c(1, -1)),
#'                     control = moem_control(maxit = 50, tol = 0))
#' cmp
#' plot(cmp)
#' @export
moem_compare <- function(formula, data, K = 2, methods = c("em", "gradient_em", "gd"),
                         init = NULL, truth = NULL, control = moem_control(), ...) {
  call <- sys.call()
  if (!is.character(methods) || !length(methods) || !all(methods %in% names(method_codes)) ||
      anyDuplicated(methods)) {
    abort("`methods` must be distinct names among \"em\", \"gradient_em\" and \"gd\".",
          call = call)
  }
  fit_call <- match.call(expand.dots = TRUE)
  fit_call[[1L]] <- quote(moem::moem)
  fit_call$methods <- NULL
  env <- parent.frame()
  first <- fit_call
  first$method <- "em"
  first$truth <- NULL
  first$control <- moem_control(maxit = 0)
  first <- suppressWarnings(eval(first, env))
  if (missing(methods) && !gradient_em_applies(first)) methods <- c("em", "gd")
  if (is.null(init)) {
    init <- list(experts = coef(first, "experts"), gating = coef(first, "gating"),
                 sigma = first$sigma, shape = first$shape)
  }
  fit_call$init <- init
  fits <- lapply(methods, function(m) {
    fit_call$method <- m
    eval(fit_call, env)
  })
  names(fits) <- methods
  out <- do.call(rbind, lapply(methods, function(m) {
    data.frame(method = m, fits[[m]]$trace)
  }))
  out$method <- factor(out$method, levels = methods)
  out$gap <- out$objective - min(out$objective)
  rownames(out) <- NULL
  attr(out, "fits") <- fits
  class(out) <- c("moem_compare", "data.frame")
  out
}

#' @rdname moem_compare
#' @param x A `"moem_compare"` object.
#' @param tol For `print()`: the objective gap at which a method counts as converged.
#' @export
print.moem_compare <- function(x, tol = 1e-5, ...) {
  frame <- x
  class(frame) <- "data.frame"
  rows <- lapply(levels(frame$method), function(m) {
    tr <- frame[frame$method == m, , drop = FALSE]
    reached <- which(tr$gap <= tol)
    last <- tr[nrow(tr), ]
    row <- data.frame(method = m, iterations = last$iter,
                      iter_to_tol = if (length(reached)) tr$iter[reached[1L]] else NA,
                      seconds_to_tol = if (length(reached)) tr$seconds[reached[1L]] else NA,
                      objective = last$objective, gap = last$gap, seconds = last$seconds)
    if (!is.null(tr$beta_error)) {
      row$beta_error <- last$beta_error
      row$gate_error <- last$gate_error
    }
    row
  })
  table <- do.call(rbind, rows)
  cat("Methods compared from one start; `gap` is the average negative log-likelihood minus\n",
      "the lowest any method reached; `*_to_tol` when the gap first fell to ",
      format(tol), ".\n\n", sep = "")
  print(table, digits = 4, row.names = FALSE)
  invisible(x)
}

#' @rdname moem_compare
#' @param which What to plot against iterations and seconds: any of `"gap"` (the objective
#'   minus the lowest reached), `"beta_error"` and `"gate_error"` (with `truth`).
#' @export
plot.moem_compare <- function(x, which = c("gap", "beta_error", "gate_error"), ...) {
  which <- intersect(match.arg(which, several.ok = TRUE), names(x))
  methods <- levels(x$method)
  colours <- c(em = "#1b9e77", gradient_em = "#d95f02", gd = "#7570b3")[methods]
  labels <- c(gap = "objective - min", beta_error = "||beta - beta*|| / ||beta*||",
              gate_error = "||w - w*|| / ||w*||")
  # one legend for all panels, in the outer margin above them, clear of the curves
  old <- par(mfrow = c(length(which), 2L), mar = c(4, 4.5, 1, 1), oma = c(0, 0, 1.5, 0))
  on.exit(par(old))
  for (what in which) {
    for (axis in c("iter", "seconds")) {
      values <- pmax(x[[what]], .Machine$double.eps)
      plot(range(x[[axis]]), range(values), type = "n", log = "y",
           xlab = if (axis == "iter") "iteration" else "seconds", ylab = labels[[what]], ...)
      for (m in methods) {
        keep <- x$method == m
        lines(x[[axis]][keep], values[keep], col = colours[[m]], lwd = 2)
      }
    }
  }
  legend(graphics::grconvertX(0.5, "ndc"), graphics::grconvertY(1, "ndc"), legend = methods,
         col = colours, lwd = 2, horiz = TRUE, bty = "n", xpd = NA, xjust = 0.5, yjust = 1)
  invisible(x)
}

# Whether gradient EM applies to a fit's model (gradient_em_obstacle()).
gradient_em_applies <- function(fit) {
  is.null(gradient_em_obstacle(family_info(fit$family), fit$size, any(shared_terms(fit))))
}
