# Time of vcov() (the observed information by Louis' identity, then its inverse) at 200 to
# 1600 free parameters, for the moem installed in the library `lib` (so that two versions can
# be run side by side: Rscript bench/vcov.R <lib> <label> >> bench/vcov.csv).
#
# Gaussian experts, K = 4, a gate on the experts' d covariates: 4 (d + 1) + 3 (d + 1) + 4 free
# parameters; n = 5000; the fit runs 30 EM iterations from a fixed start (the time of vcov()
# does not depend on convergence; a fit that is not at a maximum may give NA with a warning,
# which is suppressed). Each size is timed `reps` times in this process; the median is kept
# with the range.
args <- commandArgs(trailingOnly = TRUE)
lib <- if (length(args) >= 1L) args[[1L]] else .libPaths()[1L]
label <- if (length(args) >= 2L) args[[2L]] else "moem"
reps <- if (length(args) >= 3L) as.integer(args[[3L]]) else 3L
library(moem, lib.loc = lib)
n <- 5000
K <- 4
for (d in c(27L, 56L, 113L, 227L)) {
  set.seed(1)
  x <- matrix(rnorm(n * d), n, d)
  data <- data.frame(y = x[, 1] + ifelse(x[, 2] > 0, 1, -1) + rnorm(n), x)
  f <- reformulate(colnames(data)[-1L], "y")
  start <- matrix(0, n, K)
  start[cbind(seq_len(n), rep_len(seq_len(K), n))] <- 1
  fit <- suppressWarnings(moem(f, data = data, K = K, init = start,
                               control = moem_control(maxit = 30, threads = 1)))
  seconds <- replicate(reps, system.time(suppressWarnings(vcov(fit)))[["elapsed"]])
  cat(sprintf("%s,%s,%d,%d,%.3f,%.3f,%.3f\n", label, extSoftVersion()[["BLAS"]], n, fit$df,
              median(seconds), min(seconds), max(seconds)))
}
