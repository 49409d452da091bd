# Seeded data sets shared by the tests. Each helper restores nothing global except the RNG
# state it sets with set.seed(), so every call with the same arguments returns the same data.

# A small mixed data set for the K = 1 comparisons with lm() and glm(): a numeric covariate, a
# second one, a three-level factor, integer case weights and a gaussian and a 0/1 response.
k1_data <- function(n = 80, seed = 101) {
  set.seed(seed)
  d <- data.frame(
    x = rnorm(n),
    u = runif(n, -1, 1),
    f = factor(sample(c("a", "b", "c"), n, replace = TRUE)),
    w = sample(1:3, n, replace = TRUE)
  )
  d$y <- 1 + 0.8 * d$x - 0.5 * d$u + c(0, 1, -1)[as.integer(d$f)] + 0.3 * d$x * d$u +
    rnorm(n, sd = 0.7)
  d$yb <- rbinom(n, 1, plogis(-0.2 + 1.1 * d$x - 0.7 * d$u + c(0, 0.6, -0.5)[as.integer(d$f)]))
  d
}

# A two-covariate mixture of experts drawn by rmoe(): K experts with distinct lines and a gate
# that depends on both covariates.
moe_data <- function(n = 300, K = 2, family = "gaussian", seed = 1) {
  set.seed(seed)
  experts <- switch(as.character(K),
    "1" = cbind(c(1, 1, -1)),
    "2" = cbind(c(1, 2, 0), c(-1, -1, 1)),
    "3" = cbind(c(2, 2, 0), c(-2, -1, 1), c(0, 0, -2))
  )
  if (family == "binomial") experts <- experts * 1
  gating <- switch(as.character(K),
    "1" = cbind(c(0, 0, 0)),
    "2" = cbind(0, c(0.3, 2, -1)),
    "3" = cbind(0, c(0.2, 2, 0), c(-0.2, 0, 2))
  )
  if (family == "gaussian") {
    return(rmoe(n, experts = experts, gating = gating, sigma = 0.5, intercept = TRUE))
  }
  rmoe(n, experts = experts, gating = gating, family = family, intercept = TRUE)
}

# A random n x K matrix of starting posterior probabilities (rows sum to 1).
random_posterior <- function(n, K, seed = 7) {
  set.seed(seed)
  p <- matrix(runif(n * K, 0.05, 1), n, K)
  p / rowSums(p)
}

# Matches the columns of `est` to those of `truth` (both p x K) by the permutation that
# minimises the largest absolute difference; returns `est` with its columns reordered.
match_columns <- function(est, truth) {
  K <- ncol(truth)
  perms <- all_permutations(K)
  cost <- apply(perms, 1L, function(p) max(abs(est[, p, drop = FALSE] - truth)))
  est[, perms[which.min(cost), ], drop = FALSE]
}

all_permutations <- function(K) {
  if (K == 1L) return(matrix(1L, 1L, 1L))
  sub <- all_permutations(K - 1L)
  do.call(rbind, lapply(seq_len(K), function(i) {
    cbind(i, matrix(setdiff(seq_len(K), i)[sub], nrow(sub)))
  }))
}

# Evaluates `expr`, collecting (and muffling) its warnings: list(value, warnings).
collect_warnings <- function(expr) {
  warnings <- character()
  value <- withCallingHandlers(expr, warning = function(w) {
    warnings <<- c(warnings, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  list(value = value, warnings = warnings)
}

# A tiny gaussian mixture of experts that EM fits in a couple of iterations from the true
# labels, for printed output that does not depend on the platform's last digits.
tiny_data <- function() {
  set.seed(3)
  d <- rmoe(40, experts = cbind(c(2, 1), c(-2, -1)), gating = cbind(0, c(0, 2)), sigma = 0.3,
            intercept = TRUE)
  comp <- attr(d, "truth")$component
  d <- data.frame(y = round(d$y, 2), x1 = round(d$x1, 2))
  attr(d, "labels") <- cbind(as.numeric(comp == 1), as.numeric(comp == 2))
  d
}

# Two binomial experts on x1 with a gate on x2, well identified (see test-recovery.R).
binomial_moe_data <- function(n, seed, gate_slope = 3) {
  set.seed(seed)
  rmoe(n, experts = cbind(c(-0.5, 1.5, 0), c(0.5, -1.5, 0)),
       gating = cbind(0, c(0, 0, gate_slope)), family = "binomial", intercept = TRUE)
}

# Starting posterior probabilities that lean towards the true labels `component` (weight about
# 2/3) with random noise, so that EM from them follows a stable path to the right optimum.
informed_posterior <- function(component, K, seed = 7) {
  set.seed(seed)
  n <- length(component)
  p <- matrix(runif(n * K, 0, 0.5), n, K)
  p[cbind(seq_len(n), component)] <- p[cbind(seq_len(n), component)] + 1
  p / rowSums(p)
}
