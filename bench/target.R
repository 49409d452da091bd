# The speed target of issue 5: moem beside flexmix on gaussian experts, n = 2e4, d = 5, K = 3,
# the gate on all covariates, from the same starting responsibilities, for several data sets
# (seeds); each fit in its own R process (bench/peers-one.R).  Prints each pair and the
# speed-up, and writes them to a CSV file.
#
#   Rscript bench/target.R [seeds = 5] [output = bench/target.csv]
args <- commandArgs(trailingOnly = TRUE)
seeds <- seq_len(if (length(args) >= 1L) as.integer(args[[1L]]) else 5L)
output <- if (length(args) >= 2L) args[[2L]] else "bench/target.csv"
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE)))
script <- file.path(here, "peers-one.R")
source(file.path(here, "run-case.R"))

rows <- lapply(seeds, function(seed) {
  pair <- rbind(run_case(script, "moem", "gaussian", 3L, 5L, 2e4, "all", seed),
                run_case(script, "flexmix", "gaussian", 3L, 5L, 2e4, "all", seed))
  cat(sprintf("seed %d: moem %.3f s (%d its, loglik %.6f), flexmix %.3f s (%d its, loglik %.6f): %.0fx\n",
              seed, pair$seconds[1], pair$iter[1], pair$loglik[1], pair$seconds[2], pair$iter[2],
              pair$loglik[2], pair$seconds[2] / pair$seconds[1]))
  pair
})
utils::write.csv(do.call(rbind, rows), output, row.names = FALSE)
