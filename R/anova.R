#' Likelihood-ratio tests of nested mixtures of experts
#'
#' Compares two or more [moem()] fits of the same data, each nested in the next once they are
#' ordered by their numbers of parameters, by likelihood-ratio tests, as [anova.glm()] compares
#' generalised linear models.
#'
#' With `test = "Chisq"` (or its synonym `"LRT"`) the fits must have the same number of experts
#' `K`: the statistic \eqn{2(\ell_1 - \ell_0)}{2 (loglik1 - loglik0)} of each fit against the
#' one before it is referred to the chi-square distribution with the difference of their
#' numbers of free parameters (the `df` of [logLik()]) as degrees of freedom.
#'
#' Between fits with different `K`, the smaller model lies on the boundary of the larger's
#' parameter space (an expert of weight zero, or two equal experts) and that reference does not
#' hold. `test = "bootstrap"` then computes the parametric bootstrap p-value of McLachlan
#' (1987), as mixtools' `boot.comp()` does: `B` data sets are simulated from the smaller fit at
#' the training covariates ([simulate.moem()]), both models are fitted to each (the same
#' formulas, families and settings, each from `nstart` random starts as [moem()] draws them,
#' the best kept), and the p-value is \eqn{(1 + \#\{T_b \ge T\}) / (B + 1)}{(1 + #{T_b >= T}) / (B +
#' 1)}, with \eqn{T} the observed statistic and \eqn{T_b} the replicates'. It also applies to
#' nested fits with the same `K`.
#'
#' @section Nesting:
#' The fits must be of the same data: the same number of observations, the same response and
#' case weights, and the same values of the variables their model frames share. Each must be
#' nested in the next: the same family; the experts' terms of the smaller among the larger's
#' (a term whose coefficient the experts share, `fixed`, may be the larger's own or shared;
#' an own term must stay own); the gate's terms among the larger's (when the smaller has a gate);
#' no intercept the larger lacks; the same offsets; and dispersions that the larger can take
#' (known sigmas, then `sigma = "equal"`, then one per expert; a symmetric model only in a
#' symmetric or a free one). Penalised (MAP) fits are not maximum-likelihood fits and are
#' refused. Anything else is an error that says what differs.
#'
#' @section Reproducibility:
#' The bootstrap draws one integer from R's random number generator and derives from it one
#' L'Ecuyer-CMRG stream per replicate ([parallel::nextRNGStream()]), in the calling session;
#' replicate `b` simulates and refits on stream `b`. After [set.seed()], the result is the same
#' whatever the number of `cores`, and the caller's generator is left as it was, but for that
#' one draw.
#'
#' @param object A [moem()] fit.
#' @param ... Further [moem()] fits.
#' @param test `"Chisq"` (or `"LRT"`): the chi-square reference, for fits with the same `K`;
#'   `"bootstrap"`: the parametric bootstrap, for two fits.
#' @param B Number of bootstrap replicates (`test = "bootstrap"`), a whole number >= 1; 99 or
#'   more for a p-value worth reporting.
#' @param nstart Random starts of each bootstrap refit (see `nstart` in [moem()]). The
#'   replicates' statistics are computed as the observed one should be: fit the two models
#'   with the same number of random starts, or the observed statistic and the replicates'
#'   are not of the same procedure (a fit from more, or better, starts finds higher maxima,
#'   and its statistic differs accordingly).
#' @param cores Number of processes running the replicates: forked by
#'   [parallel::mclapply()] where the system can fork, else a socket cluster.
#' @return A data frame of class `c("anova", "data.frame")`, a row per fit in order of their
#'   numbers of parameters, with columns `K`, `Params` (free parameters), `logLik`, `Df`
#'   (parameters added by each fit), `Chisq` and `Pr(>Chisq)`; for the bootstrap, `LRT` and
#'   `Pr(boot)`, and the attribute `"bootstrap"`: a data frame of the replicates' statistics
#'   `lrt` and the refits' log-likelihoods `loglik0` and `loglik1` (`NA` where a refit
#'   failed). Its heading describes the fits.
#' @references McLachlan, G. J. (1987). On bootstrapping the likelihood ratio test statistic
#'   for the number of components in a normal mixture. *Applied Statistics*, 36, 318--324.
#' @seealso [logLik.moem()], [simulate.moem()], [stats::anova()].
#' @examples
#' set.seed(1)
#' d <- rmoe(300, experts = cbind(c(1, 2, 0), c(-1, -1, 0)), gating = cbind(0, c(0, 3, 0)),
#'           intercept = TRUE)
#' fit0 <- moem(y ~ x1, data = d, K = 2, gating = ~ x1)
#' fit1 <- moem(y ~ x1 + x2, data = d, K = 2, gating = ~ x1)
#' anova(fit0, fit1)
#' \donttest{
#' # one expert against two: the bootstrap (B = 19 here, far too few for a real test)
#' one <- moem(y ~ x1, data = d, K = 1)
#' anova(one, fit0, test = "bootstrap", B = 19, nstart = 2)
#' }
#' @importFrom stats anova
#' @export
anova.moem <- function(object, ..., test = c("Chisq", "LRT", "bootstrap"), B = 99,
                       nstart = 5, cores = 1) {
  call <- sys.call()
  fits <- c(list(object), list(...))
  if (!all(vapply(fits, inherits, NA, what = "moem"))) {
    abort("anova() compares moem fits: every argument in `...` must be one.", call = call)
  }
  if (length(fits) < 2L) {
    abort("anova() compares two or more nested moem fits; it was given one.", call = call)
  }
  test <- match_test(test, call)
  if (test != "bootstrap" && !(missing(B) && missing(nstart) && missing(cores))) {
    abort("`B`, `nstart` and `cores` are for test = \"bootstrap\".", call = call)
  }
  if (test == "bootstrap" && length(fits) != 2L) {
    abort("test = \"bootstrap\" compares two fits, not ", length(fits), ".", call = call)
  }
  fits <- fits[order(vapply(fits, function(f) f$df, 1))]
  for (i in seq_along(fits)) check_test_fit(fits[[i]], i, call)
  for (i in seq_along(fits)[-1L]) {
    check_nested(fits[[i - 1L]], fits[[i]], i - 1L, i, call)
    if (fits[[i]]$loglik < fits[[i - 1L]]$loglik) {
      warn("Fit ", i, "'s log-likelihood is below that of fit ", i - 1L, ", which is nested ",
           "in it: fit ", i, " is not at its maximum; refit it with more starts (`nstart`).",
           call = call)
    }
  }
  if (test == "bootstrap") {
    return(anova_bootstrap(fits, B, nstart, cores, call))
  }
  K <- vapply(fits, function(f) f$K, 1L)
  if (length(unique(K)) > 1L) {
    abort("The chi-square reference does not hold between fits with different `K` (",
          paste(K, collapse = ", "), "): the smaller lies on the boundary of the larger's ",
          "parameter space. Use test = \"bootstrap\".", call = call)
  }
  table <- lrt_table(fits)
  df <- c(NA, diff(table$Params))
  stat <- c(NA, 2 * diff(table$logLik))
  table$Df <- df
  table$Chisq <- stat
  table$`Pr(>Chisq)` <- stats::pchisq(stat, df, lower.tail = FALSE)
  lrt_result(table, fits, "Likelihood-ratio tests of mixtures of experts")
}

