#' Fit a mixture of experts by the EM algorithm
#'
#' Fits the mixture of experts
#' \deqn{p(y \mid x, z) = \sum_{k=1}^K \pi_k(z) f_k(y \mid x), \quad
#'       \pi = \mathrm{softmax}(z^\top W),\ W_{\cdot 1} = 0,}{
#'       p(y | x, z) = sum_k pi_k(z) f_k(y | x),  pi = softmax(z'W),  W[, 1] = 0,}
#' where \eqn{x} are the experts' covariates (`formula`), \eqn{z} the gate's (`gating`), and
#' \eqn{f_k} a gaussian linear regression \eqn{N(x^\top\beta_k, \sigma_k^2)}{N(x'beta_k,
#' sigma_k^2)} or a logistic regression \eqn{\mathrm{Bernoulli}(\mathrm{plogis}(x^\top
#' \beta_k))}{Bernoulli(plogis(x'beta_k))}. Expert 1 is the gate's reference.
#'
#' @section Algorithm:
#' Each EM iteration computes the posterior probabilities of the experts in log space, then
#' maximises the expected complete-data log-likelihood exactly: weighted least squares (a
#' Cholesky factor refined against the residuals) for gaussian experts, and Newton's method
#' with backtracking, warm-started from the previous iterate and run to `inner_tol`, for
#' logistic experts and for the gate (a weighted multinomial logistic regression on the
#' posterior probabilities). The log-likelihood therefore never decreases; `trace` records it.
#' EM stops when its relative change falls below `tol` (see [moem_control()]); not converging
#' within `maxit` iterations is a warning and `converged = FALSE`.
#'
#' @section Degenerate fits:
#' Two rules keep a fit finite, and each is reported by a warning and by `degenerate`:
#' a gaussian expert's sigma is floored at `sigma_min` times the standard deviation of the
#' response (an expert that fits a few points exactly otherwise sends the likelihood to
#' infinity); and an expert whose posterior weight falls below `min_weight` times the total
#' weight keeps its last parameters. Aliased (linearly dependent) columns of either design are
#' found as [lm()] does, dropped from the fit and reported as `NA` coefficients.
#'
#' @param formula A formula `response ~ covariates` for the experts; factors, interactions,
#'   `poly()` and `0 +` work as in [lm()].
#' @param data A data frame with the variables of `formula` and `gating`.
#' @param K Number of experts, a whole number between 1 and the number of observations.
#' @param gating A one-sided formula of the gate's covariates, such as `~ x1 + x2`. `NULL`
#'   (the default) uses the right-hand side of `formula`; `~ 1` gives constant mixing weights,
#'   a plain mixture of regressions.
#' @param family The experts' family: [gaussian()] (identity link) or [binomial()] (logit
#'   link), a call to either, or its name. A binomial response is 0/1, logical or a two-level
#'   factor whose second level is the event.
#' @param weights Optional non-negative case weights: an observation of weight 2 counts as two.
#' @param subset,na.action As in [lm()]: which rows to use, and what to do with missing values.
#' @param init The start: `NULL` (each observation assigned to a random expert, in groups of
#'   equal size), a previous `moem` fit, `list(experts = <p x K>, gating = <q x K>, sigma = <K>)`
#'   (`gating` and `sigma` may be left out), or an n x K matrix of starting posterior
#'   probabilities.
#' @param nstart Number of starts: the first from `init`, the others random. The fit with the
#'   highest log-likelihood is kept; all are recorded in `starts`. Random starts use R's random
#'   number generator, so [set.seed()] repeats a fit.
#' @param control Settings from [moem_control()] (or a list of its arguments).
#' @param ... Unused; an error if given.
#' @return An object of class `"moem"`, a list shaped like a [glm()] fit:
#'   \item{call, formula, gating, terms, gating_terms, model, na.action, xlevels, contrasts}{The
#'     call and the model frame's pieces, as in [glm()]; `terms` are the experts' and
#'     `gating_terms` the gate's.}
#'   \item{family, K}{The experts' family and their number.}
#'   \item{coefficients}{Named vector: `expert<k>:<term>` for every expert, `gate<k>:<term>`
#'     for k >= 2, and `sigma<k>` for gaussian experts. [coef()] gives them as matrices too.}
#'   \item{sigma}{The gaussian experts' standard deviations (`NULL` for binomial).}
#'   \item{loglik, df, nobs}{Log-likelihood, number of free parameters and number of
#'     observations with non-zero weight.}
#'   \item{iter, converged}{EM iterations and whether `tol` was met.}
#'   \item{posterior}{n x K posterior probabilities of the experts.}
#'   \item{fitted.values, residuals}{The mixture's mean \eqn{E[y \mid x, z]}{E[y | x, z]} and
#'     the response residuals.}
#'   \item{prior.weights, y}{Case weights and the response as fitted (0/1 for binomial).}
#'   \item{control}{The settings.}
#'   \item{trace}{Data frame, a row per iteration from 0: `iter`, `loglik`, `change` and the
#'     Newton steps of the experts' and the gate's M-steps.}
#'   \item{starts}{Final log-likelihood of each start.}
#'   \item{degenerate}{Logical, per expert: whether a degenerate-fit rule applied.}
#'   \item{aliased}{Logical vectors `experts` and `gating`: the aliased design columns.}
#' @references Fruytier, Q., Mokhtari, A. and Sanghavi, S. (2025). Learning mixtures of
#'   experts with EM: a mirror descent perspective. *Proceedings of the 42nd International
#'   Conference on Machine Learning*, PMLR 267, 17690--17726.
#' @seealso [moem_control()], [predict.moem()], [summary.moem()], [rmoe()], [moem_fit()].
#' @examples
#' set.seed(1)
#' d <- rmoe(500, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d, K = 2)
#' fit
#' summary(fit)
#' head(predict(fit, type = "gating"))
#' @export
moem <- function(formula, data, K = 2, gating = NULL, family = gaussian(), weights = NULL,
                 subset, na.action, init = NULL, nstart = 1, control = moem_control(), ...) {
  call <- match.call()
  if (...length() > 0L) {
    abort("Unused argument(s) in `...`: ", paste(names(list(...)), collapse = ", "), ".",
          call = call)
  }
  family <- resolve_family(family, call)
  if (!inherits(formula, "formula") || length(formula) != 3L) {
    abort("`formula` must be a two-sided formula such as y ~ x.", call = call)
  }
  if (!is.null(gating) && (!inherits(gating, "formula") || length(gating) != 2L)) {
    abort("`gating` must be a one-sided formula such as ~ x1 + x2",
          if (inherits(gating, "formula")) "; it has a response" else "", ".", call = call)
  }
  has_data <- !missing(data)
  expert_terms <- if (has_data) terms(formula, data = data) else terms(formula)
  gating_terms <- if (is.null(gating)) {
    delete.response(expert_terms)
  } else if (has_data) {
    terms(gating, data = data)
  } else {
    terms(gating)
  }

  mf <- match.call(expand.dots = FALSE)
  mf <- mf[c(1L, match(c("data", "subset", "weights", "na.action"), names(mf), 0L))]
  mf$formula <- joint_formula(expert_terms, gating_terms, environment(formula))
  mf$drop.unused.levels <- TRUE
  mf[[1L]] <- quote(stats::model.frame)
  mf <- eval(mf, parent.frame())

  x <- model.matrix(expert_terms, mf)
  z <- if (is.null(gating)) x else model.matrix(gating_terms, mf)
  fit <- fit_matrices(x, model.response(mf), z, K, family, model.weights(mf), init, nstart,
                      control, call)

  fit$call <- call
  fit$formula <- formula
  fit$gating <- if (is.null(gating)) formula(gating_terms) else gating
  fit$terms <- expert_terms
  fit$gating_terms <- gating_terms
  fit$model <- mf
  fit$na.action <- attr(mf, "na.action")
  fit$xlevels <- c(.getXlevels(expert_terms, mf), .getXlevels(gating_terms, mf))
  fit$xlevels <- fit$xlevels[!duplicated(names(fit$xlevels))]
  fit$contrasts <- list(experts = attr(x, "contrasts"), gating = attr(z, "contrasts"))
  class(fit) <- "moem"
  fit
}

# A formula whose model frame holds every variable of both formulas: response ~ v1 + v2 + ...
joint_formula <- function(expert_terms, gating_terms, env) {
  vars <- as.list(attr(expert_terms, "variables"))[-1L]
  response <- vars[[attr(expert_terms, "response")]]
  vars <- unique(c(vars[-attr(expert_terms, "response")],
                   as.list(attr(gating_terms, "variables"))[-1L]))
  rhs <- if (length(vars)) Reduce(function(a, b) call("+", a, b), vars) else 1
  f <- call("~", response, rhs)
  f <- eval(f)
  environment(f) <- env
  f
}
