# Starting values of the EM algorithm: a start is list(beta, gate, sigma, post), where post is
# NULL (the fit begins with an E-step), an n x K matrix of posterior probabilities or an integer
# vector of n expert labels (it begins with an M-step).  beta is p x MK and gate q x K over the
# non-aliased columns.

# Each observation to one expert at random, as flexmix starts, but in groups of equal size so
# that no expert starts empty.  The C code takes the labels (n integers) as the posterior.
start_random <- function(problem) {
  start_posterior(problem, sample(rep_len(seq_len(problem$K), nrow(problem$x))))
}

start_posterior <- function(problem, post) {
  list(beta = matrix(if (is.null(problem$beta_start)) 0 else problem$beta_start,
                     ncol(problem$x), problem$M * problem$K),
       gate = matrix(0, ncol(problem$z), problem$K),
       sigma = if (is.null(problem$sigma)) rep(1, problem$K) else problem$sigma, post = post)
}

start_from_init <- function(init, problem, aliased, call) {
  n <- nrow(problem$x)
  K <- problem$K
  if (inherits(init, "moem")) {
    if (init$K != K) {
      abort("`init` is a fit with ", init$K, " experts, but `K` is ", K, ".", call = call)
    }
    # (its dispersions only when they are this family's)
    name <- family_info(problem$family)$dispersion
    fit <- init
    init <- list(experts = coef(fit, "experts"), gating = coef(fit, "gating"))
    if (!is.null(name)) init[[name]] <- fit[[name]]
  }
  if (is.factor(init) || is.numeric(init) && is.null(dim(init))) {
    return(start_posterior(problem, check_labels(init, n, K, call)))
  }
  if (is.matrix(init) && is.numeric(init)) {
    if (nrow(init) != n || ncol(init) != K) {
      abort("`init` as a matrix of starting posterior probabilities must be ", n, " x ", K,
            ", not ", nrow(init), " x ", ncol(init), ".", call = call)
    }
    # only a row with a non-finite sum can hold a non-finite value
    sums <- rowSums(init)
    if (!all(is.finite(sums)) && !all(is.finite(init)) || any(init < 0) || any(sums <= 0)) {
      abort("`init` as a matrix of starting posterior probabilities must be finite and ",
            "non-negative, with positive row sums.", call = call)
    }
    return(start_posterior(problem, init / sums))
  }
  if (!is.list(init) || is.null(init$experts)) {
    abort("`init` must be NULL, a strategy (\"random\", \"kmeans\", \"quantile\" or ",
          "\"short_em\"), a moem fit, list(experts = , gating = , sigma = ), an n x K matrix ",
          "of starting posterior probabilities or n expert labels, not ", describe(init), ".",
          call = call)
  }
  unknown <- setdiff(names(init), c("experts", "gating", "sigma", "shape"))
  if (length(unknown) || is.null(names(init)) || any(names(init) == "")) {
    abort("`init` as a list takes `experts`, `gating`, `sigma` and `shape`",
          if (length(unknown)) paste0(", not ", paste0("`", unknown, "`", collapse = ", ")),
          ".", call = call)
  }
  for (name in c("sigma", "shape")) {
    owner <- c(sigma = "gaussian", shape = "Gamma")[[name]]
    if (!is.null(init[[name]]) && problem$family$family != owner) {
      abort("`init$", name, "` is for ", owner, " experts, not ", problem$family$family,
            " experts.", call = call)
    }
  }
  # (a symmetric model may give experts as the vector beta and gating as the vector w)
  experts <- init$experts
  gating <- init$gating
  if (problem$symmetric) {
    if (is.null(dim(experts))) experts <- cbind(experts, -experts)
    if (!is.null(gating) && is.null(dim(gating))) gating <- cbind(0, gating)
  }
  if (problem$M > 1L) experts <- flatten_classes(experts, problem$M, K, "init$experts", call)
  beta <- init_matrix(experts, aliased$experts, problem$M * K, "init$experts", call)
  if (problem$symmetric) beta[, 2L] <- -beta[, 1L]
  shared <- aliased$fixed[!aliased$experts]
  if (any(shared) && any(beta[shared, ] != beta[shared, 1L])) {
    abort("`init$experts` must have the same shared (`fixed`) coefficients in every column.",
          call = call)
  }
  gate <- if (is.null(gating)) {
    matrix(0, sum(!aliased$gating), K)
  } else {
    g <- init_matrix(gating, aliased$gating, K, "init$gating", call)
    g - g[, 1L]
  }
  list(beta = beta, gate = gate, sigma = start_dispersion(init, problem, call), post = NULL)
}