match_test <- function(test, call) {
  choices <- c("Chisq", "LRT", "bootstrap")
  if (identical(test, choices)) return("Chisq")
  if (!is.character(test) || length(test) != 1L || !test %in% choices) {
    abort("`test` must be \"Chisq\" (or \"LRT\") or \"bootstrap\", not ", describe(test), ".",
          call = call)
  }
  if (test == "LRT") "Chisq" else test
}

# A fit the test can use: made by moem() (with its model frame), by maximum likelihood.
check_test_fit <- function(fit, i, call) {
  if (is.null(fit$model) || is.null(fit$terms)) {
    abort("Fit ", i, " has no model frame: anova() compares fits made by moem().", call = call)
  }
  if (any(fit$control$penalty > 0)) {
    abort("Fit ", i, " has a ridge penalty: the likelihood-ratio test compares ",
          "maximum-likelihood fits, not penalised (MAP) ones.", call = call)
  }
  if (!isTRUE(fit$converged)) {
    warn("Fit ", i, " did not converge: the test assumes each fit is at its maximum.",
         call = call)
  }
}

# The fits' K, parameters and log-likelihoods, a row per fit.
lrt_table <- function(fits) {
  data.frame(K = vapply(fits, function(f) f$K, 1L),
             Params = vapply(fits, function(f) as.integer(f$df), 1L),
             logLik = vapply(fits, function(f) f$loglik, 1),
             row.names = seq_along(fits), check.names = FALSE)
}

lrt_result <- function(table, fits, title) {
  models <- vapply(seq_along(fits), function(i) {
    paste0("Model ", i, ": ", describe_fit(fits[[i]]))
  }, "")
  structure(table, heading = c(paste0(title, "\n"), paste0(models, collapse = "\n")),
            class = c("anova", "data.frame"))
}

# "y ~ x1, gate ~ x1, K = 2, gaussian experts, sigma equal": one line for a heading.
describe_fit <- function(fit) {
  one_line <- function(f) paste(deparse(f, width.cutoff = 500L), collapse = " ")
  parts <- c(one_line(fit$formula),
             if (fit$K > 1L) paste("gate", one_line(fit$gating)),
             if (!is.null(fit$fixed)) paste("shared", one_line(fit$fixed)),
             paste0("K = ", fit$K), paste(fit$family$family, "experts"),
             dispersion_label(fit))
  paste(parts, collapse = ", ")
}

dispersion_label <- function(fit) {
  name <- family_info(fit$family)$dispersion
  if (is.null(name)) return(NULL)
  if (isTRUE(fit$sigma_fixed)) "sigma known" else
    if (isTRUE(fit$equal_dispersion) && fit$K > 1L) paste(name, "equal")
}

# How free a fit's dispersions are: 0 known, 1 one for all experts (or a symmetric model's
# one), 2 one per expert.
dispersion_rank <- function(fit) {
  if (isTRUE(fit$sigma_fixed)) 0L else
    if (isTRUE(fit$equal_dispersion) || isTRUE(fit$symmetric) || fit$K == 1L) 1L else 2L
}
