# A table of a database as a source of chunks (see source.R), through any DBI connection.
#
# `table` is a table's name (quoted with DBI::dbQuoteIdentifier(), so that any name works) or
# a statement that starts with SELECT or WITH, sent as it is.  Each pass sends the statement
# (DBI::dbSendQuery()) and fetches `chunk_size` rows at a time (DBI::dbFetch(n = )) until the
# result has completed; the result is cleared at the end of a pass, by reset() (which starts
# the next pass), and by close(), which the caller calls in on.exit() so that an error never
# leaves a result open.  The order of the rows is the database's: a statement with ORDER BY
# fixes it.
dbi_source <- function(con, table, chunk_size, call = NULL) {
  if (!requireNamespace("DBI", quietly = TRUE)) {
    abort("Reading `data` from a database needs the package DBI.", call = call)
  }
  if (!is.character(table) || length(table) != 1L || is.na(table) || !nzchar(table)) {
    abort("With a DBI connection as `data`, `table` must be a table's name or a SELECT ",
          "statement, not ", describe(table), ".", call = call)
  }
  statement <- if (grepl("^\\s*(SELECT|WITH)\\b", table, ignore.case = TRUE)) table else
    paste("SELECT * FROM", DBI::dbQuoteIdentifier(con, table))
  result <- NULL
  failed <- function(e) {
    clear()
    abort("Reading `table` from the database failed: ", conditionMessage(e), call = call)
  }
  clear <- function() {
    if (!is.null(result)) {
      open <- result
      result <<- NULL
      try(DBI::dbClearResult(open), silent = TRUE)
    }
    invisible(NULL)
  }
  send <- function() {
    clear()
    result <<- tryCatch(DBI::dbSendQuery(con, statement), error = failed)
  }
  list(
    kind = "database",
    reset = function() {
      send()
      invisible(NULL)
    },
    read = function() {
      if (is.null(result)) return(NULL)
      chunk <- tryCatch(if (!DBI::dbHasCompleted(result)) DBI::dbFetch(result, n = chunk_size),
                        error = failed)
      if (is.null(chunk) || nrow(chunk) == 0L) {
        clear()
        return(NULL)
      }
      chunk
    },
    close = clear
  )
}