# The start's dispersions (K, ones for a family without): known sigmas, else init$sigma or
# init$shape, else the response's standard deviation (gaussian) or 1; one for all experts,
# the start's pooled, when they are equal.
start_dispersion <- function(init, problem, call) {
  K <- problem$K
  if (!is.null(problem$sigma)) return(problem$sigma)
  name <- family_info(problem$family)$dispersion
  phi <- if (!is.null(name)) init[[name]]
  if (is.null(phi)) {
    phi <- rep(1, K)
    if (identical(name, "sigma")) {
      response <- if (is.null(problem$offset_x)) problem$y else problem$y - problem$offset_x[, 1L]
      phi <- rep(max(stats::sd(response), 1e-8), K)
    }
  }
  if (problem$symmetric) phi <- rep_len(phi, K)
  if (!is.numeric(phi) || length(phi) != K || any(!is.finite(phi)) || any(phi <= 0)) {
    abort("`init$", name, "` must be ", K, " positive numbers.", call = call)
  }
  if (problem$symmetric) phi[2L] <- phi[1L]
  if (isTRUE(problem$equal)) phi <- rep(sqrt(mean(phi^2)), K)
  as.double(phi)
}

# A p x M x K array of multinomial experts' coefficients as the p x MK matrix the C code takes.
flatten_classes <- function(a, M, K, arg, call) {
  if (length(dim(a)) == 3L) {
    if (dim(a)[2L] != M || dim(a)[3L] != K) {
      abort("`", arg, "` must be a p x ", M, " x ", K, " array.", call = call)
    }
    dim(a) <- c(dim(a)[1L], M * K)
  }
  a
}

# The rows of a starting coefficient matrix that the fit uses.
init_matrix <- function(m, aliased, K, arg, call) {
  m <- as.matrix(m)
  if (!is.numeric(m) || nrow(m) != length(aliased) || ncol(m) != K) {
    abort("`", arg, "` must be a numeric ", length(aliased), " x ", K, " matrix.", call = call)
  }
  m <- m[!aliased, , drop = FALSE]
  if (any(!is.finite(m))) abort("`", arg, "` must be finite.", call = call)
  storage.mode(m) <- "double"
  m
}

# The error when no start gives a finite log-likelihood (some observations are impossible, to
# rounding, under every expert): it names `init` only when a start was given there, and says
# what to try.
abort_no_finite_start <- function(init, nstart, K, sigma, call) {
  random <- nstart - !is.null(init)
  # (with one expert every random start is the same)
  starts <- if (K == 1L) "the start" else if (random == 1L) "the random start" else {
    paste0("any of the ", random, " random starts")
  }
  where <- if (is.null(init)) starts else if (random == 0L) "the start given by `init`" else {
    paste0("the start given by `init` nor at ", starts)
  }
  abort("The log-likelihood is not finite at ", where, ": some observations are impossible ",
        "under every expert.",
        if (!is.null(sigma)) " The fixed `sigma` may be too small for the response.",
        " Check ", if (!is.null(init)) "`init` and ", "the response for extreme values",
        if (is.null(init)) ", or give a start of your own in `init`", ".", call = call)
}

# Log-link experts (poisson, Gamma) start their first M-step's Newton iterations from the least
# squares fit of log(y) (plus 0.1 for counts), as glm() starts from its mustart: from zero
# coefficients a count of 1e4 would take Newton's method many halvings.  NULL for the others.
start_coefficients <- function(family, x, y, w, offset) {
  if (!identical(family_info(family)$link, "log") || ncol(x) == 0L) return(NULL)
  eta <- log(y + if (family$family == "poisson") 0.1 else 0)
  if (!is.null(offset)) eta <- eta - offset[, 1L]
  beta <- stats::lm.wfit(x, eta, w)$coefficients
  beta[is.na(beta)] <- 0
  as.double(beta)
}
