#' Fit a mixture of experts by the EM algorithm
#'
#' Fits the mixture of experts
#' \deqn{p(y \mid x, z) = \sum_{k=1}^K \pi_k(z) f_k(y \mid x), \quad
#'       \pi = \mathrm{softmax}(z^\top W),\ W_{\cdot 1} = 0,}{
#'       p(y | x, z) = sum_k pi_k(z) f_k(y | x),  pi = softmax(z'W),  W[, 1] = 0,}
#' where \eqn{x} are the experts' covariates (`formula`), \eqn{z} the gate's (`gating`), and
#' \eqn{f_k} a generalised linear model with mean \eqn{g^{-1}(x^\top\beta_k)}{g^-1(x'beta_k)}:
#' a gaussian linear regression \eqn{N(x^\top\beta_k, \sigma_k^2)}{N(x'beta_k, sigma_k^2)},
#' a logistic regression (binomial, of 0/1 responses, proportions or counts), a poisson
#' regression (log link), a Gamma regression (log link, shape per expert) or a multinomial
#' logistic regression; some coefficients may be shared by all experts (`fixed`), and the
#' experts may share one sigma or shape (`sigma = "equal"`). Expert 1 is the gate's
#' reference.
#'
#' @section Algorithm:
#' Each EM iteration computes the posterior probabilities of the experts in log space, then
#' maximises the expected complete-data log-likelihood exactly: weighted least squares (a
#' Cholesky factor refined against the residuals) for gaussian experts, and Newton's method
#' with backtracking, warm-started from the previous iterate and run to `inner_tol`, for
#' logistic, poisson and Gamma experts and for the gate (a weighted multinomial logistic
#' regression on the posterior probabilities); with shared coefficients, Newton's method over
#' all experts' own and the shared coefficients at once; a Gamma expert's shape solves its
#' likelihood equation. The log-likelihood therefore never decreases; `trace` records it.
#' EM stops when the change of the log-likelihood (of the log-posterior with a ridge `penalty`)
#' satisfies \eqn{|\Delta| < \mathrm{tol}\,(|\ell| + 0.1\,\bar w)}{|change| < tol (|loglik| +
#' 0.1 mean(w))}, with \eqn{\bar w}{mean(w)} the mean case weight (see [moem_control()]); not
#' converging within `maxit` iterations is a warning and `converged = FALSE`.
#'
#' @section Methods:
#' `method = "gradient_em"` replaces each exact M-step by one gradient step on EM's objective
#' \eqn{Q(\cdot \mid \theta_t)}{Q(. | theta_t)} for each block, whose gradient at
#' \eqn{\theta_t}{theta_t} is the log-likelihood's. The step of a block is \eqn{1/L}, with
#' \eqn{L} a bound on Q's curvature over the block computed once from the data:
#' \eqn{\lambda_x / \sigma_k^2}{lambda_x / sigma_k^2} for a gaussian expert,
#' \eqn{\lambda_x / 4}{lambda_x / 4} for a logistic expert and \eqn{\lambda_z / 4}{lambda_z / 4}
#' (K = 2) or \eqn{\lambda_z / 2}{lambda_z / 2} (K > 2, Böhning's bound) for the gate, where
#' \eqn{\lambda_x}{lambda_x} and \eqn{\lambda_z}{lambda_z} are the largest eigenvalues of
#' \eqn{x^\top W x}{x'Wx} and \eqn{z^\top W z}{z'Wz} with the case weights \eqn{W}. A gaussian
#' expert's sigma takes its exact update given the current coefficients. Each step increases Q,
#' so the log-likelihood never decreases (`moem_control(step = )` multiplies the steps, at the
#' cost of that guarantee). `method = "gd"` steps along the gradient of the
#' average negative log-likelihood over all free parameters at once (log sigma for sigma), the
#' step found by Armijo backtracking unless `moem_control(step = )` fixes it.
#'
#' @section Degenerate fits:
#' Two rules keep a fit finite, and each is reported by a warning and by `degenerate`:
#' a gaussian expert's sigma is floored at `sigma_min` times the standard deviation of the
#' response (an expert that fits a few points exactly otherwise sends the likelihood to
#' infinity); and an expert whose posterior weight falls below `min_weight` times the total
#' weight keeps its last parameters. A Gamma expert's shape is likewise kept at most
#' \eqn{1/\mathrm{sigma\_min}^2}{1 / sigma_min^2} (a coefficient of variation of at least
#' `sigma_min`). A logistic expert whose fitted probabilities are
#' numerically 0 or 1 on the observations it holds (posterior at least 1/2) may separate them,
#' so that its coefficients have no finite maximum; that is reported the same way, as
#' [glm()] reports it. Aliased (linearly dependent) columns of either design are
#' found as [lm()] does, dropped from the fit and reported as `NA` coefficients.
#'
#' @section Starts:
#' EM climbs to a local maximum of the likelihood, which depends on its start. `"random"`
#' assigns each observation to an expert at random, in groups of equal size, as flexmix
#' starts. `"kmeans"` runs [stats::kmeans()] (five times from K distinct random observations,
#' the best kept) on the response (less its offset, on the experts' link scale: log counts
#' for poisson experts, class indicators for multinomial ones) and the experts' covariates
#' without the intercept, each column scaled to unit variance, and starts from its clusters.
#' `"quantile"` puts the observations with the lowest responses (less the offset, on the
#' link scale) in expert 1, the next in expert 2, ..., K groups of equal size, ties in the
#' order of the rows; it is an error for binomial and multinomial experts, whose responses
#' have too few values to order. Both give each observation a starting posterior probability
#' of 0.9 for its group's expert and 0.1 shared by the others: groups made from the data are
#' often separable by the gate's covariates, and from hard labels the gate's first M-step
#' would have no finite optimum. (For a 0/1 response, `"kmeans"` clusters mostly by the
#' response, a poor start for logistic experts.) `"short_em"` runs `nstart` short EM runs of 10 iterations
#' from random starts and continues the one with the highest log-likelihood to convergence,
#' as Rmixmod's and mclust's small-EM starts do; the fit's `iter` and `trace` are the
#' continued run's, and `starts` holds the short runs' log-likelihoods. `bench/starts.R`
#' compares the strategies (see `bench/RESULTS.md`).
#'
#' Random starts use R's random number generator, so [set.seed()] repeats a fit. Before any
#' start runs, each of the `nstart` starts gets its own random-number stream, and start i
#' draws from stream i only, whichever process runs it, so that the fit is the same, to the
#' last bit, on any number of cores (`moem_control(cores = )`), one included. With
#' `RNGkind("L'Ecuyer-CMRG")`, stream i is the i-th [parallel::nextRNGStream()] from the
#' generator's state, independent streams; with any other generator, start i begins with
#' `set.seed()` of the i-th of `nstart` integers drawn from the generator, which is as
#' reproducible but does not guarantee that the streams do not overlap. Afterwards the
#' generator's state is the one after the streams, whatever the number of cores.
#'
#' @section Memory:
#' Before anything large is allocated, the fit estimates its workspace (cross-product matrices
#' of p x p and q x q entries, Newton's Hessians, the n x K posterior, ...) and stops with an
#' error saying what it would need when that is more than the memory available: the option
#' `moem.max_memory` (in bytes) if set, else the memory the system reports free (MemAvailable
#' on Linux), else no limit.
#'
#' @param formula A formula `response ~ covariates` for the experts; factors, interactions,
#'   `poly()`, `0 +` and `offset()` terms work as in [lm()] and [glm()].
#' @param data A data frame with the variables of `formula` and `gating`.
#' @param K Number of experts, a whole number between 1 and the number of observations.
#' @param gating A one-sided formula of the gate's covariates, such as `~ x1 + x2`. `NULL`
#'   (the default) uses the right-hand side of `formula`, without its offsets; `~ 1` gives
#'   constant mixing weights, a plain mixture of regressions. An `offset()` term here is added
#'   to the gate's log-odds: a vector to those of expert 2 against expert 1 when `K = 2`, or an
#'   n x K matrix, one column per expert (its differences from the first column are used).
#' @param family The experts' family: [gaussian()] (identity link), [binomial()] (logit link),
#'   [poisson()] (log link), `Gamma(link = "log")` or [multinomial()], a call to one, or its
#'   name (`"Gamma"` means the log link). A binomial response is, as in [glm()], 0/1, logical
#'   or a two-level factor whose second level is the event (with case weights), a proportion
#'   with the numbers of trials as `weights`, or `cbind(successes, failures)`; its
#'   log-likelihood includes the binomial coefficients, as [glm()]'s does. A poisson response
#'   is counts (use an `offset` of log exposure for rates); a Gamma response is positive, each
#'   expert with its own shape (mean \eqn{\mu_k}{mu_k}, variance \eqn{\mu_k^2 /
#'   \mathrm{shape}_k}{mu_k^2 / shape_k}) estimated by maximum likelihood.
#' @param weights Optional non-negative case weights, as frequencies: an observation of weight
#'   2 counts as two, in the fit and in the number of observations (`nobs()`, and so [BIC()]),
#'   which is the weights' sum; a fit is that of the data with each row repeated as often as
#'   its weight says. An observation of weight 0 does not count.
#' @param subset,na.action As in [lm()]: which rows to use, and what to do with missing values.
#' @param init The start, a strategy or a start of its own (see the section "Starts"). A
#'   strategy: `"random"` (each observation to a random expert, in groups of equal size),
#'   `"kmeans"` (the clusters of [stats::kmeans()] on the response and the experts'
#'   covariates, each scaled), `"quantile"` (the observations in K groups by the order of the
#'   response) or `"short_em"` (short EM runs from random starts, the best continued); `NULL`
#'   (the default) is `"random"`. A start of its own: a previous `moem` fit,
#'   `list(experts = <p x K>, gating = <q x K>, sigma = <K>)` (`gating` and `sigma` may be
#'   left out), an n x K matrix of starting posterior probabilities, or the experts' labels of
#'   the n observations, integers 1..K or a factor with K levels (level k is expert k), every
#'   expert with at least one. The rows of a matrix and the labels are the fit's
#'   observations, those of the model frame after `subset` and `na.action` (the rows of
#'   `fit$posterior`): with `na.omit`, the rows of `data` without missing values, in order.
#' @param nstart Number of starts: with a strategy, `nstart` starts of it ("quantile": the
#'   first, the others random; "short_em": `nstart` short runs, one continued); with a start
#'   of its own, the first from it and the others random. The fit with the highest
#'   log-likelihood is kept; all are recorded in `starts`. See the section "Starts".
#' @param control Settings from [moem_control()] (or a list of its arguments).
#' @param method The algorithm: `"em"` (exact M-steps), `"gradient_em"` (one gradient step
#'   on EM's objective Q per iteration and block, scaled by a bound on that block's curvature)
#'   or `"gd"` (gradient descent on the average negative log-likelihood over all parameters,
#'   with Armijo backtracking or a fixed step, see [moem_control()]). All three share the
#'   E-step, the trace and the stopping rule; see the section "Methods".
#' @param sigma The experts' dispersions: `NULL` (the default) estimates each gaussian expert's
#'   standard deviation (each Gamma expert's shape) by maximum likelihood; `"equal"` estimates
#'   one for all experts (the pooled within-expert variance; for Gamma experts one shape),
#'   as flexmix's `varFix = TRUE`; for gaussian experts a number, or one per expert, fixes
#'   them, as the paper's experiments do.
#' @param symmetric `TRUE` fits the paper's symmetric two-expert model: `K = 2`, expert 2's
#'   coefficients are minus expert 1's, one gate vector, and one sigma for gaussian experts.
#' @param truth Optional true parameters, `list(experts = <p x K>, gating = <q x K>)` over the
#'   design's columns (for a symmetric model, the vectors beta and w may be given). The trace
#'   then records the relative errors of every iterate, after matching the experts' labels
#'   (and, in the symmetric logistic model whose gate and experts share their covariates, after
#'   exchanging beta and w when that is closer: its likelihood is the same at both). Where the
#'   true parameters are all zero (a constant gate, or `K = 1`), a relative error is undefined
#'   and the absolute error is recorded instead.
#' @param offset Optional known part of the experts' linear predictors, as in [glm()]: a
#'   vector with one value per observation (or `NULL`), evaluated in `data`, added to every
#'   expert's linear predictor (the mean of gaussian experts, the log-odds of binomial ones,
#'   the log mean of poisson and Gamma ones), and to the `offset()`
#'   terms of `formula` if any; for instance `log(exposure)`. For multinomial experts, an
#'   n x C matrix, one column per class, as [nnet::multinom()] takes it (a vector when C = 2).
#'   [predict.moem()] evaluates it, and the `offset()` terms, in `newdata`.
#' @param fixed Optional one-sided formula of covariates whose coefficients all experts share,
#'   such as `~ w` (flexmix's `FLXMRglmfix(fixed = )`): each expert's mean is
#'   \eqn{x^\top\beta_k + w^\top\gamma}{x'beta_k + w'gamma} with one \eqn{\gamma}{gamma}.
#'   Its intercept, if any, is left to the experts' own. [coef()] names the shared
#'   coefficients `fixed:<term>` and shows them in every expert's column of `coef(fit,
#'   "experts")`. A factor is coded as [glm()] codes it in `y ~ <formula's terms> + <fixed
#'   terms>`. EM's M-step fits them together with every expert's own coefficients, by
#'   Newton's method (an exact M-step, as a stacked regression solves it); gradient EM does
#'   not apply; a ridge `penalty` leaves them unpenalised. Not for multinomial experts or the
#'   symmetric model.
#' @param ... Unused; an error if given.
#' @return An object of class `"moem"`, a list shaped like a [glm()] fit:
#'   \item{call, formula, gating, terms, gating_terms, model, na.action, xlevels, contrasts}{The
#'     call and the model frame's pieces, as in [glm()]; `terms` are the experts' and
#'     `gating_terms` the gate's.}
#'   \item{family, K}{The experts' family and their number.}
#'   \item{coefficients}{Named vector: `expert<k>:<term>` for every expert, `fixed:<term>` for
#'     the shared ones, `gate<k>:<term>` for k >= 2, and `sigma<k>` for gaussian experts or
#'     `shape<k>` for Gamma ones (one `sigma` or `shape` with `sigma = "equal"`). [coef()]
#'     gives them as matrices too.}
#'   \item{sigma, shape}{The gaussian experts' standard deviations and the Gamma experts'
#'     shapes (`NULL` for other families).}
#'   \item{layout}{The lengths of the coefficient vector's blocks, named `experts` (each
#'     expert's own), `fixed`, `gating` and `dispersion`: the layout of the C code's parameter
#'     vector, over all columns.}
#'   \item{loglik, df, nobs}{Log-likelihood, number of free parameters and number of
#'     observations: the sum of the case weights (the number of rows without weights).}
#'   \item{iter, converged}{EM iterations and whether `tol` was met.}
#'   \item{posterior}{n x K posterior probabilities of the experts.}
#'   \item{fitted.values, residuals}{The mixture's mean \eqn{E[y \mid x, z]}{E[y | x, z]} and
#'     the response residuals.}
#'   \item{offset, gating_offset}{The experts' and the gate's offsets as the fit used them
#'     (n x M and n x (K - 1) matrices of what is added to the linear predictors), or `NULL`.}
#'   \item{prior.weights, y, response_levels}{Case weights, the response as fitted (0/1 for
#'     binomial) and, for a factor response, its two levels.}
#'   \item{control}{The settings.}
#'   \item{method, symmetric, sigma_fixed}{The algorithm, whether the model is symmetric and
#'     whether sigma was fixed.}
#'   \item{trace}{Data frame, a row per iteration from 0: `iter`, `loglik`, `objective` (the
#'     average negative log-likelihood, which the paper plots), `change` (of the loglik),
#'     `gradient` (the Euclidean norm of the gradient of `objective` over the free parameters,
#'     with log sigma for sigma), `seconds` since the start, `inner_experts` and `inner_gate`
#'     (Newton steps of the M-steps; a gaussian expert's exact solve counts one), `step` (of
#'     gradient descent), and, with `truth`, `beta_error` and `gate_error`:
#'     \eqn{\|\beta_t - \beta^*\| / \|\beta^*\|}{||beta_t - beta*|| / ||beta*||} and the same for
#'     the gate, after matching labels; the absolute error \eqn{\|w_t - w^*\|}{||w_t - w*||}
#'     where \eqn{w^* = 0}{w* = 0} (and likewise for the experts).}
#'   \item{path}{With `moem_control(path = TRUE)`: the free parameters of every iteration, a
#'     row each.}
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
                 subset, na.action, init = NULL, nstart = 1, control = moem_control(),
                 method = c("em", "gradient_em", "gd"), sigma = NULL, symmetric = FALSE,
                 truth = NULL, offset = NULL, fixed = NULL, ...) {
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
  if (!is.null(fixed) && (!inherits(fixed, "formula") || length(fixed) != 2L)) {
    abort("`fixed` must be a one-sided formula such as ~ x3 of covariates whose ",
          "coefficients all experts share", if (inherits(fixed, "formula")) "; it has a response",
          ".", call = call)
  }
  has_data <- !missing(data)
  expert_terms <- if (has_data) terms(formula, data = data) else terms(formula)
  fixed_terms <- if (!is.null(fixed)) {
    if (has_data) terms(fixed, data = data) else terms(fixed)
  }
  gating_terms <- if (is.null(gating)) {
    without_offsets(delete.response(expert_terms))
  } else if (has_data) {
    terms(gating, data = data)
  } else {
    terms(gating)
  }

  mf <- match.call(expand.dots = FALSE)
  mf <- mf[c(1L, match(c("data", "subset", "weights", "offset"), names(mf), 0L))]
  mf$formula <- joint_formula(expert_terms, gating_terms, environment(formula), fixed_terms)
  mf$drop.unused.levels <- TRUE
  mf$na.action <- quote(stats::na.pass)
  mf[[1L]] <- quote(stats::model.frame)
  mf <- eval(mf, parent.frame())
  if (missing(na.action)) na.action <- default_na_action(if (has_data) data)
  mf <- check_rows_left(mf, apply_na_action(mf, na.action, call), call)

  x <- model.matrix(expert_terms, mf)
  z <- if (is.null(gating) || same_terms(expert_terms, gating_terms)) x else {
    model.matrix(gating_terms, mf)
  }
  shared <- if (!is.null(fixed_terms)) fixed_design(expert_terms, fixed_terms, mf, call = call)
  fit <- fit_matrices(x, model.response(mf), z, K, family, model.weights(mf), init, nstart,
                      control, method, sigma, symmetric, truth, call,
                      offset = frame_offset(mf, expert_terms, argument = TRUE),
                      gating_offset = frame_offset(mf, gating_terms), fixed = shared)

  fit$call <- call
  fit$formula <- formula
  fit$gating <- if (is.null(gating)) formula(gating_terms) else gating
  fit$terms <- expert_terms
  fit$gating_terms <- gating_terms
  fit$fixed <- fixed
  fit$fixed_terms <- fixed_terms
  fit$model <- mf
  fit$na.action <- attr(mf, "na.action")
  fit$xlevels <- c(.getXlevels(expert_terms, mf), .getXlevels(gating_terms, mf),
                   if (!is.null(fixed_terms)) .getXlevels(fixed_terms, mf))
  fit$xlevels <- fit$xlevels[!duplicated(names(fit$xlevels))]
  fit$contrasts <- list(experts = attr(x, "contrasts"), gating = attr(z, "contrasts"),
                        fixed = attr(shared, "contrasts"))
  class(fit) <- "moem"
  fit
}

