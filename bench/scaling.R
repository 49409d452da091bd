# moem alone at growing n (gaussian, K = 3, d = 10, the gate on the same covariates): time per
# EM iteration beside the floor of its essential BLAS work measured in the same process (the
# products of the design with all coefficient matrices and the K weighted cross-products), and
# the peak memory of the fit beside the size of the design matrix.  Each n runs in its own R
# process (bench/scaling-one.R), for 10 iterations.
#
#   Rscript bench/scaling.R [output = bench/scaling.csv]
args <- commandArgs(trailingOnly = TRUE)
output <- if (length(args) >= 1L) args[[1L]] else "bench/scaling.csv"
script <- file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE))),
                    "scaling-one.R")
rows <- lapply(c(1e3, 1e4, 1e5, 1e6, 1e7), function(n) {
  line <- grep("^n=", system2("Rscript", c(script, format(n, scientific = FALSE), 10),
                              stdout = TRUE), value = TRUE)
  cat(line, "\n")
  fields <- strsplit(strsplit(line, " ")[[1L]], "=")
  as.data.frame(setNames(lapply(fields, function(f) as.numeric(f[2L])),
                         vapply(fields, `[`, "", 1L)))
})
utils::write.csv(do.call(rbind, rows), output, row.names = FALSE)
