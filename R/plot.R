#' Diagnostic plots of a mixture of experts
#'
#' Draws, in base graphics, the data with the experts' fitted means, the gate, the
#' separation of the experts, a QQ plot of the quantile residuals and the EM trace.
#'
#' One panel for each element of `which`:
#'
#' * `"data"`: the response against a covariate, each observation coloured by its most
#'   probable expert (the largest posterior probability), with each expert's fitted mean
#'   \eqn{\mu_k}{mu_k} as a line. When the experts' means depend on that covariate alone, the
#'   lines join their values at the observations, which is the exact curve. When they depend
#'   on other covariates, offsets or shared coefficients too, there is no one curve along this
#'   covariate: each line then joins the averages of the expert's fitted means over the
#'   observations in 20 bins of the covariate of equal counts (or over its distinct values,
#'   when it has at most 20), and the subtitle says so. Binomial responses are shown as
#'   proportions of successes.
#' * `"gate"`: each expert's gate probability \eqn{\pi_k(z)}{pi_k(z)} at every observation
#'   against a covariate: lines when the gate depends on that covariate alone (or on none),
#'   points otherwise.
#' * `"separation"`: a histogram of the largest posterior probability of each observation,
#'   from 1/K (the experts indistinguishable) to 1 (an observation surely one expert's): a
#'   mass near 1 says the experts are well separated.
#' * `"qq"`: a normal QQ plot of the randomized quantile residuals
#'   ([residuals.moem()], `type = "quantile"`) with the line of identity: under a correctly
#'   specified model they are standard normal, so the points lie along it. For binomial and
#'   poisson experts they are random draws: call [set.seed()] first to draw the same plot
#'   again.
#' * `"loglik"`: the log-likelihood against the EM iteration.
#' * `"gap"`: the distance of the log-likelihood to its final value, on a log scale, which
#'   shows EM's linear rate as a straight line (distances at the level of rounding are left
#'   out). Drawn only when asked for.
#'
#' The legends of the experts' colours sit above the plotting region, clear of the data.
#' Several panels fill the device's layout (`par(mfrow = )`, which you set), or, as
#' [plot.lm()] does, come one at a time, asking before each new page on an interactive
#' device. The graphical parameters that the panels change (`mar`) are restored on exit.
#'
#' @param x A [moem()] fit.
#' @param which The panels: one or more of `"data"`, `"gate"`, `"separation"`, `"qq"`,
#'   `"loglik"` and `"gap"`. By default, all but `"gap"` that apply to the fit: `"gate"` and
#'   `"separation"` need K >= 2, `"data"` and `"qq"` a response with an order (not
#'   multinomial experts), and `"data"` a numeric covariate. Asking for a panel that does not
#'   apply is an error.
#' @param covariate The name of a numeric covariate of the model (a variable of `formula`,
#'   `gating` or `fixed`, as the model frame names it, e.g. `"x1"` or `"log(dose)"`) to put
#'   on the horizontal axis of the `"data"` and `"gate"` panels. By default, the first
#'   numeric covariate of the experts' formula (then of the gate's) for `"data"`, and of the
#'   gate's formula (then of the experts') for `"gate"`.
#' @param ask Whether to ask before each new page, as [plot.lm()]: by default, when more
#'   panels are drawn than the device's layout shows at once and the device is interactive.
#' @param ... Graphical parameters, such as `main`, `xlab`, `cex`, `pch` or `cex.main`,
#'   passed to each panel's plotting function ([plot.default()], [hist()] or [qqnorm()]), where
#'   they take the place of the panel's own.
#' @return Invisibly, a list with an element for each panel drawn, holding what it drew:
#'   `data`, a data frame of the `covariate`, the `response` and the `expert` of each point,
#'   with attributes `means` (the n x K matrix of the experts' fitted means), `curves` (the
#'   lines: a list of `x` and the matrix `means`) and `exact` (whether the lines are the
#'   exact curves); `gate`, a data frame of the `covariate` and the n x K matrix `gate`, with
#'   attribute `exact` (lines, else points); `separation`, the largest posterior probability
#'   of each observation; `qq`, the quantile residuals (of every row, `Inf` included); `loglik`
#'   and `gap`, data frames of `iter` and `loglik` or `gap`.
#' @seealso [residuals.moem()], [posterior()], [predict.moem()].
#' @examples
#' set.seed(1)
#' d <- rmoe(400, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d)
#' op <- par(mfrow = c(2, 3))
#' plot(fit)
#' plot(fit, which = "gap")
#' par(op)
#' plot(fit, which = "data", covariate = "x1", main = "Two experts")
#' @export
plot.moem <- function(x, which = c("data", "gate", "separation", "qq", "loglik"),
                      covariate = NULL, ask = prod(graphics::par("mfcol")) < length(which) &&
                        grDevices::dev.interactive(), ...) {
  call <- sys.call()
  panels <- c("data", "gate", "separation", "qq", "loglik", "gap")
  chosen <- !missing(which)
  which <- match_choice(which, panels, "which", call, several = TRUE)
  which <- panels_that_apply(x, which, covariate, chosen, call)
  if (!is.logical(ask) || length(ask) != 1L || is.na(ask)) {
    abort("`ask` must be TRUE or FALSE, not ", describe(ask), ".", call = call)
  }
  if (ask) {
    old_ask <- grDevices::devAskNewPage(TRUE)
    on.exit(grDevices::devAskNewPage(old_ask), add = TRUE)
  }
  old_par <- graphics::par("mar")
  on.exit(graphics::par(mar = old_par), add = TRUE)
  drawn <- lapply(which, function(panel) {
    switch(panel,
      data = plot_data(x, covariate, ...),
      gate = plot_gate(x, covariate, ...),
      separation = plot_separation(x, ...),
      qq = plot_qq(x, ...),
      loglik = plot_loglik(x, ...),
      gap = plot_gap(x, call, ...)
    )
  })
  invisible(setNames(drawn, which))
}