# The na.action of model.frame(), applied only when a variable has missing values: with none,
# na.omit() would return the frame as it is, after transient copies as large as the data (so an
# na.action that does more than handle missing values is not for moem).  NULL: none.
apply_na_action <- function(mf, na.action, call) {
  if (is.null(na.action) || !any(vapply(mf, anyNA, NA))) return(mf)
  if (is.character(na.action)) na.action <- get(na.action, mode = "function")
  if (!is.function(na.action)) {
    abort("`na.action` must be a function such as na.omit, or its name.", call = call)
  }
  na.action(mf)
}

# model.frame()'s default na.action: the data's own "na.action" attribute, else the option.
default_na_action <- function(data) {
  own <- attr(data, "na.action")
  if (!is.null(own) && mode(own) != "numeric") own else getOption("na.action")
}

# Whether two terms objects make the same model matrix from one frame (the same terms, in the
# same order, and the same intercept): the gate then shares the experts' matrix, neither built
# twice nor compared value by value.
same_terms <- function(a, b) {
  identical(attr(a, "term.labels"), attr(b, "term.labels")) &&
    identical(attr(a, "intercept"), attr(b, "intercept"))
}

# The model matrix of the shared covariates (`fixed`): their columns in the model matrix of
# the experts' and the shared terms together, coded as glm(y ~ <experts' terms> + <fixed
# terms>) codes them (a factor has all its levels when the experts have no intercept); the
# intercept is the experts' own.
fixed_design <- function(expert_terms, fixed_terms, mf, contrasts = NULL, call = NULL) {
  if (!is.null(attr(fixed_terms, "offset"))) {
    abort("`fixed` takes covariates, not offsets: put offset() terms in `formula`, or use ",
          "`offset`.", call = call)
  }
  own <- attr(expert_terms, "term.labels")
  shared <- attr(fixed_terms, "term.labels")
  if (!length(shared)) {
    abort("`fixed` must name at least one covariate; its intercept is the experts' own.",
          call = call)
  }
  joint <- stats::terms(stats::reformulate(c(own, shared),
                                           intercept = attr(expert_terms, "intercept") == 1L,
                                           env = environment(fixed_terms)))
  x <- model.matrix(joint, mf, contrasts.arg = contrasts)
  labels <- attr(joint, "term.labels")
  keep <- attr(x, "assign") %in% which(labels %in% shared & !labels %in% own)
  out <- x[, keep, drop = FALSE]
  attr(out, "contrasts") <- attr(x, "contrasts")[intersect(names(attr(x, "contrasts")),
                                                           all.vars(fixed_terms))]
  out
}

# A formula whose model frame holds every variable of the formulas: response ~ v1 + v2 + ...
joint_formula <- function(expert_terms, gating_terms, env, fixed_terms = NULL) {
  vars <- as.list(attr(expert_terms, "variables"))[-1L]
  response <- vars[[attr(expert_terms, "response")]]
  vars <- unique(c(vars[-attr(expert_terms, "response")],
                   as.list(attr(gating_terms, "variables"))[-1L],
                   if (!is.null(fixed_terms)) as.list(attr(fixed_terms, "variables"))[-1L]))
  rhs <- if (length(vars)) Reduce(function(a, b) call("+", a, b), vars) else 1
  f <- call("~", response, rhs)
  f <- eval(f)
  environment(f) <- env
  f
}
