# Errors and warnings that name the user's function and the argument at fault.

abort <- function(..., call = NULL) {
  stop(simpleError(paste0(...), call))
}

warn <- function(..., call = NULL) {
  warning(simpleWarning(paste0(...), call))
}

is_whole <- function(x, lower = -Inf) {
  is.numeric(x) && length(x) == 1L && !is.na(x) && is.finite(x) && x == round(x) && x >= lower
}

# Elementwise: finite whole numbers.
is_whole_vector <- function(x) is.finite(x) & x == round(x)

# Elementwise: whole to 1e-7 of max(1, scale), as counts computed in floating point are.
near_whole <- function(x, scale = abs(x)) abs(x - round(x)) <= 1e-7 * pmax(1, scale)

is_number <- function(x, lower = -Inf, strict = FALSE) {
  is.numeric(x) && length(x) == 1L && !is.na(x) && is.finite(x) &&
    (if (strict) x > lower else x >= lower)
}

# "1.5", "\"a\"", "a numeric vector of length 3": how a bad value is shown in a message.
describe <- function(x) {
  if (is.null(x)) return("NULL")
  if (is.atomic(x) && length(x) == 1L) {
    return(if (is.character(x)) dQuote(x, FALSE) else format(x))
  }
  kind <- class(x)[1L]
  paste0(if (grepl("^[aeiou]", kind)) "an " else "a ", kind, " of length ", length(x))
}

# An error for arguments in `...` that a method does not use (rather than ignoring them).
check_dots <- function(..., call = NULL) {
  if (...length() > 0L) {
    names <- names(list(...))
    shown <- if (is.null(names)) rep("", ...length()) else names
    shown[shown == ""] <- "<unnamed>"
    abort("Unused argument(s): ", paste(shown, collapse = ", "), ".", call = call)
  }
}

# The element(s) of `choices` that `x` names (partial matching, as match.arg()), or an error
# that names the argument `arg`.  One element unless `several`; `choices` itself (a default
# left as it is) means the first, or all when `several`.
match_choice <- function(x, choices, arg, call, several = FALSE) {
  if (identical(x, choices)) return(if (several) choices else choices[[1L]])
  index <- if (is.character(x) && length(x) >= 1L && (several || length(x) == 1L)) {
    pmatch(x, choices, duplicates.ok = TRUE)
  }
  if (is.null(index) || anyNA(index)) {
    abort("`", arg, "` must be ", if (several) "one or more of " else "one of ",
          paste0("\"", choices, "\"", collapse = ", "), ", not ", describe(x), ".",
          call = call)
  }
  unique(choices[index])
}
