# Whether one moem fit is nested in another, for anova(): the same data, the same family, the
# smaller's terms among the larger's, dispersions the larger can take.  Each rule that fails is
# an error naming the two fits (their positions in the table) and what differs.

check_nested <- function(small, big, i, j, call) {
  stop_nested <- function(...) {
    abort("Fits ", i, " and ", j, " (ordered by their numbers of parameters) are not nested: ",
          ..., call = call)
  }
  check_same_data(small, big, i, j, call)
  if (!identical(small$family$family, big$family$family) ||
      !identical(small$family$link, big$family$link)) {
    stop_nested("their families differ (", family_label(small$family), " and ",
                family_label(big$family), ").")
  }
  if (small$df == big$df) {
    stop_nested("they have the same number of parameters (", small$df, ").")
  }
  if (small$K > big$K) {
    stop_nested("the one with fewer parameters has more experts (K = ", small$K, " and ",
                big$K, ").")
  }
  own_small <- term_labels(small$terms)
  own_big <- term_labels(big$terms)
  all_small <- c(own_small, term_labels(small$fixed_terms))
  all_big <- c(own_big, term_labels(big$fixed_terms))
  missing_terms <- union(setdiff(all_small, all_big), setdiff(own_small, own_big))
  if (length(missing_terms)) {
    stop_nested("the experts' terms ", paste0("`", missing_terms, "`", collapse = ", "),
                " of fit ", i, " are not ", if (all(missing_terms %in% all_big)) {
                  "the experts' own (they are shared)"
                } else "among those", " of fit ", j, ".")
  }
  if (attr(small$terms, "intercept") > attr(big$terms, "intercept")) {
    stop_nested("fit ", i, "'s experts have an intercept and fit ", j, "'s do not.")
  }
  if (small$K > 1L) {
    gate_missing <- setdiff(term_labels(small$gating_terms), term_labels(big$gating_terms))
    if (length(gate_missing)) {
      stop_nested("the gate's terms ", paste0("`", gate_missing, "`", collapse = ", "),
                  " of fit ", i, " are not among those of fit ", j, ".")
    }
    if (attr(small$gating_terms, "intercept") > attr(big$gating_terms, "intercept")) {
      stop_nested("fit ", i, "'s gate has an intercept and fit ", j, "'s does not.")
    }
  }
  if (!identical(small$offset, big$offset) ||
      small$K == big$K && !identical(small$gating_offset, big$gating_offset)) {
    stop_nested("their offsets differ.")
  }
  check_nested_dispersion(small, big, stop_nested)
  if (isTRUE(big$symmetric) && !isTRUE(small$symmetric)) {
    stop_nested("fit ", j, " is symmetric and fit ", i, " is not.")
  }
}

check_same_data <- function(small, big, i, j, call) {
  differ <- function(what) {
    abort("Fits ", i, " and ", j, " are not of the same data: ", what, " differ.",
          call = call)
  }
  if (!isTRUE(all.equal(small$nobs, big$nobs))) {
    differ(paste0("their numbers of observations (", small$nobs, " and ", big$nobs, ")"))
  }
  if (!identical(small$y, big$y) || !identical(small$size, big$size)) differ("their responses")
  if (!identical(small$prior.weights, big$prior.weights)) differ("their case weights")
  if (!identical(rownames(small$model), rownames(big$model))) differ("their rows")
  shared <- intersect(names(small$model), names(big$model))
  same <- vapply(shared, function(v) {
    isTRUE(all.equal(small$model[[v]], big$model[[v]], check.attributes = FALSE,
                     tolerance = 0))
  }, NA)
  if (!all(same)) {
    differ(paste0("the values of ", paste0("`", shared[!same], "`", collapse = ", ")))
  }
}

check_nested_dispersion <- function(small, big, stop_nested) {
  if (is.null(family_info(small$family)$dispersion)) return(invisible())
  rank_small <- dispersion_rank(small)
  rank_big <- dispersion_rank(big)
  name <- family_info(small$family)$dispersion
  if (rank_small > rank_big) {
    stop_nested("the smaller fit's ", name, "s are freer than the larger's (",
                c("known", "one for all experts", "one per expert")[rank_small + 1L], " and ",
                c("known", "one for all experts", "one per expert")[rank_big + 1L], ").")
  }
  known_small <- if (rank_small == 0L) unique(small[[name]])
  if (rank_big == 0L && !identical(small[[name]], big[[name]]) ||
      rank_big == 1L && length(known_small) > 1L) {
    stop_nested("the smaller fit's known ", name, "s are not values the larger can take.")
  }
}

term_labels <- function(tt) if (is.null(tt)) character() else attr(tt, "term.labels")

family_label <- function(family) paste0(family$family, "(", family$link, ")")
