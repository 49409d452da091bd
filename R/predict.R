#' Predictions from a mixture of experts
#'
#' @param object A [moem()] fit.
#' @param newdata A data frame in which to look for the covariates (and, for `"posterior"`, the
#'   response). Without it, the training data, with the rows that `na.action = na.exclude`
#'   dropped restored as `NA`, as [predict.lm()] does.
#' @param type What to predict:
#'   * `"response"`: \eqn{E[y \mid x, z] = \sum_k \pi_k(z) \mu_k(x)}{E[y | x, z] = sum_k
#'     pi_k(z) mu_k(x)}, a probability for binomial experts, an n x C matrix of class
#'     probabilities for multinomial experts;
#'   * `"class"`: the most probable class (binomial and multinomial experts), a factor when
#'     the response was one;
#'   * `"gating"`: the n x K matrix of gate probabilities \eqn{\pi_k(z)}{pi_k(z)};
#'   * `"experts"`: the n x K matrix of each expert's mean \eqn{\mu_k(x)}{mu_k(x)} (for
#'     multinomial experts, an n x C x K array of class probabilities);
#'   * `"posterior"`: the n x K matrix of posterior probabilities of the experts given
#'     \eqn{y}; `newdata` must hold the response;
#'   * `"component"`: the most probable expert, by the posterior when the response is at hand,
#'     else by the gate.
#' @param na.action What to do with missing values in `newdata`; the default, [na.pass()],
#'   predicts `NA` for those rows.
#' @param se.fit Whether to return standard errors, by the delta method from [vcov.moem()]
#'   (the experts' and the gate's coefficients; sigma does not enter a mean), for `type =
#'   "response"`, `"experts"` and `"gating"`. At `K = 1` they are [predict.glm()]'s with the
#'   maximum likelihood dispersion for gaussian, binomial and poisson experts; for Gamma
#'   experts (whose log link is not canonical) they come from the observed information at the
#'   maximum likelihood shape, where [predict.glm()] uses the expected information and a
#'   moment estimate of the dispersion.
#' @param interval For `type = "response"` of experts other than multinomial: `"none"`,
#'   `"confidence"` (for the mixture's mean: fit -/+ z se, as [predict.lm()] gives it, on the
#'   scale of the link, log-odds or log, so that the limits stay within the mean's range) or
#'   `"prediction"` (for a new response: the quantiles of the mixture's own predictive
#'   distribution, \eqn{\sum_k \pi_k N(\mu_k, \sigma_k^2 + se_k^2)}{sum_k pi_k N(mu_k,
#'   sigma_k^2 + se_k^2)} with \eqn{se_k}{se_k} the standard error of expert k's mean, which a
#'   normal interval would misstate, for a mixture is not normal; for the other families the
#'   mixture of the fitted distributions, \eqn{\sum_k \pi_k f_k}{sum_k pi_k f_k}: counts for
#'   poisson experts, proportions of the trials for binomial experts (of one trial on
#'   `newdata` unless its trials come from the fit's `weights` or its `cbind()` response)).
#'   The gate's uncertainty does not enter prediction intervals.
#' @param level The confidence or coverage level of `interval`.
#' @param ... Unused; an error if given.
#' @return A vector (`"response"`, `"class"`, `"component"`), an n x K (or n x C) matrix, or
#'   an n x C x K array. With `interval`, the matrix of columns `fit`, `lwr` and `upr`, as
#'   [predict.lm()] returns it; with `se.fit = TRUE`, a list of `fit` (the prediction, or that
#'   matrix) and `se.fit` (the standard errors, shaped as the prediction).
#' @examples
#' set.seed(1)
#' d <- rmoe(400, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d)
#' new <- data.frame(x1 = c(-1, 0, 1))
#' predict(fit, new)
#' predict(fit, new, type = "gating")
#' predict(fit, new, type = "component")
#' predict(fit, new, se.fit = TRUE)
#' predict(fit, new, interval = "prediction")
#' @export
predict.moem <- function(object, newdata,
                         type = c("response", "class", "gating", "experts", "posterior",
                                  "component"),
                         na.action = na.pass, se.fit = FALSE,
                         interval = c("none", "confidence", "prediction"), level = 0.95, ...) {
  call <- sys.call()
  check_dots(..., call = call)
  type <- match.arg(type)
  interval <- match.arg(interval)
  check_prediction_options(object, type, se.fit, interval, level, call)
  if (missing(newdata)) newdata <- NULL
  with_response <- type == "posterior" ||
    type == "component" && (is.null(newdata) || has_response(object, newdata))
  design <- model_design(object, newdata, with_response, na.action, call)
  parts <- predict_parts(object, design)
  response <- mixture_mean(parts$gate, parts$mu, object$response_levels, object$family)
  out <- switch(type,
    response = response,
    class = predict_class(object, response),
    gating = parts$gate,
    experts = parts$mu,
    posterior = predict_posterior(object, design),
    component = max.col(if (with_response) predict_posterior(object, design) else parts$gate,
                        ties.method = "first")
  )
  se <- if (se.fit) prediction_se(object, design, parts, type, call)
  if (interval == "confidence") {
    out <- confidence_interval(object, out, if (se.fit) se else
                                 prediction_se(object, design, parts, type, call), level)
  } else if (interval == "prediction") {
    expert_se <- if (identical(family_info(object$family)$dispersion, "sigma")) {
      prediction_se(object, design, parts, "experts", call)
    }
    out <- prediction_interval(object, out, parts, expert_se, level, design$size)
  }
  restore <- function(a) restore_rows(fill_rows(a, design$ok, design$rownames), design$na.action)
  if (se.fit) list(fit = restore(out), se.fit = restore(se)) else restore(out)
}

