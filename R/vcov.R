#' Covariance matrix of the estimates of a mixture of experts
#'
#' `type = "model"` (the default) gives the inverse of the observed information matrix,
#' computed exactly by Louis' (1982) identity (see [moem_information()]); `type = "robust"`
#' the sandwich (Huber-White) covariance, which stays valid when the model's distribution is
#' wrong or the observations are correlated within clusters. Dispersions (gaussian experts'
#' sigmas, Gamma experts' shapes) enter the information on the log scale and are mapped back by
#' the delta method, for both types.
#'
#' @section Robust covariance:
#' With \eqn{B} the model covariance of the free parameters (dispersions on the log scale) and
#' \eqn{s_i = w_i \sum_k \mathrm{post}_{ik}\, \partial \log(\pi_k f_k)(y_i) / \partial
#' \theta}{s_i = w_i sum_k post_ik d log(pi_k f_k)(y_i) / d theta} the score of observation
#' \eqn{i} (times its case weight \eqn{w_i}), the robust covariance is \eqn{B\, (\sum_g S_g
#' S_g^\top)\, B}{B (sum_g S_g S_g') B}, where \eqn{S_g} is the sum of the scores of cluster
#' \eqn{g} (of each observation without `cluster`), mapped to the dispersions' own scale by the
#' delta method as the model covariance is (which is the same as computing it on that scale,
#' for the scores and the information transform together). Without `cluster` there is no
#' small-sample adjustment (HC0): the matrix is `sandwich::sandwich(object)` and
#' `sandwich::vcovHC(object, type = "HC0")`. With `cluster`, the meat is multiplied by
#' \eqn{G / (G - 1)}{G / (G - 1)} for \eqn{G} clusters, which is what `sandwich::vcovCL()`
#' does by default for a model other than `lm` (its type "HC0" with `cadjust = TRUE`), so the
#' two agree. At `K = 1` the experts' block is the robust covariance of [glm()] that the
#' sandwich package computes, for gaussian, binomial and poisson experts.
#'
#' Case weights count observations (see [moem()]); a row of weight \eqn{w_i} contributes
#' the outer product of \eqn{w_i s_i}{w_i s_i} to the meat, as a cluster of \eqn{w_i} identical
#' observations would,
#' which is also how the sandwich package treats the prior weights of a [glm()].
#'
#' With a ridge penalty the bread is the penalised (posterior) covariance below and the meat
#' holds the scores of the log-likelihood alone (the penalty belongs to no observation), as
#' mgcv's `vcov.gam(sandwich = TRUE)` does for a penalised fit; the scores then sum to the
#' penalty's gradient, not to zero.
#'
#' @section Penalised fits:
#' With a ridge penalty (`moem_control(penalty = )`), the fit maximises the log-posterior
#' \eqn{\log L(\theta) - \frac12 \theta^\top \Lambda \theta}{loglik - theta' Lambda theta / 2},
#' and the covariance is the inverse of the penalised information \eqn{I_{obs} + \Lambda}{I_obs +
#' Lambda}: the covariance of the normal approximation to the posterior under the ridge's
#' gaussian prior, as mgcv's Bayesian covariance matrix `Vp` is for a penalised fit. (The
#' inverse of the unpenalised information at a penalised estimate is not the covariance of
#' anything, and would overstate the uncertainty of the shrunken coefficients.) [summary()]
#' and [print()] say when a fit is penalised.
#'
#' @param object A [moem()] fit.
#' @param part Which block of the matrix: `"all"` (the default), `"experts"`, `"gating"`,
#'   `"sigma"` or `"shape"`, the rows and columns of the coefficients that `coef(object, part)`
#'   names (the same block of the full matrix, not the inverse of a block of the information).
#' @param type `"model"` (the inverse of the observed information) or `"robust"` (the sandwich
#'   covariance; see the section "Robust covariance").
#' @param cluster For `type = "robust"`: `NULL` (each observation its own cluster), a
#'   one-sided formula of one variable such as `~ id`, evaluated in the fit's data (the rows
#'   the fit used), or a vector with one value per observation of the fit (or per row of the
#'   data before `na.action`).
#' @param ... Unused; an error if given.
#' @return A square matrix named as the coefficients of `part` in `coef(object)`. Aliased
#'   coefficients, and every entry when the information matrix is not positive definite (with
#'   a warning), are `NA`.
#' @references Louis, T. A. (1982). Finding the observed information matrix when using the EM
#'   algorithm. *Journal of the Royal Statistical Society B*, 44, 226--233.
#'
#'   Zeileis, A. (2006). Object-oriented computation of sandwich estimators. *Journal of
#'   Statistical Software*, 16(9), 1--16.
#'
#'   Wood, S. N. (2017). *Generalized Additive Models: An Introduction with R*, 2nd edition,
#'   section 6.10 (the Bayesian covariance matrix of a penalised fit). Chapman and Hall/CRC.
#' @seealso [estfun.moem()] and [bread.moem()], through which the sandwich package computes the
#'   same matrices.
#' @examples
#' set.seed(1)
#' d <- rmoe(400, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d)
#' sqrt(diag(vcov(fit)))
#' vcov(fit, part = "gating")
#' sqrt(diag(vcov(fit, type = "robust")))
#' d$id <- rep(1:100, each = 4)
#' sqrt(diag(vcov(fit, type = "robust", cluster = ~ id)))
#' @export
vcov.moem <- function(object, part = c("all", "experts", "gating", "sigma", "shape"),
                      type = c("model", "robust"), cluster = NULL, ...) {
  call <- sys.call()
  check_dots(..., call = call)
  part <- match.arg(part)
  type <- match.arg(type)
  if (!is.null(cluster) && type != "robust") {
    abort("`cluster` is for `type = \"robust\"`.", call = call)
  }
  check_dispersion_part(object, part, call)
  cf <- coef(object)
  out <- matrix(NA_real_, length(cf), length(cf), dimnames = list(names(cf), names(cf)))
  info <- information_matrices(object, call)
  v <- model_covariance(object, info, call)
  if (!is.null(v)) {
    if (type == "robust") v <- robust_covariance(object, v, cluster, call)
    labels <- rownames(info$observed)
    scale <- dispersion_scale(labels, cf)
    out[labels, labels] <- v * outer(scale, scale)
  }
  if (part == "all") return(out)
  keep <- coefficient_part(names(cf)) == part
  out[keep, keep, drop = FALSE]
}

