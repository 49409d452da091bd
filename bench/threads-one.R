# One point of the threads benchmark (bench/threads.R): `fits` fits of gaussian experts,
# d = 5 covariates (the gate on the same), K = 3, n observations drawn by rmoe(), from a fixed
# start, with moem_control(threads = ) `threads` or, for "default", moem_control()'s default;
# prints one line of key=value figures (seconds: the mean elapsed time of a fit, min and max the
# fastest and slowest fit).
#
#   Rscript bench/threads-one.R n threads fits
args <- commandArgs(trailingOnly = TRUE)
n <- as.numeric(args[[1L]])
threads <- args[[2L]]
fits <- as.integer(args[[3L]])
library(moem)
d <- 5L
K <- 3L
set.seed(1)
experts <- matrix(rnorm((d + 1) * K, sd = 2), d + 1)
gating <- cbind(0, matrix(rnorm((d + 1) * (K - 1)), d + 1))
data <- rmoe(n, experts = experts, gating = gating, intercept = TRUE)
# the fixed start: the true experts moved by noise, a flat gate, unit sigmas
init <- list(experts = experts + rnorm(length(experts), sd = 0.5), sigma = rep(1, K))
control <- if (threads == "default") moem_control(maxit = 100) else
  moem_control(maxit = 100, threads = as.integer(threads))
fit_once <- function() moem(y ~ ., data = data, K = K, init = init, control = control)
fit <- fit_once() # loads moem's R code and stats' (not timed)
seconds <- vapply(seq_len(fits), function(i) system.time(fit_once())[["elapsed"]], 0)
cat(sprintf(paste("n=%.0f threads=%s asked=%d fits=%d seconds=%.6f min=%.6f max=%.6f iter=%d",
                  "loglik=%.10f\n"),
            n, threads, control$threads, fits, mean(seconds), min(seconds), max(seconds),
            fit$iter, fit$loglik))
