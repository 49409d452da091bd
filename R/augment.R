#' Add a mixture of experts' predictions to the data, for broom
#'
#' `augment()` of a [moem()] fit: the data, or new data, with a column for each of
#' * `.fitted`: the mixture's mean \eqn{E[y \mid x, z]}{E[y | x, z]} (`predict(type =
#'   "response")`), a probability for binomial experts; for multinomial experts the most
#'   probable class;
#' * `.resid`: the response residual \eqn{y - E[y \mid x, z]}{y - E[y | x, z]} (binomial: the
#'   proportion of successes, or 0/1, less its probability), when the data have the response;
#'   none for multinomial experts;
#' * `.expert`: the most probable expert, by the posterior (by the gate on new data without the
#'   response), as `predict(type = "component")`;
#' * `.post1`, ..., `.post<K>`: each expert's posterior probability given the response and the
#'   covariates; on new data without the response, given the covariates alone, which is the
#'   gate's probability \eqn{\pi_k(z)}{pi_k(z)}.
#'
#' Rows that the fit did not use (dropped by `subset` or `na.action`), or that cannot be
#' predicted (missing covariates in `newdata`), have `NA` in these columns.
#'
#' @inheritParams tidy.moem
#' @param data The data the fit used: `NULL` (the default) for its model frame, or a data frame
#'   with the fit's rows, matched by row names (or, with as many rows as the fit, in order).
#' @param newdata New data: a data frame with the covariates, and optionally the response.
#'   Give `data` or `newdata`, not both.
#' @return `data` or `newdata`, a data frame, with the columns above added.
#' @seealso [tidy.moem()], [glance.moem()], [predict.moem()]
#' @examples
#' set.seed(1)
#' d <- rmoe(400, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' fit <- moem(y ~ x1, data = d)
#' if (requireNamespace("generics", quietly = TRUE)) {
#'   head(generics::augment(fit, data = d))
#'   generics::augment(fit, newdata = data.frame(x1 = c(-1, 0, 1)))
#' }
#' @exportS3Method generics::augment
augment.moem <- function(x, data = NULL, newdata = NULL, ...) {
  call <- sys.call()
  check_dots(..., call = call)
  if (!is.null(data) && !is.null(newdata)) {
    abort("Give `data` (the fit's data) or `newdata`, not both.", call = call)
  }
  if (!is.null(newdata)) return(augment_newdata(x, newdata, call))
  columns <- augment_columns(x, fitted = x$fitted.values,
                             y = response_matrix(x$y, x$family, x$response_levels),
                             post = x$posterior)
  rows <- augment_rows(x, data, call)
  if (is.null(data)) {
    data <- x$model
    attr(data, "terms") <- NULL
  }
  for (name in names(columns)) {
    value <- columns[[name]]
    data[[name]] <- value[rep(NA_integer_, nrow(data))]
    data[[name]][rows] <- value
  }
  data
}

# The new data with the columns of augment(): the posterior needs the response, without which
# the gate's probabilities stand in for it.
augment_newdata <- function(x, newdata, call) {
  if (!is.data.frame(newdata)) {
    abort("`newdata` must be a data frame, not ", describe(newdata), ".", call = call)
  }
  with_response <- has_response(x, newdata)
  design <- model_design(x, newdata, with_response, na.pass, call)
  parts <- predict_parts(x, design)
  fitted <- mixture_mean(parts$gate, parts$mu, x$response_levels, x$family)
  post <- if (with_response) predict_posterior(x, design) else parts$gate
  y <- if (with_response) response_matrix(design$y, x$family, x$response_levels)
  columns <- augment_columns(x, fitted, y, post)
  for (name in names(columns)) {
    newdata[[name]] <- fill_rows(columns[[name]], design$ok, NULL)
  }
  newdata
}

# The columns of augment() on the rows a fit or a prediction has: .fitted, .resid (with the
# response y, not for multinomial experts), .expert and .post1, ..., .post<K>.
augment_columns <- function(x, fitted, y, post) {
  multiclass <- family_info(x$family)$multiclass
  out <- list(.fitted = if (multiclass) predict_class(x, fitted) else unname(fitted))
  if (!is.null(y) && !multiclass) out$.resid <- unname(y - fitted)
  out$.expert <- max.col(post, ties.method = "first")
  for (k in seq_len(x$K)) out[[paste0(".post", k)]] <- unname(post[, k])
  out
}

# The positions in `data` of the fit's rows: all of its model frame's (data = NULL), all of
# data's when it has as many rows as the fit, else those whose row names are the model
# frame's.
augment_rows <- function(x, data, call) {
  n <- nrow(x$model)
  if (is.null(data) || (is.data.frame(data) && nrow(data) == n)) return(seq_len(n))
  if (!is.data.frame(data)) {
    abort("`data` must be a data frame, not ", describe(data), ".", call = call)
  }
  rows <- match(rownames(x$model), rownames(data))
  if (anyNA(rows)) {
    abort("`data` must be the data the fit used: ", sum(is.na(rows)), " of the fit's ", n,
          " rows are not among its row names.", call = call)
  }
  rows
}