check_prediction_options <- function(object, type, se.fit, interval, level, call) {
  if (type == "class" && family_info(object$family)$mstep != "softmax") {
    abort("`type = \"class\"` is for binomial and multinomial experts.", call = call)
  }
  if (!is.logical(se.fit) || length(se.fit) != 1L || is.na(se.fit)) {
    abort("`se.fit` must be TRUE or FALSE, not ", describe(se.fit), ".", call = call)
  }
  if (se.fit && !type %in% c("response", "experts", "gating")) {
    abort("`se.fit = TRUE` is for `type` \"response\", \"experts\" or \"gating\", not \"",
          type, "\".", call = call)
  }
  if (interval != "none" && (type != "response" || family_info(object$family)$multiclass)) {
    abort("`interval` is for `type = \"response\"` of experts other than multinomial.",
          call = call)
  }
  if (!is_number(level) || level <= 0 || level >= 1) {
    abort("`level` must be a number between 0 and 1, not ", describe(level), ".", call = call)
  }
}

# The most probable class from the mixture's probabilities.
predict_class <- function(object, response) {
  levels <- object$response_levels
  index <- if (is.matrix(response)) max.col(response, ties.method = "first") else
    1L + (response > 0.5)
  if (is.null(levels)) return(index - 1L)
  factor(levels[index], levels = levels)
}

# napredict(), also for the n x C x K arrays of multinomial experts.
restore_rows <- function(x, na.action) {
  if (length(dim(x)) < 3L || !inherits(na.action, "exclude")) return(napredict(na.action, x))
  keep <- setdiff(seq_len(dim(x)[1L] + length(na.action)), na.action)
  out <- array(NA_real_, c(dim(x)[1L] + length(na.action), dim(x)[-1L]),
               dimnames = c(list(NULL), dimnames(x)[-1L]))
  out[keep, , ] <- x
  out
}

# The design matrices of the training data (newdata = NULL) or of newdata, over the fit's
# non-aliased columns, restricted to complete rows `ok`.
model_design <- function(object, newdata, with_response = FALSE, na.action = na.pass,
                         call = NULL) {
  if (is.null(newdata)) {
    mf <- object$model
    na_action <- object$na.action
  } else {
    if (!is.data.frame(newdata) && !is.list(newdata)) {
      abort("`newdata` must be a data frame, not ", describe(newdata), ".", call = call)
    }
    tt <- terms(object$model)
    if (!with_response) tt <- delete.response(tt)
    check_variables(tt, newdata, call)
    mf <- model.frame(tt, newdata, na.action = na.action, xlev = object$xlevels)
    na_action <- attr(mf, "na.action")
  }
  x <- design_matrix(object, mf, "experts", call)
  # binomial trials given as the fit's `weights` (a proportion response), evaluated in newdata
  trials <- NULL
  if (!is.null(newdata) && !is.null(object$size) && !is.null(object$call$weights)) {
    trials <- eval(object$call$weights, newdata, environment(object$terms))
    if (!is.null(na_action)) trials <- trials[-na_action]
  }
  z <- design_matrix(object, mf, "gating")
  y <- if (with_response) model.response(mf)
  offset <- frame_offset(mf, object$terms, argument = is.null(newdata))
  if (!is.null(newdata) && !is.null(object$call$offset)) {
    # the `offset` argument of the fit, evaluated in newdata as predict.lm() does
    extra <- eval(object$call$offset, newdata, environment(object$terms))
    if (!is.null(na_action)) extra <- if (is.matrix(extra)) extra[-na_action, , drop = FALSE] else
      extra[-na_action]
    offset <- if (is.null(offset)) extra else offset + extra
  }
  gating_offset <- frame_offset(mf, object$gating_terms)
  ok <- stats::complete.cases(x, z, offset, gating_offset) &
    (if (with_response) stats::complete.cases(y) else TRUE)
  x <- x[ok, !object$aliased$experts, drop = FALSE]
  z <- z[ok, !object$aliased$gating, drop = FALSE]
  M <- free_classes(object)
  offset_x <- expert_offset_matrix(subset_rows(offset, ok), sum(ok), M, object$family, call)
  offset_z <- gate_offset_matrix(subset_rows(gating_offset, ok), sum(ok), object$K, call)
  size <- if (is.null(newdata)) subset_rows(object$size, ok) else subset_rows(trials, ok)
  if (with_response && is.null(newdata)) {
    y <- object$y[ok]
  } else if (with_response) {
    response <- family_response(object$family, subset_rows(y, ok), call,
                                levels = object$response_levels, weights = size)
    y <- response$y
    size <- response$size
  }
  list(x = x, z = z, y = y, size = size, offset_x = offset_x, offset_z = offset_z, ok = ok,
       rownames = rownames(mf), na.action = na_action)
}

