#' Choose the number of experts
#'
#' Fits a mixture of experts for each number of experts in `K`, each with its `nstart`
#' starts, and chooses one by an information criterion: BIC, ICL or AIC, all smaller-is-better,
#' as [BIC()] and [AIC()] compute them. ICL is BIC plus twice the entropy of the posterior
#' probabilities, \eqn{\mathrm{BIC} - 2\sum_i w_i \sum_k \tau_{ik} \log \tau_{ik}}{BIC - 2
#' sum_i w_i sum_k tau_ik log tau_ik} (McLachlan and Peel's form of Biernacki, Celeux and
#' Govaert's criterion; flexmix's `ICL()` puts the log-posterior of the most probable expert
#' in place of the entropy, which gives the same value when the posterior is certain and
#' never a larger one), so that it penalises experts that overlap.
#'
#' Each fit is `moem(formula, data, K = k, gating = gating, family = family, nstart = nstart,
#' ...)` evaluated where `moem_select()` was called (so `weights`, `subset` and `offset` are
#' found as [moem()] finds them); one expert (`K = 1`, a single regression with no gate) is
#' fitted once. A warning of a fit is given again with its K.
#'
#' @param formula,gating,data,family,nstart As in [moem()].
#' @param K The numbers of experts to fit, whole numbers from 1.
#' @param criterion The criterion that chooses `best`: `"BIC"` (the default), `"ICL"` or
#'   `"AIC"`. The smallest wins; ties go to the smaller K.
#' @param ... Further arguments of [moem()] (`weights`, `subset`, `control`, `sigma`, ...),
#'   but not `K`; `init` only as a strategy (such as `"kmeans"`), the same for every K. An
#'   argument that [moem()] does not take is an error.
#' @return An object of class `"moem_select"`, a list:
#'   \item{table}{A data frame with a row per K: `K`, `logLik`, `df`, `AIC`, `BIC`, `ICL`,
#'     `iterations`, `converged` and `degenerate` (the number of experts that a degenerate-fit
#'     rule held, see `degenerate` in [moem()]).}
#'   \item{criterion}{The criterion that chose.}
#'   \item{best}{The chosen fit.}
#'   \item{fits}{The fits, a list named by K.}
#' @seealso [moem()], [BIC()]
#' @examples
#' set.seed(1)
#' d <- rmoe(300, experts = cbind(c(2, 2), c(-2, -1)), gating = cbind(0, c(0, 3)),
#'           sigma = 0.3, intercept = TRUE)
#' sel <- moem_select(y ~ x1, data = d, K = 1:3)
#' sel
#' sel$best
#' @export
moem_select <- function(formula, gating = NULL, data, K = 1:5, family = gaussian(), nstart = 1,
                        criterion = c("BIC", "ICL", "AIC"), ...) {
  call <- sys.call()
  criterion <- match_criterion(criterion, call)
  if (!is.numeric(K) || !length(K) || !all(is_whole_vector(K)) || any(K < 1) ||
      anyDuplicated(K)) {
    abort("`K` must be distinct whole numbers >= 1, not ", describe(K), ".", call = call)
  }
  env <- parent.frame()
  check_select_dots(match.call(expand.dots = FALSE)$..., env, call)
  fit_call <- match.call(expand.dots = TRUE)
  fit_call[[1L]] <- quote(moem::moem)
  fit_call$criterion <- NULL
  K <- sort(as.integer(K))
  fits <- lapply(K, function(k) {
    one <- fit_call
    one$K <- k
    if (k == 1L) one$nstart <- NULL
    withCallingHandlers(eval(one, env), warning = function(w) {
      warn("K = ", k, ": ", conditionMessage(w), call = call)
      invokeRestart("muffleWarning")
    })
  })
  names(fits) <- paste0("K", K)
  table <- data.frame(
    K = K,
    logLik = vapply(fits, function(f) f$loglik, 0),
    df = vapply(fits, function(f) as.integer(f$df), 0L),
    AIC = vapply(fits, AIC, 0),
    BIC = vapply(fits, BIC, 0),
    ICL = vapply(fits, moem_icl, 0),
    iterations = vapply(fits, function(f) as.integer(f$iter), 0L),
    converged = vapply(fits, function(f) isTRUE(f$converged), NA),
    degenerate = vapply(fits, function(f) sum(f$degenerate), 0L),
    row.names = NULL
  )
  chosen <- which.min(table[[criterion]])
  structure(list(table = table, criterion = criterion, best = fits[[chosen]], fits = fits,
                 call = call), class = "moem_select")
}

select_criteria <- c("BIC", "ICL", "AIC")