# The panels of `which` that the fit has: K >= 2 for the gate's, a response with an order for
# the data and the residuals, a numeric covariate for the data.  A panel asked for (`chosen`)
# that does not apply is an error; of the default ones, those that do not apply are left out.
panels_that_apply <- function(fit, which, covariate, chosen, call) {
  multiclass <- family_info(fit$family)$multiclass
  reasons <- c(
    gate = if (fit$K < 2L) "needs K >= 2: with one expert there is no gate",
    separation = if (fit$K < 2L) "needs K >= 2: with one expert there is nothing to separate",
    data = if (multiclass) "is not for multinomial experts, whose classes have no order" else
      if (!length(numeric_covariates(fit))) "needs a numeric covariate, and the model has none",
    qq = if (multiclass) "is not for multinomial experts, whose classes have no order"
  )
  bad <- intersect(which, names(reasons))
  if (chosen && length(bad)) {
    abort("`which = \"", bad[1L], "\"`: the panel ", reasons[[bad[1L]]], ".", call = call)
  }
  which <- setdiff(which, bad)
  if (!is.null(covariate)) check_covariate(fit, covariate, call)
  which
}

# The model frame's numeric vector columns among the variables of a terms object (all the
# formulas' when NULL), without the response and offset() terms, in the formulas' order.
numeric_covariates <- function(fit, tt = NULL) {
  vars <- if (is.null(tt)) {
    unique(c(frame_variables(fit$terms), frame_variables(fit$gating_terms),
             if (!is.null(fit$fixed_terms)) frame_variables(fit$fixed_terms)))
  } else {
    frame_variables(tt)
  }
  vars[vapply(vars, function(v) {
    column <- fit$model[[v]]
    is.numeric(column) && is.null(dim(column))
  }, NA)]
}

# The names the model frame gives the covariates of a terms object (not its response or its
# offset() terms).
frame_variables <- function(tt) {
  vars <- as.list(attr(tt, "variables"))[-1L]
  drop <- c(attr(tt, "response")[attr(tt, "response") > 0L], attr(tt, "offset"))
  if (length(drop)) vars <- vars[-drop]
  vapply(vars, function(v) paste(deparse(v, width.cutoff = 500L), collapse = " "), "")
}

check_covariate <- function(fit, covariate, call) {
  choices <- numeric_covariates(fit)
  if (!is.character(covariate) || length(covariate) != 1L || !covariate %in% choices) {
    abort("`covariate` must name a numeric covariate of the model",
          if (length(choices)) paste0(" (", paste0("\"", choices, "\"", collapse = ", "), ")")
          else ", and it has none", ", not ", describe(covariate), ".", call = call)
  }
}

# The covariate of a panel: the one given, else the first numeric covariate of the terms
# `first`, then of the model.
panel_covariate <- function(fit, covariate, first) {
  if (!is.null(covariate)) return(covariate)
  c(numeric_covariates(fit, first), numeric_covariates(fit))[[1L]]
}

# Whether the means that the terms `tt` (and `extra` variables) describe are a function of
# `covariate` alone: no other variable, and no offset but one of it.
depends_on_alone <- function(tt, covariate, extra = character()) {
  vars <- c(frame_variables(tt), offset_names(tt), extra)
  all(vars == covariate)
}
