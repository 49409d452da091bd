#' Fit a mixture of experts from design matrices
#'
#' The computational engine behind [moem()], for users who have their design matrices at hand,
#' as [glm.fit()] is for [glm()]. It checks its inputs, draws the starts, runs the chosen
#' method in C and keeps the fit with the highest log-likelihood.
#'
#' @param x Numeric matrix (n x p) of the experts' covariates, intercept included if wanted.
#' @param y The response: numeric for gaussian experts, counts for poisson, positive for Gamma;
#'   for binomial experts 0/1, logical or a two-level factor (second level = 1), a proportion
#'   with the trials as `weights`, or a two-column matrix of successes and failures.
#' @param z Numeric matrix (n x q) of the gate's covariates; by default `x`.
#' @param gating_offset Optional offset of the gate: a vector added to the log-odds of expert 2
#'   against expert 1 (`K = 2`), or an n x K matrix, one column per expert.
#' @param fixed Optional numeric matrix (n x r) of covariates whose coefficients all experts
#'   share (see `fixed` in [moem()]); they are named `fixed:<column>`.
#' @inheritParams moem
#' @return A list with the components of a [moem()] fit that do not depend on a formula:
#'   `coefficients`, `sigma`, `shape`, `family`, `K`, `method`, `symmetric`, `sigma_fixed`,
#'   `equal_dispersion`, `size` (binomial trials, or `NULL`), `offset`,
#'   `gating_offset`, `loglik`,
#'   `df`, `nobs`, `iter`, `converged`, `posterior`, `fitted.values`, `residuals`,
#'   `prior.weights`, `y`, `control`, `trace`, `path`, `starts`, `degenerate`, `aliased` and
#'   `layout`; see [moem()] for their meaning.
#' @seealso [moem()]
#' @examples
#' set.seed(1)
#' x <- cbind(1, rnorm(300))
#' y <- ifelse(x[, 2] > 0, 1 + 2 * x[, 2], -1 - x[, 2]) + rnorm(300, sd = 0.3)
#' fit <- moem_fit(x, y, K = 2)
#' fit$loglik
#' @export
moem_fit <- function(x, y, z = x, K = 2, family = gaussian(), weights = NULL, init = NULL,
                     nstart = 1, control = moem_control(), method = c("em", "gradient_em", "gd"),
                     sigma = NULL, symmetric = FALSE, truth = NULL, offset = NULL,
                     gating_offset = NULL, fixed = NULL) {
  fit_matrices(x, y, z, K, family, weights, init, nstart, control, method, sigma, symmetric,
               truth, call = sys.call(), offset = offset, gating_offset = gating_offset,
               fixed = fixed)
}

method_codes <- c(em = 1L, gradient_em = 2L, gd = 3L)

