# Reproduces Figures 1 and 2 of Fruytier, Mokhtari and Sanghavi (2025): EM, gradient EM and
# gradient descent on the symmetric mixtures of two linear (SymMoLinE) and two logistic
# (SymMoLogE) experts, over many random instances, from one start per instance, for a fixed
# budget of iterations.  Writes a small summary table (mean and quartiles per method and
# iteration) that the vignette "EM versus gradient descent" reads.
#
#   Rscript paper-synthetic.R [instances] [output.rds]
#
# Settings: d = 10 covariates x ~ N(0, I), n = 5000 observations, no intercept.  Each instance
# draws beta* and w* uniformly on spheres (radii below: for SymMoLinE ||beta*|| / sigma = 2
# with sigma = 1 known), and the start beta_0 uniformly on the sphere of a tenth of beta*'s
# radius (relative error about 1), w_0 = 0.  EM's M-steps are solved to inner_tol (no
# inner_slack).  Gradient EM steps each block by the inverse of a
# bound on Q's curvature; gradient descent uses Armijo backtracking.  L(theta*) is the lowest
# objective reached, in practice at EM's limit from the same start (run to |change| < 1e-14).

args <- commandArgs(trailingOnly = TRUE)
instances <- if (length(args) >= 1L) as.integer(args[[1L]]) else 50L
output <- if (length(args) >= 2L) args[[2L]] else "paper-synthetic.rds"
library(moem)

settings <- list(
  gaussian = list(d = 10L, n = 5000L, beta_norm = 2, gate_norm = 1, iterations = 100L),
  binomial = list(d = 10L, n = 5000L, beta_norm = 8, gate_norm = 4, iterations = 100L)
)

on_sphere <- function(d, radius) {
  u <- rnorm(d)
  radius * u / sqrt(sum(u^2))
}

run_instance <- function(seed, family) {
  set.seed(seed)
  s <- settings[[family]]
  beta <- on_sphere(s$d, s$beta_norm)
  w <- on_sphere(s$d, s$gate_norm)
  data <- rmoe(s$n, experts = beta, gating = w, family = family, symmetric = TRUE)
  sigma <- if (family == "gaussian") 1
  formula <- reformulate(paste0("x", seq_len(s$d)), "y", intercept = FALSE)
  start <- list(experts = on_sphere(s$d, s$beta_norm / 10), gating = rep(0, s$d))
  cmp <- moem_compare(formula, data, symmetric = TRUE, family = family, sigma = sigma,
                      init = start, truth = list(experts = beta, gating = w),
                      control = moem_control(maxit = s$iterations, tol = 0, inner_slack = 0))
  em <- attr(cmp, "fits")$em
  limit <- moem(formula, data, symmetric = TRUE, family = family, sigma = sigma, init = em,
                control = moem_control(maxit = 5000, tol = 1e-14))
  best <- min(limit$trace$objective, cmp$objective)
  data.frame(instance = seed, family = family, method = cmp$method, iter = cmp$iter,
             gap = cmp$objective - best, beta_error = cmp$beta_error,
             gate_error = cmp$gate_error, seconds = cmp$seconds)
}

summarise <- function(runs) {
  keys <- unique(runs[c("family", "method", "iter")])
  stats <- lapply(seq_len(nrow(keys)), function(i) {
    r <- runs[runs$family == keys$family[i] & runs$method == keys$method[i] &
                runs$iter == keys$iter[i], ]
    one <- function(v, name) {
      q <- stats::quantile(v, c(0.25, 0.5, 0.75), names = FALSE)
      setNames(c(mean(v), q), paste0(name, c("_mean", "_q25", "_median", "_q75")))
    }
    as.data.frame(as.list(c(one(pmax(r$gap, 0), "gap"), one(r$beta_error, "beta_error"),
                            one(r$gate_error, "gate_error"), one(r$seconds, "seconds"))))
  })
  cbind(keys, do.call(rbind, stats))
}

started <- Sys.time()
runs <- do.call(rbind, lapply(c("gaussian", "binomial"), function(family) {
  do.call(rbind, lapply(seq_len(instances), run_instance, family = family))
}))
result <- list(summary = summarise(runs), settings = settings, instances = instances,
               seconds = as.numeric(difftime(Sys.time(), started, units = "secs")),
               machine = paste(Sys.info()[c("sysname", "release", "machine")], collapse = " "),
               r_version = R.version.string, blas = extSoftVersion()[["BLAS"]],
               blas_path = sessionInfo()$BLAS)
saveRDS(result, output, compress = "xz")
cat("wrote", output, "in", round(result$seconds, 1), "seconds\n")
