# Time of one EM iteration of the Fashion-MNIST model (60000 x 785 design, K = 2 experts over
# C = 10 classes, the gate on the same design) beside the floor of its essential BLAS work
# measured in the same run: the product of the design with all the experts' and the gate's
# coefficients (785 x 19), timed as R's own %*% on R's BLAS.
#
#   Rscript bench/fashion-mnist-iteration.R [n_train] [inner]
#
# The EM settings are the experiment's (inst/scripts/fashion-mnist.R): ridge penalty 30, the
# bound solver with `inner` steps per block (default 5).

args <- commandArgs(trailingOnly = TRUE)
n_train <- as.integer(if (length(args) >= 1L) args[[1L]] else 0L)
inner <- as.integer(if (length(args) >= 2L) args[[2L]] else 5L)
library(moem)
data <- fashion_mnist_invert(seed = 1L, n_train = if (n_train > 0L) n_train, n_test = 1L)
x <- cbind("(Intercept)" = 1, data$train$x)
n <- nrow(x)
set.seed(1L)
start <- matrix(0, n, 2L)
start[cbind(seq_len(n), sample(rep_len(1:2, n)))] <- 1
iterations <- 4L
total <- system.time(
  fit <- moem_fit(x, data$train$y, K = 2, family = multinomial(), init = start,
                  control = moem_control(maxit = iterations, tol = 0, penalty = 30,
                                         solver = "bound", inner_maxit = inner,
                                         inner_slack = 0))
)[["elapsed"]]
per_iteration <- diff(fit$trace$seconds)
x_used <- x[, !fit$aliased$experts]
coefs <- matrix(rnorm(ncol(x_used) * 19), ncol(x_used))
floor <- median(vapply(1:5, function(i) system.time(x_used %*% coefs)[["elapsed"]], 0))
cat(sprintf("design %d x %d (%d columns after aliasing), K = 2, C = 10, %d bound steps per block\n",
            n, ncol(x), ncol(x_used), inner))
cat(sprintf("EM iteration: %.2f s (median of %d; each %s)\n", median(per_iteration),
            length(per_iteration), paste(sprintf("%.2f", per_iteration), collapse = ", ")))
cat(sprintf("floor, design x all coefficients (%d x 19): %.3f s\n", ncol(x_used), floor))
cat(sprintf("ratio: %.1f\n", median(per_iteration) / floor))
cat(sprintf("whole fit with setup: %.1f s; %s; BLAS %s\n", total, R.version.string,
            sessionInfo()$BLAS))