fit_matrices <- function(x, y, z, K, family, weights, init, nstart, control,
                         method = "em", sigma = NULL, symmetric = FALSE, truth = NULL, call,
                         offset = NULL, gating_offset = NULL, fixed = NULL) {
  family <- resolve_family(family, call)
  control <- as_control(control, call)
  if (is_penalty_cv(control$penalty)) {
    return(fit_cv_penalty(list(x = x, y = y, z = z, K = K, family = family, weights = weights,
                               init = init, nstart = nstart, control = control,
                               method = method, sigma = sigma, symmetric = symmetric,
                               truth = truth, call = call, offset = offset,
                               gating_offset = gating_offset, fixed = fixed)))
  }
  method <- match_method(method, call)
  same_design <- identical(z, x)
  x <- check_design(x, "x", "The experts' covariates", call)
  z <- if (same_design) x else check_design(z, "z", "The gate's covariates", call)
  n <- nrow(x)
  if (nrow(z) != n || NROW(y) != n) {
    abort("`x`, `z` and `y` must have the same number of observations (", n, ", ", nrow(z),
          " and ", NROW(y), ").", call = call)
  }
  info <- family_info(family)
  response <- family_response(family, y, call,
                              weights = if (!is.null(weights)) check_weights(weights, n, call))
  y <- response$y
  trials <- response$size
  response_levels <- attr(y, "levels")
  y <- plain_double(y)
  M <- if (info$multiclass) length(response_levels) - 1L else 1L
  w <- if (is.null(response$weights)) rep(1, n) else response$weights
  p_fixed <- check_fixed(fixed, x, family, symmetric, call)
  if (p_fixed > 0L) {
    # the gate keeps its own copy of the experts' covariates, without the shared ones
    x <- cbind(x, check_design(fixed, "fixed", "The shared covariates", call))
    same_design <- FALSE
  }
  check_values(x, w, "The experts' covariates", call)
  if (!same_design) check_values(z, w, "The gate's covariates", call)
  n_used <- sum(w > 0)
  if (!is_whole(K, 1) || K > n_used) {
    abort("`K` must be a whole number between 1 and the number of observations (", n_used,
          "), not ", describe(K), ".", call = call)
  }
  K <- as.integer(K)
  if (!is_whole(nstart, 1)) {
    abort("`nstart` must be a whole number >= 1, not ", describe(nstart), ".", call = call)
  }
  if (!info$multiclass && column_scan(y, w) == 2L) {
    abort("The response has values beyond 1e150 in absolute value; rescale it.", call = call)
  }
  equal <- identical(sigma, "equal")
  if ((p_fixed > 0L || equal) && identical(info$dispersion, "sigma") &&
      weighted_sd(y, w) < 1e-140) {
    # (their Newton steps and pooled sums of squares would underflow; the plain fit does not)
    abort("The response's standard deviation is below 1e-140: rescale it for `fixed` or ",
          "`sigma = \"equal\"`.", call = call)
  }
  symmetric <- check_symmetric(symmetric, K, family, control, call)
  if (symmetric && !is.null(trials)) {
    abort("`symmetric = TRUE` is for a 0/1 binomial response, not for trials.", call = call)
  }
  sigma <- check_sigma(if (!equal) sigma, family, K, symmetric, call)
  if (equal && is.null(info$dispersion)) {
    abort("`sigma = \"equal\"` is for experts with a dispersion (gaussian sigma, Gamma ",
          "shape), not ", family$family, " experts.", call = call)
  }
  check_method_applies(method, info, trials, p_fixed, call)
  offset_x <- expert_offset_matrix(offset, n, M, family, call)
  offset_z <- gate_offset_matrix(gating_offset, n, K, call)
  if (symmetric && (!is.null(offset_x) || !is.null(offset_z))) {
    abort("`symmetric = TRUE` takes no offsets.", call = call)
  }

  check_fit_memory(x, z, K, M, family, method, control, same_design, truth, call, p_fixed)
  aliased <- list(experts = aliased_columns(x, w))
  aliased$gating <- if (same_design) aliased$experts else aliased_columns(z, w)
  shared <- seq_len(ncol(x)) > ncol(x) - p_fixed
  if (any(aliased$experts)) x <- x[, !aliased$experts, drop = FALSE]
  z <- if (same_design) x else if (any(aliased$gating)) z[, !aliased$gating, drop = FALSE] else z
  aliased$fixed <- setNames(shared, names(aliased$experts))
  p_fixed <- sum(shared & !aliased$experts)

  if (control$path || !is.null(truth)) {
    size <- (control$maxit + 1) * (ncol(x) * M * K + ncol(z) * K + K)
    if (size > 1e8) {
      abort("Keeping the parameters of every iteration (`path` or `truth`) would need ",
            format(size * 8 / 2^30, digits = 2), " GiB; lower `maxit`.", call = call)
    }
  }
  problem <- list(x = x, z = z, y = y, w = w, size = trials, K = K, M = M, family = family,
                  offset_x = offset_x, offset_z = offset_z, p_fixed = p_fixed,
                  symmetric = symmetric, sigma = sigma, equal = equal, method = method,
                  response_levels = response_levels,
                  target = if (info$multiclass) class_indicators(y, M) else y,
                  dims = c(info$code, K, M, symmetric, p_fixed),
                  control = c_control(control, family, x,
                                      if (is.null(offset_x)) y else y - offset_x[, 1L], z, w,
                                      K, M, method, sigma, equal, p_fixed,
                                      keep_path = control$path || !is.null(truth)))
  problem$beta_start <- start_coefficients(family, x, y, w, offset_x)
  truth <- check_truth(truth, problem, aliased, call)
  strategy <- init_strategy(init, call)
  given <- if (is.null(strategy)) {
    start_from_init(init, problem, aliased, call)
  } else if (strategy == "quantile") {
    start_quantile(problem, call)
  }
  runs <- run_starts(problem, given, strategy, nstart, control$cores, call)
  if (!is.finite(runs$best$logpost)) {
    abort_no_finite_start(if (is.null(strategy)) init, nstart, K, sigma, call)
  }
  fit <- assemble_fit(runs$best, problem, aliased, runs$starts, control, truth, call)
  order_experts(fit, control$order, call)
}

