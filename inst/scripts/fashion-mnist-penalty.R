# Chooses the settings of the Fashion-MNIST experiment (fashion-mnist.R) without looking at
# the test set: on instance 1's training subsample, 80% fits and the other 20% scores.
#   1. the ridge penalty, by EM (the experiment's settings, 30 iterations);
#   2. with that penalty, the multiplier of gradient EM's curvature steps, by gradient EM
#      (100 iterations, as in the experiment).
#
#   Rscript fashion-mnist-penalty.R [n_train] [penalties] [multipliers] (comma-separated)

args <- commandArgs(trailingOnly = TRUE)
n_train <- as.integer(if (length(args) >= 1L) args[[1L]] else 10000L)
penalties <- as.numeric(strsplit(if (length(args) >= 2L) args[[2L]] else "10,30,100,300,1000",
                                 ",")[[1L]])
library(moem)
data <- fashion_mnist_invert(seed = 1L, n_train = n_train, n_test = 1L)
x <- cbind("(Intercept)" = 1, data$train$x)
y <- data$train$y
set.seed(1L)
valid <- sample.int(nrow(x), round(0.2 * nrow(x)))
fit_x <- x[-valid, ]
n <- nrow(fit_x)
start <- matrix(0, n, 2L)
start[cbind(seq_len(n), sample(rep_len(1:2, n)))] <- 1
score <- function(fit) {
  coefs <- fit$coefficients
  keep <- !fit$aliased$experts
  v <- x[valid, keep, drop = FALSE]
  p <- ncol(v)
  M <- nlevels(y) - 1L
  beta <- matrix(coefs[!is.na(coefs)][seq_len(2L * p * M)], p)
  gate <- plogis(v %*% coefs[!is.na(coefs)][2L * p * M + seq_len(p)])
  expert <- function(k) {
    eta <- cbind(0, v %*% beta[, (k - 1L) * M + seq_len(M)])
    eta <- exp(eta - apply(eta, 1L, max))
    eta / rowSums(eta)
  }
  prob <- (1 - c(gate)) * expert(1L) + c(gate) * expert(2L)
  truth <- as.integer(y[valid])
  c(accuracy = mean(max.col(prob) == truth),
    cross_entropy = -mean(log(prob[cbind(seq_along(truth), truth)])))
}
multipliers <- as.numeric(strsplit(if (length(args) >= 3L) args[[3L]] else "1,4,16,64",
                                   ",")[[1L]])
accuracy <- numeric(0)
for (penalty in penalties) {
  fit <- moem_fit(fit_x, y[-valid], K = 2, family = multinomial(), init = start,
                  control = moem_control(maxit = 30, tol = 0, penalty = penalty,
                                         solver = "bound", inner_maxit = 5,
                                         inner_slack = 0))
  s <- score(fit)
  accuracy[[as.character(penalty)]] <- s[["accuracy"]]
  cat(sprintf("penalty %6g: validation accuracy %.4f, cross-entropy %.4f\n", penalty,
              s[["accuracy"]], s[["cross_entropy"]]))
}
chosen <- penalties[which.max(accuracy)]
for (multiplier in multipliers) {
  fit <- suppressWarnings(
    moem_fit(fit_x, y[-valid], K = 2, family = multinomial(), init = start,
             method = "gradient_em",
             control = moem_control(maxit = 100, tol = 0, penalty = chosen, step = multiplier))
  )
  s <- score(fit)
  cat(sprintf("penalty %g, gradient EM step multiplier %4g: validation accuracy %.4f, ",
              chosen, multiplier, s[["accuracy"]]),
      sprintf("cross-entropy %.4f\n", s[["cross_entropy"]]), sep = "")
}
