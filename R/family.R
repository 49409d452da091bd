# The experts' families: which ones moem fits, and all that R needs to know of each, in one
# table.  Each entry's code is its place in the C registry (src/families.c), which has its
# log-density, score, curvature and dispersion (src/family_<name>.c).  An entry holds:
#   link         the one link moem fits
#   mstep        how the C code fits an expert (src/family.h's mstep_kind): "least_squares",
#                "softmax" (softmax regression of targets) or "newton"
#   multiclass   TRUE when each expert has one linear predictor per free class (multinomial)
#   dispersion   the name of each expert's dispersion parameter ("sigma", "shape"), or NULL
#   response     function(y, weights, call, levels) -> list(y, size, weights): the response as
#                the C code takes it, binomial trials (or NULL) and the case weights
#   bounded      whether -d2 log f / d eta2 is bounded (gradient EM applies, without trials)
#   logdens      function(y, eta, phi, size): log f, with every constant
#   score, curvature   d log f / d eta and -d2 log f / d eta2 (for the information)
#   dispersion_score, dispersion_curvature, dispersion_cross   d log f / d log phi,
#                -d2 log f / d log phi2 and -d2 log f / (d eta d log phi)
#   simulate     function(n, mu, phi, size): draws of the response
#   discrete     whether the response is a count (binomial: of successes, out of size)
#   quantile, cdf   function(p, mu, phi, size) and function(q, mu, phi, size) of the
#                response's distribution (binomial: of the number of successes)
#   variance     function(mu, phi, size): the variance of the response
# Gaussian sigma and Gamma's shape are phi; binomial y is the proportion of successes in size
# trials.
family_table <- list(
  gaussian = list(
    code = 1L, link = "identity", mstep = "least_squares", multiclass = FALSE,
    dispersion = "sigma", bounded = TRUE,
    response = function(y, weights, call, levels) {
      list(y = numeric_response(y, "gaussian", "numeric", call), size = NULL,
           weights = weights)
    },
    logdens = function(y, eta, phi, size) stats::dnorm(y, eta, phi, log = TRUE),
    score = function(y, eta, phi, size) (y - eta) / phi^2,
    curvature = function(y, eta, phi, size) rep(1 / phi^2, length(y)),
    dispersion_score = function(y, eta, phi) (y - eta)^2 / phi^2 - 1,
    dispersion_curvature = function(y, eta, phi) 2 * (y - eta)^2 / phi^2,
    dispersion_cross = function(y, eta, phi) 2 * (y - eta) / phi^2,
    simulate = function(n, mu, phi, size) stats::rnorm(n, mu, phi),
    discrete = FALSE,
    quantile = function(p, mu, phi, size) stats::qnorm(p, mu, phi),
    cdf = function(q, mu, phi, size) stats::pnorm(q, mu, phi),
    variance = function(mu, phi, size) phi^2
  ),
  binomial = list(
    code = 2L, link = "logit", mstep = "softmax", multiclass = FALSE, dispersion = NULL,
    bounded = TRUE,
    response = function(y, weights, call, levels) binomial_response(y, weights, call, levels),
    logdens = function(y, eta, phi, size) {
      m <- trial_counts(size)
      stats::dbinom(round(m * y), m, stats::plogis(eta), log = TRUE)
    },
    score = function(y, eta, phi, size) trial_counts(size) * (y - stats::plogis(eta)),
    curvature = function(y, eta, phi, size) {
      p <- stats::plogis(eta)
      trial_counts(size) * p * (1 - p)
    },
    simulate = function(n, mu, phi, size) {
      m <- trial_counts(size)
      stats::rbinom(n, m, mu) / pmax(m, 1)
    },
    discrete = TRUE,
    quantile = function(p, mu, phi, size) stats::qbinom(p, trial_counts(size), mu),
    cdf = function(q, mu, phi, size) stats::pbinom(q, trial_counts(size), mu),
    variance = function(mu, phi, size) mu * (1 - mu) / trial_counts(size)
  ),
  multinomial = list(
    code = 3L, link = "logit", mstep = "softmax", multiclass = TRUE, dispersion = NULL,
    bounded = TRUE,
    response = function(y, weights, call, levels) {
      list(y = multinomial_response(y, call, levels), size = NULL, weights = weights)
    }
  ),
  poisson = list(
    code = 4L, link = "log", mstep = "newton", multiclass = FALSE, dispersion = NULL,
    bounded = FALSE,
    response = function(y, weights, call, levels) {
      y <- numeric_response(y, "poisson", "numeric counts", call)
      if (any(y < 0) || any(y != round(y))) {
        abort("The response of poisson experts must be counts: whole numbers >= 0.",
              call = call)
      }
      list(y = y, size = NULL, weights = weights)
    },
    logdens = function(y, eta, phi, size) stats::dpois(y, exp(eta), log = TRUE),
    score = function(y, eta, phi, size) y - exp(eta),
    curvature = function(y, eta, phi, size) exp(eta),
    simulate = function(n, mu, phi, size) stats::rpois(n, mu),
    discrete = TRUE,
    quantile = function(p, mu, phi, size) stats::qpois(p, mu),
    cdf = function(q, mu, phi, size) stats::ppois(q, mu),
    variance = function(mu, phi, size) mu
  ),
  Gamma = list(
    code = 5L, link = "log", mstep = "newton", multiclass = FALSE, dispersion = "shape",
    bounded = FALSE,
    response = function(y, weights, call, levels) {
      y <- numeric_response(y, "Gamma", "numeric", call)
      if (any(y <= 0)) abort("The response of Gamma experts must be positive.", call = call)
      list(y = y, size = NULL, weights = weights)
    },
    logdens = function(y, eta, phi, size) {
      stats::dgamma(y, shape = phi, rate = phi / exp(eta), log = TRUE)
    },
    score = function(y, eta, phi, size) phi * (y * exp(-eta) - 1),
    curvature = function(y, eta, phi, size) phi * y * exp(-eta),
    dispersion_score = function(y, eta, phi) {
      ratio <- y * exp(-eta)
      phi * (log(phi) + 1 - digamma(phi) + log(ratio) - ratio)
    },
    dispersion_curvature = function(y, eta, phi) {
      ratio <- y * exp(-eta)
      g <- log(phi) + 1 - digamma(phi) + log(ratio) - ratio
      -(phi * g + phi - phi^2 * trigamma(phi))
    },
    dispersion_cross = function(y, eta, phi) phi * (1 - y * exp(-eta)),
    simulate = function(n, mu, phi, size) stats::rgamma(n, shape = phi, rate = phi / mu),
    discrete = FALSE,
    quantile = function(p, mu, phi, size) stats::qgamma(p, shape = phi, rate = phi / mu),
    cdf = function(q, mu, phi, size) stats::pgamma(q, shape = phi, rate = phi / mu),
    variance = function(mu, phi, size) mu^2 / phi
  )
)