# The inverse of the (penalised) observed information over the free parameters, dispersions
# on the log scale, or NULL with a warning when it is not positive definite.
model_covariance <- function(object, info, call) {
  factor <- tryCatch(chol(info$observed + info$penalty), error = function(e) NULL)
  if (is.null(factor)) {
    warn("The observed information matrix", if (is_penalised(object)) " (with the penalty)",
         " is not positive definite; standard errors are not available.", call = call)
    return(NULL)
  }
  v <- chol2inv(factor)
  dimnames(v) <- dimnames(info$observed)
  v
}

# d theta / d free for the free parameters `labels`: the dispersion phi = exp(log phi) where
# the information has log phi (the delta method's Jacobian, diagonal), 1 elsewhere.
dispersion_scale <- function(labels, cf) {
  scale <- rep(1, length(labels))
  dispersion <- is_dispersion(labels)
  scale[dispersion] <- cf[labels[dispersion]]
  scale
}

# Which part each coefficient name belongs to: "experts" (shared ones too), "gating", "sigma"
# or "shape".
coefficient_part <- function(names) {
  ifelse(startsWith(names, "gate"), "gating", ifelse(startsWith(names, "sigma"), "sigma",
         ifelse(startsWith(names, "shape"), "shape", "experts")))
}

# Whether each coefficient name is a dispersion's (sigma or shape).
is_dispersion <- function(names) coefficient_part(names) %in% c("sigma", "shape")

