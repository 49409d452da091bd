# Poisson and Gamma mixtures of experts for the speed of Newton's M-steps (glm_newton.c):
# n = 2e4, d = 5, K = 3, the gate on its own covariate, from one random assignment.  Prints the
# seconds, iterations and log-likelihood of each fit, for the moem installed in <library>.
#
#   Rscript bench/newton-families.R <library>
args <- commandArgs(trailingOnly = TRUE)
library(moem, lib.loc = args[1])
set.seed(1); n <- 2e4
x <- matrix(rnorm(n * 5), n); z <- rnorm(n)
comp <- 1 + (runif(n) < plogis(z)) + (runif(n) < 0.3)
eta <- ifelse(comp == 1, 0.5 + x[, 1], ifelse(comp == 2, 1.5 - x[, 2], 1 + 0.5 * x[, 3]))
d <- data.frame(y = rpois(n, exp(eta)), x, z, a = rgamma(n, 3, 3 / exp(eta)))
start <- sample(rep_len(1:3, n))
post <- outer(start, 1:3, "==") * 1
t1 <- system.time(f1 <- moem(y ~ X1 + X2 + X3 + X4 + X5, gating = ~ z, data = d, K = 3, family = poisson(), init = post))[["elapsed"]]
t2 <- system.time(f2 <- moem(a ~ X1 + X2 + X3 + X4 + X5, gating = ~ z, data = d, K = 3, family = "Gamma", init = post))[["elapsed"]]
cat(sprintf("poisson %.3f %d %.6f gamma %.3f %d %.6f\n", t1, f1$iter, f1$loglik, t2, f2$iter, f2$loglik))
