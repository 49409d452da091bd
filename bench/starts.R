# Start strategies of moem() side by side (issue 16): for each case (simulated mixtures of
# experts, flexmix's NPreg and patent data, MoEClust's ais data when it is installed), each
# strategy ("random", "kmeans", "quantile", "short_em") with nstart = 1, 5 and 20, repeated with
# `reps` seeds: the final log-likelihood, its gap to the best over all strategies and runs of
# the case, whether a degenerate-fit rule applied (sigma floor, frozen expert), and the time.
#
#   Rscript bench/starts.R [reps = 20] [output = bench/starts.csv]
#
# One process, runs one after the other (the machine is shared); about 7 minutes of CPU.
args <- commandArgs(trailingOnly = TRUE)
reps <- if (length(args) >= 1L) as.integer(args[[1L]]) else 20L
output <- if (length(args) >= 2L) args[[2L]] else "bench/starts.csv"
suppressPackageStartupMessages(library(moem))

simulated <- function(experts, gating, family = "gaussian", sigma = 0.5, n = 1000, seed = 1) {
  set.seed(seed)
  if (family == "gaussian") {
    rmoe(n, experts = experts, gating = gating, sigma = sigma, intercept = TRUE)
  } else {
    rmoe(n, experts = experts, gating = gating, family = family, intercept = TRUE)
  }
}
gate2 <- cbind(0, c(0, 2, -1))
gate3 <- cbind(0, c(0.2, 2, 0), c(-0.2, 0, 2))
e2 <- cbind(c(2, 1, 0), c(-2, -1, 1))
e3 <- cbind(c(3, 1, 0), c(-3, -1, 1), c(0, 0, -2))
cases <- list(
  list(name = "gaussian K=2 separated", data = simulated(e2, gate2), formula = y ~ x1 + x2,
       gating = ~ x1 + x2, K = 2, family = "gaussian"),
  list(name = "gaussian K=2 overlapping", data = simulated(e2 / 4, gate2, sigma = 1),
       formula = y ~ x1 + x2, gating = ~ x1 + x2, K = 2, family = "gaussian"),
  list(name = "gaussian K=3 separated", data = simulated(e3, gate3), formula = y ~ x1 + x2,
       gating = ~ x1 + x2, K = 3, family = "gaussian"),
  list(name = "gaussian K=3 overlapping", data = simulated(e3 / 3, gate3, sigma = 1),
       formula = y ~ x1 + x2, gating = ~ x1 + x2, K = 3, family = "gaussian"),
  list(name = "poisson K=2", data = simulated(cbind(c(1, 0.5, 0), c(2.5, -0.5, 0.3)), gate2,
                                              family = "poisson"),
       formula = y ~ x1 + x2, gating = ~ x1 + x2, K = 2, family = "poisson")
)
data("NPreg", package = "flexmix")
data("patent", package = "flexmix")
cases <- c(cases, list(
  list(name = "NPreg yn K=2", data = NPreg, formula = yn ~ x + I(x^2), gating = ~ 1, K = 2,
       family = "gaussian"),
  list(name = "NPreg yp K=2", data = NPreg, formula = yp ~ x, gating = ~ 1, K = 2,
       family = "poisson"),
  list(name = "patent K=3", data = patent, formula = Patents ~ lgRD, gating = ~ RDS, K = 3,
       family = "poisson")
))
if (requireNamespace("MoEClust", quietly = TRUE)) {
  data("ais", package = "MoEClust")
  cases <- c(cases, list(
    list(name = "ais Bfat K=3", data = ais, formula = Bfat ~ SSF + LBM, gating = ~ sex + BMI,
         K = 3, family = "gaussian"),
    list(name = "ais BMI K=3", data = ais, formula = BMI ~ Wt + Ht, gating = ~ sex + BMI,
         K = 3, family = "gaussian")
  ))
} else {
  message("MoEClust is not installed: the ais cases are left out.")
}

strategies <- c("random", "kmeans", "quantile", "short_em")
rows <- list()
for (cs in cases) {
  for (nstart in c(1L, 5L, 20L)) for (strategy in strategies) for (r in seq_len(reps)) {
    set.seed(1000 + r)
    warnings <- character()
    seconds <- system.time(fit <- withCallingHandlers(
      moem(cs$formula, gating = cs$gating, data = cs$data, K = cs$K, family = cs$family,
           init = strategy, nstart = nstart),
      warning = function(w) {
        warnings <<- c(warnings, conditionMessage(w))
        invokeRestart("muffleWarning")
      }))[["elapsed"]]
    rows[[length(rows) + 1L]] <- data.frame(
      case = cs$name, strategy = strategy, nstart = nstart, rep = r, loglik = fit$loglik,
      iter = fit$iter, converged = fit$converged, degenerate = any(fit$degenerate),
      floored = any(grepl("floor|limit", warnings)), seconds = seconds)
  }
  cat(cs$name, "done\n")
}
results <- do.call(rbind, rows)
best <- tapply(results$loglik, results$case, max)
results$gap <- best[results$case] - results$loglik
# reached: within 1e-6 of the best log-likelihood, relative (and 1e-3 absolute)
results$reached <- results$gap <= 1e-6 * abs(best[results$case]) + 1e-3
utils::write.csv(results, output, row.names = FALSE)

# The summary for bench/RESULTS.md: per strategy and nstart, over cases and seeds.
summary_rows <- do.call(rbind, lapply(split(results, list(results$strategy, results$nstart)),
  function(d) data.frame(strategy = d$strategy[1L], nstart = d$nstart[1L],
                         reached = mean(d$reached), median_gap = stats::median(d$gap),
                         q90_gap = unname(stats::quantile(d$gap, 0.9)),
                         max_gap = max(d$gap), degenerate = mean(d$degenerate),
                         median_seconds = stats::median(d$seconds),
                         total_seconds = sum(d$seconds))))
print(summary_rows[order(summary_rows$nstart, summary_rows$strategy), ], digits = 3,
      row.names = FALSE)
per_case <- aggregate(cbind(reached, degenerate) ~ case + strategy + nstart, results, mean)
print(per_case[order(per_case$case, per_case$nstart, per_case$strategy), ], digits = 2,
      row.names = FALSE)
