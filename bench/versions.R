# Two builds of moem side by side on the same machine in the same run: the speed target's fit
# (bench/peers-one.R: gaussian experts, n = 2e4, d = 5, K = 3, the gate on all covariates,
# seeds 1-5, default threads, and again with options(moem.threads = 1): "target-1") and the
# Fashion-MNIST EM iteration
# (bench/fashion-mnist-iteration.R).  Each run is a fresh R process whose library path puts one
# build first; the builds alternate run by run, so that a drift of the shared machine falls on
# both.  Prints the median seconds of each case and build, their range, and the ratio new / old,
# and writes every run to a CSV file.
#
#   Rscript bench/versions.R <old library> <new library> [repeats = 5] [output = bench/versions.csv]
#
# Each library holds an installed moem (R CMD INSTALL -l <library> <source>).
args <- commandArgs(trailingOnly = TRUE)
libraries <- c(old = args[[1L]], new = args[[2L]])
repeats <- if (length(args) >= 3L) as.integer(args[[3L]]) else 5L
output <- if (length(args) >= 4L) args[[4L]] else "bench/versions.csv"
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE)))

# One run of a case with one build: its seconds (the fit's, or the median EM iteration's).
run_once <- function(library, case, seed) {
  env <- paste0("R_LIBS=", library)
  if (case == "target-1") {
    profile <- tempfile(fileext = ".R")
    writeLines("options(moem.threads = 1L)", profile)
    env <- c(env, paste0("R_PROFILE_USER=", profile))
  }
  if (case %in% c("target", "target-1")) {
    out <- suppressWarnings(system2("env", c(env, "Rscript", file.path(here, "peers-one.R"),
                                             "moem", "gaussian", 3, 5, 20000, "all", seed),
                                    stdout = TRUE, stderr = FALSE))
    line <- grep("^package=", out, value = TRUE)
    if (!length(line)) return(NA_real_)
    return(as.numeric(sub(".*seconds=([^ ]+).*", "\\1", line)))
  }
  out <- suppressWarnings(system2("env", c(env, "Rscript",
                                           file.path(here, "fashion-mnist-iteration.R")),
                                  stdout = TRUE, stderr = FALSE))
  line <- grep("^EM iteration:", out, value = TRUE)
  if (!length(line)) return(NA_real_)
  as.numeric(sub("EM iteration: ([0-9.]+) s.*", "\\1", line))
}

cases <- c("target", "target-1", "fashion-mnist")
runs <- list()
for (r in seq_len(repeats)) {
  for (case in cases) {
    seeds <- if (case == "fashion-mnist") 1L else 1:5
    for (seed in seeds) {
      # alternate which build goes first
      order <- if ((r + seed) %% 2L == 0L) c("old", "new") else c("new", "old")
      for (build in order) {
        seconds <- run_once(libraries[[build]], case, seed)
        runs[[length(runs) + 1L]] <- data.frame(case = case, seed = seed, build = build,
                                                repeat_index = r, seconds = seconds)
      }
    }
  }
}
runs <- do.call(rbind, runs)
utils::write.csv(runs, output, row.names = FALSE)
# per case and build: the median over repeats of each seed's time, summed over seeds
summary_of <- function(case, build) {
  rows <- runs[runs$case == case & runs$build == build, ]
  per_seed <- tapply(rows$seconds, rows$seed, stats::median)
  total <- tapply(rows$seconds, rows$repeat_index, sum)
  c(median = sum(per_seed), low = min(total), high = max(total))
}
for (case in cases) {
  old <- summary_of(case, "old")
  new <- summary_of(case, "new")
  cat(sprintf("%-14s old %.3f s (runs %.3f-%.3f)  new %.3f s (runs %.3f-%.3f)  new/old %.2f\n",
              case, old[["median"]], old[["low"]], old[["high"]], new[["median"]],
              new[["low"]], new[["high"]], new[["median"]] / old[["median"]]))
}
cat(R.version.string, "; BLAS ", extSoftVersion()[["BLAS"]], "; ",
    parallel::detectCores(), " cores\n", sep = "")