# The number of shared covariates' columns (`fixed`, a matrix of them, or NULL): none for
# multinomial experts or the symmetric model.
check_fixed <- function(fixed, x, family, symmetric, call) {
  if (is.null(fixed)) return(0L)
  if (!is.numeric(fixed) && !is.logical(fixed) || NROW(fixed) != nrow(x)) {
    abort("`fixed` must be a numeric matrix of shared covariates with one row per ",
          "observation (", nrow(x), "), not ", describe(fixed), ".", call = call)
  }
  if (family_info(family)$multiclass) {
    abort("`fixed` (coefficients shared by all experts) is not available for multinomial ",
          "experts.", call = call)
  }
  if (isTRUE(symmetric)) abort("`symmetric = TRUE` takes no `fixed` coefficients.", call = call)
  NCOL(fixed)
}

# Why gradient EM, whose step needs a bound on each expert's curvature, does not apply to a
# model (poisson or Gamma experts, binomial trials, shared coefficients), or NULL when it does.
gradient_em_obstacle <- function(info, size, shared) {
  if (!info$bounded) "its family's curvature has no bound" else
    if (!is.null(size)) "binomial trials have no bound on the curvature" else
    if (shared) "shared coefficients have no step of their own"
}

check_method_applies <- function(method, info, size, p_fixed, call) {
  why <- if (method == "gradient_em") gradient_em_obstacle(info, size, p_fixed > 0L)
  if (!is.null(why)) {
    abort("`method = \"gradient_em\"` does not apply here: ", why, ". Use \"em\" or \"gd\".",
          call = call)
  }
}

match_method <- function(method, call) {
  if (is.character(method) && length(method) == length(method_codes) &&
      all(method == names(method_codes))) {
    return("em")
  }
  if (!is.character(method) || length(method) != 1L || !method %in% names(method_codes)) {
    abort("`method` must be one of \"em\", \"gradient_em\" or \"gd\", not ", describe(method),
          ".", call = call)
  }
  method
}

check_symmetric <- function(symmetric, K, family, control, call) {
  if (!is.logical(symmetric) || length(symmetric) != 1L || is.na(symmetric)) {
    abort("`symmetric` must be TRUE or FALSE, not ", describe(symmetric), ".", call = call)
  }
  if (symmetric && K != 2L) {
    abort("`symmetric = TRUE` needs `K = 2`, not ", K, ".", call = call)
  }
  if (symmetric && !family$family %in% c("gaussian", "binomial")) {
    abort("`symmetric = TRUE` is for gaussian and binomial experts.", call = call)
  }
  if (symmetric && any(control$penalty > 0)) {
    abort("`symmetric = TRUE` has no ridge `penalty` in moem_control().", call = call)
  }
  symmetric
}

# n x M indicators of classes 2..C for class codes 0..C-1.
class_indicators <- function(y, M) {
  out <- matrix(0, length(y), M)
  out[cbind(which(y > 0), y[y > 0])] <- 1
  out
}

# NULL (sigma estimated) or the K known sigmas of gaussian experts.
check_sigma <- function(sigma, family, K, symmetric, call) {
  if (is.null(sigma)) return(NULL)
  if (family$family != "gaussian") {
    abort("`sigma` is NULL (estimated), \"equal\" (one for all experts) or, for gaussian ",
          "experts, known numbers; ", family$family, " experts take NULL",
          if (!is.null(family_info(family)$dispersion)) " or \"equal\"", ".", call = call)
  }
  if (!is.numeric(sigma) || !length(sigma) %in% c(1L, if (!symmetric) K) ||
      any(!is.finite(sigma)) || any(sigma <= 0)) {
    abort("`sigma` must be NULL (estimated), \"equal\" (one for all experts) or ",
          if (symmetric) "one positive number" else paste0("1 or ", K, " positive numbers"),
          ", not ", describe(sigma), ".", call = call)
  }
  rep_len(as.double(sigma), K)
}

check_design <- function(x, arg, what, call) {
  if (is.data.frame(x) || !is.numeric(x) && !is.logical(x)) {
    abort("`", arg, "` must be a numeric matrix, not ", describe(x), ".", call = call)
  }
  x <- as.matrix(x)
  if (is.null(colnames(x)) && ncol(x) > 0L) colnames(x) <- paste0(arg, seq_len(ncol(x)))
  if (!is.double(x)) storage.mode(x) <- "double"
  x
}

