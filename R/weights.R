# What na.action leaves of the data: some rows, and weights that are not all zero.  Checked on
# the model frames before (`full`) and after (`kept`) na.action, so that the message says why:
# fit_matrices() sees only what is left, and would blame `weights` or `K`.  Returns `kept`.
check_rows_left <- function(full, kept, call) {
  if (is.null(attr(kept, "na.action"))) return(kept)
  missing_in <- function(rows) {
    has_na <- vapply(full, function(col) {
      anyNA(if (length(dim(col)) == 2L) col[rows, , drop = FALSE] else col[rows])
    }, NA)
    vars <- sub("^\\(weights\\)$", "weights", names(full)[has_na])
    paste0("`", vars, "`", collapse = ", ")
  }
  if (nrow(kept) == 0L) {
    abort("No observations are left after `na.action`: every row has a missing value (in ",
          missing_in(seq_len(nrow(full))), ").", call = call)
  }
  w <- model.weights(kept)
  before <- model.weights(full)
  if (!is.numeric(w) || anyNA(w) || any(w != 0) || !any(before > 0, na.rm = TRUE)) {
    return(kept)
  }
  positive <- which(before > 0)
  abort("The `weights` left after `na.action` are all zero: ",
        if (length(positive) == 1L) "the observation" else {
          paste0("all ", length(positive), " observations")
        }, " of positive weight ", if (length(positive) == 1L) "has a missing value" else {
          "have missing values"
        }, " (in ", missing_in(positive), ").", call = call)
}
