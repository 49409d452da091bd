# Named start strategies (`init = "random"`, "kmeans", "quantile", "short_em") and expert
# labels as a start.  Each strategy makes the labels the C code takes as the first posterior
# (n integers in 1..K), but "short_em", whose short EM runs restarts.R drives.

start_strategies <- c("random", "kmeans", "quantile", "short_em")

# The strategy of `init = NULL` (chosen by bench/starts.R, see bench/RESULTS.md).
default_start <- "random"

# Iterations of each short run of "short_em".
short_em_iterations <- 10L

# `init`'s strategy, or NULL when `init` is a start of its own (a fit, a list, a matrix,
# labels).
init_strategy <- function(init, call) {
  if (is.null(init)) return(default_start)
  if (!is.character(init)) return(NULL)
  if (length(init) != 1L || !init %in% start_strategies) {
    abort("`init` as a strategy must be one of ",
          paste0("\"", start_strategies, "\"", collapse = ", "), ", not ", describe(init), ".",
          call = call)
  }
  init
}

# A start of a strategy, drawn with the random-number stream in use: "kmeans" draws each start
# afresh; the others are random ("quantile" is the same every time, so only the first start,
# made before the others, uses it; the short runs of "short_em" are random).
strategy_start <- function(strategy, problem, call) {
  if (identical(strategy, "kmeans")) start_kmeans(problem, call) else start_random(problem)
}

# Labels given as `init`: one per observation of the fit (after `subset` and `na.action`),
# integers 1..K or a factor with K levels (level k is expert k), every expert with at least
# one observation.
check_labels <- function(labels, n, K, call) {
  if (length(labels) != n) {
    abort("`init` as expert labels must have one label per observation of the fit (", n,
          ", after `subset` and `na.action`), not ", length(labels), ".", call = call)
  }
  if (anyNA(labels)) abort("`init` as expert labels must not be NA.", call = call)
  if (is.factor(labels)) {
    if (nlevels(labels) != K) {
      abort("`init` as a factor of expert labels must have K = ", K, " levels, not ",
            nlevels(labels), ".", call = call)
    }
    labels <- as.integer(labels)
  } else if (!all(is_whole_vector(labels)) || any(labels < 1) || any(labels > K)) {
    abort("`init` as expert labels must be whole numbers from 1 to K = ", K, ".", call = call)
  }
  empty <- setdiff(seq_len(K), labels)
  if (length(empty)) {
    abort("`init` as expert labels leaves expert ", paste(empty, collapse = ", "),
          " without observations.", call = call)
  }
  as.integer(labels)
}

# The response on the scale of the experts' linear predictors, less the offset: y (gaussian,
# binomial), log(y) (Gamma), log(y + 0.1) (poisson), or the class indicators (multinomial).
start_response <- function(problem) {
  info <- family_info(problem$family)
  if (info$multiclass) return(problem$target)
  y <- problem$y
  if (identical(info$link, "log")) y <- log(y + if (problem$family$family == "poisson") 0.1 else 0)
  if (!is.null(problem$offset_x) && !info$multiclass) y <- y - problem$offset_x[, 1L]
  as.matrix(y)
}

# k-means (stats::kmeans, Hartigan-Wong) on the response and the experts' covariates, each
# column scaled and constant ones (the intercept) left out; the best of five runs from K
# distinct random rows as centres (kmeans()'s own nstart would first find the unique rows of
# the whole matrix, slow for large n).
start_kmeans <- function(problem, call) {
  n <- nrow(problem$x)
  K <- problem$K
  if (K == 1L) return(start_posterior(problem, rep(1L, n)))
  m <- cbind(start_response(problem), problem$x)
  spread <- apply(m, 2L, stats::sd)
  m <- scale(m[, spread > 0, drop = FALSE], scale = spread[spread > 0])
  best <- NULL
  for (r in 1:5) {
    centres <- m[sample.int(n, K), , drop = FALSE]
    if (anyDuplicated(centres)) next
    km <- tryCatch(suppressWarnings(stats::kmeans(m, centres, iter.max = 30L)),
                   error = function(e) NULL)
    if (!is.null(km) && (is.null(best) || km$tot.withinss < best$tot.withinss)) best <- km
  }
  if (is.null(best)) {
    abort("`init = \"kmeans\"` found no ", K, " distinct clusters in the response and the ",
          "experts' covariates; the data may have too few distinct values for K = ", K,
          ". Try another `init`.", call = call)
  }
  start_posterior(problem, soft_labels(best$cluster, K))
}

# Clusters as starting posterior probabilities: 0.9 for the observation's expert, 0.1 shared by
# the others.  Clusters drawn from the data are often separable by the gate's covariates, so
# that from hard labels the gate's first M-step would have no finite optimum; from these it
# has.
soft_labels <- function(labels, K) {
  post <- matrix(0.1 / (K - 1L), length(labels), K)
  post[cbind(seq_along(labels), labels)] <- 0.9
  post
}

# K groups of (nearly) equal size by the order of the response less its offset (on the
# experts' link scale), ties in the order of the rows: the lowest values to expert 1.
start_quantile <- function(problem, call) {
  info <- family_info(problem$family)
  if (info$multiclass || problem$family$family == "binomial") {
    abort("`init = \"quantile\"` needs a response with many values (gaussian, poisson or ",
          "Gamma experts); a ", problem$family$family, " response has too few. Use ",
          "\"kmeans\", \"short_em\" or \"random\".", call = call)
  }
  r <- start_response(problem)[, 1L]
  n <- length(r)
  labels <- as.integer(ceiling(rank(r, ties.method = "first") * problem$K / n))
  if (problem$K == 1L) return(start_posterior(problem, labels))
  start_posterior(problem, soft_labels(labels, problem$K))
}