# Per column of x (or for a vector): 1 if it has a non-finite value, else 2 if it has a value
# beyond 1e150 in absolute value in a row of positive weight w (any row when w is NULL), else 0;
# in C, without copies of the columns.
column_scan <- function(x, w = NULL) .Call(ffi_column_scan, x, w, 1e150)

# One pass over the design's values: none may be non-finite, and none beyond 1e150 in absolute
# value in a row of positive weight (their cross-products would overflow).
check_values <- function(x, w, what, call) {
  status <- column_scan(x, w)
  bad <- status == 1L
  if (any(bad)) {
    abort(what, " have non-finite values (NA, NaN or Inf) after `na.action`, in ",
          paste0("`", colnames(x)[bad], "`", collapse = ", "), ".", call = call)
  }
  big <- status == 2L
  if (any(big)) {
    abort(what, " have values beyond 1e150 in absolute value, in ",
          paste0("`", colnames(x)[big], "`", collapse = ", "), "; rescale them.", call = call)
  }
}

check_weights <- function(weights, n, call) {
  if (is.null(weights)) return(rep(1, n))
  if (!is.numeric(weights) || length(weights) != n) {
    abort("`weights` must be a numeric vector with one value per observation (", n, "), not ",
          describe(weights), ".", call = call)
  }
  if (any(!is.finite(weights))) abort("`weights` must be finite.", call = call)
  if (any(weights < 0)) abort("`weights` must be non-negative.", call = call)
  if (all(weights == 0)) abort("`weights` are all zero.", call = call)
  as.double(weights)
}

# Columns that are linear combinations of earlier ones, by lm's rule: the residual of a
# column on the earlier non-aliased ones has a norm at most 1e-7 of its own (in C, from the
# weighted Gram matrix, without copying x).
aliased_columns <- function(x, w) {
  setNames(.Call(ffi_aliased, x, w, 1e-7), colnames(x))
}

# The settings as the C code takes them: sigma_min and min_weight on the data's own scale (y
# less its offset),
# the ridge penalty per design column (none on an intercept), the solver resolved.
c_control <- function(control, family, x, y, z, w, K, M, method, sigma, equal, p_fixed,
                      keep_path) {
  scale <- 1
  if (identical(family_info(family)$dispersion, "sigma")) scale <- weighted_sd(y, w)
  penalty_x <- column_penalty(x, control$penalty[1L])
  if (!is.null(penalty_x) && p_fixed > 0L) penalty_x[ncol(x) - seq_len(p_fixed) + 1L] <- 0
  list(maxit = control$maxit, tol = control$tol, inner_maxit = control$inner_maxit,
       inner_tol = control$inner_tol, inner_slack = control$inner_slack,
       sigma_min = control$sigma_min * scale,
       min_weight = control$min_weight * sum(w), fix_sigma = !is.null(sigma),
       equal_dispersion = equal,
       method = method_codes[[method]], step = if (is.null(control$step)) 0 else control$step,
       keep_path = keep_path, penalty_x = penalty_x,
       penalty_z = column_penalty(z, control$penalty[2L]),
       solver = resolve_solver(control$solver, family, ncol(x), ncol(z), K, M),
       threads = control$threads)
}

# The weighted standard deviation of y over the rows that count, computed on y's own scale so
# that it neither overflows nor underflows (in C, without copies of y); 1 for a constant y.
weighted_sd <- function(y, w) .Call(ffi_weighted_sd, y, w)

column_penalty <- function(x, penalty) {
  if (!(penalty > 0)) return(NULL)
  ifelse(colnames(x) == "(Intercept)", 0, penalty)
}

# Newton's method when every softmax block (an expert's p x M coefficients, the gate's
# q x (K - 1)) has at most 200 coefficients, Boehning's bound otherwise.
resolve_solver <- function(solver, family, p, q, K, M) {
  if (solver == "auto") {
    largest <- max(if (family_info(family)$mstep == "softmax") p * M else 0, q * (K - 1L))
    solver <- if (largest <= 200) "newton" else "bound"
  }
  c(newton = 1L, bound = 2L)[[solver]]
}

run_em <- function(problem, start) {
  softmax <- family_info(problem$family)$mstep == "softmax"
  res <- .Call(ffi_em, problem$x, problem$z, problem$y, if (softmax) problem$target,
               problem$w, problem$size, problem$offset_x, problem$offset_z, problem$dims,
               start$beta,
               start$gate, start$sigma, start$post, problem$control)
  res$loglik <- res$trace[nrow(res$trace), 1L]
  res$logpost <- res$trace[nrow(res$trace), 7L]
  res
}
