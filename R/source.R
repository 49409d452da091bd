# Sources of data read a chunk at a time (issue 17): the fit reads each chunk once per pass,
# so that its memory is bounded by the chunk size, not by the number of rows.
#
# A source is a list of three functions:
#   reset()   rewinds to the first chunk (the start of every pass);
#   read()    the next chunk as a data frame, or NULL after the last one;
#   close()   frees what the source holds open (a database result); the caller calls it in
#             on.exit(), and a closed source may be reset and read again.
# and `kind` ("function", "data frame" or "database"), for messages.  A cluster's parts are
# not a source of this kind: see cluster_source() (source-cluster.R), whose chunks are read on
# the workers.

# The source of `data`: a chunk function in biglm's convention (`data(reset = TRUE)` rewinds,
# `data(reset = FALSE)` returns the next chunk or NULL), a DBI connection with `table` (a
# table's name or a SELECT statement), or a data frame split into chunks of `chunk_size` rows;
# with `cluster`, the cluster source of the list of parts `data` (one per worker).
data_source <- function(data, table = NULL, cluster = NULL, chunk_size, call = NULL) {
  if (!is_whole(chunk_size, 1)) {
    abort("`chunk_size` must be a whole number >= 1, not ", describe(chunk_size), ".",
          call = call)
  }
  if (!is.null(cluster)) {
    if (!is.null(table)) {
      abort("`table` is for a DBI connection, not for the parts of a cluster; give each ",
            "worker a chunk function that reads its part of the table.", call = call)
    }
    return(cluster_source(data, cluster, chunk_size, call))
  }
  if (inherits(data, "DBIConnection")) return(dbi_source(data, table, chunk_size, call))
  if (!is.null(table)) {
    abort("`table` is for a DBI connection as `data`, not for ", describe(data), ".",
          call = call)
  }
  if (is.function(data)) return(function_source(data, call))
  if (is.data.frame(data)) return(frame_source(data, chunk_size))
  abort("`data` must be a data frame, a chunk function (function(reset) in biglm's ",
        "convention), a DBI connection with `table`, or with `cluster` a list of parts, not ",
        describe(data), ".", call = call)
}

# A chunk function as a source.  Its errors become errors that say the chunk function failed,
# with its message; what it returns must be a data frame or NULL.
function_source <- function(chunks, call = NULL) {
  if (!"reset" %in% names(formals(chunks))) {
    abort("A chunk function as `data` must have an argument `reset`, as in biglm: ",
          "data(reset = TRUE) rewinds, data(reset = FALSE) returns the next chunk ",
          "(a data frame) or NULL after the last.", call = call)
  }
  run <- function(reset) {
    tryCatch(chunks(reset = reset), error = function(e) {
      abort("The chunk function `data` failed", if (reset) " to rewind", ": ",
            conditionMessage(e), call = call)
    })
  }
  list(
    kind = "function",
    reset = function() {
      run(TRUE)
      invisible(NULL)
    },
    read = function() {
      chunk <- run(FALSE)
      if (!is.null(chunk) && !is.data.frame(chunk)) {
        abort("The chunk function `data` must return a data frame or NULL (after the last ",
              "chunk), not ", describe(chunk), ".", call = call)
      }
      chunk
    },
    close = function() invisible(NULL)
  )
}

# A data frame as a source of chunks of `chunk_size` rows (the last one shorter): the code
# path of a chunk function, for data already in memory.
frame_source <- function(data, chunk_size) {
  n <- nrow(data)
  next_row <- 1
  list(
    kind = "data frame",
    reset = function() {
      next_row <<- 1
      invisible(NULL)
    },
    read = function() {
      if (next_row > n) return(NULL)
      rows <- seq(next_row, min(n, next_row + chunk_size - 1))
      next_row <<- next_row + chunk_size
      data[rows, , drop = FALSE]
    },
    close = function() invisible(NULL)
  )
}

# One pass over a source: reset, then fun(state, chunk, index) for every chunk in order, the
# state carried from one chunk to the next (a reduction, as every pass of the fit is).
fold_chunks <- function(source, state, fun) {
  source$reset()
  index <- 0L
  while (!is.null(chunk <- source$read())) {
    index <- index + 1L
    state <- fun(state, chunk, index)
  }
  state
}
