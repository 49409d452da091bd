#' Tidy summaries of a mixture of experts, for broom
#'
#' Methods for the `tidy()`, `glance()` and `augment()` generics of the generics package,
#' which broom attaches: they work once either package is loaded, and moem itself needs
#' neither. They follow broom's column names; the results are data frames.
#'
#' `tidy()` has a row per coefficient of `coef(x)`, in its order, with broom's columns
#' `term`, `estimate`, `std.error`, `statistic` and `p.value` (and `conf.low`, `conf.high`),
#' in the order of `broom::tidy()` of a [glm()], preceded by `part` and `expert`, which say
#' where the coefficient belongs (as broom puts the component of a model with several first):
#' `part` is `"experts"` (an expert's own coefficient), `"fixed"` (shared by all experts,
#' `expert` `NA`), `"gating"` (the log-odds of expert `expert` against expert 1), `"sigma"` or
#' `"shape"` (with `sigma = "equal"` one for all experts, `expert` `NA`); multinomial experts
#' add `y.level`, the class whose log-odds against the first a coefficient is, as
#' `broom::tidy()` of a [nnet::multinom()] fit. `term` is the covariate (`"sigma"` or
#' `"shape"` for a dispersion). Standard errors come from [vcov.moem()], the statistics are
#' Wald z statistics with normal p-values, as in [summary.moem()] (and, as there, `NA` for a
#' fit of more than 2000 free parameters, too many for the information matrix); a dispersion,
#' which is not tested against zero, has `NA` there. Confidence intervals are those of
#' [confint.moem()] (dispersions' on the log scale, transformed back).
#'
#' @param x A [moem()] fit.
#' @param conf.int Whether to add the columns `conf.low` and `conf.high`.
#' @param conf.level The confidence level of the intervals.
#' @param ... Unused; an error if given.
#' @return `tidy()`: a data frame with a row per coefficient, columns as described above.
#' @seealso [glance.moem()], [augment.moem()]
#' @examples
#' set.seed(1)
#' d <- rmoe(400, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d)
#' if (requireNamespace("generics", quietly = TRUE)) {
#'   generics::tidy(fit, conf.int = TRUE)
#' }
#' @exportS3Method generics::tidy
tidy.moem <- function(x, conf.int = FALSE, conf.level = 0.95, ...) {
  call <- sys.call()
  check_dots(..., call = call)
  if (!is.logical(conf.int) || length(conf.int) != 1L || is.na(conf.int)) {
    abort("`conf.int` must be TRUE or FALSE, not ", describe(conf.int), ".", call = call)
  }
  cf <- coef(x)
  # (as summary(): no information matrix for more than 2000 free parameters)
  se <- if (x$df <= 2000) sqrt(diag(vcov(x))) else rep(NA_real_, length(cf))
  dispersion <- is_dispersion(names(cf))
  statistic <- ifelse(dispersion, NA_real_, cf / se)
  out <- coefficient_index(x)
  out$estimate <- unname(cf)
  out$std.error <- unname(se)
  out$statistic <- unname(statistic)
  out$p.value <- 2 * pnorm(-abs(out$statistic))
  if (conf.int) {
    if (!is_number(conf.level) || conf.level <= 0 || conf.level >= 1) {
      abort("`conf.level` must be a number between 0 and 1, not ", describe(conf.level), ".",
            call = call)
    }
    limits <- wald_limits(cf, se, conf.level)
    out$conf.low <- unname(limits[, 1L])
    out$conf.high <- unname(limits[, 2L])
  }
  rownames(out) <- NULL
  out
}

# Where each coefficient of coef(object) belongs, in its order: a data frame of part, expert
# (NA for the shared coefficients and one dispersion for all), y.level (multinomial experts
# only) and term.
coefficient_index <- function(object) {
  shared <- shared_terms(object)
  terms <- names(object$aliased$experts)
  own <- terms[!shared]
  stored <- experts_in_vector(object)
  M <- free_classes(object)
  classes <- if (M > 1L || family_info(object$family)$multiclass) object$response_levels[-1L]
  gate_terms <- names(object$aliased$gating)
  K <- object$K
  cf <- coef(object)
  dispersion <- names(cf)[is_dispersion(names(cf))]
  out <- data.frame(
    part = c(rep("experts", length(own) * M * stored), rep("fixed", sum(shared)),
             rep("gating", length(gate_terms) * (K - 1L)), coefficient_part(dispersion)),
    expert = c(rep(seq_len(stored), each = length(own) * M), rep(NA_integer_, sum(shared)),
               rep(seq_len(K)[-1L], each = length(gate_terms)),
               dispersion_expert(dispersion)),
    term = c(rep(own, M * stored), terms[shared], rep(gate_terms, K - 1L),
             coefficient_part(dispersion)),
    stringsAsFactors = FALSE
  )
  if (!is.null(classes)) {
    level <- c(rep(rep(classes, each = length(own)), stored),
               rep(NA_character_, nrow(out) - length(own) * M * stored))
    out <- data.frame(out[1:2], y.level = level, out[3L], stringsAsFactors = FALSE)
  }
  if (nrow(out) != length(cf)) {
    stop("internal error: the coefficient index does not follow coef()")
  }
  out
}

# The expert of each dispersion's name: k of sigma<k> or shape<k>, NA for one for all.
dispersion_expert <- function(names) {
  k <- sub("^(sigma|shape)", "", names)
  as.integer(ifelse(nzchar(k), k, NA_character_))
}
