# The Fashion-MNIST experiment's EM fit (fashion-mnist.R, instance 1) with its ridge penalty
# chosen by cross-validation, moem_control(penalty = penalty_cv()), instead of the fixed 30:
# the held-out log-likelihood of each penalty of the grid, over `folds` folds of a random
# subsample of the training images (the final fit uses all of them), then the test accuracy
# and cross-entropy of the final fit beside those of the fixed penalty's fit, from the same
# data and start.
#
#   Rscript fashion-mnist-cv.R [subsample] [folds] [grid] [n_train] [iterations] [output]
#                              [fixed]
#
# Defaults: a subsample of 6000 images, 3 folds, the grid 3,10,30,100,300, all 60000
# training images (0), 100 iterations as in the experiment, output fashion-mnist-cv.rds.
# The fixed penalty's fit is run too (unless the cross-validation chooses 30, when it is the
# same fit, or `fixed` is FALSE).  Needs the Debian package dataset-fashion-mnist.

args <- commandArgs(trailingOnly = TRUE)
arg <- function(i, default) if (length(args) >= i) args[[i]] else default
subsample <- as.integer(arg(1L, 6000L))
folds <- as.integer(arg(2L, 3L))
grid <- as.numeric(strsplit(arg(3L, "3,10,30,100,300"), ",")[[1L]])
n_train <- as.integer(arg(4L, 0L))
iterations <- as.integer(arg(5L, 100L))
output <- arg(6L, "fashion-mnist-cv.rds")
run_fixed <- as.logical(arg(7L, TRUE))
library(moem)

instance <- 1L
data <- fashion_mnist_invert(seed = instance, n_train = if (n_train > 0L) n_train)
x <- cbind("(Intercept)" = 1, data$train$x)
x_test <- cbind("(Intercept)" = 1, data$test$x)
n <- nrow(x)
# the experiment's start (fashion-mnist.R)
set.seed(1000L + instance)
start <- matrix(0, n, 2L)
start[cbind(seq_len(n), sample(rep_len(1:2, n)))] <- 1
settings <- function(penalty) {
  moem_control(maxit = iterations, tol = 0, penalty = penalty, solver = "bound",
               inner_maxit = 5L, inner_slack = 0)
}

# Test accuracy and cross-entropy of a two-expert multinomial fit.
test_metrics <- function(fit) {
  coefs <- fit$coefficients
  v <- x_test[, !fit$aliased$experts, drop = FALSE]
  p <- ncol(v)
  M <- nlevels(data$train$y) - 1L
  theta <- coefs[!is.na(coefs)]
  beta <- matrix(theta[seq_len(2L * p * M)], p)
  gate <- plogis(v %*% theta[2L * p * M + seq_len(p)])
  expert <- function(k) {
    eta <- cbind(0, v %*% beta[, (k - 1L) * M + seq_len(M)])
    eta <- exp(eta - apply(eta, 1L, max))
    eta / rowSums(eta)
  }
  prob <- (1 - c(gate)) * expert(1L) + c(gate) * expert(2L)
  y <- as.integer(data$test$y)
  c(accuracy = mean(max.col(prob, ties.method = "first") == y),
    cross_entropy = -mean(log(pmax(prob[cbind(seq_along(y), y)], 1e-300))))
}

set.seed(2024L)
seconds_cv <- system.time(
  fit <- moem_fit(x, data$train$y, K = 2, family = multinomial(), init = start,
                  control = settings(penalty_cv(grid, folds = folds, subsample = subsample)))
)[["elapsed"]]
cv <- fit$penalty_cv
cat(sprintf("Cross-validation on %d of %d training images, %d folds, %.0f s in all:\n",
            subsample, n, folds, seconds_cv))
print(cv$curve, row.names = FALSE)
cv_metrics <- test_metrics(fit)
cat(sprintf("chosen penalty %g: test accuracy %.4f, cross-entropy %.4f\n", cv$chosen,
            cv_metrics[["accuracy"]], cv_metrics[["cross_entropy"]]))

fixed_metrics <- if (cv$chosen == 30) cv_metrics else c(accuracy = NA, cross_entropy = NA)
seconds_fixed <- NA_real_
if (cv$chosen != 30 && run_fixed) {
  seconds_fixed <- system.time(
    fixed <- moem_fit(x, data$train$y, K = 2, family = multinomial(), init = start,
                      control = settings(30))
  )[["elapsed"]]
  fixed_metrics <- test_metrics(fixed)
}
cat(sprintf("fixed penalty 30: test accuracy %.4f, cross-entropy %.4f\n",
            fixed_metrics[["accuracy"]], fixed_metrics[["cross_entropy"]]))
saveRDS(list(curve = cv$curve, fold_loglik = cv$fold_loglik, chosen = cv$chosen,
             cv = cv_metrics, fixed = fixed_metrics, seconds_cv = seconds_cv,
             seconds_fixed = seconds_fixed,
             settings = list(instance = instance, n_train = n, subsample = subsample,
                             folds = folds, grid = grid, iterations = iterations),
             r_version = R.version.string, blas = sessionInfo()$BLAS,
             machine = paste(Sys.info()[c("sysname", "release", "machine")], collapse = " ")),
        output)
