# Size and power of anova(test = "bootstrap"), the parametric bootstrap likelihood-ratio test
# of K = 1 against K = 2 gaussian experts (y ~ x1, the gate on x1), n = 150, B = 39 replicates
# per data set, each refit with 2 random starts, as the observed K = 2 fit is.
#   size:  data sets simulated from one expert, y = 1 + x1 + N(0, 1);
#   power: data sets from two experts, y = +-0.6 + x1 + N(0, 0.6^2), the gate
#          log-odds 2 x1 (so the experts overlap and the test has something to find).
# Each data set's p-value is written to bench/bootstrap.csv as it is done; the same command
# resumes a stopped run.  The rejection rates at 5% and 10%, with their Monte Carlo standard
# errors sqrt(p (1 - p) / N), go to the console.  From the root of the sources:
#   Rscript bench/bootstrap.R [data sets under the null] [data sets under the alternative]
args <- commandArgs(trailingOnly = TRUE)
n_size <- as.integer(if (length(args) >= 1L) args[[1L]] else 200L)
n_power <- as.integer(if (length(args) >= 2L) args[[2L]] else 100L)
library(moem)
n <- 150L
B <- 39L
out <- "bench/bootstrap.csv"
done <- if (file.exists(out)) utils::read.csv(out) else NULL

simulate_case <- function(scenario, i) {
  set.seed(1000L * (scenario == "power") + i)
  if (scenario == "size") {
    return(rmoe(n, experts = cbind(c(1, 1)), gating = cbind(c(0, 0)), intercept = TRUE))
  }
  rmoe(n, experts = cbind(c(0.6, 1), c(-0.6, 1)), gating = cbind(0, c(0, 2)), sigma = 0.6,
       intercept = TRUE)
}

for (scenario in c("size", "power")) {
  count <- if (scenario == "size") n_size else n_power
  for (i in setdiff(seq_len(count), done$dataset[done$scenario == scenario])) {
    d <- simulate_case(scenario, i)
    seconds <- system.time({
      one <- moem(y ~ x1, data = d, K = 1)
      two <- suppressWarnings(moem(y ~ x1, data = d, K = 2, nstart = 2))
      a <- suppressWarnings(anova(one, two, test = "bootstrap", B = B, nstart = 2))
    })[["elapsed"]]
    row <- data.frame(scenario = scenario, dataset = i, n = n, B = B, lrt = a$LRT[2L],
                      p_value = a$`Pr(boot)`[2L], seconds = seconds)
    done <- rbind(done, row)
    utils::write.csv(done, out, row.names = FALSE)
  }
}

rates <- do.call(rbind, lapply(split(done, done$scenario), function(r) {
  do.call(rbind, lapply(c(0.05, 0.10), function(level) {
    p <- mean(r$p_value <= level)
    data.frame(scenario = r$scenario[1L], data_sets = nrow(r), level = level, rejected = p,
               mc_se = sqrt(p * (1 - p) / nrow(r)), seconds = sum(r$seconds))
  }))
}))
print(rates, row.names = FALSE)
cat("BLAS:", sessionInfo()$BLAS, "\nLAPACK:", sessionInfo()$LAPACK, "\n")
