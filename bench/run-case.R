# run_case(): one fit of bench/peers-one.R in its own R process (so that its peak memory is its
# own), parsed into a one-row data.frame; NA figures when it failed or took over 10 minutes.
# With `reach` (a log-likelihood), the row also has moem's reach_seconds and reach_iter; `tol`
# replaces moem's convergence tolerance.  Sourced by bench/peers.R and bench/target.R.
run_case <- function(script, package, family, K, d, n, gate, seed = 1L, reach = NULL,
                     tol = NULL) {
  extra <- c(if (!is.null(reach) || !is.null(tol)) format(if (is.null(reach)) NA else reach,
                                                          digits = 17),
             if (!is.null(tol)) format(tol, digits = 17))
  out <- suppressWarnings(system2("timeout", c("600", "Rscript", script, package, family, K, d,
                                               format(n, scientific = FALSE), gate, seed, extra),
                                  stdout = TRUE, stderr = FALSE))
  line <- grep("^package=", out, value = TRUE)
  row <- data.frame(package = package, family = family, K = K, d = d, n = n, gate = gate,
                    seed = seed, seconds = NA, iter = NA, loglik = NA, peak_mb = NA)
  if (!length(line)) return(row)
  fields <- strsplit(strsplit(line, " ")[[1L]], "=")
  values <- setNames(vapply(fields, `[`, "", 2L), vapply(fields, `[`, "", 1L))
  row$seconds <- as.numeric(values[["seconds"]])
  row$iter <- as.integer(values[["iter"]])
  row$loglik <- as.numeric(values[["loglik"]])
  row$peak_mb <- as.numeric(values[["peak_mb"]])
  if (!is.null(reach)) { # NA when moem stopped short of `reach`
    row$reach_seconds <- if (identical(values[["reach_seconds"]], "NA")) NA else
      as.numeric(values[["reach_seconds"]])
    row$reach_iter <- if (identical(values[["reach_iter"]], "NA")) NA else
      as.integer(values[["reach_iter"]])
  }
  row
}
