# Reproduces Table 2 and Figure 3 of Fruytier, Mokhtari and Sanghavi (2025): a mixture of two
# multinomial logistic experts with a softmax gate on Random-Invert Fashion-MNIST, trained by
# EM, gradient EM and gradient descent from the same random start, 100 iterations; test
# accuracy and cross-entropy per iteration, mean and sd over instances.
#
#   Rscript fashion-mnist.R [instances] [n_train] [iterations] [output prefix] [penalty]
#                           [inner] [gradient EM step multiplier]
#
# Defaults: 3 instances, 10000 training images (0 = all 60000), 100 iterations, output
# "fashion-mnist" (writes <prefix>-runs.csv, <prefix>-summary.csv, <prefix>.png and
# <prefix>.rds, the summary and the run's settings, time and machine; resumes from an existing
# <prefix>-runs.csv), ridge
# penalty 30, 5 inner steps of the M-step and gradient EM's steps multiplied by 16 (see below).  Instance i uses seed i for the
# random inversions, the training subsample and the start.  The test set is always all 10000
# test images.  Needs the Debian package dataset-fashion-mnist.
#
# The model: K = 2 experts, each a 10-class multinomial logistic regression on the 784 pixels
# and an intercept; the gate a logistic regression on the same.  Every method climbs the same
# objective, the log-posterior with a ridge penalty on all coefficients but the intercepts (an
# unpenalised fit overfits: each expert has about 7000 coefficients).  Steps:
#   EM           M-steps by Boehning's bound (solver "bound"), `inner` steps per block
#                (inner_slack = 0: the steps stop at `inner` or at inner_tol, nothing else);
#   gradient EM  one step per block of size 1 / (curvature bound of Q for the block);
#   GD           Armijo backtracking on the average negative log-posterior.
# Nothing is tuned on the test set.  fashion-mnist-penalty.R chose, on a validation fifth of
# instance 1's 10000 training images: the penalty 30 (validation accuracy of EM after 30
# iterations: 79.1%, 79.9%, 78.0%, 76.0%, 72.0% for 10, 30, 100, 300, 1000), and gradient EM's
# step multiplier 16 (after 100 iterations: 42.0%, 58.1%, 64.1%, 69.2%, 60.5%, 17.3%, 10.1% for
# 1, 4, 8, 16, 32, 64, 256; 1 is the step that guarantees ascent).  Gradient descent's step
# is found by backtracking at every iteration, with nothing to tune.

args <- commandArgs(trailingOnly = TRUE)
arg <- function(i, default) if (length(args) >= i) args[[i]] else default
instances <- as.integer(arg(1L, 3L))
n_train <- as.integer(arg(2L, 10000L))
iterations <- as.integer(arg(3L, 100L))
prefix <- arg(4L, "fashion-mnist")
penalty <- as.numeric(arg(5L, 30))
inner <- as.integer(arg(6L, 5L))
gem_step <- as.numeric(arg(7L, 16))
library(moem)

# Test accuracy and cross-entropy of the mixture at each row of a fit's parameter path.
test_metrics <- function(fit, x_test, y_test, classes) {
  x <- x_test[, !fit$aliased$experts, drop = FALSE]
  p <- ncol(x)
  M <- classes - 1L
  y <- as.integer(y_test)
  t(apply(fit$path, 1L, function(theta) {
    beta <- matrix(theta[seq_len(2L * p * M)], p)
    gate <- plogis(x %*% theta[2L * p * M + seq_len(p)])
    expert <- function(k) {
      eta <- cbind(0, x %*% beta[, (k - 1L) * M + seq_len(M)])
      eta <- exp(eta - apply(eta, 1L, max))
      eta / rowSums(eta)
    }
    prob <- (1 - c(gate)) * expert(1L) + c(gate) * expert(2L)
    c(accuracy = mean(max.col(prob, ties.method = "first") == y),
      cross_entropy = -mean(log(pmax(prob[cbind(seq_along(y), y)], 1e-300))))
  }))
}

run_instance <- function(i) {
  data <- fashion_mnist_invert(seed = i, n_train = if (n_train > 0L) n_train)
  x <- cbind("(Intercept)" = 1, data$train$x)
  x_test <- cbind("(Intercept)" = 1, data$test$x)
  n <- nrow(x)
  set.seed(1000L + i)
  start <- matrix(0, n, 2L)
  start[cbind(seq_len(n), sample(rep_len(1:2, n)))] <- 1
  do.call(rbind, lapply(c("em", "gradient_em", "gd"), function(method) {
    elapsed <- system.time(
      fit <- moem_fit(x, data$train$y, K = 2, family = multinomial(), init = start,
                      method = method,
                      control = moem_control(maxit = iterations, tol = 0, penalty = penalty,
                                             solver = "bound", inner_maxit = inner,
                                             inner_slack = 0,
                                             step = if (method == "gradient_em") gem_step,
                                             path = TRUE))
    )[["elapsed"]]
    metrics <- test_metrics(fit, x_test, data$test$y, nlevels(data$train$y))
    cat(sprintf("instance %d %-11s %6.1f s  test accuracy %.4f  cross-entropy %.4f\n", i, method,
                elapsed, metrics[nrow(metrics), 1L], metrics[nrow(metrics), 2L]))
    data.frame(instance = i, method = method, iter = fit$trace$iter,
               objective = fit$trace$objective, seconds = fit$trace$seconds,
               accuracy = metrics[, 1L], cross_entropy = metrics[, 2L], fit_seconds = elapsed)
  }))
}