# The table's entry of a family object.
family_info <- function(family) family_table[[family$family]]

# A numeric response, finite, as a plain double vector (gaussian, poisson and Gamma experts);
# `what` says what it must be, in the error.
numeric_response <- function(y, family_name, what, call) {
  if (!is.numeric(y) || is.factor(y)) {
    abort("The response of ", family_name, " experts must be ", what, ", not ", class(y)[1L],
          ".", call = call)
  }
  check_finite(y, "The response", call)
  plain_double(y)
}

# The binomial trials of each row: `size`, or 1 when it is NULL.
trial_counts <- function(size) if (is.null(size)) 1 else size

#' Multinomial logistic experts
#'
#' A family-like object for [moem()]'s `family` argument: each expert is a multinomial
#' logistic regression of a factor response with C >= 2 levels, the first level the reference,
#' as in [nnet::multinom()]. `family = "multinomial"` works too.
#'
#' @return An object of class `"family"` with `family = "multinomial"` and `link = "logit"`.
#' @examples
#' multinomial()
#' set.seed(1)
#' d <- data.frame(x = rnorm(300))
#' d$y <- factor(ifelse(d$x > 0, sample(c("a", "b"), 300, TRUE), sample(c("b", "c"), 300, TRUE)))
#' fit <- moem(y ~ x, data = d, K = 2, family = multinomial())
#' head(predict(fit, type = "response"))
#' @export
multinomial <- function() {
  structure(list(family = "multinomial", link = "logit"), class = "family")
}

