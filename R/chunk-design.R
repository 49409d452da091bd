# The design of a fit chunk by chunk, fixed by one first pass over the source before EM's
# first pass: the terms, levels, contrasts and columns that make every chunk's design matrices
# exactly the rows of those of the fit of the whole data (the chunks bound by rbind()).
#
# chunk_design() returns a list of class "moem_chunk_design":
#   terms, gating_terms, fixed_terms   the experts', the gate's and the shared covariates'
#                        terms (fixed_terms NULL without `fixed`)
#   xlevels, contrasts   as a moem() fit has them (contrasts: experts, gating, fixed)
#   levels, origin       the levels of every factor or character column of the model frame,
#                        the response's included, by column name, and where each comes from
#                        ("scan": the first pass; "xlev": the user's `xlev`)
#   columns              the column names of x (the experts' own, then the shared ones), of
#                        z, and of the shared ones alone (`fixed`)
#   p_fixed              the number of shared columns, the last ones of x
#   same_design          whether z is the experts' own x (moem()'s gate by default)
#   n, dropped, nobs, positive, chunks   rows used, rows dropped by `na.action`, the case
#                        weights' sum, the rows of positive weight, and the number of chunks
#   response_levels, M   the response's levels (binomial factor and multinomial responses, else
#                        NULL) and the free classes per expert (C - 1 for multinomial experts)
#   family, K, spec      the family, the number of experts, and what each chunk's model frame
#                        needs (frame_spec())
#   matrices             function(df, where = "chunk") design_matrices() of this design
# All columns are kept: aliased ones are found from the Gram matrix, by a pass.

# formula, gating, fixed, family: as in moem(); source: a data_source() or cluster_source();
# weights, offset, subset: expressions evaluated in each chunk (or NULL); na.action: a function
# or its name (NULL: the option "na.action"); xlev: NULL or a named list of levels per factor
# or character column, used instead of those the first pass sees; K: the number of experts
# (the shape of the gate's offset).
chunk_design <- function(formula, gating = NULL, fixed = NULL, source, weights = NULL,
                         offset = NULL, subset = NULL, na.action = NULL, xlev = NULL,
                         family = gaussian(), K = 2L, call = NULL) {
  family <- resolve_family(family, call)
  if (!is.null(fixed) && family_info(family)$multiclass) {
    abort("`fixed` (coefficients shared by all experts) is not available for multinomial ",
          "experts.", call = call)
  }
  if (!is.null(xlev) && (!is.list(xlev) || is.null(names(xlev)) || any(names(xlev) == "") ||
                         !all(vapply(xlev, is.character, NA)))) {
    abort("`xlev` must be a named list of levels (character vectors), one per factor, not ",
          describe(xlev), ".", call = call)
  }
  needs_columns <- "." %in% c(all.names(formula), if (!is.null(gating)) all.names(gating),
                             if (!is.null(fixed)) all.names(fixed))
  spec <- frame_spec(formula, gating, fixed, if (needs_columns) source_columns(source, call),
                     weights, offset, subset, na.action, family, K, call)
  scan <- first_pass(spec, source, call)
  if (is.null(scan) || scan$rows == 0L) {
    abort("`data` has no rows ", if (is.null(scan)) "(no chunks)" else
            "left after `subset` and `na.action`", ".", call = call)
  }
  if (!(scan$weight > 0)) abort("`weights` are all zero.", call = call)
  levels <- design_levels(spec, scan, xlev, call)
  design <- list(terms = spec$expert_terms, gating_terms = spec$gating_terms,
                 fixed_terms = spec$fixed_terms, levels = levels$levels,
                 origin = levels$origin, response_levels = levels$response,
                 M = if (family_info(family)$multiclass) length(levels$response) - 1L else 1L,
                 same_design = spec$same_design, n = scan$rows, dropped = scan$dropped,
                 nobs = scan$weight, positive = scan$positive, chunks = scan$chunks,
                 family = family, K = as.integer(K), spec = spec)
  design <- c(design, design_columns(design, scan$prototype, call))
  design <- with_matrices(structure(design, class = "moem_chunk_design"))
  if (inherits(source, "moem_cluster_source")) source$send_design(design)
  design
}

