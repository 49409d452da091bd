# The first pass of a fit chunk by chunk: what the design needs from the whole data, collected
# chunk by chunk and merged in the order of the chunks (a reduction, so that a cluster's
# workers can scan their own chunks).
#
# The levels are those the fit of the whole data, rbind() of the chunks, would have.  moem()
# builds its model frame with drop.unused.levels = TRUE before `na.action`, and model.matrix()
# makes factors of character columns after it, so:
#   a factor:     the levels present in the rows `subset` keeps (missing values in other
#                 columns do not matter), in the factor's order (chunks whose factors differ
#                 in their levels: the order of rbind(), each chunk's new levels after those
#                 of the chunks before);
#   a character:  the sorted distinct values of the rows left after `na.action`;
# and the response of multinomial experts (levels(droplevels(as.factor(y))) after
# `na.action`) the levels present after `na.action`, in the factor's order or sorted.

# What one chunk tells the design: rows kept, rows dropped by `na.action`, the weights' sum
# and the rows of positive weight, and per factor or character column its kind, its levels
# and the distinct values before and after `na.action`; `prototype`, the chunk's model frame
# without rows (its columns' types, no data).
scan_chunk <- function(spec, chunk) {
  mf <- chunk_frame(spec, chunk)
  complete <- chunk_frame_complete(spec, mf)
  after <- complete$frame
  columns <- lapply(stats::setNames(nm = level_columns(mf)), function(name) {
    v <- mf[[name]]
    list(kind = if (is.ordered(v)) "ordered" else if (is.factor(v)) "factor" else "character",
         levels = levels(v),
         before = distinct_values(v),
         after = distinct_values(after[[name]]))
  })
  w <- check_chunk_weights(model.weights(after))
  y <- model.response(after)
  if (!is.null(y) && !response_has_levels(spec$family, y)) {
    w <- family_response(spec$family, y, NULL, weights = w)$weights
  }
  prototype <- mf[0L, , drop = FALSE]
  # (its terms without the formula's environment, which need not travel)
  environment(attr(prototype, "terms")) <- baseenv()
  list(rows = nrow(after), dropped = complete$dropped,
       weight = if (is.null(w)) nrow(after) else sum(w),
       positive = if (is.null(w)) nrow(after) else sum(w > 0),
       columns = columns, prototype = prototype)
}

# The distinct non-missing values of a factor or character column, as character.
distinct_values <- function(v) {
  values <- unique(as.character(v))
  values[!is.na(values)]
}

# Whether the response's levels come from the whole data (a factor response of binomial
# experts, a factor or character response of multinomial experts): then the first pass
# collects them and the family's reader checks each chunk against them.
response_has_levels <- function(family, y) {
  switch(family$family, binomial = is.factor(y),
         multinomial = is.factor(y) || is.character(y), FALSE)
}

# The case weights of a chunk, checked as moem() checks them, but for "all zero": a chunk may
# have no weight; the data may not (see chunk_design()).
check_chunk_weights <- function(w) {
  if (is.null(w)) return(NULL)
  if (!is.numeric(w)) abort("`weights` must be numeric, not ", describe(w), ".")
  if (any(!is.finite(w))) abort("`weights` must be finite.")
  if (any(w < 0)) abort("`weights` must be non-negative.")
  as.double(w)
}

# Two scans merged, `a` the chunks before `b` (either NULL for none).
merge_scans <- function(a, b) {
  if (is.null(a)) return(b)
  if (is.null(b)) return(a)
  columns <- a$columns
  for (name in names(b$columns)) {
    columns[[name]] <- merge_column(columns[[name]], b$columns[[name]])
  }
  list(rows = a$rows + b$rows, dropped = a$dropped + b$dropped, weight = a$weight + b$weight,
       positive = a$positive + b$positive, columns = columns, prototype = a$prototype)
}

merge_column <- function(a, b) {
  if (is.null(a)) return(b)
  kind <- if (a$kind == b$kind) a$kind else if (a$kind == "character" || b$kind == "character")
    "character" else "factor"
  list(kind = kind, levels = union(a$levels, b$levels), varies = isTRUE(a$varies) ||
         !identical(a$levels, b$levels),
       before = union(a$before, b$before), after = union(a$after, b$after))
}

# The levels of one column, from its merged scan: see the top of this file.  `what` is
# "predictor", or the family's name for the response's column.
scanned_levels <- function(column, what) {
  present <- if (what == "multinomial") column$after else column$before
  if (column$kind == "character") return(sort(column$after))
  column$levels[column$levels %in% present]
}