is_penalised <- function(object) any(object$control$penalty > 0)

#' Information matrices of a mixture of experts, and EM's rate
#'
#' The observed information \eqn{I_{obs}}, the complete-data information \eqn{I_c} (the
#' expected curvature of the complete-data log-likelihood given the data) and the missing
#' information \eqn{I_m = I_c - I_{obs}} (the posterior covariance of the complete-data score),
#' all at the fitted parameters, by Louis' (1982) identity, summed over the observations with
#' their case weights. The parameters are the free ones of the fit (`coef()`), with
#' `log(sigma)` in place of `sigma`.
#'
#' Near its fixed point EM moves as \eqn{\theta_{t+1} - \theta^* \approx M (\theta_t -
#' \theta^*)}{theta_{t+1} - theta* = M (theta_t - theta*)} with \eqn{M = I_c^{-1}
#' I_m}{M = I_c^{-1} I_m}, the fraction of missing information (Dempster, Laird and Rubin,
#' 1977), so its linear rate is the largest eigenvalue of \eqn{M}. With a ridge penalty
#' \eqn{\Lambda}{Lambda} (MAP-EM), the M-step's curvature is \eqn{I_c + \Lambda}{I_c + Lambda}
#' and the rate that of \eqn{(I_c + \Lambda)^{-1} I_m}{(I_c + Lambda)^{-1} I_m}.
#'
#' The matrices are assembled block by block: each observation's complete-data score is
#' non-zero only in its expert's coefficients and the gate's, so the cost is one cross-product
#' of an n x P matrix (P free parameters) and K small ones. Before it starts, the memory it
#' needs is estimated, and a fit too large for the machine is an error that says so.
#'
#' @param object A [moem()] fit, at a maximum of the likelihood (or of the log-posterior).
#' @return A list with the matrices `observed`, `complete` and `missing`, `penalty` (the
#'   Hessian of the ridge penalty, a diagonal matrix, zero without a penalty), and `rate`, the
#'   largest eigenvalue of \eqn{(I_c + \Lambda)^{-1} I_m}{(I_c + Lambda)^{-1} I_m}.
#' @references Louis, T. A. (1982). Finding the observed information matrix when using the EM
#'   algorithm. *Journal of the Royal Statistical Society B*, 44, 226--233.
#' @examples
#' set.seed(1)
#' d <- rmoe(400, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d, control = moem_control(tol = 1e-12))
#' moem_information(fit)$rate
#' @export
moem_information <- function(object) {
  if (!inherits(object, "moem")) {
    abort("`object` must be a moem fit, not ", describe(object), ".", call = sys.call())
  }
  info <- information_matrices(object, sys.call())
  info$rate <- tryCatch({
    m <- solve(info$complete + info$penalty, info$missing)
    max(Re(eigen(m, only.values = TRUE)$values))
  }, error = function(e) NA_real_)
  info
}

# The observed, complete and missing information and the penalty's Hessian over the free
# parameters (log sigma for sigma), named as free_labels().
information_matrices <- function(object, call = NULL) {
  free_information(object, full_information(object, call))
}

# The matrices of information_matrices() from the complete and missing information over the
# full parameters (full_information(), or its sums over chunks).
free_information <- function(object, full) {
  jac <- free_jacobian(object, ncol(full$complete))
  complete <- crossprod(jac, full$complete %*% jac)
  missing <- crossprod(jac, full$missing %*% jac)
  labels <- free_labels(object)
  dimnames(complete) <- dimnames(missing) <- list(labels, labels)
  penalty <- diag(penalty_diagonal(object, labels), length(labels))
  dimnames(penalty) <- dimnames(complete)
  list(observed = complete - missing, complete = complete, missing = missing, penalty = penalty)
}

