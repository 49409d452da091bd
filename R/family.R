# The experts' families: which ones moem fits, and how each codes its response.

family_codes <- c(gaussian = 1L, binomial = 2L)
family_links <- c(gaussian = "identity", binomial = "logit")

# A family object from a family, its constructor or its name; anything else is an error.
resolve_family <- function(family, call) {
  if (is.character(family) && length(family) == 1L && family %in% names(family_codes)) {
    family <- get(family, mode = "function", envir = asNamespace("stats"))
  }
  if (is.function(family)) family <- family()
  if (!inherits(family, "family")) {
    abort("`family` must be a family object such as gaussian() or binomial(), or its name, ",
          "not ", describe(family), ".", call = call)
  }
  supported <- paste0(names(family_links), "(link = \"", family_links, "\")", collapse = " or ")
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
      as.double(y)
    },
    binomial = binomial_response(y, call, levels)
  )
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
  as.double(y)
}

check_finite <- function(x, what, call) {
  bad <- !is.finite(x)
  if (any(bad)) {
    kinds <- unique(ifelse(is.na(x[bad]), "NA/NaN", "Inf"))
    abort(what, " has non-finite values (", paste(kinds, collapse = ", "), ") after `na.action`.",
          call = call)
  }
}

# Mean of each expert's response given its linear predictor (n x K).
expert_mean <- function(family, eta) {
  switch(family$family, gaussian = eta, binomial = plogis(eta))
}