# The design with its function `matrices(df, where = "chunk")`.
with_matrices <- function(design) {
  design$matrices <- function(df, where = "chunk") design_matrices(design, df, where)
  design
}

# The design as it travels to a cluster's workers: without its function, which the worker
# makes again.
plain_design <- function(design) {
  design$matrices <- NULL
  design
}

# The first pass: every chunk scanned (scan_chunk()) and the scans merged in chunk order,
# with the number of chunks.
first_pass <- function(spec, source, call) {
  if (inherits(source, "moem_cluster_source")) {
    scans <- source$map(chunk_scanner(spec), raw = TRUE)
    scans <- unlist(scans, recursive = FALSE)
    scan <- Reduce(merge_scans, scans, NULL)
    if (!is.null(scan)) scan$chunks <- length(scans)
    return(scan)
  }
  on.exit(source$close(), add = TRUE)
  fold_chunks(source, NULL, function(scan, chunk, index) {
    scan <- merge_scans(scan, in_chunk(paste("chunk", index), scan_chunk(spec, chunk), call))
    scan$chunks <- index
    scan
  })
}

# scan_chunk() as a function of (chunk, where) whose environment holds `spec` alone, so that
# it travels light to a cluster's workers.
chunk_scanner <- function(spec) {
  force(spec)
  function(chunk, where) in_chunk(where, scan_chunk(spec, chunk))
}

# The column names of the data's first chunk (for the `.` of a formula).
source_columns <- function(source, call) {
  if (inherits(source, "moem_cluster_source")) return(source$columns())
  on.exit(source$close(), add = TRUE)
  source$reset()
  chunk <- source$read()
  if (is.null(chunk)) abort("`data` has no rows (no chunks).", call = call)
  names(chunk)
}

# The levels of each factor or character column (the user's `xlev` first, else the first
# pass's), where they come from, and the response's levels.
design_levels <- function(spec, scan, xlev, call) {
  unknown <- setdiff(names(xlev), names(scan$columns))
  if (length(unknown)) {
    abort("`xlev` gives levels for ", paste0("`", unknown, "`", collapse = ", "), ", not ",
          "a factor or character variable of the formulas.", call = call)
  }
  response <- spec$response
  levels <- list()
  origin <- character()
  for (name in names(scan$columns)) {
    column <- scan$columns[[name]]
    what <- if (name != response) "predictor" else spec$family$family
    if (column$kind != "character" && isTRUE(column$varies) && !name %in% spec$plain &&
        is.null(xlev[[name]])) {
      abort("The levels of `", name, "` differ between chunks, and its order over the whole ",
            "data is unknown: give them in `xlev`.", call = call)
    }
    lacking <- setdiff(column$before, xlev[[name]])
    if (!is.null(xlev[[name]]) && length(lacking)) {
      abort("column `", name, "` has level", if (length(lacking) > 1L) "s", " ",
            paste0("\"", lacking, "\"", collapse = ", "), ", not in `xlev`.", call = call)
    }
    levels[[name]] <- if (!is.null(xlev[[name]])) xlev[[name]] else scanned_levels(column, what)
    origin[[name]] <- if (!is.null(xlev[[name]])) "xlev" else "scan"
  }
  response_levels <- levels[[response]]
  if (!is.null(response_levels)) check_response_levels(spec$family, response_levels, call)
  list(levels = levels, origin = origin, response = response_levels)
}

# The number of levels a factor response needs, with the messages of the family's reader.
check_response_levels <- function(family, levels, call) {
  if (family$family == "binomial" && length(levels) != 2L) {
    abort("A factor response of binomial experts must have two levels; it has ",
          length(levels), ".", call = call)
  }
  if (family$family == "multinomial" && length(levels) < 2L) {
    abort("The response of multinomial experts must have at least two classes; it has ",
          length(levels), ".", call = call)
  }
}