# The ridge penalty of each free parameter (labels as free_labels()): the experts' and the
# gate's coefficients other than intercepts, as c_control() gives them to the C code; none on
# log sigma.
penalty_diagonal <- function(object, labels) {
  penalty <- object$control$penalty
  if (is.null(penalty) || !any(penalty > 0)) return(rep(0, length(labels)))
  part <- coefficient_part(labels)
  term <- sub("^[^:]*:", "", labels)
  if (object$family$family == "multinomial") {
    term[part == "experts"] <- sub("^[^:]*:", "", term[part == "experts"])
  }
  out <- ifelse(part == "experts", penalty[1L], ifelse(part == "gating", penalty[2L], 0))
  out[term == "(Intercept)" | startsWith(labels, "fixed:")] <- 0
  out
}

# The free parameters' names (as in coef(), dispersions on the log scale), in the order of the
# coefficient vector, without the aliased ones.
free_labels <- function(object) {
  cf <- coef(object)
  shared <- shared_terms(object)
  aliased <- object$aliased$experts
  free <- c(rep(!aliased[!shared], experts_in_vector(object) * free_classes(object)),
            !aliased[shared], rep(!object$aliased$gating, object$K - 1L))
  c(names(cf)[seq_along(free)][free], names(cf)[-seq_along(free)])
}

# d full / d free: full = (beta_1..beta_K, gate_2..gate_K, log phi_1..K if estimated) over the
# non-aliased columns; the free parameters (free_labels()) have each expert's own
# coefficients, the shared ones once, the gate's, and one log phi when it is equal; the
# symmetric model's beta_2 is -beta_1.
free_jacobian <- function(object, n_full) {
  K <- object$K
  M <- free_classes(object)
  shared <- shared_terms(object)[!object$aliased$experts]
  p <- length(shared)
  q <- sum(!object$aliased$gating)
  n_dispersion <- n_full - K * p * M - (K - 1L) * q
  symmetric <- isTRUE(object$symmetric)
  one_dispersion <- symmetric || isTRUE(object$equal_dispersion)
  own <- which(!shared)
  n_free <- if (symmetric) p + q else length(own) * M * K + sum(shared) + (K - 1L) * q
  n_free <- n_free + if (n_dispersion > 0L && one_dispersion) 1L else n_dispersion
  jac <- matrix(0, n_full, n_free)
  column <- 0L
  for (k in seq_len(K)) {
    for (c in seq_len(M)) {
      rows <- (k - 1L) * p * M + (c - 1L) * p
      if (symmetric) {
        jac[cbind(rows + seq_len(p), seq_len(p))] <- if (k == 1L) 1 else -1
      } else {
        jac[cbind(rows + own, column + seq_along(own))] <- 1
        column <- column + length(own)
      }
    }
  }
  if (symmetric) column <- p
  if (any(shared)) {
    for (k in seq_len(K)) {
      jac[cbind((k - 1L) * p + which(shared), column + seq_len(sum(shared)))] <- 1
    }
    column <- column + sum(shared)
  }
  gate_rows <- K * p * M + seq_len((K - 1L) * q)
  jac[cbind(gate_rows, column + seq_along(gate_rows))] <- 1
  column <- column + length(gate_rows)
  if (n_dispersion > 0L) {
    rows <- K * p * M + (K - 1L) * q + seq_len(n_dispersion)
    jac[cbind(rows, if (one_dispersion) column + 1L else column + seq_len(n_dispersion))] <- 1
  }
  jac
}

