# moem alone at growing n (gaussian, K = 3, d = 10, the gate on the same covariates): time per
# EM iteration beside the floor of its essential BLAS work measured in the same process (the
# products of the design with all coefficient matrices and the K weighted cross-products), and
# the peak memory of the fit beside the size of the design matrix.  Each n runs in its own R
# process (bench/scaling-one.R), for 10 iterations.  moem runs on its default 2 threads.
#
#   Rscript bench/scaling.R [output = bench/scaling.csv]
args <- commandArgs(trailingOnly = TRUE)
output <- if (length(args) >= 1L) args[[1L]] else "bench/scaling.csv"
script <- file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE))),
                    "scaling-one.R")
# Each n runs `repeats` times (once at 1e7), each in a fresh process; the table keeps the run
# with the median ratio, since a shared virtual machine's speed drifts from run to run.
repeats <- 3L
rows <- lapply(c(1e3, 1e4, 1e5, 1e6, 1e7), function(n) {
  runs <- lapply(seq_len(if (n >= 1e7) 1L else repeats), function(r) {
    line <- grep("^n=", system2("Rscript", c(script, format(n, scientific = FALSE), 10),
                                stdout = TRUE), value = TRUE)
    cat(line, "\n")
    fields <- strsplit(strsplit(line, " ")[[1L]], "=")
    as.data.frame(setNames(lapply(fields, function(f) as.numeric(f[2L])),
                           vapply(fields, `[`, "", 1L)))
  })
  runs <- do.call(rbind, runs)
  runs$runs <- nrow(runs)
  runs$ratio_min <- min(runs$ratio)
  runs$ratio_max <- max(runs$ratio)
  runs[order(runs$ratio)[ceiling(nrow(runs) / 2)], ]
})
utils::write.csv(do.call(rbind, rows), output, row.names = FALSE)
