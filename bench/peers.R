# moem beside flexmix and mixtools on the same data, model and start (bench/peers-one.R runs
# each fit in its own R process, so that its peak memory is its own).  Each package's own
# convergence rule: moem's default (relative change of the log-likelihood below 1e-8), flexmix's
# default (1e-6) with iter.max raised to 1000, mixtools' hmeEM default (1e-8, absolute).  A
# package is not run at larger n once a fit has taken more than `limit` seconds.
#
#   Rscript bench/peers.R [limit = 60] [output = bench/peers.csv] [packages = moem,flexmix,mixtools]
#
# With some of the packages (say `moem` alone, after a change to moem), only their rows are run
# again; the other packages' rows are kept from the existing output file.
args <- commandArgs(trailingOnly = TRUE)
limit <- if (length(args) >= 1L) as.numeric(args[[1L]]) else 60
output <- if (length(args) >= 2L) args[[2L]] else "bench/peers.csv"
chosen <- if (length(args) >= 3L) strsplit(args[[3L]], ",")[[1L]] else
  c("moem", "flexmix", "mixtools")
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE)))
script <- file.path(here, "peers-one.R")
source(file.path(here, "run-case.R"))

cases <- rbind(
  expand.grid(n = c(1e3, 1e4, 1e5), d = c(2L, 10L), K = c(2L, 3L, 5L),
              family = c("gaussian", "binomial"), gate = "all", stringsAsFactors = FALSE),
  expand.grid(n = c(1e3, 1e4, 1e5), d = 1L, K = 2L, family = "gaussian", gate = "x1",
              stringsAsFactors = FALSE)
)
rows <- list()
too_slow <- character(0)
for (i in seq_len(nrow(cases))) {
  cs <- cases[i, ]
  packages <- intersect(c("moem", "flexmix", if (cs$gate == "x1") "mixtools"), chosen)
  for (package in packages) {
    key <- paste(package, cs$family, cs$K, cs$d, cs$gate)
    if (key %in% too_slow) next
    r <- run_case(script, package, cs$family, cs$K, cs$d, cs$n, cs$gate)
    rows[[length(rows) + 1L]] <- r
    cat(sprintf("%-8s %-8s K=%d d=%2d n=%-6g %6.2f s %4s its loglik %.8g\n", package, cs$family,
                cs$K, cs$d, cs$n, r$seconds, r$iter, r$loglik))
    if (is.na(r$seconds) || r$seconds > limit) too_slow <- c(too_slow, key)
  }
}
results <- do.call(rbind, rows)
if (file.exists(output)) {
  kept <- utils::read.csv(output, stringsAsFactors = FALSE)
  results <- rbind(kept[!kept$package %in% chosen, names(results)], results)
  key <- with(results, order(match(family, c("gaussian", "binomial")), gate != "all", K, d, n,
                             match(package, c("moem", "flexmix", "mixtools"))))
  results <- results[key, ]
}
utils::write.csv(results, output, row.names = FALSE)