match_criterion <- function(criterion, call) {
  if (identical(criterion, select_criteria)) return("BIC")
  if (!is.character(criterion) || length(criterion) != 1L || !criterion %in% select_criteria) {
    abort("`criterion` must be \"BIC\", \"ICL\" or \"AIC\", not ", describe(criterion), ".",
          call = call)
  }
  criterion
}

# The arguments that moem_select() passes on to moem() (their expressions, unevaluated):
# moem()'s own but K, and an `init` that is a strategy.
check_select_dots <- function(dots, env, call) {
  names <- names(dots)
  if (length(dots) && (is.null(names) || any(names == ""))) {
    abort("Arguments of moem_select() after `criterion` must be named arguments of moem().",
          call = call)
  }
  unknown <- setdiff(names, setdiff(names(formals(moem)), c("K", "...")))
  if (length(unknown)) {
    abort("Unused argument(s): ", paste0("`", unknown, "`", collapse = ", "), " (not ",
          "arguments of moem()", if ("K" %in% unknown) "; give the numbers of experts as `K`",
          ").", call = call)
  }
  init <- if ("init" %in% names) eval(dots$init, env)
  if (!is.null(init) && !(is.character(init) && length(init) == 1L)) {
    abort("`init` in moem_select() must be a strategy (\"random\", \"kmeans\", \"quantile\" ",
          "or \"short_em\"), the same for every K; a start of its own is for one K.",
          call = call)
  }
}

#' @rdname moem_select
#' @param x A `"moem_select"` object.
#' @param digits Significant digits of the criteria.
#' @export
print.moem_select <- function(x, digits = max(5L, getOption("digits") - 2L), ...) {
  check_dots(..., call = sys.call())
  cat("Mixtures of experts fitted for K = ", paste(x$table$K, collapse = ", "), "\n\n", sep = "")
  table <- x$table
  for (name in c("logLik", select_criteria)) table[[name]] <- format(table[[name]], digits = digits)
  print(table, row.names = FALSE)
  choices <- vapply(select_criteria, function(cr) x$table$K[which.min(x$table[[cr]])], 0L)
  cat("\nChosen by ", x$criterion, ": K = ", x$best$K, " (",
      paste0(names(choices), " ", choices, collapse = ", "), ")\n", sep = "")
  if (any(!x$table$converged) || any(x$table$degenerate > 0)) {
    cat("Fits that did not converge or have degenerate experts are marked in the table.\n")
  }
  invisible(x)
}

#' Plot the criteria of a choice of the number of experts
#'
#' Each criterion of a [moem_select()] table against the number of experts, as mclust's plot
#' of BIC, with its smallest value (the K it chooses) marked by a filled symbol; the legend
#' goes above the plotting region, clear of the lines.
#'
#' @param x A `"moem_select"` object.
#' @param criterion The criteria to draw, any of `"BIC"`, `"ICL"` and `"AIC"` (all by
#'   default).
#' @param ... Further graphical arguments passed to [plot.default()].
#' @return `x`, invisibly.
#' @examples
#' set.seed(1)
#' d <- rmoe(300, experts = cbind(c(2, 2), c(-2, -1)), gating = cbind(0, c(0, 3)),
#'           sigma = 0.3, intercept = TRUE)
#' sel <- moem_select(y ~ x1, data = d, K = 1:3)
#' plot(sel, criterion = c("BIC", "ICL"))
#' @export
plot.moem_select <- function(x, criterion = c("BIC", "ICL", "AIC"), ...) {
  if (!is.character(criterion) || !length(criterion) || !all(criterion %in% select_criteria) ||
      anyDuplicated(criterion)) {
    abort("`criterion` must be distinct names among \"BIC\", \"ICL\" and \"AIC\".",
          call = sys.call())
  }
  table <- x$table
  values <- as.matrix(table[criterion])
  colours <- c(BIC = "black", ICL = "blue", AIC = "red")[criterion]
  symbols <- c(BIC = 16L, ICL = 17L, AIC = 15L)[criterion]
  old <- par(mar = pmax(par("mar"), c(0, 0, 2 + 0.8 * 1, 0)))
  on.exit(par(old))
  plot(range(table$K), range(values, finite = TRUE), type = "n", xaxt = "n", xlab =
         "number of experts K", ylab = "criterion (smaller is better)", ...)
  graphics::axis(1L, at = table$K)
  for (j in seq_along(criterion)) {
    lines(table$K, values[, j], type = "b", col = colours[j], pch = 1L)
    best <- which.min(values[, j])
    graphics::points(table$K[best], values[best, j], pch = symbols[j], col = colours[j],
                     cex = 1.4)
  }
  legend("bottom", inset = c(0, 1), xpd = TRUE, horiz = TRUE, bty = "n", legend = criterion,
         col = colours, pch = symbols, lty = 1L)
  invisible(x)
}