# Louis' identity over the full parameters (beta_1..K, gate_2..K, log sigma_1..K): the
# complete-data information sum_i w_i sum_k post_ik (-d2 log(pi_k f_k)) and the missing
# information sum_i w_i Var_post(S_i), the posterior variance of the complete-data score
# S_i = sum_k 1{Z_i = k} a_ik.  Expert k's a_ik is non-zero only in its own coefficients (and
# log sigma_k) and, for k >= 2, in gate_k's (z_i; the gate's -pi_i part is the same for every
# k and has no variance), so
#
#   Var_post(S_i) = sum_k post_ik a_ik a_ik' - s_i s_i',  s_i = sum_k post_ik a_ik,
#
# the first sum block by block (expert k's columns and gate_k's), the second one cross-product
# of the n x P matrix of the s_i.  A softmax expert with M free classes has the score
# x (t_c - p_c) and the curvature x x' p_c (delta_ce - p_e) per pair of classes.
full_information <- function(object, call = NULL) {
  ctx <- score_context(object)
  check_information_memory(ctx$n, ctx$np, call)
  context_information(ctx)
}

# full_information() of the rows of a score context (score_context_at()): sums over the rows,
# so that the sums of chunks add up to the whole data's.
context_information <- function(ctx) {
  x <- ctx$x
  z <- ctx$z
  y <- ctx$y
  size <- ctx$size
  w <- ctx$w
  post <- ctx$post
  info <- ctx$info
  phi <- ctx$phi
  p <- ctx$p
  M <- ctx$M
  np <- ctx$np
  complete <- matrix(0, np, np)
  second_moment <- matrix(0, np, np)
  mean_score <- matrix(0, ctx$n, np)
  for (k in seq_len(ctx$K)) {
    rk <- w * post[, k]
    own <- c(beta_at(ctx, k), if (ctx$with_phi) phi_at(ctx, k))   # expert k's columns
    a <- expert_scores(ctx, k)
    if (!info$multiclass) {
      eta <- ctx$parts$eta[, k]
      complete[beta_at(ctx, k), beta_at(ctx, k)] <-
        crossprod(x * sqrt(rk * info$curvature(y, eta, phi[[k]], size)))
      if (ctx$with_phi) {
        s <- phi_at(ctx, k)
        complete[beta_at(ctx, k), s] <- crossprod(x, rk * info$dispersion_cross(y, eta, phi[[k]]))
        complete[s, beta_at(ctx, k)] <- complete[beta_at(ctx, k), s]
        complete[s, s] <- sum(rk * info$dispersion_curvature(y, eta, phi[[k]]))
      }
    } else {
      prob <- matrix(ctx$parts$mu[, -1L, k], ctx$n, M)
      for (c in seq_len(M)) {
        for (e in seq_len(M)) {
          u <- rk * prob[, c] * ((c == e) - prob[, e])
          complete[beta_at(ctx, k)[(c - 1L) * p + seq_len(p)],
                   beta_at(ctx, k)[(e - 1L) * p + seq_len(p)]] <- crossprod(x, x * u)
        }
      }
    }
    block <- own
    if (k >= 2L) {
      a <- cbind(a, z)
      block <- c(own, gate_at(ctx, k))
    }
    second_moment[block, block] <- second_moment[block, block] + crossprod(a * sqrt(rk))
    mean_score[, block] <- mean_score[, block] + a * post[, k]
  }
  for (k in seq_len(ctx$K)[-1L]) {
    for (l in seq_len(ctx$K)[-1L]) {
      u <- w * ctx$parts$gate[, k] * ((k == l) - ctx$parts$gate[, l])
      complete[gate_at(ctx, k), gate_at(ctx, l)] <- crossprod(z, z * u)
    }
  }
  missing <- second_moment - crossprod(mean_score * sqrt(w))
  list(complete = (complete + t(complete)) / 2, missing = (missing + t(missing)) / 2)
}

# The information matrices take an n x P matrix and some P x P ones (with vcov()'s inverse):
# an error that says so, before any of them is allocated, when they do not fit in memory.
check_information_memory <- function(n, np, call) {
  check_memory(8 * (2 * n * np + 8 * np^2),
               paste0("The information matrix of ", np, " free parameters (n = ", n, ")"),
               paste0("standard errors of so many parameters are rarely meaningful: fit a ",
                      "smaller model (fewer covariates or experts), or use a ridge penalty ",
                      "and report the penalised fit without them."), call)
}