# A family object from a family, its constructor or its name; anything else is an error.  The
# name "Gamma" (or the constructor Gamma) means Gamma(link = "log"), the one link moem fits.
resolve_family <- function(family, call) {
  if (is.character(family) && length(family) == 1L && family %in% names(family_table)) {
    family <- if (family == "multinomial") multinomial else {
      get(family, mode = "function", envir = asNamespace("stats"))
    }
  }
  # (the constructor, or its name, means its log link: moem's one)
  if (identical(family, stats::Gamma)) family <- stats::Gamma(link = "log")
  if (is.function(family)) family <- family()
  if (!inherits(family, "family")) {
    abort("`family` must be a family object such as gaussian(), binomial(), poisson(), ",
          "Gamma(link = \"log\") or multinomial(), or its name, not ", describe(family), ".",
          call = call)
  }
  links <- vapply(family_table, `[[`, "", "link")
  choices <- paste0(names(links), "(link = \"", links, "\")")
  supported <- paste0(paste(choices[-length(choices)], collapse = ", "), " or ",
                      choices[length(choices)])
  if (!family$family %in% names(family_table)) {
    abort("`family` must be ", supported, "; moem has no ", family$family, " experts.",
          call = call)
  }
  if (!identical(family$link, links[[family$family]])) {
    abort("`family` must be ", supported, ", not ", family$family, "(link = \"", family$link,
          "\").", call = call)
  }
  family
}

# The response as the C code takes it: list(y, size, weights), y numeric (class codes 0..C-1
# for multinomial experts, proportions for binomial ones) with the levels used in its attribute
# "levels" (binomial and multinomial factors), size the binomial trials or NULL, weights the
# case weights.  `levels`: the training response's, when predicting.
family_response <- function(family, y, call, levels = NULL, weights = NULL) {
  if (is.null(y)) abort("`formula` must have a response, as in y ~ x.", call = call)
  if (is.matrix(y) && ncol(y) != 1L && family$family != "binomial") {
    abort("The response must be a vector; it has ", ncol(y), " columns.", call = call)
  }
  family_info(family)$response(y, weights, call, levels)
}

# Class codes 0..C-1 of a factor response (unused levels dropped), or of the levels of the
# training response when predicting.
multinomial_response <- function(y, call, levels) {
  if (!is.factor(y) && !is.character(y)) {
    abort("The response of multinomial experts must be a factor (or character), not ",
          class(y)[1L], ".", call = call)
  }
  if (is.null(levels)) {
    levels <- levels(droplevels(as.factor(y)))
    if (length(levels) < 2L) {
      abort("The response of multinomial experts must have at least two classes; it has ",
            length(levels), ".", call = call)
    }
  }
  code <- match(as.character(y), levels)
  if (anyNA(code)) {
    abort("The response has values that are not among the classes of the fitted response (",
          paste(levels, collapse = ", "), ").", call = call)
  }
  structure(as.double(code - 1L), levels = levels)
}

# Linear predictors per free class of the experts per expert (n x MK) as an n x C x K array of
# class probabilities, class 1 the reference.
class_probabilities <- function(eta, K) {
  M <- ncol(eta) %/% K
  out <- array(0, c(nrow(eta), M + 1L, K))
  for (k in seq_len(K)) out[, , k] <- softmax_rows(cbind(0, eta[, (k - 1L) * M + seq_len(M), drop = FALSE]))
  out
}