# The rows `ok` of a vector or matrix, or NULL.
subset_rows <- function(a, ok) {
  if (is.null(a)) NULL else if (is.matrix(a)) a[ok, , drop = FALSE] else a[ok]
}

check_variables <- function(tt, newdata, call) {
  needed <- all.vars(tt)
  env <- environment(tt)
  missing_vars <- needed[!needed %in% names(newdata) &
                           !vapply(needed, exists, NA, envir = env)]
  if (length(missing_vars)) {
    abort("`newdata` lacks variable(s) the model needs: ",
          paste0("`", missing_vars, "`", collapse = ", "), ".", call = call)
  }
}

has_response <- function(object, newdata) {
  all(all.vars(object$formula[[2L]]) %in% names(newdata))
}

# Experts' linear predictors (n x MK) and means (n x K, or n x C x K for multinomial), and the
# gate probabilities (n x K), on a design.
predict_parts <- function(object, design) {
  beta <- coef_experts_matrix(object)[!object$aliased$experts, , drop = FALSE]
  gate <- coef_gating(object)[!object$aliased$gating, , drop = FALSE]
  eta <- expert_predictors(design$x, beta, design$offset_x)
  labels <- paste0("expert", seq_len(object$K))
  mu <- expert_mean(object$family, eta, object$K)
  g <- gate_probabilities(design$z, gate, design$offset_z)
  dimnames(g) <- list(NULL, labels)
  dimnames(mu) <- if (length(dim(mu)) == 3L) list(NULL, object$response_levels, labels) else
    list(NULL, labels)
  list(eta = eta, mu = mu, gate = g)
}

predict_posterior <- function(object, design) {
  if (is.null(design$y)) return(object$posterior[design$ok, , drop = FALSE])
  beta <- coef_experts_matrix(object)[!object$aliased$experts, , drop = FALSE]
  gate <- coef_gating(object)[!object$aliased$gating, , drop = FALSE]
  res <- estep(object, design, rep(1, length(design$y)), beta, gate)
  colnames(res$posterior) <- paste0("expert", seq_len(object$K))
  res$posterior
}

# The C E-step on a design (model_design()) at given parameters (beta p x MK, gate q x K):
# list(loglik, posterior) and the gradient of the log-likelihood.
estep <- function(object, design, w, beta, gate) {
  info <- family_info(object$family)
  phi <- dispersion_values(object)
  M <- ncol(beta) %/% object$K
  .Call(ffi_estep, design$x, design$z, as.double(design$y), NULL, as.double(w), design$size,
        design$offset_x, design$offset_z, as.integer(c(info$code, object$K, M, 0L, 0L)), beta,
        gate, phi)
}

# The experts' dispersions as the C code takes them: sigma or shape, or ones for a family
# without.
dispersion_values <- function(object) {
  info <- family_info(object$family)
  phi <- if (!is.null(info$dispersion)) object[[info$dispersion]]
  if (is.null(phi)) rep(1, object$K) else as.double(phi)
}

# The variance of the mixture's response: sum_k pi_k (var_k + mu_k^2) - mean^2.
mixture_variance <- function(object, parts, size = NULL) {
  info <- family_info(object$family)
  if (info$multiclass) {
    abort("Pearson residuals are not defined for multinomial experts.", call = NULL)
  }
  m <- rowSums(parts$gate * parts$mu)
  phi <- rep(dispersion_values(object), each = nrow(parts$mu))
  variance <- info$variance(parts$mu, phi, size)
  rowSums(parts$gate * (variance + parts$mu^2)) - m^2
}

# Puts results for the complete rows back among all rows, NA elsewhere.
fill_rows <- function(out, ok, rownames) {
  if (length(dim(out)) == 3L) {
    full <- array(NA_real_, c(length(ok), dim(out)[-1L]),
                  dimnames = c(list(rownames), dimnames(out)[-1L]))
    full[ok, , ] <- out
  } else if (is.matrix(out)) {
    full <- matrix(NA_real_, length(ok), ncol(out), dimnames = list(rownames, colnames(out)))
    full[ok, ] <- out
  } else {
    full <- out[rep(NA_integer_, length(ok))]
    full[ok] <- out
    names(full) <- rownames
  }
  full
}