# The columns and contrasts of the designs and the xlevels, from the model frame of no rows
# with the design's levels (types without data).
design_columns <- function(design, prototype, call) {
  mf <- apply_levels(prototype, design$levels, design$origin)
  x <- in_chunk("the design", model.matrix(design$terms, mf), call)
  z <- if (design$same_design) x else model.matrix(design$gating_terms, mf)
  shared <- if (!is.null(design$fixed_terms)) {
    fixed_design(design$terms, design$fixed_terms, mf, call = call)
  }
  xlevels <- c(.getXlevels(design$terms, mf), .getXlevels(design$gating_terms, mf),
               if (!is.null(design$fixed_terms)) .getXlevels(design$fixed_terms, mf))
  list(xlevels = xlevels[!duplicated(names(xlevels))],
       contrasts = list(experts = attr(x, "contrasts"), gating = attr(z, "contrasts"),
                        fixed = attr(shared, "contrasts")),
       columns = list(x = c(colnames(x), colnames(shared)), z = colnames(z),
                      fixed = colnames(shared)),
       p_fixed = NCOL(shared) * !is.null(shared))
}

# The design matrices of one chunk `df`, as moem() gives them to the C code for those rows
# (fit_matrices(), before aliased columns are dropped):
#   x         n x (p + p_fixed) double matrix: the experts' own columns, then the shared ones
#   z         n x q double matrix of the gate's columns (the experts' own x when same_design)
#   y         the response as a double vector (binomial: proportions; multinomial: class
#             codes 0..C-1)
#   w         the case weights (ones without `weights`)
#   size      binomial trials, or NULL
#   target    n x M class indicators for multinomial experts, else y
#   offset_x  n x M experts' offset, or NULL;  offset_z  n x (K - 1) gate's offset, or NULL
#   fixed     the shared columns alone (the last p_fixed of x), or NULL
# `where` names the chunk in errors.  A value of a factor that the design has not is an error.
design_matrices <- function(design, df, where = "chunk") {
  spec <- design$spec
  in_chunk(where, {
    # (levels after `na.action`: a character's value seen only in rows it drops is no level)
    mf <- chunk_frame_complete(spec, chunk_frame(spec, df))$frame
    mf <- apply_levels(mf, design$levels, design$origin)
    chunk_matrices(design, mf)
  }, spec$call)
}

chunk_matrices <- function(design, mf) {
  spec <- design$spec
  n <- nrow(mf)
  x <- model.matrix(design$terms, mf, contrasts.arg = design$contrasts$experts)
  x <- plain_matrix(x)
  z <- if (design$same_design) x else {
    plain_matrix(model.matrix(design$gating_terms, mf, contrasts.arg = design$contrasts$gating))
  }
  shared <- if (!is.null(design$fixed_terms)) {
    plain_matrix(fixed_design(design$terms, design$fixed_terms, mf, design$contrasts$fixed))
  }
  w <- check_chunk_weights(model.weights(mf))
  response <- family_response(design$family, model.response(mf), NULL,
                              levels = design$response_levels, weights = w)
  y <- plain_double(response$y)
  w <- if (is.null(response$weights)) rep(1, n) else as.double(response$weights)
  if (!is.null(shared)) x <- cbind(x, shared)
  check_values(x, w, "The experts' covariates", NULL)
  if (!design$same_design) check_values(z, w, "The gate's covariates", NULL)
  multiclass <- family_info(design$family)$multiclass
  list(x = x, z = z, y = y, w = w, size = response$size,
       target = if (multiclass) class_indicators(y, design$M) else y,
       offset_x = expert_offset_matrix(frame_offset(mf, design$terms, argument = TRUE), n,
                                       design$M, design$family, NULL),
       offset_z = gate_offset_matrix(frame_offset(mf, design$gating_terms), n, design$K, NULL),
       fixed = shared)
}

# A model matrix as the C code takes it: doubles, column names, no row names or attributes.
plain_matrix <- function(x) {
  out <- x
  attributes(out) <- NULL
  out <- as.double(out)
  dim(out) <- dim(x)
  dimnames(out) <- list(NULL, colnames(x))
  out
}
