# The tables of bench/RESULTS.md from bench/threads.R's output: for each load and n, each
# version's seconds per fit with one thread and with the default threads (the median of the
# repeats, the range beside it) and the ratio default / one thread, each repeat's two runs
# (run one after the other) paired: the median of the repeats' ratios, their range beside it.
# `others` is the busy fraction of the cores taken by other users' work during those runs.
#
#   Rscript bench/threads-report.R bench/threads.csv [bench/more.csv ...]
args <- commandArgs(trailingOnly = TRUE)
runs <- do.call(rbind, lapply(args, utils::read.csv, colClasses = c(loglik = "character",
                                                                     threads = "character")))
# the repeat of each run: each version and setting runs once a repeat, in the file's order
runs$r <- stats::ave(seq_len(nrow(runs)), runs$label, runs$load, runs$n, runs$threads,
                     FUN = seq_along)
# every version and setting must have made the same fits (the threads change no bit of them)
same <- tapply(runs$loglik, list(runs$n), function(l) length(unique(l)) == 1L)
if (!all(same)) warning("fits differ at n = ", paste(names(same)[!same], collapse = ", "))
cell <- function(s) {
  digits <- if (median(s) < 0.1) 4L else 3L
  sprintf("%.*f (%.*f-%.*f)", digits, median(s), digits, min(s), digits, max(s))
}
labels <- unique(runs$label)
loads <- c("0" = "no busy loop", "1" = "one busy loop", "2" = "two busy loops")
for (load in sort(unique(runs$load))) {
  at <- runs[runs$load == load, ]
  cat(sprintf("\n%s (others' work: median %.2f cores, %.2f-%.2f)\n\n", loads[[as.character(load)]],
              median(at$others), min(at$others), max(at$others)))
  head <- c("n", unlist(lapply(labels, function(l)
    paste0(l, c(": 1 thread", ": default", ": default / 1")))))
  cat("|", paste(head, collapse = " | "), "|\n")
  cat("|", paste(rep("---", length(head)), collapse = " | "), "|\n")
  for (n in sort(unique(at$n))) {
    cells <- unlist(lapply(labels, function(l) {
      one <- at[at$label == l & at$n == n & at$threads == "1", ]
      default <- at[at$label == l & at$n == n & at$threads == "default", ]
      ratio <- default$seconds / one$seconds[match(default$r, one$r)]
      c(cell(one$seconds), cell(default$seconds),
        sprintf("%.2f (%.2f-%.2f)", median(ratio), min(ratio), max(ratio)))
    }))
    cat("|", paste(c(format(n, big.mark = ",", scientific = FALSE), cells), collapse = " | "),
        "|\n")
  }
}
