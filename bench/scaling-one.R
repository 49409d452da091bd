# One point of the scaling run (bench/scaling.R): a gaussian mixture of K = 3 experts with d = 10
# covariates and the gate on the same, n observations, fitted by moem() through its formula
# interface for `iterations` EM iterations; prints one line of key=value figures.
#
#   Rscript bench/scaling-one.R n iterations
args <- commandArgs(trailingOnly = TRUE)
n <- as.numeric(args[[1L]])
iterations <- as.integer(args[[2L]])
library(moem)
status <- function(field) {
  line <- grep(paste0("^", field, ":"), readLines("/proc/self/status"), value = TRUE)
  as.numeric(gsub("[^0-9]", "", line)) * 1024
}
d <- 10L
K <- 3L
set.seed(1)
experts <- matrix(rnorm((d + 1) * K, sd = 2), d + 1)
gating <- cbind(0, matrix(rnorm((d + 1) * (K - 1)), d + 1))
x <- matrix(rnorm(n * d), n, d)
eta <- cbind(1, x) %*% experts
gate <- exp(cbind(1, x) %*% gating)
gate <- gate / rowSums(gate)
u <- runif(n)
component <- 1L + (u > gate[, 1L]) + (u > gate[, 1L] + gate[, 2L])
y <- eta[cbind(seq_len(n), component)] + rnorm(n)
data <- data.frame(y = y, x)
rm(x, eta, gate, u, component, y)
invisible(gc())
before <- status("VmRSS")
cat("5", file = "/proc/self/clear_refs")  # the peak counts from here (Linux 4.0 and later)
fit <- moem(y ~ ., data = data, K = K, control = moem_control(maxit = iterations, tol = 0))
peak <- status("VmHWM")
per_iteration <- median(diff(fit$trace$seconds))

# the floor, in the same process: the products of the design with all coefficient matrices
# and the K weighted cross-products, as R's BLAS does them
design <- model.matrix(y ~ ., data)
beta <- coef(fit, "experts")
gates <- coef(fit, "gating")[, -1L]
w <- fit$posterior
scaled <- lapply(seq_len(K), function(k) design * sqrt(w[, k]))
repeats <- max(1, round(1e6 / n))  # at small n, many repeats per timing for a clock in ms
floor <- median(vapply(1:5, function(r) {
  system.time(for (i in seq_len(repeats)) {
    design %*% beta
    design %*% gates
    for (k in seq_len(K)) crossprod(scaled[[k]])
  })[["elapsed"]] / repeats
}, 0))
cat(sprintf("n=%.0f per_iteration=%.6f floor=%.6f ratio=%.2f peak_bytes=%.0f rss_before=%.0f design_bytes=%.0f\n",
            n, per_iteration, floor, per_iteration / floor, peak, before, n * (d + 1) * 8))
