# The model frame of one chunk, as moem() builds the model frame of the whole data: the
# variables of the experts', the gate's and the shared covariates' formulas (joint_formula()),
# with `(weights)` and `(offset)`, over the rows that `subset` keeps; `na.action` applies
# after, as in moem().  Used by the first pass (chunk-scan.R) and by the design matrices of
# every chunk (chunk-design.R).

# What every chunk's model frame needs, fixed before the first pass; a plain list, sent as it
# is to a cluster's workers.  `weights`, `offset` and `subset` are expressions (or NULL),
# evaluated in each chunk and then in the formula's environment, as model.frame() does.
frame_spec <- function(formula, gating, fixed, columns, weights, offset, subset, na.action,
                       family, K, call) {
  proto <- if (!is.null(columns)) {
    as.data.frame(stats::setNames(rep(list(logical()), length(columns)), columns))
  }
  expand <- function(f) if (is.null(proto)) terms(f) else terms(f, data = proto)
  expert_terms <- expand(formula)
  fixed_terms <- if (!is.null(fixed)) expand(fixed)
  gating_terms <- if (is.null(gating)) without_offsets(delete.response(expert_terms)) else
    expand(gating)
  if (is.null(na.action)) na.action <- getOption("na.action")
  if (is.character(na.action)) na.action <- get(na.action, mode = "function")
  if (!is.function(na.action)) {
    abort("`na.action` must be a function such as na.omit, or its name.", call = call)
  }
  joint <- joint_formula(expert_terms, gating_terms, environment(formula), fixed_terms)
  variables <- as.list(attr(terms(joint), "variables"))[-1L]
  list(expert_terms = expert_terms, gating_terms = gating_terms, fixed_terms = fixed_terms,
       same_design = is.null(gating) || same_terms(expert_terms, gating_terms),
       joint = joint, response = deparse_variable(variables[[1L]]),
       plain = vapply(variables[vapply(variables, is.name, NA)], deparse_variable, ""),
       weights = weights, offset = offset, subset = subset, na.action = na.action,
       family = family, K = as.integer(K), call = call)
}

# The name model.frame() gives the column of a variable.
deparse_variable <- function(v) {
  paste(deparse(v, width.cutoff = 500L, backtick = !is.symbol(v) && is.language(v)),
        collapse = " ")
}

# The chunk's model frame over the rows `subset` keeps, before `na.action` (missing values
# passed).  A `subset` must be a logical condition on the chunk's rows: row numbers would
# number each chunk's rows, not the data's.
chunk_frame <- function(spec, chunk) {
  mf_call <- call("model.frame", formula = spec$joint, data = quote(chunk),
                  na.action = quote(stats::na.pass), drop.unused.levels = FALSE)
  mf_call[[1L]] <- quote(stats::model.frame)
  if (!is.null(spec$subset)) {
    keep <- eval(spec$subset, chunk, environment(spec$joint))
    if (!is.logical(keep) || length(keep) != nrow(chunk)) {
      abort("`subset` must be a logical condition with one value per row of each chunk ",
            "(row numbers would count each chunk's rows, not the data's), not ",
            describe(keep), ".")
    }
    mf_call$subset <- keep
  }
  mf_call$weights <- spec$weights
  mf_call$offset <- spec$offset
  mf <- eval(mf_call, list(chunk = chunk), baseenv())
  depends <- data_dependent_variables(mf)
  if (length(depends)) {
    abort(paste0("`", depends, "`", collapse = ", "), " depend", if (length(depends) == 1L) "s",
          " on the whole data (", if (length(depends) == 1L) "its" else "their",
          " prediction call differs from the variable), which a fit chunk by chunk cannot ",
          "compute: compute ", if (length(depends) == 1L) "it" else "them",
          " beforehand, as columns of the data.")
  }
  mf
}

# The variables of a model frame that depend on the data as a whole (poly(), scale(), ns(),
# bs(), ...): those whose prediction call (makepredictcall(), as model.frame() records it in
# "predvars") is not the variable itself.
data_dependent_variables <- function(mf) {
  tt <- attr(mf, "terms")
  predvars <- as.list(attr(tt, "predvars"))[-1L]
  variables <- as.list(attr(tt, "variables"))[-1L]
  if (!length(predvars)) return(character())
  differ <- !mapply(identical, predvars, variables)
  vapply(variables[differ], deparse_variable, "")
}

# The chunk's model frame after `na.action`, and the number of rows it dropped.
chunk_frame_complete <- function(spec, mf) {
  before <- nrow(mf)
  mf <- apply_na_action(mf, spec$na.action, NULL)
  list(frame = mf, dropped = before - nrow(mf))
}

# The frame's factor and character columns, but for `(weights)` and `(offset)`.
level_columns <- function(mf) {
  kept <- vapply(mf, function(v) is.factor(v) || is.character(v), NA)
  setdiff(names(mf)[kept], c("(weights)", "(offset)"))
}

# The chunk's factor and character columns recoded as factors with the design's levels
# (`levels`, named by column), which must hold every value; `origin` says, per column, where
# the levels come from ("scan": the first pass; "xlev": the user's `xlev`).
apply_levels <- function(mf, levels, origin) {
  for (name in intersect(names(levels), names(mf))) {
    v <- mf[[name]]
    values <- as.character(v)
    seen <- unique(values[!is.na(values)])
    new <- seen[!seen %in% levels[[name]]]
    if (length(new)) {
      abort("column `", name, "` has level", if (length(new) > 1L) "s", " ",
            paste0("\"", new, "\"", collapse = ", "),
            if (origin[[name]] == "xlev") paste0(", not in `xlev`") else
              paste0(", which the first pass did not see"), ".")
    }
    mf[[name]] <- factor(values, levels = levels[[name]], ordered = is.ordered(v))
  }
  mf
}

# Evaluates `expr`; an error becomes an error of `call` whose message starts with `where`
# ("chunk 3", "worker 2, chunk 3").
in_chunk <- function(where, expr, call = NULL) {
  tryCatch(expr, error = function(e) abort(where, ": ", conditionMessage(e), call = call))
}
