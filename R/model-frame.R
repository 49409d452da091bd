#' The data of a mixture of experts as it was fitted: model frame, design matrices, formulas
#' and weights
#'
#' `model.frame()` is the fit's model frame: every variable of the experts', the gate's and the
#' shared covariates' formulas, with `(weights)` and `(offset)` when given, over the rows the
#' fit used. `model.matrix()` is the design matrix of the experts (with the columns of the
#' shared coefficients, `fixed`, after their own) or of the gate, aliased columns included, as
#' [glm()]'s is: at `K = 1` `model.matrix(fit)` is `model.matrix()` of the same [glm()].
#' `formula()` is the experts', the gate's or the shared covariates' formula. `weights()` are
#' the prior weights as [glm()] has them (`weights(glm_fit, type = "prior")`): the case weights,
#' times the number of trials for a binomial response of proportions or
#' `cbind(successes, failures)`.
#'
#' @param formula,object,x A [moem()] fit.
#' @param part `"experts"` (the default) or `"gating"`; for `formula()` also `"fixed"`, the
#'   formula of the shared covariates.
#' @param type For `weights()`: `"prior"`, the only type a mixture of experts has (it has no
#'   working weights).
#' @param ... Unused; an error if given.
#' @return `model.frame()`: a data frame with a `"terms"` attribute; `model.matrix()`: a
#'   matrix with the `"contrasts"` attribute of [model.matrix()] (and its `"assign"` when there
#'   are no shared covariates);
#'   `formula()`: a formula; `weights()`: a vector with one value per observation, `NA` for the
#'   rows that `na.action = na.exclude` dropped.
#' @examples
#' set.seed(1)
#' d <- rmoe(200, experts = cbind(c(1, 2), c(-1, -1)), gating = cbind(0, c(0, 3)),
#'           intercept = TRUE)
#' d$x2 <- rnorm(200)
#' fit <- moem(y ~ x1, data = d, gating = ~ x2)
#' head(model.frame(fit))
#' head(model.matrix(fit))
#' head(model.matrix(fit, part = "gating"))
#' formula(fit)
#' formula(fit, part = "gating")
#' head(weights(fit))
#' @name moem-model-frame
NULL

#' @rdname moem-model-frame
#' @export
model.frame.moem <- function(formula, ...) {
  check_dots(..., call = sys.call())
  formula$model
}

#' @rdname moem-model-frame
#' @export
model.matrix.moem <- function(object, part = c("experts", "gating"), ...) {
  call <- sys.call()
  check_dots(..., call = call)
  part <- match.arg(part)
  design_matrix(object, object$model, part, call)
}

#' @rdname moem-model-frame
#' @export
formula.moem <- function(x, part = c("experts", "gating", "fixed"), ...) {
  call <- sys.call()
  check_dots(..., call = call)
  part <- match.arg(part)
  if (part == "fixed" && is.null(x$fixed)) {
    abort("`part = \"fixed\"`: the fit has no coefficients shared by all experts (`fixed`).",
          call = call)
  }
  switch(part, experts = x$formula, gating = x$gating, fixed = x$fixed)
}

#' @rdname moem-model-frame
#' @export
weights.moem <- function(object, type = "prior", ...) {
  call <- sys.call()
  check_dots(..., call = call)
  if (!identical(type, "prior")) {
    abort("`type` must be \"prior\" (a mixture of experts has no working weights), not ",
          describe(type), ".", call = call)
  }
  w <- object$prior.weights * trial_counts(object$size)
  names(w) <- rownames(object$model)
  naresid(object$na.action, w)
}

# The design matrix of the experts (their own columns, then the shared ones) or of the gate,
# all columns (aliased ones too), from a model frame of the fit's variables.
design_matrix <- function(object, mf, part, call = NULL) {
  if (part == "gating") {
    return(model.matrix(object$gating_terms, mf, contrasts.arg = object$contrasts$gating))
  }
  x <- model.matrix(delete.response(object$terms), mf, contrasts.arg = object$contrasts$experts)
  if (is.null(object$fixed_terms)) return(x)
  shared <- fixed_design(object$terms, object$fixed_terms, mf, object$contrasts$fixed, call)
  out <- cbind(x, shared)
  attr(out, "contrasts") <- c(attr(x, "contrasts"), attr(shared, "contrasts"))
  out
}