# The runs are written after every instance; a run stopped part way resumes after the last
# instance it completed (the same command again), and one with all instances done only
# summarises them.  The time recorded is that of the fits, summed over instances and methods.
runs_file <- paste0(prefix, "-runs.csv")
runs <- if (file.exists(runs_file)) utils::read.csv(runs_file) else NULL
for (i in setdiff(seq_len(instances), runs$instance)) {
  runs <- rbind(runs, run_instance(i))
  utils::write.csv(runs, runs_file, row.names = FALSE)
}
runs <- runs[runs$instance <= instances, ]
total <- sum(runs$fit_seconds[runs$iter == 0L])

keys <- unique(runs[c("method", "iter")])
summary <- do.call(rbind, lapply(seq_len(nrow(keys)), function(j) {
  r <- runs[runs$method == keys$method[j] & runs$iter == keys$iter[j], ]
  data.frame(keys[j, ], accuracy_mean = mean(r$accuracy), accuracy_sd = stats::sd(r$accuracy),
             cross_entropy_mean = mean(r$cross_entropy),
             cross_entropy_sd = stats::sd(r$cross_entropy), seconds_mean = mean(r$seconds))
}))
utils::write.csv(summary, paste0(prefix, "-summary.csv"), row.names = FALSE)
saveRDS(list(summary = summary, final = runs[runs$iter == iterations, ],
             settings = list(instances = instances, n_train = if (n_train > 0L) n_train else 60000L,
                             iterations = iterations, penalty = penalty, inner = inner,
                             gradient_em_step = gem_step),
             seconds = total, r_version = R.version.string,
             machine = paste(Sys.info()[c("sysname", "release", "machine")], collapse = " "),
             cpus = parallel::detectCores(), blas = sessionInfo()$BLAS),
        paste0(prefix, ".rds"), compress = "xz")

colours <- c(em = "#1b9e77", gradient_em = "#d95f02", gd = "#7570b3")
grDevices::png(paste0(prefix, ".png"), width = 1000, height = 450)
graphics::par(mfrow = c(1L, 2L))
for (what in c("accuracy", "cross_entropy")) {
  mean_col <- summary[[paste0(what, "_mean")]]
  sd_col <- summary[[paste0(what, "_sd")]]
  sd_col[is.na(sd_col)] <- 0
  plot(range(summary$iter), range(mean_col - sd_col, mean_col + sd_col), type = "n",
       xlab = "iteration", ylab = paste("test", sub("_", "-", what)),
       main = sprintf("Random-Invert Fashion-MNIST: %d instance(s), %s training images",
                      instances, if (n_train > 0L) n_train else "60000"))
  for (m in names(colours)) {
    k <- summary$method == m
    graphics::polygon(c(summary$iter[k], rev(summary$iter[k])),
                      c((mean_col - sd_col)[k], rev((mean_col + sd_col)[k])),
                      col = grDevices::adjustcolor(colours[[m]], 0.25), border = NA)
    graphics::lines(summary$iter[k], mean_col[k], col = colours[[m]], lwd = 2)
  }
  graphics::legend(if (what == "accuracy") "bottomright" else "topright", names(colours),
                   col = colours, lwd = 2, bty = "n")
}
grDevices::dev.off()

last <- summary[summary$iter == iterations, ]
cat("\nAfter", iterations, "iterations, mean (sd) over", instances, "instance(s):\n")
print(data.frame(method = last$method,
                 accuracy = sprintf("%.1f%% (%.1f)", 100 * last$accuracy_mean,
                                    100 * last$accuracy_sd),
                 cross_entropy = sprintf("%.3f (%.3f)", last$cross_entropy_mean,
                                         last$cross_entropy_sd),
                 paper_accuracy = c(em = "78.5%", gradient_em = "66.0%", gd = "62.4%")[last$method],
                 paper_cross_entropy = c(em = "0.827", gradient_em = "1.29", gd = "1.30")[last$method]),
      row.names = FALSE)
cat(sprintf("\n%.0f seconds of fitting in all; %s; %s; BLAS %s\n", total, R.version.string,
            paste(Sys.info()[c("sysname", "release", "machine")], collapse = " "),
            sessionInfo()$BLAS))