# Binomial experts' response, as glm() reads it: a two-column matrix cbind(successes, failures)
# (size the trials, weights case weights), a proportion with the trials as `weights` (then
# the case weights are 1), or 0/1, logical or a two-level factor (second level = 1) with case
# weights.
binomial_response <- function(y, weights, call, levels) {
  bad <- function() {
    abort("The response of binomial experts must be 0/1, logical, a two-level factor, a ",
          "proportion with the trials as `weights`, or cbind(successes, failures).",
          call = call)
  }
  if (is.matrix(y) && ncol(y) == 2L) {
    if (!is.numeric(y) && !is.logical(y)) bad()
    check_finite(y, "The response", call)
    if (any(y < 0) || !all(near_whole(y))) {
      abort("cbind(successes, failures) must hold whole numbers >= 0.", call = call)
    }
    y <- round(y)
    size <- as.double(y[, 1L] + y[, 2L])
    # a row of no trials carries no information, and does not count (as in glm())
    if (any(size == 0)) weights <- (if (is.null(weights)) 1 else weights) * (size > 0)
    return(list(y = ifelse(size > 0, y[, 1L] / size, 0), size = size, weights = weights))
  }
  if (is.matrix(y) && ncol(y) != 1L) {
    abort("The response of binomial experts must be a vector or a two-column matrix ",
          "cbind(successes, failures); it has ", ncol(y), " columns.", call = call)
  }
  if (is.factor(y) || is.character(y) && !is.null(levels)) {
    if (is.null(levels)) {
      if (nlevels(y) != 2L) {
        abort("A factor response of binomial experts must have two levels; it has ",
              nlevels(y), ".", call = call)
      }
      levels <- levels(y)
    }
    y <- as.character(y)
    if (!all(y %in% levels)) {
      abort("The response has values that are not among the levels of the fitted response (",
            paste(levels, collapse = ", "), ").", call = call)
    }
    return(list(y = structure(as.double(y == levels[2L]), levels = levels), size = NULL,
                weights = weights))
  }
  if (!is.numeric(y) && !is.logical(y)) bad()
  check_finite(y, "The response", call)
  if (any(y < 0 | y > 1)) bad()
  if (all(y == 0 | y == 1)) return(list(y = plain_double(y), size = NULL, weights = weights))
  if (is.null(weights)) {
    abort("A binomial response of proportions needs the numbers of trials as `weights`, as ",
          "in glm().", call = call)
  }
  if (!all(near_whole(weights * y, scale = weights))) {
    abort("A binomial response of proportions times its `weights` (the trials) must give ",
          "whole numbers of successes.", call = call)
  }
  list(y = plain_double(y), size = as.double(weights), weights = as.double(weights > 0))
}

# y as a plain double vector.  Its attributes go first: as.double() on a vector named by a
# model frame's automatic row names would write out every name before dropping them (4 ms at
# n = 2e4, as long as the fit's first M-step).
plain_double <- function(y) {
  attributes(y) <- NULL
  if (is.double(y)) y else as.double(y)
}

check_finite <- function(x, what, call) {
  bad <- !is.finite(x)
  if (any(bad)) {
    kinds <- unique(ifelse(is.na(x[bad]), "NA/NaN", "Inf"))
    abort(what, " has non-finite values (", paste(kinds, collapse = ", "), ") after `na.action`.",
          call = call)
  }
}

# Mean of each expert's response given its linear predictors (n x MK): an n x K matrix, or
# for multinomial experts an n x C x K array of class probabilities.
expert_mean <- function(family, eta, K = ncol(eta)) {
  if (family$family == "multinomial") return(class_probabilities(eta, K))
  if (length(eta)) eta[] <- family$linkinv(eta)  # keeps the dimensions, also of one row
  eta
}
