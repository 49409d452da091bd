# (stub until the defects branch lands)
available_memory <- function() getOption("moem.max_memory", Inf)
check_memory <- function(bytes, what, hint, call = NULL) {
  if (bytes > available_memory()) {
    abort(what, " would need about ", format(bytes / 1e9, digits = 3), " GB of memory, more ",
          "than is available (", format(available_memory() / 1e9, digits = 3), " GB); ", hint,
          call = call)
  }
}
