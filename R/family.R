# The experts' families: which ones moem fits, and how each codes its response.

family_codes <- c(gaussian = 1L, binomial = 2L, multinomial = 3L)
family_links <- c(gaussian = "identity", binomial = "logit", multinomial = "logit")

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

# A family object from a family, its constructor or its name; anything else is an error.
resolve_family <- function(family, call) {
  if (is.character(family) && length(family) == 1L && family %in% names(family_codes)) {
    family <- if (family == "multinomial") multinomial else {
      get(family, mode = "function", envir = asNamespace("stats"))
    }
  }
  if (is.function(family)) family <- family()
  if (!inherits(family, "family")) {
    abort("`family` must be a family object such as gaussian(), binomial() or multinomial(), ",
          "or its name, not ", describe(family), ".", call = call)
  }
  choices <- paste0(names(family_links), "(link = \"", family_links, "\")")
  supported <- paste0(paste(choices[-length(choices)], collapse = ", "), " or ",
                      choices[length(choices)])
  if (!family$family %in% names(family_codes)) {
    abort("`family` must be ", supported, "; moem has no ", family$family, " experts.",
          call = call)
  }
  if (!identical(family$link, family_links[[family$family]])) {
    abort("`family` must be ", supported, ", not ", family$family, "(link = \"", family$link,
          "\").", call = call)
  }
  family
}

# The response as the numbers the C code takes: numeric for gaussian, 0/1 for binomial.  A
# binomial factor response is coded by its levels, or by `levels` (the training response's)
# when predicting; the levels used are kept in the attribute "levels".
family_response <- function(family, y, call, levels = NULL) {
  if (is.null(y)) abort("`formula` must have a response, as in y ~ x.", call = call)
  if (is.matrix(y) && ncol(y) != 1L) {
    abort("The response must be a vector; it has ", ncol(y), " columns.", call = call)
  }
  switch(family$family,
    gaussian = {
      if (!is.numeric(y) || is.factor(y)) {
        abort("The response of gaussian experts must be numeric, not ", class(y)[1L], ".",
              call = call)
      }
      check_finite(y, "The response", call)
      plain_double(y)
    },
    binomial = binomial_response(y, call, levels),
    multinomial = multinomial_response(y, call, levels)
  )
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

binomial_response <- function(y, call, levels) {
  bad <- function() {
    abort("The response of binomial experts must be 0/1, logical or a two-level factor.",
          call = call)
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
    return(structure(as.double(y == levels[2L]), levels = levels))
  }
  if (!is.numeric(y) && !is.logical(y)) bad()
  check_finite(y, "The response", call)
  if (any(y != 0 & y != 1)) bad()
  plain_double(y)
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
  switch(family$family, gaussian = eta,
         binomial = {
           eta[] <- plogis(eta)  # keeps the dimensions, also of one row
           eta
         },
         multinomial = class_probabilities(eta, K))
}
