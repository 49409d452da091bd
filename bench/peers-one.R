# One fit for bench/peers.R: package, family, K, d, n, gate ("all" covariates or "x1"), seed.
# Prints key=value figures: seconds to convergence, iterations, log-likelihood, peak memory.
# For moem, an optional log-likelihood `reach` (another package's final one; NA for none) adds
# the seconds and iterations moem took to reach it: the fit's seconds less those its iterations
# ran after (from the fit's trace); an optional `tol` replaces moem's convergence tolerance
# (moem_control(tol = )), for instance by flexmix's.
#
#   Rscript bench/peers-one.R moem|flexmix|mixtools gaussian|binomial K d n all|x1 seed [reach] [tol]
args <- commandArgs(trailingOnly = TRUE)
package <- args[[1L]]
family <- args[[2L]]
K <- as.integer(args[[3L]])
d <- as.integer(args[[4L]])
n <- as.numeric(args[[5L]])
gate_on <- args[[6L]]
seed <- as.integer(args[[7L]])
reach <- if (length(args) >= 8L && args[[8L]] != "NA") as.numeric(args[[8L]]) else NA
suppressPackageStartupMessages({
  library(moem)
  if (package == "flexmix") library(flexmix)
  if (package == "mixtools") library(mixtools)
})
tol <- if (length(args) >= 9L) as.numeric(args[[9L]]) else moem_control()$tol
status <- function(field) {
  line <- grep(paste0("^", field, ":"), readLines("/proc/self/status"), value = TRUE)
  as.numeric(gsub("[^0-9]", "", line)) * 1024
}

set.seed(seed)
experts <- matrix(rnorm((d + 1) * K, sd = if (family == "gaussian") 2 else 1.5), d + 1)
gating <- matrix(0, d + 1, K)
gate_rows <- if (gate_on == "all") seq_len(d + 1) else 1:2
gating[gate_rows, -1] <- rnorm(length(gate_rows) * (K - 1), sd = 1.5)
data <- rmoe(n, experts = experts, gating = gating, family = family, intercept = TRUE)
covariates <- paste0("x", seq_len(d))
formula <- reformulate(covariates, "y")
gate_formula <- if (gate_on == "all") reformulate(covariates) else ~ x1
start <- matrix(0, n, K)
start[cbind(seq_len(n), sample(rep_len(seq_len(K), n)))] <- 1
invisible(gc())
# OpenBLAS's worker threads spin for about 0.1 s after a product it ran on them (rmoe()'s, just
# above) and would take a core from whichever package runs next: let them settle first
Sys.sleep(0.3)
before <- status("VmRSS")
cat("5", file = "/proc/self/clear_refs")  # the peak counts from here (Linux 4.0 and later)

fit <- switch(package,
  moem = {
    seconds <- system.time(f <- moem(formula, data, K = K, gating = gate_formula,
                                     family = family, init = start,
                                     control = moem_control(tol = tol)))[["elapsed"]]
    at <- which(f$trace$loglik >= reach)[1L] # NA without `reach`, or when never reached
    list(seconds = seconds, iter = f$iter, loglik = f$loglik,
         reach_seconds = seconds - (f$trace$seconds[nrow(f$trace)] - f$trace$seconds[at]),
         reach_iter = f$trace$iter[at])
  },
  flexmix = {
    model_formula <- if (family == "binomial") update(formula, cbind(y, 1 - y) ~ .) else formula
    seconds <- system.time(f <- flexmix(model_formula, data = data, k = K, cluster = start,
                                        model = FLXMRglm(family = family),
                                        concomitant = FLXPmultinom(gate_formula),
                                        control = list(minprior = 0, iter.max = 1000)))[["elapsed"]]
    list(seconds = seconds, iter = f@iter, loglik = f@logLik)
  },
  mixtools = {
    # hmeEM fits 2 experts and a gate on one covariate (its Newton step for the gate uses the
    # first covariate only), so it runs with d = 1; it takes parameters: those of the M-step
    # from the same start, as moem's iteration 0
    stopifnot(K == 2L, d == 1L)
    zero <- moem(formula, data, K = 2, gating = gate_formula, init = start,
                 control = moem_control(maxit = 0))
    seconds <- system.time(f <- hmeEM(data$y, as.matrix(data[covariates]),
                                      lambda = predict(zero, type = "gating")[, 1],
                                      beta = coef(zero, "experts"), sigma = zero$sigma,
                                      w = -coef(zero, "gating")[, 2], k = 2))[["elapsed"]]
    list(seconds = seconds, iter = length(f$all.loglik) - 1L, loglik = f$loglik)
  }
)
peak <- status("VmHWM")
cat(sprintf("package=%s family=%s K=%d d=%d n=%.0f gate=%s seconds=%.4f iter=%d loglik=%.10g peak_mb=%.1f%s\n",
            package, family, K, d, n, gate_on, fit$seconds, fit$iter, fit$loglik,
            max(0, peak - before) / 2^20,
            if (is.na(reach) || package != "moem") "" else
              sprintf(" reach_seconds=%.4f reach_iter=%d", fit$reach_seconds, fit$reach_iter)))
